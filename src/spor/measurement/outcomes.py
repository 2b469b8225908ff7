# ruff: noqa: S608 - every name and value in this SQL is a constant of this module or a name
# of Spor's shipped forms and norm sets (checked by _literal), never input.
"""The local outcomes' counts, kept by the database on every write (issue #18, goal 1).

The "iværksæt indsats" page shows, per intervention, how many similar children of the
municipality had a before and an after measurement of the evaluation's default informant
(the PPR professional) and how many of them improved reliably. Reading every earlier pair of
the municipality made the page grow with the municipality (docs/scaling.md, "The case's
interventions page: local outcomes kept on write"); so the database keeps two small tables
in step with the responses:

* :class:`~spor.measurement.models.OutcomePair`: one row per delivery that has such a pair,
  with what the page needs of it: the intervention, which SDQ subscales the baseline had
  outside the normal range (a band of :data:`spor.cases.matching.BAND_WEIGHT`), and whether
  the total difficulties score improved by more than the reliable-change limit of the
  baseline's form and norm set (:func:`spor.sdq.rci_details`);
* :class:`~spor.measurement.models.OutcomeCount`: the number of those rows per
  (municipality, intervention, the five flags, improved) - at most 64 rows per intervention,
  whatever the municipality's size. The page reads these.

Triggers keep them (SQLite and PostgreSQL alike), so that every writer is covered without
code: the services that answer, type in and delete responses, a delivery's new intervention
or deletion, a case's child, retention's deletes, a rescoring, the demo's and the
benchmarks' bulk inserts. A changed response or delivery makes its delivery's pair be read
again from the tables (delete, insert: idempotent, so a statement of many rows, whose
PostgreSQL row triggers fire at its end, gives the same counts as one row at a time); a pair
row inserted or deleted moves its count by one.

The reliable-change limits and the raised bands are written into the trigger SQL from
:mod:`spor.sdq` and :mod:`spor.cases.matching` when it is installed. :func:`ensure` runs
after every ``migrate`` (``apps.py``): if the installed SQL is not the SQL this code makes
(a new norm set, a changed limit or band weight, or a SQLite table rebuilt by a later
migration, which drops its triggers), it installs it again and rebuilds both tables from
the responses. Backups carry both tables (``pg_restore`` loads the data before it creates
the triggers; SQLite's backup copies pages).
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

from spor import sdq
from spor.cases import matching
from spor.lib import triggers
from spor.measurement import questionnaire
from spor.measurement.models import Informant, Phase

# The evaluation's default informant (spor.measurement.needs.OUTCOME_INFORMANT).
INFORMANT = Informant.PROFESSIONAL.value
BEFORE, AFTER = Phase.BEFORE.value, Phase.AFTER.value
SUBSCALES = tuple(matching.SDQ_NEEDS)  # emotional, peer, conduct, hyperactivity, prosocial
PAIRS = "measurement_outcomepair"
COUNTS = "measurement_outcomecount"
KEY = ("municipality_id", "intervention_id", *SUBSCALES, "improved")
PAIR_COLUMNS = ("delivery_id", *KEY)
PREFIX = "spor_outcome_"
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def raised_bands() -> list[str]:
    """The bands that make a subscale a need (:func:`spor.cases.matching.sdq_needs`)."""
    return sorted(b for b, w in matching.BAND_WEIGHT.items() if w > 0)


def change_limits() -> dict[tuple[str, str], float]:
    """(form, norm set id) → the reliable-change limit of the total score, for every form
    and norm set Spor ships that has one; a pair of any other form or norm set is not
    counted (as :func:`spor.measurement.needs` did: ``rci_details`` fails for it)."""
    out: dict[tuple[str, str], float] = {}
    for form in sdq.list_forms():
        for norm_set in sdq.list_norm_sets():
            try:
                p = sdq.rci_details(questionnaire.sdq_informant(form), "total", norm_set)
            except sdq.SDQError:
                continue
            if math.isfinite(p.critical_change):
                out[(form, norm_set)] = float(p.critical_change)
    return out


def _literal(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(name)
    return f"'{name}'"


def _select(vendor: str, where: str) -> str:
    """The pairs (``PAIR_COLUMNS``) of the deliveries ``where`` picks (``b`` the before
    response, ``d`` the delivery), read as :func:`spor.measurement.needs.past_pairs` read
    them before."""
    if vendor == "postgresql":
        norm_set = "split_part(b.norm_set, '@', 1)"

        def band(s: str) -> str:
            return f"(b.scores ->> '{s}_band')"
    else:
        norm_set = (
            "(CASE WHEN instr(b.norm_set, '@') > 0"
            " THEN substr(b.norm_set, 1, instr(b.norm_set, '@') - 1) ELSE b.norm_set END)"
        )

        def band(s: str) -> str:
            return f"json_extract(b.scores, '$.\"{s}_band\"')"

    raised = ", ".join(_literal(b) for b in raised_bands())
    flags = ", ".join(f"COALESCE({band(s)} IN ({raised}), FALSE)" for s in SUBSCALES)
    cases = " ".join(
        f"WHEN b.form = {_literal(form)} AND {norm_set} = {_literal(ns)} THEN {limit!r}"
        for (form, ns), limit in sorted(change_limits().items())
    )
    limit = f"(CASE {cases} END)" if cases else "NULL"
    return (
        f"SELECT b.delivery_id, b.municipality_id, d.intervention_id, {flags},"
        f" (b.score_total - a.score_total) > {limit}"
        " FROM measurement_response b"
        " JOIN measurement_response a ON a.municipality_id = b.municipality_id"
        f" AND a.delivery_id = b.delivery_id AND a.phase = '{AFTER}'"
        f" AND a.informant = '{INFORMANT}'"
        " JOIN cases_delivery d ON d.id = b.delivery_id"
        " JOIN cases_case c ON c.id = d.case_id"
        f" WHERE b.phase = '{BEFORE}' AND b.informant = '{INFORMANT}'"
        " AND c.child_id IS NOT NULL AND b.score_total IS NOT NULL"
        f" AND a.score_total IS NOT NULL AND {limit} IS NOT NULL AND {where}"
    )


def _insert(vendor: str, where: str) -> str:
    return f"INSERT INTO {PAIRS} ({', '.join(PAIR_COLUMNS)}) {_select(vendor, where)}"


def _count_up(vendor: str) -> str:
    values = ", ".join(f"NEW.{c}" for c in KEY)
    # SQLite reads "ON CONFLICT" after a SELECT as a join's; VALUES has no such doubt.
    return (
        f"INSERT INTO {COUNTS} ({', '.join(KEY)}, n) VALUES ({values}, 1)"
        f" ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET n = {COUNTS}.n + 1"
    )


def _count_down() -> str:
    match = " AND ".join(f"{c} = OLD.{c}" for c in KEY)
    return f"UPDATE {COUNTS} SET n = n - 1 WHERE {match}"


# --------------------------------------------------------------------------- SQLite


def _sqlite_refresh(delivery: str) -> str:
    return (
        f"DELETE FROM {PAIRS} WHERE delivery_id = {delivery}; "
        f"{_insert('sqlite', f'b.delivery_id = {delivery}')};"
    )


def _sqlite() -> dict[str, str]:
    """Trigger name → its CREATE statement (as SQLite keeps it in ``sqlite_master``)."""
    p = PREFIX
    on = f"'{INFORMANT}'"
    case_deliveries = "SELECT id FROM cases_delivery WHERE case_id = NEW.id"
    return {
        f"{p}response_insert": (
            f"CREATE TRIGGER {p}response_insert AFTER INSERT ON measurement_response"
            f" WHEN NEW.informant = {on} BEGIN {_sqlite_refresh('NEW.delivery_id')} END"
        ),
        f"{p}response_update": (
            f"CREATE TRIGGER {p}response_update AFTER UPDATE ON measurement_response"
            f" WHEN OLD.informant = {on} OR NEW.informant = {on} BEGIN"
            f" {_sqlite_refresh('OLD.delivery_id')} {_sqlite_refresh('NEW.delivery_id')} END"
        ),
        f"{p}response_delete": (
            f"CREATE TRIGGER {p}response_delete AFTER DELETE ON measurement_response"
            f" WHEN OLD.informant = {on} BEGIN {_sqlite_refresh('OLD.delivery_id')} END"
        ),
        f"{p}delivery_update": (
            f"CREATE TRIGGER {p}delivery_update AFTER UPDATE OF id, intervention_id, case_id"
            " ON cases_delivery WHEN OLD.id IS NOT NEW.id"
            " OR OLD.intervention_id IS NOT NEW.intervention_id OR OLD.case_id IS NOT NEW.case_id"
            f" BEGIN DELETE FROM {PAIRS} WHERE delivery_id = OLD.id;"
            f" {_sqlite_refresh('NEW.id')} END"
        ),
        f"{p}delivery_delete": (
            f"CREATE TRIGGER {p}delivery_delete AFTER DELETE ON cases_delivery"
            f" BEGIN DELETE FROM {PAIRS} WHERE delivery_id = OLD.id; END"
        ),
        f"{p}case_update": (
            f"CREATE TRIGGER {p}case_update AFTER UPDATE OF child_id ON cases_case"
            " WHEN OLD.child_id IS NOT NEW.child_id BEGIN"
            f" DELETE FROM {PAIRS} WHERE delivery_id IN ({case_deliveries});"
            f" {_insert('sqlite', 'd.case_id = NEW.id')}; END"
        ),
        f"{p}pair_insert": (
            f"CREATE TRIGGER {p}pair_insert AFTER INSERT ON {PAIRS}"
            f" BEGIN {_count_up('sqlite')}; END"
        ),
        f"{p}pair_delete": (
            f"CREATE TRIGGER {p}pair_delete AFTER DELETE ON {PAIRS} BEGIN {_count_down()}; END"
        ),
    }


# --------------------------------------------------------------------------- PostgreSQL


def _pg_refresh() -> str:
    # One delivery at a time: with a scalar parameter PL/pgSQL keeps one generic plan for the
    # session; with an array it planned the statement again for every row (~2.5 ms a row).
    return (
        "FOREACH one IN ARRAY deliveries LOOP\n"
        f"    DELETE FROM {PAIRS} WHERE delivery_id = one;\n"
        f"    {_insert('postgresql', 'b.delivery_id = one')};\n"
        "  END LOOP;"
    )


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def _pg_functions() -> dict[str, str]:
    """Function name → its body (as PostgreSQL keeps it in ``pg_proc.prosrc``)."""
    on = f"'{INFORMANT}'"
    return {
        f"{PREFIX}response_changed": (
            "\nDECLARE deliveries bigint[] := '{}'; one bigint;\nBEGIN\n"
            "IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
            f"  IF OLD.informant = {on} THEN deliveries := deliveries || OLD.delivery_id; END IF;\n"
            "END IF;\n"
            "IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
            f"  IF NEW.informant = {on} THEN deliveries := deliveries || NEW.delivery_id; END IF;\n"
            "END IF;\n"
            f"IF cardinality(deliveries) > 0 THEN\n  {_pg_refresh()}\nEND IF;\n"
            "RETURN NULL;\nEND\n"
        ),
        f"{PREFIX}delivery_changed": (
            "\nDECLARE deliveries bigint[]; one bigint;\nBEGIN\n"
            "IF TG_OP = 'DELETE' THEN\n"
            f"  DELETE FROM {PAIRS} WHERE delivery_id = OLD.id;\n"
            "ELSE\n"
            f"  deliveries := ARRAY[OLD.id, NEW.id];\n  {_pg_refresh()}\n"
            "END IF;\nRETURN NULL;\nEND\n"
        ),
        f"{PREFIX}case_changed": (
            "\nDECLARE deliveries bigint[]; one bigint;\nBEGIN\n"
            "deliveries := ARRAY(SELECT id FROM cases_delivery WHERE case_id = NEW.id);\n"
            f"{_pg_refresh()}\nRETURN NULL;\nEND\n"
        ),
        f"{PREFIX}pair_changed": (
            # The triggers' definitions, so that ensure() sees a changed one in prosrc too.
            f"\n-- triggers {_digest(_PG_TRIGGERS)}\nBEGIN\n"
            f"IF TG_OP = 'INSERT' THEN\n  {_count_up('postgresql')};\n"
            f"ELSE\n  {_count_down()};\nEND IF;\n"
            "RETURN NULL;\nEND\n"
        ),
    }


# Trigger name → (event, table, condition, function). A save that does not change the
# delivery's intervention or case, or the case's child, reads nothing again.
_PG_TRIGGERS = {
    f"{PREFIX}response": (
        "AFTER INSERT OR UPDATE OR DELETE",
        "measurement_response",
        "",
        f"{PREFIX}response_changed",
    ),
    f"{PREFIX}delivery_update": (
        "AFTER UPDATE OF id, intervention_id, case_id",
        "cases_delivery",
        "OLD.id IS DISTINCT FROM NEW.id OR OLD.intervention_id IS DISTINCT FROM"
        " NEW.intervention_id OR OLD.case_id IS DISTINCT FROM NEW.case_id",
        f"{PREFIX}delivery_changed",
    ),
    f"{PREFIX}delivery_delete": ("AFTER DELETE", "cases_delivery", "", f"{PREFIX}delivery_changed"),
    f"{PREFIX}case": (
        "AFTER UPDATE OF child_id",
        "cases_case",
        "OLD.child_id IS DISTINCT FROM NEW.child_id",
        f"{PREFIX}case_changed",
    ),
    f"{PREFIX}pair": ("AFTER INSERT OR DELETE", PAIRS, "", f"{PREFIX}pair_changed"),
}


TRIGGERS = triggers.TriggerSet(
    prefix=PREFIX,
    pg_functions=_pg_functions,
    pg_triggers=lambda: {name: triggers.PgTrigger(*t) for name, t in _PG_TRIGGERS.items()},
    sqlite=_sqlite,
    tables=frozenset({PAIRS, COUNTS, "measurement_response", "cases_delivery", "cases_case"}),
)


def uninstall(schema_editor: Any) -> None:
    """Drop the triggers (migration 0005 backwards, before its tables go)."""
    TRIGGERS.uninstall(schema_editor)


def rebuild(cursor: Any, vendor: str) -> None:
    """Both tables again from the responses (the installed triggers keep them after)."""
    cursor.execute(f"DELETE FROM {COUNTS}")
    cursor.execute(f"DELETE FROM {PAIRS}")
    cursor.execute(f"DELETE FROM {COUNTS}")
    cursor.execute(_insert(vendor, "TRUE"))


def ensure(connection: Any) -> bool:
    """Install the triggers and rebuild the tables if the installed SQL is not this code's
    (run by ``migrate``, as the owner with the system switch on, so that every
    municipality's rows are read). True if it did."""
    return TRIGGERS.ensure(connection, then=rebuild)
