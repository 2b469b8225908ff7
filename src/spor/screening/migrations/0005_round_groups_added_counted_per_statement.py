# ruff: noqa: S608 (the SQL is made of migration 0004's own names; no input reaches it)
"""PostgreSQL: the institutions' figures recounted once per INSERT statement on
``screening_roundgroup``, not once per row.

Migration 0004's insert trigger recounted the row's institution for every new group row.
A round opened for the whole municipality inserts all its groups in one statement (1,733
at 60,000 children), and each row's recount read every group row of the round inserted
so far (along the round-group unique index's (municipality, round) prefix: the planner,
with no statistics for rows of the writing transaction, expects one row there) with two
probes of the round's parents' notices per group: the lead's "open round" grew with the
square of the municipality. The demo's five rounds (10,398 group rows after 3,504
notices) took minutes per statement.

Now one statement-level trigger, with the inserted rows as a transition table, makes the
missing institution rows, locks the touched ones in one order (so two bulk inserts cannot
deadlock), and recounts them in one grouped UPDATE: the same figures (migration 0004's
recount, per institution), each institution once. Updates and deletes stay per row (a save
changes one group). SQLite keeps its per-row triggers: it has no transition tables, and
its planner has the statistics (``analyze_on_sqlite``).
"""

from collections.abc import Callable
from typing import Any

from django.db import migrations

COLUMNS = (
    "groen", "gul", "roed", "own_only", "enrolled", "groups", "groups_done", "groups_informed"
)  # fmt: skip
_KEY = "municipality_id, round_id, institution_id"

# The (municipality, round, institution) of every inserted group row.
_TOUCHED = (
    "SELECT DISTINCT a.municipality_id, a.round_id, g.institution_id "
    "FROM spor_added_round_groups a JOIN registry_group g ON g.id = a.group_id"
)

# Migration 0004's figures of an institution (``s``), for every touched institution at once, from
# the touched rounds' group rows read once: each round along the round-group unique index,
# each row's institution by the group's primary key (the LATERAL subqueries with OFFSET 0
# keep that order). Left to itself the planner, which has no statistics for the rows the
# transaction has just written, expects one row in a round and joined every group of the
# municipality to every group row of the round (12 s for 2,000 groups at 60,000 children),
# or probed the round's whole round_id index once per group (2 s).
_FIGURES = f"""WITH rounds AS MATERIALIZED (
  SELECT DISTINCT municipality_id, round_id FROM spor_added_round_groups
), touched AS MATERIALIZED ({_TOUCHED}),
counted AS MATERIALIZED (
  SELECT k.municipality_id, k.round_id, g.institution_id,
    rg.groen, rg.gul, rg.roed, rg.own_only, rg.enrolled, rg.group_id
  FROM rounds AS k
  CROSS JOIN LATERAL (
    SELECT r.groen, r.gul, r.roed, r.own_only, r.enrolled, r.group_id
    FROM screening_roundgroup r
    WHERE r.municipality_id = k.municipality_id AND r.round_id = k.round_id
    OFFSET 0
  ) AS rg
  CROSS JOIN LATERAL (
    SELECT x.institution_id FROM registry_group x WHERE x.id = rg.group_id OFFSET 0
  ) AS g
), s AS MATERIALIZED (
SELECT c.municipality_id, c.round_id, c.institution_id,
  COALESCE(SUM(c.groen), 0) AS groen, COALESCE(SUM(c.gul), 0) AS gul,
  COALESCE(SUM(c.roed), 0) AS roed, COALESCE(SUM(c.own_only), 0) AS own_only,
  COALESCE(SUM(c.enrolled), 0) AS enrolled, COUNT(*) AS groups,
  COALESCE(SUM(CASE WHEN c.enrolled > 0 AND c.enrolled <= c.groen + c.gul + c.roed
    THEN 1 ELSE 0 END), 0) AS groups_done,
  COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM screening_parentnotice n
      WHERE n.municipality_id = c.municipality_id AND n.round_id = c.round_id
      AND n.group_id = c.group_id)
    OR EXISTS (SELECT 1 FROM screening_parentnotice n
      WHERE n.municipality_id = c.municipality_id AND n.round_id = c.round_id
      AND n.institution_id = c.institution_id) THEN 1 ELSE 0 END), 0) AS groups_informed
FROM counted AS c
WHERE (c.municipality_id, c.round_id, c.institution_id) IN (SELECT * FROM touched)
GROUP BY c.municipality_id, c.round_id, c.institution_id
)"""

_SETS = ", ".join(f"{c} = s.{c}" for c in COLUMNS)
_ZEROS = ", ".join("0" for _ in COLUMNS)

FUNCTION = f"""
CREATE OR REPLACE FUNCTION screening_roundgroup_figures_added() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
    INSERT INTO screening_roundinstitution ({_KEY}, {", ".join(COLUMNS)})
    SELECT t.municipality_id, t.round_id, t.institution_id, {_ZEROS}
    FROM ({_TOUCHED}) AS t ORDER BY 1, 2, 3
    ON CONFLICT ({_KEY}) DO NOTHING;
    -- Locked first, the recount in the next statement (a new snapshot under READ
    -- COMMITTED), as the per-row triggers do: a concurrent writer's committed figures count.
    PERFORM 1 FROM screening_roundinstitution ri
      WHERE (ri.municipality_id, ri.round_id, ri.institution_id) IN ({_TOUCHED})
      ORDER BY ri.municipality_id, ri.round_id, ri.institution_id FOR UPDATE;
    {_FIGURES}
    UPDATE screening_roundinstitution ri SET {_SETS} FROM s
      WHERE ri.municipality_id = s.municipality_id AND ri.round_id = s.round_id
      AND ri.institution_id = s.institution_id;
    RETURN NULL;
END
$fn$"""

FORWARD = [
    FUNCTION,
    "DROP TRIGGER IF EXISTS screening_roundgroup_figures_insert ON screening_roundgroup",
    "CREATE TRIGGER screening_roundgroup_figures_insert AFTER INSERT ON screening_roundgroup"
    " REFERENCING NEW TABLE AS spor_added_round_groups"
    " FOR EACH STATEMENT EXECUTE FUNCTION screening_roundgroup_figures_added()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS screening_roundgroup_figures_insert ON screening_roundgroup",
    "CREATE TRIGGER screening_roundgroup_figures_insert AFTER INSERT ON screening_roundgroup"
    " FOR EACH ROW EXECUTE FUNCTION screening_roundgroup_figures()",
    "DROP FUNCTION IF EXISTS screening_roundgroup_figures_added()",
]


def _on_postgresql(statements: list[str]) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("screening", "0004_round_institution_figures")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
