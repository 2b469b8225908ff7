from typing import Any

from django.db import migrations, models


def analyze_on_sqlite(apps: Any, schema_editor: Any) -> None:
    """SQLite plans by the statistics ``ANALYZE`` keeps per index, and a new index comes
    without them: a database in use could then take it for other case queries (see
    concerns 0006). PostgreSQL keeps statistics per column."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("ANALYZE cases_case")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_intervention_needs"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["municipality", "opened_on", "id"], name="case_muni_opened_id"
            ),
        ),
        migrations.RunPython(analyze_on_sqlite, migrations.RunPython.noop),
    ]
