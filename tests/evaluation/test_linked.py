"""disclosure.Publication: linked tables protected together, checked by the independent
attacker of tests/evaluation/attacker.py (SciPy) on hand-made and random populations."""

from __future__ import annotations

import random

import pytest

from spor.evaluation import disclosure
from tests.evaluation.attacker import Attack


def two_groupings(
    by_a: list[list[int]], by_b: list[list[int]]
) -> tuple[disclosure.Publication, Attack]:
    """The same children counted by two groupings (rows) against the same columns, each
    table with its row and column totals; the two are linked by the column totals."""
    pub = disclosure.Publication()
    att = Attack()
    ncol = len(by_a[0])
    arms = []
    for name, grid in (("a", by_a), ("b", by_b)):
        units = {(i, j): pub.unknown(v) for i, row in enumerate(grid) for j, v in enumerate(row)}
        atoms = {
            (i, j): att.atom((name, i, j), v)
            for i, row in enumerate(grid)
            for j, v in enumerate(row)
        }
        arms.append((name, grid, units, atoms))
    for j in range(ncol):
        pub.same([u for (i, jj), u in arms[0][2].items() if jj == j],
                 [u for (i, jj), u in arms[1][2].items() if jj == j])  # fmt: skip
        att.link([x for (i, jj), x in arms[0][3].items() if jj == j],
                 [x for (i, jj), x in arms[1][3].items() if jj == j])  # fmt: skip
    shapes = {}
    for name, grid, units, _ in arms:
        rows = []
        for i in range(len(grid) + 1):
            row = []
            for j in range(ncol + 1):
                parts = [
                    u for (ii, jj), u in units.items() if i in (ii, len(grid)) and j in (jj, ncol)
                ]
                key = ("total", j) if i == len(grid) else (name, i, j)
                row.append(pub.cell(key, parts))
            rows.append(row)
        pub.table(rows)
        shapes[name] = rows
    return pub, att, shapes  # type: ignore[return-value]


def publish(pub: disclosure.Publication, att: Attack, shapes: dict, hidden: frozenset) -> None:  # type: ignore[type-arg]
    """What a reader sees, read by the attacker cell by cell."""
    for name, rows in shapes.items():
        atoms = att.names
        for key in (k for r in rows for k in r):
            if key[0] == "total":
                j = key[1]
                parts = [
                    x
                    for (arm, i, jj), x in atoms.items()
                    if arm == name and (j == len(rows[0]) - 1 or jj == j)
                ]
            else:
                _, i, j = key
                last = len(rows[0]) - 1
                parts = [
                    x
                    for (arm, ii, jj), x in atoms.items()
                    if arm == name and ii == i and j in (last, jj)
                ]
            att.read(repr(key), parts, disclosure.HIDDEN_MARK if key in hidden else pub.value(key))


def test_table_by_table_suppression_is_undone_by_a_linked_table_and_the_publication_is_not() -> (
    None
):
    by_a = [[5, 1, 7], [3, 5, 12]]
    by_b = [[5, 4, 9], [3, 2, 10]]
    pub, att, shapes = two_groupings(by_a, by_b)
    # Each table suppressed on its own: the attacker narrows a hidden cell down.
    alone = set()
    for name, grid in (("a", by_a), ("b", by_b)):
        s = disclosure.suppress(grid)
        for i, row in enumerate(s.hidden):  # type: ignore[arg-type]
            for j, h in enumerate(row):
                if h:
                    alone.add(("total", j) if i == len(grid) else (name, i, j))
    publish(pub, att, shapes, frozenset(alone))
    assert att.breaches()
    # Protected together: nothing.
    pub2, att2, shapes2 = two_groupings(by_a, by_b)
    hidden = pub2.protect()
    publish(pub2, att2, shapes2, hidden)
    assert att2.breaches() == [] and pub2.check(hidden) == []


@pytest.mark.parametrize("seed", range(6))
def test_random_linked_tables_survive_the_attacker(seed: int) -> None:
    rng = random.Random(seed)
    ncol = rng.randint(2, 4)
    values = [0, 0, 1, 2, 3, 4, 5, 7, 9, 12, 20]
    by_a = [[rng.choice(values) for _ in range(ncol)] for _ in range(rng.randint(2, 4))]
    # The second grouping: the same column totals, split another way.
    totals = [sum(r[j] for r in by_a) for j in range(ncol)]
    k = rng.randint(2, 3)
    by_b = [[0] * ncol for _ in range(k)]
    for j, t in enumerate(totals):
        for _ in range(t):
            by_b[rng.randrange(k)][j] += 1
    pub, att, shapes = two_groupings(by_a, by_b)
    hidden = pub.protect()
    publish(pub, att, shapes, hidden)
    assert att.breaches() == []
    assert pub.check(hidden) == []


def test_adequate_is_the_documented_rule() -> None:
    t = 5
    assert disclosure.adequate(1, 4, 2, threshold=t)
    assert not disclosure.adequate(2, 9, 2, threshold=t)  # cannot be 1
    assert disclosure.adequate(2, 9, 2, threshold=t, floor=2)  # a total of two hidden cells
    assert not disclosure.adequate(1, 3, 2, threshold=t)  # provably below 4
    assert disclosure.adequate(10, 12, 11, threshold=t) and not disclosure.adequate(
        11, 11, 11, threshold=t
    )
