"""Sets of database triggers that Spor installs itself, on SQLite and PostgreSQL alike.

Two parts of Spor keep tables in step with the data by triggers: the local outcomes' counts
(:mod:`spor.measurement.outcomes`) and the evaluation page's data versions
(:mod:`spor.evaluation.web.versions`). Their SQL is made by code (it holds limits and names
from the code), so a migration cannot hold it: each set is installed after every
``migrate`` by :meth:`TriggerSet.ensure`, which compares what the database holds with what
the code makes and, if they differ, drops every trigger and function of the set's prefix and
installs the set again. A SQLite table rebuilt by a later migration loses its triggers; a
renamed trigger or function would otherwise stay behind beside the new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PgTrigger", "TriggerSet"]


@dataclass(frozen=True)
class PgTrigger:
    """One PostgreSQL row trigger: ``event`` (``AFTER INSERT OR DELETE``, ``AFTER UPDATE OF
    …``), its table, a ``WHEN`` condition (empty: none), the function it runs and the
    function's arguments (``TG_ARGV``)."""

    event: str
    table: str
    condition: str
    function: str
    args: tuple[str, ...] = ()

    def sql(self, name: str) -> list[str]:
        when = f" WHEN ({self.condition})" if self.condition else ""
        args = ", ".join(f"'{a}'" for a in self.args)
        return [
            f"DROP TRIGGER IF EXISTS {name} ON {self.table}",
            f"CREATE TRIGGER {name} {self.event} ON {self.table} FOR EACH ROW{when}"
            f" EXECUTE FUNCTION {self.function}({args})",
        ]


@dataclass(frozen=True)
class TriggerSet:
    """The triggers of one part of Spor, every name starting with ``prefix``.

    ``pg_functions``: function name → its PL/pgSQL body (as ``pg_proc.prosrc`` keeps it);
    ``pg_triggers``: trigger name → :class:`PgTrigger`; ``sqlite``: trigger name → its
    ``CREATE TRIGGER`` statement (as ``sqlite_master.sql`` keeps it). ``tables``: what must
    exist before the set can be installed (a migration before the set's own has none)."""

    prefix: str
    pg_functions: Callable[[], dict[str, str]]
    pg_triggers: Callable[[], dict[str, PgTrigger]]
    sqlite: Callable[[], dict[str, str]]
    tables: frozenset[str] = field(default_factory=frozenset)

    def _like(self) -> str:
        # '_' is LIKE's one-character wildcard: escaped, the prefix matches only itself.
        return self.prefix.replace("_", r"\_") + "%"

    def pg_install_sql(self) -> list[str]:
        sql = [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql"
            f" AS $fn${body}$fn$"
            for name, body in self.pg_functions().items()
        ]
        for name, trigger in self.pg_triggers().items():
            sql += trigger.sql(name)
        return sql

    def _pg_installed(self, cursor: Any) -> tuple[dict[str, str], dict[str, str]]:
        """The installed functions (name → body) and triggers (name → table) of the set."""
        cursor.execute("SELECT proname, prosrc FROM pg_proc WHERE proname LIKE %s", [self._like()])
        functions = dict(cursor.fetchall())
        cursor.execute(
            "SELECT tgname, relname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid"
            " WHERE tgname LIKE %s AND NOT tgisinternal",
            [self._like()],
        )
        return functions, dict(cursor.fetchall())

    def _sqlite_installed(self, cursor: Any) -> dict[str, str]:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s"
            " ESCAPE '\\'",
            [self._like()],
        )
        return dict(cursor.fetchall())

    def installed(self, cursor: Any, vendor: str) -> bool:
        """Whether the database holds exactly the triggers (and functions) this code makes."""
        if vendor == "postgresql":
            functions, triggers = self._pg_installed(cursor)
            return functions == self.pg_functions() and set(triggers) == set(self.pg_triggers())
        return self._sqlite_installed(cursor) == self.sqlite()

    def _drop_sql(self, cursor: Any, vendor: str, *, keep_functions: bool) -> list[str]:
        """Statements that drop every trigger of the set the database holds, and its
        functions (with ``keep_functions``, those the code no longer makes: the others are
        replaced in place)."""
        if vendor != "postgresql":
            return [f"DROP TRIGGER IF EXISTS {name}" for name in self._sqlite_installed(cursor)]
        functions, triggers = self._pg_installed(cursor)
        kept = self.pg_functions() if keep_functions else {}
        return [f"DROP TRIGGER IF EXISTS {t} ON {table}" for t, table in triggers.items()] + [
            f"DROP FUNCTION IF EXISTS {f}()" for f in functions if f not in kept
        ]

    def uninstall(self, schema_editor: Any) -> None:
        """Drop the set (its migration backwards, before its tables go)."""
        vendor = schema_editor.connection.vendor
        if vendor not in ("sqlite", "postgresql"):
            return
        with schema_editor.connection.cursor() as cursor:
            statements = self._drop_sql(cursor, vendor, keep_functions=False)
        for sql in statements:
            schema_editor.execute(sql)

    def ensure(self, connection: Any, *, then: Callable[[Any, str], None]) -> bool:
        """Install the set if the database does not hold exactly it, and then call
        ``then(cursor, vendor)`` (the data the triggers would have kept, made again: writes
        may have been missed while they were not installed). Run by ``migrate``, as the
        owner with the system switch on. True if it installed."""
        vendor = connection.vendor
        if vendor not in ("sqlite", "postgresql"):
            return False
        if not self.tables <= set(connection.introspection.table_names()):
            return False
        with connection.cursor() as cursor:
            if self.installed(cursor, vendor):
                return False
            statements = self._drop_sql(cursor, vendor, keep_functions=True)
            statements += (
                self.pg_install_sql() if vendor == "postgresql" else list(self.sqlite().values())
            )
            for sql in statements:
                cursor.execute(sql)
            then(cursor, vendor)
        return True
