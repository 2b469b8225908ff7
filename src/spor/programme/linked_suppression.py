"""Secondary suppression for tables that publish the same totals.

The evaluator's table per municipality and table per intervention type count the same
children, so their last rows (the column totals) are the same numbers. Each table is
protected by :func:`spor.evaluation.disclosure.suppress`, but if one table hides a total that
the other shows, the shown one can be put into the first table's equations and a hidden cell
worked out. :func:`protect_together` therefore hides, in every table, each total that any of
them hides, and protects each table again from there with the rules of ``suppress`` (the
smallest non-zero value not yet hidden completes a line, and no hidden cell is left as the
only link between groups of hidden cells), until the hidden totals agree. Hiding more never
uncovers a hidden cell, and each table is checked with
:func:`~spor.evaluation.disclosure.is_protected` at the end. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence

from spor.evaluation import disclosure

# ``suppress``'s own steps, started here from more hidden cells. Private to the disclosure
# module, so a change there shows up in these tests (tests/programme/test_evaluator.py).
from spor.evaluation.disclosure import Suppressed, _bridge_fix, _lines, _pick, _with_margins

Grid = list[list[int]]


def _total_row_hidden(s: Suppressed) -> frozenset[int]:
    last = s.hidden[-1]
    assert isinstance(last, tuple)
    return frozenset(j for j, h in enumerate(last) if h)


def protect_with(table: Grid, forced_totals: frozenset[int], *, threshold: int) -> Suppressed:
    """``suppress(table)``, with also the column totals at ``forced_totals`` (positions in
    the last row; the last is the grand total) hidden and the table protected again."""
    first = disclosure.suppress(table, threshold=threshold)
    missing = forced_totals - _total_row_hidden(first)
    if not missing:
        return first
    grid = _with_margins([list(r) for r in table], 2)
    n_rows, n_cols = len(grid), len(grid[0])
    reasons: dict[tuple[int, int], str] = {
        (i, j): str(first.reasons[i][j])  # type: ignore[index]
        for i in range(n_rows)
        for j in range(n_cols)
        if first.hidden[i][j]  # type: ignore[index]
    }
    for j in missing:
        reasons[(n_rows - 1, j)] = "secondary"
    lines = _lines(n_rows, n_cols, 2, True)
    while True:
        changed = False
        for line in lines:
            if sum(c in reasons for c in line) == 1:
                cell = _pick(line, grid, set(reasons))
                if cell is not None:
                    reasons[cell] = "secondary"
                    changed = True
        if changed:
            continue
        fix = _bridge_fix(grid, set(reasons))
        if fix is not None:
            reasons[fix] = "secondary"
            continue
        break
    values = tuple(
        tuple(None if (i, j) in reasons else grid[i][j] for j in range(n_cols))
        for i in range(n_rows)
    )
    return Suppressed(
        values=values,
        hidden=tuple(tuple((i, j) in reasons for j in range(n_cols)) for i in range(n_rows)),
        reasons=tuple(tuple(reasons.get((i, j)) for j in range(n_cols)) for i in range(n_rows)),
        ndim=2,
        margins=True,
        threshold=threshold,
    )


def protect_together(tables: Sequence[Grid], *, threshold: int = 5) -> list[Suppressed]:
    """Protect 2-D tables (rows of counts, no totals) whose column totals are equal, so that
    they hide the same totals. Raises if the totals differ or a table is left unprotected."""
    totals = {tuple(sum(col) for col in zip(*t, strict=True)) for t in tables}
    if len(totals) > 1:
        raise disclosure.DisclosureError("tabellerne har ikke samme totaler / totals differ")
    forced: frozenset[int] = frozenset()
    for _ in range(len(tables[0][0]) + 3 if tables else 0):
        out = [protect_with(t, forced, threshold=threshold) for t in tables]
        union = frozenset().union(*(_total_row_hidden(s) for s in out))
        if all(_total_row_hidden(s) == union for s in out):
            for s in out:
                if not disclosure.is_protected(s):  # pragma: no cover - cannot happen
                    raise disclosure.DisclosureError("tabellen kunne ikke beskyttes")
            return out
        forced = union
    if not tables:
        return []
    raise disclosure.DisclosureError(  # pragma: no cover - the hidden set only grows
        "tabellerne kunne ikke beskyttes sammen / could not protect the tables together"
    )
