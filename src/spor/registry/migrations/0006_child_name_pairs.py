"""A two-word child search on PostgreSQL whose cost follows its matches, not the size of the
municipality (``selectors.search_children_page``; docs/scaling.md, "The two-word child
search on PostgreSQL (session 9)").

With the name parts alone (migration 0005) "emma nielsen" reads every row of the range of
"NIELSEN" (a few thousand at 60,000 children, a few dozen at 1,000) to keep the few that
also contain "EMMA". Two changes make it a narrow range, exactly:

- Every name part now ends in a terminator: ``\\x1e`` when the ending is the name's last
  word as a whole (the ending begins the name or follows a space, and has no space: "NIELSEN"
  of "Nielsen", "CHRISTIAN" of "Hans Christian"), ``\\x1f`` otherwise ("IELSEN",
  "HANSEN" of "Johansen"). Search words never contain either (Python's ``str.split`` takes
  both as whitespace), so a word's range (``starts_with``) is what it was; and the rows of
  a word's range that are *not* that whole last word are one range too: ``part >
  upper(w) || '\\x1e' AND part < upper(w) || chr(1114111)``.
- ``registry_child_name_pair(municipality_id, pair, child_id)``: for every child, for each
  name's last word ``T`` of three letters or more, ``T || '\\x1e' || e`` for every ending
  ``e`` (three letters or more) of both names. A child whose name ends in the word ``w1``
  as a whole contains ``w2`` (three letters or more) exactly when one of its pairs begins
  ``upper(w1) || '\\x1e' || upper(w2)``: one range, as narrow as the children it finds.

The children matching both words are then the pairs' range (those whose name has ``w1`` as
its last word) and, matched with ``LIKE`` on ``w2`` as before, the rows of ``w1``'s range
that are not that whole word (``w1`` inside a name: "HANSEN" in "Johansen"): exactly the
matches of ``icontains`` on both words, read from a range of each index. The pair ``(T, e)``
for ``T`` in both names (and ``e`` of both) covers the words in either order and both words
in one name. The pairs carry no names (the page reads the matches' names from
``registry_child``), so they are about twice the rows of the parts but narrower ones.

The statement triggers of migration 0005 keep both tables in step (the same four
functions, replaced); the parts are written anew here with their terminators.

SQLite: nothing here (its FTS5 trigram table, migration 0004, does the job).
"""

from collections.abc import Callable
from typing import Any

from django.db import migrations

from spor.tenancy.rls import disable_sql, enable_sql

PARTS = "registry_child_name_part"
PAIRS = "registry_child_name_pair"

# A name's last word (what follows its last space), the ending that is it marked ``\x1e``.
_LAST_WORD = "substring(v.name from '[^ ]*$')"

_PARTS = """
    INSERT INTO registry_child_name_part (municipality_id, part, child_id, last_name, first_name)
    SELECT DISTINCT n.municipality_id,
        substr(v.name, i) || CASE WHEN i = length(v.name) - length({last_word}) + 1
            THEN chr(30) ELSE chr(31) END,
        n.id, n.last_name, n.first_name
    FROM {rows}
    CROSS JOIN LATERAL (VALUES (upper(n.first_name::text)), (upper(n.last_name::text))) v(name)
    CROSS JOIN LATERAL generate_series(1, length(v.name) - 2) i
    {where}"""

_PAIRS = """
    INSERT INTO registry_child_name_pair (municipality_id, pair, child_id)
    SELECT DISTINCT n.municipality_id, t.word || chr(30) || substr(v.name, i), n.id
    FROM {rows}
    CROSS JOIN LATERAL (
        SELECT {last_word}
        FROM (VALUES (upper(n.first_name::text)), (upper(n.last_name::text))) v(name)
    ) t(word)
    CROSS JOIN LATERAL (VALUES (upper(n.first_name::text)), (upper(n.last_name::text))) v(name)
    CROSS JOIN LATERAL generate_series(1, length(v.name) - 2) i
    WHERE length(t.word) >= 3 {where}"""

# The 0005 originals (no terminators, no pairs), for the way back.
_OLD_PARTS = """
    INSERT INTO registry_child_name_part (municipality_id, part, child_id, last_name, first_name)
    SELECT DISTINCT n.municipality_id, substr(v.name, i), n.id, n.last_name, n.first_name
    FROM {rows}
    CROSS JOIN LATERAL (VALUES (upper(n.first_name::text)), (upper(n.last_name::text))) v(name)
    CROSS JOIN LATERAL generate_series(1, length(v.name) - 2) i
    {where}"""

_CHANGED = (
    "(o.municipality_id, o.first_name, o.last_name)"
    " IS DISTINCT FROM (n.municipality_id, n.first_name, n.last_name)"
)
_CHANGED_ROWS = "new_rows n JOIN old_rows o ON o.id = n.id"


def _parts(rows: str, where: str = "") -> str:
    return _PARTS.format(rows=rows, where=f"WHERE {where}" if where else "", last_word=_LAST_WORD)


def _pairs(rows: str, where: str = "") -> str:
    return _PAIRS.format(rows=rows, where=f"AND {where}" if where else "", last_word=_LAST_WORD)


def _old_parts(rows: str, where: str = "") -> str:
    return _OLD_PARTS.format(rows=rows, where=f"WHERE {where}" if where else "")


def _functions(tables: list[str], fill: list[Callable[..., str]]) -> list[str]:
    """The four trigger functions of migration 0005 (same names, so its triggers call them)
    over ``tables``, each filled by its ``fill``."""
    insert = ";\n".join(f("new_rows n") for f in fill)
    changed = ";\n".join(f(_CHANGED_ROWS, _CHANGED) for f in fill)
    delete_changed = ";\n".join(
        f"DELETE FROM {t} p USING old_rows o JOIN new_rows n ON n.id = o.id"  # noqa: S608
        f" WHERE p.child_id = o.id AND {_CHANGED}"
        for t in tables
    )
    delete = ";\n".join(
        f"DELETE FROM {t} p USING old_rows o WHERE p.child_id = o.id"  # noqa: S608
        for t in tables
    )
    truncate = ";\n".join(f"TRUNCATE {t}" for t in tables)
    return [
        f"""CREATE OR REPLACE FUNCTION {PARTS}_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            {insert};
            RETURN NULL;
        END $fn$""",
        f"""CREATE OR REPLACE FUNCTION {PARTS}_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            {delete_changed};
            {changed};
            RETURN NULL;
        END $fn$""",
        f"""CREATE OR REPLACE FUNCTION {PARTS}_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            {delete};
            RETURN NULL;
        END $fn$""",
        f"""CREATE OR REPLACE FUNCTION {PARTS}_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            {truncate};
            RETURN NULL;
        END $fn$""",
    ]


POSTGRES_FORWARD = [
    f"""CREATE TABLE {PAIRS} (
        municipality_id bigint NOT NULL,
        pair text COLLATE "C" NOT NULL,
        child_id bigint NOT NULL
    )""",
    *enable_sql(PAIRS),
    *_functions([PARTS, PAIRS], [_parts, _pairs]),
    f"TRUNCATE {PARTS}",
    _parts("registry_child n"),
    _pairs("registry_child n"),
    f"CREATE INDEX {PAIRS}_find ON {PAIRS} (municipality_id, pair) INCLUDE (child_id)",
    f"CREATE INDEX {PAIRS}_child ON {PAIRS} (child_id)",
    f"ANALYZE {PARTS}",
    f"ANALYZE {PAIRS}",
]
POSTGRES_BACKWARD = [
    *_functions([PARTS], [_old_parts]),
    f"TRUNCATE {PARTS}",
    _old_parts("registry_child n"),
    *disable_sql(PAIRS),
    f"DROP TABLE IF EXISTS {PAIRS}",
]


def _run(statements: dict[str, list[str]]) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_child_name_parts")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD}), _run({"postgresql": POSTGRES_BACKWARD})
        )
    ]
