"""Row-level security on the archive tables, and the one deliberate way past the access
log's append-only trigger: the retention job sets the transaction-local setting
``spor.retention`` to ``on`` (``spor.archive.services``) and only then may an entry be deleted
or anonymised. Everything else is still refused, as before (docs/retention.md)."""

from typing import Any

from django.db import migrations

from spor.tenancy.rls import EnableTenantRLS

FORWARD = """
CREATE OR REPLACE FUNCTION spor_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'audit_accesslogentry'
       AND coalesce(current_setting('spor.retention', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'Adgangsloggen er kun til tilføjelse: ' || TG_OP || ' er ikke tilladt',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# As spor.audit's migration 0002 created it.
BACKWARD = """
CREATE OR REPLACE FUNCTION spor_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'Adgangsloggen er kun til tilføjelse: ' || TG_OP || ' er ikke tilladt',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0001_retention_rules_holds_runs_exports"),
        ("audit", "0002_append_only_and_row_level_security"),
    ]

    operations = [
        EnableTenantRLS("RetentionRule"),
        EnableTenantRLS("ArchiveHold"),
        EnableTenantRLS("RetentionRun"),
        EnableTenantRLS("ArchiveExport"),
        migrations.RunPython(forward, backward),
    ]
