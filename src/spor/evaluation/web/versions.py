# ruff: noqa: S608 - every name in this SQL is a constant of this module, never input.
"""The version of the data the lead's evaluation page is computed from, kept by the database
on every write (issue #18, goal 5).

The page keeps what it computes in the process (:mod:`spor.lib.memo`): the lattice of each
informant and the figures beside the SDQ (:mod:`spor.evaluation.web.beyond`). Keyed by a
digest of the data, every view still had to read the data to compute the key (two grouped
reads, most of a kept view). Keyed by a version the database keeps on write, a kept view
reads one row: :class:`~spor.evaluation.web.models.DataVersion`, one per municipality, with
a new random value in ``cells`` whenever a write changes what the lattice is read from, and
in ``cases`` whenever one changes what the figures beside the SDQ are read from.

Triggers keep it (SQLite and PostgreSQL alike), in the writer's transaction, so that every
writer is covered without code: the services, imports, retention's deletes and
anonymisations, a rescoring, the cascades of a deleted case or intervention, the demo's and
the benchmarks' bulk inserts. :data:`WATCHED` lists every table and column the two reads
depend on; an update that changes none of them changes no version. An insert creates the
municipality's row if it has none; an update or a delete only changes a row that exists (so
that deleting a municipality's data, as the demo's reset does, leaves no new row behind).
A municipality without a row is read afresh on every view, as before.

On PostgreSQL a transaction gives each version a new value once (its first write; the row
remembers the transaction), and a reader whose own transaction did so reads the data, not
the kept result: within that transaction the version no longer moves. The row is locked
from a transaction's first such write to its end, so two transactions writing the same
municipality's cases, concerns or responses wait for each other there (as they already did
on ``OutcomeCellsState`` for responses).

:func:`ensure` runs after every ``migrate`` (``apps.py``): if the installed triggers are not
the ones this code makes (new code, or a SQLite table rebuilt by a later migration, which
drops its triggers), it installs them again and gives every municipality new versions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from spor.lib import triggers

TABLE = "evaluation_web_dataversion"
PREFIX = "spor_evalver_"
CELLS, CASES = "cells", "cases"
KINDS = (CELLS, CASES)
BOTH = frozenset(KINDS)


@dataclass(frozen=True)
class Watched:
    """What a write to one table changes: ``rows`` the versions an inserted or deleted row
    changes, ``columns`` those an update of each column changes (a changed municipality
    changes all of the table's)."""

    rows: frozenset[str]
    columns: dict[str, frozenset[str]]

    def kinds(self) -> frozenset[str]:
        return self.rows.union(*self.columns.values())


def _cols(kinds: frozenset[str], *names: str) -> dict[str, frozenset[str]]:
    return dict.fromkeys(names, kinds)


_CASES = frozenset([CASES])
_CELLS = frozenset([CELLS])
NONE: frozenset[str] = frozenset()

# What the lattice (spor.evaluation.web.selectors.lattice_cells) and the figures beside the
# SDQ (spor.evaluation.web.beyond._read) are read from. The programme's participation (the
# funded positions) and the catalogue's targets are read on every view instead.
WATCHED: dict[str, Watched] = {
    # The responses: every column the grouped read reads (the stored score and band columns
    # are generated from ``scores``).
    "measurement_response": Watched(
        _CELLS,
        _cols(
            _CELLS,
            "delivery_id",
            "phase",
            "informant",
            "form",
            "scores",
            "norm_set",
            "answered_at",
        ),
    ),
    "cases_delivery": Watched(BOTH, _cols(BOTH, "case_id", "intervention_id")),
    "cases_case": Watched(
        _CASES,
        {
            "child_id": BOTH,
            **_cols(
                _CASES,
                "opened_on",
                "status",
                "closed_on",
                "close_psychiatry",
                "close_special_education",
                "close_social_measures",
                "close_medication",
                "source_concern_id",
            ),
        },
    ),
    "cases_intervention": Watched(BOTH, _cols(BOTH, "kind", "level")),
    "concerns_concern": Watched(_CASES, _cols(_CASES, "child_id", "created_at")),
    "concerns_concernevent": Watched(
        _CASES, _cols(_CASES, "concern_id", "at", "author_id", "kind")
    ),
    # Whether an event's author is PPR (a new membership has no events yet).
    "accounts_membership": Watched(NONE, _cols(_CASES, "role")),
    # The age at the baseline (a child with a case cannot be deleted).
    "registry_child": Watched(NONE, _cols(_CELLS, "birth_date")),
}


# --------------------------------------------------------------------------- SQLite

_SQLITE_NEW = "lower(hex(randomblob(16)))"


def _sqlite_update(kinds: frozenset[str], where: str) -> str:
    sets = ", ".join(f"{k} = {_SQLITE_NEW}" for k in KINDS if k in kinds)
    return f"UPDATE {TABLE} SET {sets} WHERE {where};"


def _sqlite_insert(kinds: frozenset[str]) -> str:
    sets = ", ".join(f"{k} = excluded.{k}" for k in KINDS if k in kinds)
    return (
        f"INSERT INTO {TABLE} (municipality_id, cells, cases)"
        f" VALUES (NEW.municipality_id, {_SQLITE_NEW}, {_SQLITE_NEW})"
        f" ON CONFLICT (municipality_id) DO UPDATE SET {sets};"
    )


def _changed(columns: list[str], distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in ["municipality_id", *columns])


def _update_columns(w: Watched, kind: str) -> list[str]:
    """The columns whose update changes ``kind`` (and the municipality, which changes all)."""
    return [c for c, kinds in w.columns.items() if kind in kinds]


def _sqlite() -> dict[str, str]:
    """Trigger name → its CREATE statement (as SQLite keeps it in ``sqlite_master``)."""
    out: dict[str, str] = {}
    for table, w in WATCHED.items():
        if w.rows:
            name = f"{PREFIX}{table}_insert"
            out[name] = (
                f"CREATE TRIGGER {name} AFTER INSERT ON {table} BEGIN {_sqlite_insert(w.rows)} END"
            )
            name = f"{PREFIX}{table}_delete"
            out[name] = (
                f"CREATE TRIGGER {name} AFTER DELETE ON {table}"
                f" BEGIN {_sqlite_update(w.rows, 'municipality_id = OLD.municipality_id')} END"
            )
        for kind in KINDS:
            if kind not in w.kinds():
                continue
            name = f"{PREFIX}{table}_update_{kind}"
            where = "municipality_id IN (OLD.municipality_id, NEW.municipality_id)"
            out[name] = (
                f"CREATE TRIGGER {name} AFTER UPDATE ON {table}"
                f" WHEN {_changed(_update_columns(w, kind), 'IS NOT')}"
                f" BEGIN {_sqlite_update(frozenset([kind]), where)} END"
            )
    return out


# --------------------------------------------------------------------------- PostgreSQL

FUNCTION = f"{PREFIX}changed"


def _pg_sets(new: str) -> str:
    """The new values of the row ``v`` for the versions this trigger changes (``c``: cells,
    ``k``: cases), each once per transaction ``x``."""
    return ", ".join(
        f"{kind} = CASE WHEN {flag} AND v.{kind}_xact IS DISTINCT FROM x THEN {new.format(kind)}"
        f" ELSE v.{kind} END, {kind}_xact = CASE WHEN {flag} THEN x ELSE v.{kind}_xact END"
        for kind, flag in ((CELLS, "c"), (CASES, "k"))
    )


def _pg_function() -> str:
    """The function's body (as PostgreSQL keeps it in ``pg_proc.prosrc``), with a digest of
    the triggers' definitions, so that :func:`ensure` sees a changed trigger there too."""
    digest = hashlib.sha256("\n".join(_pg_trigger_sql()).encode()).hexdigest()[:16]
    due = "((c AND v.cells_xact IS DISTINCT FROM x) OR (k AND v.cases_xact IS DISTINCT FROM x))"
    return (
        f"\n-- triggers {digest}\n"
        "DECLARE\n"
        "  x bigint := pg_current_xact_id()::text::bigint;\n"
        "  c boolean := 'cells' = ANY (TG_ARGV);\n"
        "  k boolean := 'cases' = ANY (TG_ARGV);\n"
        "BEGIN\n"
        "IF TG_OP = 'INSERT' THEN\n"
        f"  INSERT INTO {TABLE} AS v (municipality_id, cells, cases, cells_xact, cases_xact)\n"
        "  VALUES (NEW.municipality_id, gen_random_uuid()::text, gen_random_uuid()::text, x, x)\n"
        f"  ON CONFLICT (municipality_id) DO UPDATE SET {_pg_sets('EXCLUDED.{}')}\n"
        f"  WHERE {due};\n"
        "ELSIF TG_OP = 'DELETE' THEN\n"
        f"  UPDATE {TABLE} AS v SET {_pg_sets('gen_random_uuid()::text')}\n"
        f"  WHERE v.municipality_id = OLD.municipality_id AND {due};\n"
        "ELSE\n"
        f"  UPDATE {TABLE} AS v SET {_pg_sets('gen_random_uuid()::text')}\n"
        "  WHERE v.municipality_id IN (OLD.municipality_id, NEW.municipality_id)"
        f" AND {due};\n"
        "END IF;\n"
        "RETURN NULL;\n"
        "END\n"
    )


def _pg_triggers() -> dict[str, triggers.PgTrigger]:
    """Trigger name → the trigger, with the versions it changes as the function's arguments."""
    out: dict[str, triggers.PgTrigger] = {}
    for table, w in WATCHED.items():
        if w.rows:
            rows = tuple(k for k in KINDS if k in w.rows)
            out[f"{PREFIX}{table}_rows"] = triggers.PgTrigger(
                "AFTER INSERT OR DELETE", table, "", FUNCTION, rows
            )
        for kind in KINDS:
            if kind in w.kinds():
                condition = _changed(_update_columns(w, kind), "IS DISTINCT FROM")
                out[f"{PREFIX}{table}_update_{kind}"] = triggers.PgTrigger(
                    "AFTER UPDATE", table, condition, FUNCTION, (kind,)
                )
    return out


def _pg_trigger_sql() -> list[str]:
    return [sql for name, t in _pg_triggers().items() for sql in t.sql(name)]


# --------------------------------------------------------------------------- install

TRIGGERS = triggers.TriggerSet(
    prefix=PREFIX,
    pg_functions=lambda: {FUNCTION: _pg_function()},
    pg_triggers=_pg_triggers,
    sqlite=_sqlite,
    tables=frozenset({TABLE, "tenancy_municipality", *WATCHED}),
)


def uninstall(schema_editor: Any) -> None:
    """Drop the triggers (migration 0006 backwards, before the table goes)."""
    TRIGGERS.uninstall(schema_editor)


def renew(cursor: Any, vendor: str) -> None:
    """Every municipality a row with new versions: writes may have been missed while the
    triggers were not installed."""
    new = "gen_random_uuid()::text" if vendor == "postgresql" else _SQLITE_NEW
    xact = ", cells_xact = NULL, cases_xact = NULL" if vendor == "postgresql" else ""
    cursor.execute(
        f"INSERT INTO {TABLE} (municipality_id, cells, cases)"
        f" SELECT id, {new}, {new} FROM tenancy_municipality WHERE TRUE"
        " ON CONFLICT (municipality_id) DO UPDATE SET cells = excluded.cells,"
        f" cases = excluded.cases{xact}"
    )


def ensure(connection: Any) -> bool:
    """Install the triggers and give every municipality new versions if the installed SQL is
    not this code's (run by ``migrate``, as the owner with the system switch on, so that
    every municipality's row is written). True if it did."""
    return TRIGGERS.ensure(connection, then=renew)


# --------------------------------------------------------------------------- the reader


@dataclass(frozen=True)
class Version:
    cells: str
    cases: str


def current(municipality_id: int) -> Version | None:
    """The municipality's versions, or None when they do not say what the data are: no row
    (never written since the triggers were installed), or, on PostgreSQL, a row this
    transaction changed (its later writes would not change it again)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT cells, cases, coalesce(pg_current_xact_id_if_assigned()::text::bigint"
                f" IN (cells_xact, cases_xact), FALSE) FROM {TABLE} WHERE municipality_id = %s",
                [municipality_id],
            )
        else:
            cursor.execute(
                f"SELECT cells, cases, 0 FROM {TABLE} WHERE municipality_id = %s",
                [municipality_id],
            )
        row = cursor.fetchone()
    if row is None or row[2]:
        return None
    return Version(row[0], row[1])
