"""The owner's access-log disposal function holds the 24-month floor itself, by the
server's clock: whatever cut-off its caller passes, no entry younger than the floor is
deleted or anonymised (docs/retention.md)."""

from typing import Any

from django.db import migrations

from spor.tenancy import rls

SIGNATURE = "spor_access_log_dispose(bigint, timestamptz, boolean, bigint[])"


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(rls.owner_functions()[SIGNATURE])
    schema_editor.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0002_closed_default_owner_functions_membership_rls")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
