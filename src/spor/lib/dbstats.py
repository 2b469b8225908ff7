"""Planner statistics after a new index, for migrations.

SQLite plans by the statistics ``ANALYZE`` keeps per index, and a new index comes without
them: it then looks as good as any, and on a database in use the planner took new indexes
for queries they do not serve (a teacher's concern lists scanned every started enrolment of
the municipality: 200 ms at 60,000 children). PostgreSQL keeps its statistics per column
and gathers them by itself, so there is nothing to do there.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

__all__ = ["analyze_on_sqlite"]


def analyze_on_sqlite(*tables: str) -> migrations.RunPython:
    """A migration operation that runs ``ANALYZE`` on ``tables`` on SQLite (nothing to undo,
    nothing on PostgreSQL)."""

    def analyze(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            for table in tables:
                schema_editor.execute(f"ANALYZE {schema_editor.quote_name(table)}")

    return migrations.RunPython(analyze, migrations.RunPython.noop)
