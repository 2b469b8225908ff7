"""Row-level security on PostgreSQL: the second wall behind the scoped selectors.

Each tenant table gets a policy that lets a row through only when its ``municipality_id``
equals the session setting ``spor.municipality_id``. An empty or absent setting means
"system context" (migrations, management commands, the system administrator) and sees all
rows; the web requests of municipality staff always set it, and anonymous requests set it
to a municipality that does not exist. ``FORCE ROW LEVEL SECURITY`` makes the policy bind
the table owner too, so Spor's own database role is held by it (a superuser is not:
Spor must not connect as one; ``docs/tenancy.md``).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SETTING = "spor.municipality_id"
NO_MUNICIPALITY = "0"
POLICY = "spor_tenant_isolation"


def enable_sql(table: str) -> list[str]:
    condition = (
        f"coalesce(current_setting('{SETTING}', true), '') = '' "
        f"OR municipality_id = nullif(current_setting('{SETTING}', true), '')::bigint"
    )
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'CREATE POLICY {POLICY} ON "{table}" USING ({condition}) WITH CHECK ({condition})',
    ]


def disable_sql(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


class EnableTenantRLS(migrations.operations.base.Operation):
    """Migration operation: put the tenant policy on a model's table (PostgreSQL only)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _table(self, app_label: str, state: Any) -> str:
        return str(state.apps.get_model(app_label, self.model_name)._meta.db_table)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in enable_sql(self._table(app_label, to_state)):
                schema_editor.execute(sql)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in disable_sql(self._table(app_label, from_state)):
                schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rls_{self.model_name.lower()}"
