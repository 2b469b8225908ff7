"""Disclosure control for whatever leaves a municipality: pseudonyms and cell suppression.

Counts of children are published only in tables that pass two rules:

1. **Primary suppression.** A cell (or a published total) with 1 to ``threshold − 1``
   children (1–4 by default) is hidden. A 0 is shown: it reveals no child's data by itself,
   and hiding it would not protect anything either.
2. **Secondary suppression.** Where totals are published, more cells are hidden so that no
   hidden cell can be worked out exactly from the totals by adding and subtracting. Every
   row and column (totals included) that holds a hidden cell holds at least two, and no
   hidden cell is the only link between two groups of hidden cells (a "bridge"), which the
   two-per-line rule alone does not rule out.

The complementary cell is chosen deterministically: the smallest non-zero value not yet
hidden in the line (ties: the first by position, totals last). It is a simple, repeatable
heuristic, not an optimal (least information lost) pattern. Hidden cells are shown alike,
whatever the reason, so a reader cannot tell which were small.

    >>> r = suppress([[12, 3, 8], [9, 7, 15]])
    >>> r.values
    ((12, None, None, 23), (9, None, None, 31), (21, 10, 23, 54))
    >>> is_protected(r)
    True

Only the table itself is checked: two overlapping tables from the same children (by sex and
by age, say) can together reveal what each hides. ``docs/evaluation.md`` has the details.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import numpy as np

__all__ = [
    "HIDDEN_MARK",
    "PROTECTION_NOTE_DA",
    "DisclosureError",
    "Suppressed",
    "data_dictionary",
    "derivable_cells",
    "export_rows",
    "is_protected",
    "protect_together",
    "pseudonym",
    "suppress",
]

HIDDEN_MARK: Final = ".."
"""What a hidden cell shows in a display or an export, whatever the reason it is hidden."""

PROTECTION_NOTE_DA: Final = (
    "Tal for færre end 5 børn er skjult (vist som '..'). For at et skjult tal ikke kan regnes "
    "ud fra totalerne, er også andre tal skjult. 0 vises. Børn er pseudonymiseret; navne og "
    "CPR-numre indgår aldrig."
)

_SEQ = (Sequence, np.ndarray)

Cell: TypeAlias = int | None
Cells1D: TypeAlias = tuple[Cell, ...]
Cells2D: TypeAlias = tuple[tuple[Cell, ...], ...]


class DisclosureError(ValueError):
    """A table or key the disclosure control cannot use; the message says what to fix."""


# --------------------------------------------------------------------------------------------
# Pseudonyms
# --------------------------------------------------------------------------------------------


def pseudonym(identifier: str | int, key: bytes, *, length: int = 16) -> str:
    """A keyed pseudonym: the first ``length`` hex digits of HMAC-SHA256(key, identifier).

    The same child gets the same pseudonym under the same key, so records can be linked
    across exports; without the key the pseudonym cannot be turned back or recomputed from a
    CPR number. Use one key per recipient (and per export, if linking is not wanted), keep
    it in the municipality, and never derive it from the data.
    """
    if not isinstance(key, bytes | bytearray) or len(key) < 16:
        raise DisclosureError("nøglen skal være mindst 16 bytes / key must be >= 16 bytes")
    if not 8 <= length <= 64:
        raise DisclosureError("længden skal være 8–64 / length must be 8-64")
    digest = hmac.new(bytes(key), str(identifier).encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:length]


# --------------------------------------------------------------------------------------------
# Suppression
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suppressed:
    """A table ready to publish.

    ``values``: the cells with ``None`` where hidden; with ``margins`` the totals are added
    (a last element for a 1-D table; a last column of row totals and a last row of column
    totals, ending with the grand total, for a 2-D table). ``hidden`` has the same shape;
    ``reasons`` says ``"primary"`` or ``"secondary"`` for each hidden cell. The reasons are
    for checking the work: never publish them, they tell which cells are small.
    """

    values: Cells1D | Cells2D
    hidden: tuple[bool, ...] | tuple[tuple[bool, ...], ...]
    reasons: tuple[str | None, ...] | tuple[tuple[str | None, ...], ...]
    ndim: int
    margins: bool
    threshold: int

    @property
    def n_hidden(self) -> int:
        rows: Any = (self.hidden,) if self.ndim == 1 else self.hidden
        return sum(bool(h) for row in rows for h in row)

    def display(self, mark: str = HIDDEN_MARK) -> tuple[Any, ...]:
        """The values with ``mark`` for hidden cells."""
        values: Any = self.values
        if self.ndim == 1:
            return tuple(mark if v is None else v for v in values)
        return tuple(tuple(mark if v is None else v for v in row) for row in values)


def _check_count(v: Any) -> int:
    if isinstance(v, bool) or v is None:
        raise DisclosureError(f"cellerne skal være antal (hele tal ≥ 0), ikke {v!r} / counts")
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise DisclosureError(f"cellerne skal være antal, ikke {v!r} / counts only") from None
    if not f.is_integer() or f < 0:
        raise DisclosureError(f"cellerne skal være hele tal ≥ 0, ikke {v!r} / counts only")
    return int(f)


def _as_grid(table: Any) -> tuple[list[list[int]], int]:
    """The table as rows of ints, and its dimension (1 or 2)."""
    if isinstance(table, str | bytes) or not isinstance(table, _SEQ):
        raise DisclosureError("tabellen skal være en liste af antal / table must be a sequence")
    rows = list(table)
    if not rows:
        raise DisclosureError("tabellen er tom / empty table")
    is_2d = [isinstance(r, _SEQ) and not isinstance(r, str) for r in rows]
    if all(is_2d):
        grid = [[_check_count(v) for v in r] for r in rows]
        if not grid[0] or any(len(r) != len(grid[0]) for r in grid):
            raise DisclosureError("alle rækker skal have lige mange celler / ragged table")
        return grid, 2
    if any(is_2d):
        raise DisclosureError("bland ikke tal og rækker / mixed cells and rows")
    return [[_check_count(v) for v in rows]], 1


def _lines(n_rows: int, n_cols: int, ndim: int, margins: bool) -> list[list[tuple[int, int]]]:
    """The additive lines (each sums to its total) of the published grid, in a fixed order."""
    if not margins:
        return []
    if ndim == 1:
        return [[(0, j) for j in range(n_cols)]]
    rows = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    cols = [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    return rows + cols


def _with_margins(grid: list[list[int]], ndim: int) -> list[list[int]]:
    if ndim == 1:
        return [[*grid[0], sum(grid[0])]]
    out = [[*row, sum(row)] for row in grid]
    out.append([sum(col) for col in zip(*out, strict=True)])
    return out


def _pick(
    cells: Sequence[tuple[int, int]], grid: list[list[int]], hidden: set[tuple[int, int]]
) -> tuple[int, int] | None:
    """The smallest non-zero value not yet hidden (ties: first in ``cells``); else a zero."""
    free = [c for c in cells if c not in hidden]
    non_zero = [c for c in free if grid[c[0]][c[1]] > 0]
    pool = non_zero or free
    if not pool:
        return None
    return min(pool, key=lambda c: (grid[c[0]][c[1]], cells.index(c)))


def suppress(
    table: Any,
    *,
    threshold: int = 5,
    margins: bool = True,
    also_hide: Iterable[tuple[int, int]] = (),
) -> Suppressed:
    """Hide small cells, and enough others that no hidden cell can be worked out.

    ``table`` is a 1-D sequence of counts, or a 2-D sequence of rows of counts, without
    totals. With ``margins=True`` (default) the totals are computed, published with the
    table, and protected like cells (a total of 1–4 is hidden too, and a total may be hidden
    as the complement). With ``margins=False`` no total is published, so no secondary
    suppression is needed; do not then publish the totals anywhere else.

    ``also_hide``: positions ``(i, j)`` in the published grid (totals included) that must be
    hidden as well, say because another table of the same children hides them; the table
    is then protected from there (see :func:`protect_together`).
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise DisclosureError("tærsklen skal være et helt tal ≥ 1 / threshold must be >= 1")
    grid, ndim = _as_grid(table)
    if margins:
        grid = _with_margins(grid, ndim)
    n_rows, n_cols = len(grid), len(grid[0])
    reasons: dict[tuple[int, int], str] = {
        (i, j): "primary"
        for i in range(n_rows)
        for j in range(n_cols)
        if 0 < grid[i][j] < threshold
    }
    for i, j in also_hide:
        if not (0 <= i < n_rows and 0 <= j < n_cols):
            raise DisclosureError("en celle at skjule ligger uden for tabellen / out of range")
        reasons.setdefault((i, j), "secondary")
    lines = _lines(n_rows, n_cols, ndim, margins)
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
        if ndim == 2 and margins:
            fix = _bridge_fix(grid, set(reasons))
            if fix is not None:
                reasons[fix] = "secondary"
                continue
        break
    if ndim == 2 and margins and _bridges(set(reasons)):  # pragma: no cover - cannot happen
        raise DisclosureError("tabellen kunne ikke beskyttes / table could not be protected")
    values = [
        [None if (i, j) in reasons else grid[i][j] for j in range(n_cols)] for i in range(n_rows)
    ]
    hidden = [[(i, j) in reasons for j in range(n_cols)] for i in range(n_rows)]
    why = [[reasons.get((i, j)) for j in range(n_cols)] for i in range(n_rows)]
    if ndim == 1:
        return Suppressed(
            values=tuple(values[0]),
            hidden=tuple(hidden[0]),
            reasons=tuple(why[0]),
            ndim=1,
            margins=margins,
            threshold=threshold,
        )
    return Suppressed(
        values=tuple(tuple(r) for r in values),
        hidden=tuple(tuple(r) for r in hidden),
        reasons=tuple(tuple(r) for r in why),
        ndim=2,
        margins=margins,
        threshold=threshold,
    )


# --------------------------------------------------------------------------------------------
# The check: which hidden cells can be derived?
# --------------------------------------------------------------------------------------------
#
# Write every total as minus its value: then every row and every column of the published grid
# sums to 0, with coefficient +1 on each of its cells. The hidden cells are the edges of a
# bipartite graph (rows and columns as nodes) whose node sums are known. Such a system fixes an
# edge's value exactly when the edge lies on no cycle, i.e. is a bridge; an edge on a cycle can
# be moved by +t, -t, ... around the cycle without changing any sum. A 1-D table with a total
# is a single line: a hidden cell is fixed when it is alone.


def _components(
    edges: set[tuple[int, int]], skip: tuple[int, int] | None = None
) -> dict[tuple[str, int], int]:
    """Connected components of the row/column graph of ``edges`` (minus ``skip``)."""
    adj: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for e in edges:
        if e == skip:
            continue
        r, c = ("r", e[0]), ("c", e[1])
        adj.setdefault(r, []).append(c)
        adj.setdefault(c, []).append(r)
    if skip is not None:
        adj.setdefault(("r", skip[0]), [])
        adj.setdefault(("c", skip[1]), [])
    comp: dict[tuple[str, int], int] = {}
    for start in sorted(adj):
        if start in comp:
            continue
        label = len(comp)
        stack = [start]
        comp[start] = label
        while stack:
            node = stack.pop()
            for nxt in adj[node]:
                if nxt not in comp:
                    comp[nxt] = label
                    stack.append(nxt)
    return comp


def _bridges(hidden: set[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for e in sorted(hidden):
        comp = _components(hidden, skip=e)
        if comp[("r", e[0])] != comp[("c", e[1])]:
            out.append(e)
    return out


def _bridge_fix(grid: list[list[int]], hidden: set[tuple[int, int]]) -> tuple[int, int] | None:
    """A cell whose hiding puts the first bridge on a cycle (smallest non-zero value first)."""
    bridges = _bridges(hidden)
    if not bridges:
        return None
    i, j = bridges[0]
    comp = _components(hidden, skip=(i, j))
    n_rows, n_cols = len(grid), len(grid[0])
    side_j = comp[("c", j)]
    side_i = comp[("r", i)]
    candidates = [(i, jj) for jj in range(n_cols) if jj != j and comp.get(("c", jj)) == side_j]
    candidates += [(ii, j) for ii in range(n_rows) if ii != i and comp.get(("r", ii)) == side_i]
    candidates.sort()
    return _pick(candidates, grid, hidden)


def _hidden_set(published: Any) -> tuple[set[tuple[int, int]], int, int, int, list[list[Any]]]:
    rows = list(published)
    if rows and all(isinstance(r, _SEQ) for r in rows):
        grid = [list(r) for r in rows]
        ndim = 2
    else:
        grid = [rows]
        ndim = 1
    hidden = {
        (i, j) for i, r in enumerate(grid) for j, v in enumerate(r) if v is None or v == HIDDEN_MARK
    }
    return hidden, ndim, len(grid), len(grid[0]) if grid else 0, grid


def derivable_cells(published: Suppressed | Any, *, margins: bool = True) -> list[Any]:
    """Positions of hidden cells that the published totals determine exactly.

    ``published`` is a :class:`Suppressed`, or a table as published (``None`` or
    :data:`HIDDEN_MARK` = hidden),
    totals included when ``margins`` (last element, or last row and column). Positions are
    ``j`` for a 1-D table and ``(i, j)`` for a 2-D one. Empty means protected.
    """
    if isinstance(published, Suppressed):
        margins = published.margins
        published = published.values
    hidden, ndim, _n_rows, _n_cols, _ = _hidden_set(published)
    if not margins or not hidden:
        return []
    if ndim == 1:
        return [j for (_, j) in sorted(hidden)] if len(hidden) == 1 else []
    return _bridges(hidden)


def is_protected(published: Suppressed | Any, *, threshold: int = 5, margins: bool = True) -> bool:
    """True if no shown cell has 1 to ``threshold − 1`` children and no hidden cell can be
    derived from the published totals by row and column equations (:func:`derivable_cells`).

    For a 2-D table with totals this implies that every row and column (totals included)
    holding a hidden cell holds at least two.
    """
    if isinstance(published, Suppressed):
        threshold, margins = published.threshold, published.margins
        values: Any = published.values
    else:
        values = published
    _, _, _, _, grid = _hidden_set(values)
    for row in grid:
        for v in row:
            if v is not None and v != HIDDEN_MARK and 0 < _check_count(v) < threshold:
                return False
    return not derivable_cells(values, margins=margins)


# --------------------------------------------------------------------------------------------
# Tables that publish the same totals
# --------------------------------------------------------------------------------------------


def _total_row_hidden(s: Suppressed) -> frozenset[int]:
    last: Any = s.hidden[-1]
    return frozenset(j for j, h in enumerate(last) if h)


def protect_together(tables: Sequence[Any], *, threshold: int = 5) -> list[Suppressed]:
    """Protect 2-D tables (rows of counts, no totals) of the same children, whose column
    totals are therefore equal, so that they hide the same totals.

    If one table hid a total that the other shows, the shown one could be put into the
    first table's equations and a hidden cell worked out. So every table hides each total
    that any of them hides, and is protected again from there (:func:`suppress` with
    ``also_hide``), until the hidden totals agree. Hiding more never uncovers a hidden
    cell. Raises if the totals differ.
    """
    grids = [_as_grid(t) for t in tables]
    if any(ndim != 2 for _, ndim in grids):
        raise DisclosureError("tabellerne skal være 2-D / tables must be 2-D")
    totals = {tuple(sum(col) for col in zip(*g, strict=True)) for g, _ in grids}
    if len(totals) > 1:
        raise DisclosureError("tabellerne har ikke samme totaler / totals differ")
    if not grids:
        return []
    forced: frozenset[int] = frozenset()
    while True:
        out = [
            suppress(g, threshold=threshold, also_hide=[(len(g), j) for j in forced])
            for g, _ in grids
        ]
        union = frozenset().union(*(_total_row_hidden(s) for s in out))
        if union == forced or all(_total_row_hidden(s) == union for s in out):
            return out
        forced = union


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def export_rows(
    table: Suppressed,
    *,
    row_labels: Sequence[str] | None = None,
    column_labels: Sequence[str],
    corner: str = "",
    total_label: str = "I alt",
    mark: str = HIDDEN_MARK,
) -> list[list[str | int]]:
    """Rows for a CSV or XLSX sheet: a header, then one row per table row, totals labelled.

    A 1-D table becomes one header row of ``column_labels`` and one row of values. Only the
    values leave: the hidden/primary/secondary flags do not.
    """
    shown = table.display(mark)
    if table.ndim == 1:
        header = [*column_labels, total_label] if table.margins else list(column_labels)
        if len(header) != len(shown):
            raise DisclosureError("antal kolonnenavne passer ikke / column labels do not fit")
        return [list(header), list(shown)]
    if row_labels is None:
        raise DisclosureError("en 2-D tabel skal have rækkenavne / row_labels needed")
    cols = [*column_labels, total_label] if table.margins else list(column_labels)
    rows_l = [*row_labels, total_label] if table.margins else list(row_labels)
    if len(rows_l) != len(shown) or len(cols) != len(shown[0]):
        raise DisclosureError("række- eller kolonnenavne passer ikke / labels do not fit")
    out: list[list[str | int]] = [[corner, *cols]]
    out.extend([label, *row] for label, row in zip(rows_l, shown, strict=True))
    return out


def data_dictionary(columns: Mapping[str, str]) -> list[list[str]]:
    """A data dictionary sheet: one row per column (name, description), then the protection
    note :data:`PROTECTION_NOTE_DA` and the mark for hidden cells."""
    rows = [["kolonne", "beskrivelse"]]
    rows.extend([name, text] for name, text in columns.items())
    rows.append([HIDDEN_MARK, "skjult af hensyn til diskretion"])
    rows.append(["beskyttelse", PROTECTION_NOTE_DA])
    return rows
