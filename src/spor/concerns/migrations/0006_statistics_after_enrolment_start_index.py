from typing import Any

from django.db import migrations


def analyze_on_sqlite(apps: Any, schema_editor: Any) -> None:
    """SQLite plans by the statistics ``ANALYZE`` keeps per index. The registry's new
    enrolment index (municipality, start, id, child) came without them, and a database that
    has been in use (the benchmarks' ``--reuse``) then chose it for "current enrolments of
    these groups": a teacher's concern lists scanned every enrolment of the municipality
    that had started (200 ms at 60,000 children, 4× the small municipality's). PostgreSQL
    keeps statistics per column (no need)."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("ANALYZE registry_enrolment")


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0005_concern_list_order_indexes"),
        ("registry", "0003_enrolment_start_index"),
    ]

    operations = [migrations.RunPython(analyze_on_sqlite, migrations.RunPython.noop)]
