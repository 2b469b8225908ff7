# ruff: noqa: S608 (the SQL is made of this file's own names; no input reaches it)
"""Each institution's figures in a round (:class:`~spor.screening.models.RoundInstitution`),
kept by triggers.

The round's overview summed every :class:`RoundGroup` of the round per institution (3,413
rows at 60,000 children): its time followed the municipality. Now it reads one row per
institution, which triggers on ``screening_roundgroup`` (the groups' stored figures, which
every save refreshes) and ``screening_parentnotice`` (informed groups) keep in the writing
transaction: every writer is covered without code (the services, the demo's and an
import's bulk inserts, retention's deletes, a round's cascade).

Each trigger recounts the one institution's row from its groups (a few dozen rows, along
``registry_group``'s institution index and the round-group unique index), so a row is
never wrong by a missed delta. On PostgreSQL the trigger first locks the institution's row
and recounts in the next statement (a new snapshot under READ COMMITTED): two saves in two
groups of one institution wait for each other there, and the second counts the first's
committed figures. SQLite has one writer at a time.

A later migration that makes Django rebuild ``screening_roundgroup`` or
``screening_parentnotice`` on SQLite (some column changes do) drops these triggers with the
old table: ``tests/screening/test_round_institution.py`` then fails; re-create them there.
"""

from collections.abc import Callable
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from spor.lib.dbstats import analyze_on_sqlite
from spor.tenancy.rls import EnableTenantRLS

COLUMNS = (
    "groen", "gul", "roed", "own_only", "enrolled", "groups", "groups_done", "groups_informed"
)  # fmt: skip


def figures(m: str, r: str, i: str) -> str:
    """The institution's figures in the round, from its groups' rows: one row."""
    return f"""SELECT COALESCE(SUM(rg.groen), 0) AS groen, COALESCE(SUM(rg.gul), 0) AS gul,
  COALESCE(SUM(rg.roed), 0) AS roed, COALESCE(SUM(rg.own_only), 0) AS own_only,
  COALESCE(SUM(rg.enrolled), 0) AS enrolled, COUNT(*) AS groups,
  COALESCE(SUM(CASE WHEN rg.enrolled > 0 AND rg.enrolled <= rg.groen + rg.gul + rg.roed
    THEN 1 ELSE 0 END), 0) AS groups_done,
  COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM screening_parentnotice n
      WHERE n.municipality_id = rg.municipality_id AND n.round_id = rg.round_id
      AND n.group_id = rg.group_id)
    OR EXISTS (SELECT 1 FROM screening_parentnotice n
      WHERE n.municipality_id = rg.municipality_id AND n.round_id = rg.round_id
      AND n.institution_id = g.institution_id) THEN 1 ELSE 0 END), 0) AS groups_informed
FROM screening_roundgroup rg
JOIN registry_group g ON g.id = rg.group_id AND g.municipality_id = rg.municipality_id
WHERE rg.municipality_id = {m} AND rg.round_id = {r} AND g.institution_id = {i}"""


def recount(m: str, r: str, i: str, also: str = "") -> str:
    """Set the institution's row (if there is one) to its groups' figures."""
    sets = ", ".join(f"{c} = s.{c}" for c in COLUMNS)
    return (
        f"UPDATE screening_roundinstitution SET {sets} FROM ({figures(m, r, i)}) AS s "
        f"WHERE screening_roundinstitution.municipality_id = {m} "
        f"AND screening_roundinstitution.round_id = {r} "
        f"AND screening_roundinstitution.institution_id = {i}{also}"
    )


def drop_empty(m: str, r: str, i: str, also: str = "") -> str:
    """An institution whose last group left the round leaves it too."""
    return (
        f"DELETE FROM screening_roundinstitution WHERE municipality_id = {m} AND round_id = {r} "
        f"AND institution_id = {i} AND groups = 0{also}"
    )


def _done(row: str) -> str:
    return (
        f"(CASE WHEN {row}.enrolled > 0 AND {row}.enrolled <= {row}.groen + {row}.gul"
        f" + {row}.roed THEN 1 ELSE 0 END)"
    )


# A group's figures changed (every save): the change is added to its institution's row.
# One plain UPDATE, cheap to plan; under concurrency PostgreSQL applies it to the row's
# latest version, so two saves in one institution both count.
DELTA = (
    "UPDATE screening_roundinstitution SET "
    + ", ".join(f"{c} = {c} + NEW.{c} - OLD.{c}" for c in COLUMNS[:5])
    + f", groups_done = groups_done + {_done('NEW')} - {_done('OLD')} "
    "WHERE municipality_id = NEW.municipality_id AND round_id = NEW.round_id "
    "AND institution_id = (SELECT institution_id FROM registry_group WHERE id = NEW.group_id)"
)


def institution_of_group(group: str) -> str:
    return f"(SELECT institution_id FROM registry_group WHERE id = {group})"


ZEROS = ", ".join("0" for _ in COLUMNS)
INSERT = (
    "INSERT INTO screening_roundinstitution (municipality_id, round_id, institution_id, "
    f"{', '.join(COLUMNS)})"
)

BACKFILL = f"""{INSERT}
SELECT rg.municipality_id, rg.round_id, g.institution_id,
  SUM(rg.groen), SUM(rg.gul), SUM(rg.roed), SUM(rg.own_only), SUM(rg.enrolled), COUNT(*),
  SUM(CASE WHEN rg.enrolled > 0 AND rg.enrolled <= rg.groen + rg.gul + rg.roed
    THEN 1 ELSE 0 END),
  SUM(CASE WHEN EXISTS (SELECT 1 FROM screening_parentnotice n
      WHERE n.municipality_id = rg.municipality_id AND n.round_id = rg.round_id
      AND n.group_id = rg.group_id)
    OR EXISTS (SELECT 1 FROM screening_parentnotice n
      WHERE n.municipality_id = rg.municipality_id AND n.round_id = rg.round_id
      AND n.institution_id = g.institution_id) THEN 1 ELSE 0 END)
FROM screening_roundgroup rg
JOIN registry_group g ON g.id = rg.group_id AND g.municipality_id = rg.municipality_id
GROUP BY rg.municipality_id, rg.round_id, g.institution_id"""

# SQLite: triggers FOR EACH ROW, one statement after another (the new or old row as NEW/OLD).
_NEW = ("NEW.municipality_id", "NEW.round_id")
_OLD = ("OLD.municipality_id", "OLD.round_id")
_MOVED = "OLD.round_id <> NEW.round_id OR OLD.group_id <> NEW.group_id"
_NEW_I = institution_of_group("NEW.group_id")
_OLD_I = institution_of_group("OLD.group_id")
_ADD = (
    f"{INSERT} SELECT NEW.municipality_id, NEW.round_id, g.institution_id, {ZEROS} "
    "FROM registry_group g WHERE g.id = NEW.group_id AND NOT EXISTS (SELECT 1 FROM "
    "screening_roundinstitution x WHERE x.municipality_id = NEW.municipality_id "
    "AND x.round_id = NEW.round_id AND x.institution_id = g.institution_id)"
)
_NOTICE_NEW_I = f"COALESCE(NEW.institution_id, {_NEW_I})"
_NOTICE_OLD_I = f"COALESCE(OLD.institution_id, {_OLD_I})"
_COUNTED = "groen, gul, roed, own_only, enrolled, round_id, group_id"


def _trigger(name: str, event: str, table: str, *statements: str, when: str = "") -> str:
    body = "; ".join(statements)
    condition = f" WHEN {when}" if when else ""
    return f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW{condition} BEGIN {body}; END"


SQLITE_FORWARD = [
    _trigger(
        "screening_roundgroup_figures_insert",
        "AFTER INSERT",
        "screening_roundgroup",
        _ADD,
        recount(*_NEW, _NEW_I),
    ),
    _trigger(
        "screening_roundgroup_figures_update",
        f"AFTER UPDATE OF {_COUNTED}",
        "screening_roundgroup",
        DELTA,
        when=f"NOT ({_MOVED})",
    ),
    _trigger(
        "screening_roundgroup_figures_move",
        "AFTER UPDATE OF round_id, group_id",
        "screening_roundgroup",
        _ADD,
        recount(*_NEW, _NEW_I),
        recount(*_OLD, _OLD_I),
        drop_empty(*_OLD, _OLD_I),
        when=_MOVED,
    ),
    _trigger(
        "screening_roundgroup_figures_delete",
        "AFTER DELETE",
        "screening_roundgroup",
        recount(*_OLD, _OLD_I),
        drop_empty(*_OLD, _OLD_I),
    ),
    _trigger(
        "screening_parentnotice_figures_insert",
        "AFTER INSERT",
        "screening_parentnotice",
        recount(*_NEW, _NOTICE_NEW_I),
    ),
    _trigger(
        "screening_parentnotice_figures_update",
        "AFTER UPDATE OF round_id, group_id, institution_id",
        "screening_parentnotice",
        recount(*_NEW, _NOTICE_NEW_I),
        recount(*_OLD, _NOTICE_OLD_I),
    ),
    _trigger(
        "screening_parentnotice_figures_delete",
        "AFTER DELETE",
        "screening_parentnotice",
        recount(*_OLD, _NOTICE_OLD_I),
    ),
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS screening_{t}_figures_{op}"
    for t in ("roundgroup", "parentnotice")
    for op in ("insert", "update", "move", "delete")
]

# PostgreSQL: one function per table. The institution's row is locked first; the recount
# is the next statement, with a new snapshot (READ COMMITTED), so it counts what a
# concurrent writer of the same institution committed while this one waited for the lock.
_V = ("v_m", "v_r", "v_i")
_LOCK_AND_RECOUNT = f"""
    PERFORM 1 FROM screening_roundinstitution WHERE municipality_id = v_m AND round_id = v_r
      AND institution_id = v_i FOR UPDATE;
    {recount(*_V)};"""
_PG_ROUNDGROUP = f"""
CREATE OR REPLACE FUNCTION screening_roundgroup_figures() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
    v_m bigint;
    v_r bigint;
    v_i bigint;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.round_id = NEW.round_id AND OLD.group_id = NEW.group_id THEN
        {DELTA};
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        v_m := OLD.municipality_id;
        v_r := OLD.round_id;
        SELECT institution_id INTO v_i FROM registry_group WHERE id = OLD.group_id;
        {_LOCK_AND_RECOUNT}
        {drop_empty(*_V)};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        v_m := NEW.municipality_id;
        v_r := NEW.round_id;
        SELECT institution_id INTO v_i FROM registry_group WHERE id = NEW.group_id;
        {INSERT} VALUES (v_m, v_r, v_i, {ZEROS})
          ON CONFLICT (municipality_id, round_id, institution_id) DO NOTHING;
        {_LOCK_AND_RECOUNT}
    END IF;
    RETURN NULL;
END
$fn$"""
_PG_PARENTNOTICE = f"""
CREATE OR REPLACE FUNCTION screening_parentnotice_figures() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
    v_m bigint;
    v_r bigint;
    v_i bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        v_m := OLD.municipality_id;
        v_r := OLD.round_id;
        v_i := COALESCE(OLD.institution_id,
                        (SELECT institution_id FROM registry_group WHERE id = OLD.group_id));
        {_LOCK_AND_RECOUNT}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        v_m := NEW.municipality_id;
        v_r := NEW.round_id;
        v_i := COALESCE(NEW.institution_id,
                        (SELECT institution_id FROM registry_group WHERE id = NEW.group_id));
        {_LOCK_AND_RECOUNT}
    END IF;
    RETURN NULL;
END
$fn$"""
POSTGRES_FORWARD = [
    _PG_ROUNDGROUP,
    _PG_PARENTNOTICE,
    "CREATE TRIGGER screening_roundgroup_figures_insert AFTER INSERT ON screening_roundgroup"
    " FOR EACH ROW EXECUTE FUNCTION screening_roundgroup_figures()",
    f"CREATE TRIGGER screening_roundgroup_figures_update AFTER UPDATE OF {_COUNTED}"
    " ON screening_roundgroup FOR EACH ROW"
    " WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION screening_roundgroup_figures()",
    "CREATE TRIGGER screening_roundgroup_figures_delete AFTER DELETE ON screening_roundgroup"
    " FOR EACH ROW EXECUTE FUNCTION screening_roundgroup_figures()",
    "CREATE TRIGGER screening_parentnotice_figures AFTER INSERT OR DELETE"
    " OR UPDATE OF round_id, group_id, institution_id ON screening_parentnotice"
    " FOR EACH ROW EXECUTE FUNCTION screening_parentnotice_figures()",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS screening_parentnotice_figures ON screening_parentnotice",
    "DROP TRIGGER IF EXISTS screening_roundgroup_figures_insert ON screening_roundgroup",
    "DROP TRIGGER IF EXISTS screening_roundgroup_figures_update ON screening_roundgroup",
    "DROP TRIGGER IF EXISTS screening_roundgroup_figures_delete ON screening_roundgroup",
    "DROP FUNCTION IF EXISTS screening_parentnotice_figures()",
    "DROP FUNCTION IF EXISTS screening_roundgroup_figures()",
]


def _run(statements: dict[str, list[str]]) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_row_level_security"),
        ("registry", "0004_child_name_search"),
        ("screening", "0003_follow_up_list_index"),
        ("tenancy", "0003_access_log_floor_in_the_disposal_function"),
    ]

    operations = [
        migrations.CreateModel(
            name="RoundInstitution",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("groen", models.PositiveIntegerField(default=0)),
                ("gul", models.PositiveIntegerField(default=0)),
                ("roed", models.PositiveIntegerField(default=0)),
                ("own_only", models.PositiveIntegerField(default=0)),
                ("enrolled", models.PositiveIntegerField(default=0)),
                ("groups", models.PositiveIntegerField(default=0)),
                ("groups_done", models.PositiveIntegerField(default=0)),
                ("groups_informed", models.PositiveIntegerField(default=0)),
            ],
            options={
                "verbose_name": "institution i trivselsrunde",
                "verbose_name_plural": "institutioner i trivselsrunder",
            },
        ),
        migrations.AddField(
            model_name="roundinstitution",
            name="institution",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.institution",
            ),
        ),
        migrations.AddField(
            model_name="roundinstitution",
            name="municipality",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.municipality",
                verbose_name="kommune",
            ),
        ),
        migrations.AddField(
            model_name="roundinstitution",
            name="round",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="institutions",
                to="screening.screeninground",
            ),
        ),
        migrations.AddIndex(
            model_name="roundinstitution",
            index=models.Index(
                fields=["municipality", "institution"], name="round_institution_inst"
            ),
        ),
        migrations.AddConstraint(
            model_name="roundinstitution",
            constraint=models.UniqueConstraint(
                fields=("municipality", "round", "institution"), name="round_institution_unique"
            ),
        ),
        EnableTenantRLS("RoundInstitution"),
        # The rows of the rounds there are (the migration runs with the system switch on).
        migrations.RunPython(
            _run({"sqlite": [BACKFILL], "postgresql": [BACKFILL]}),
            _run({"sqlite": ["DELETE FROM screening_roundinstitution"]}),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
        analyze_on_sqlite("screening_roundinstitution"),
    ]
