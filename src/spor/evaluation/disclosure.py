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
import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import numpy as np

__all__ = [
    "HIDDEN_MARK",
    "PROTECTION_NOTE_DA",
    "DisclosureError",
    "Publication",
    "Suppressed",
    "adequate",
    "data_dictionary",
    "derivable_cells",
    "export_rows",
    "is_protected",
    "protect_together",
    "pseudonym",
    "suppress",
]

HIDDEN_MARK: Final = "◆"
"""What a hidden cell shows on a page or in a file, whatever the reason it is hidden: one
neutral symbol, never "færre end 5" (a cell hidden to protect another may be large)."""

HIDDEN_LEGEND_DA: Final = f"{HIDDEN_MARK} skjult af hensyn til fortrolighed"
"""The one legend for :data:`HIDDEN_MARK`, beside every table or file that can show it."""

PROTECTION_NOTE_DA: Final = (
    f"{HIDDEN_LEGEND_DA}. Tal om 1–4 børn vises ikke, og andre tal er skjult, så de skjulte "
    "ikke kan regnes ud af de viste tal og totaler, heller ikke på tværs af tabellerne. Et "
    "skjult tal kan være lille eller stort. 0 vises. Ingen navne eller CPR-numre indgår."
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
# Linked tables: everything published about one population, protected together
# --------------------------------------------------------------------------------------------
#
# A table at a time is not enough: the tables a reader can obtain about the same children
# (by municipality and by type, this view and that one, the category counts and the band
# transitions) are linked, and what one hides another can give back. A Publication holds
# all of them as sums of unknown non-negative counts (the finest groups the publication
# distinguishes), so an attacker's knowledge is a linear system: every shown cell is an
# equation, every hidden cell is at least 1 (zeros are shown), every unknown is at least 0.
# Protection is checked by solving that system as an attacker would (linear programming,
# HiGHS through SciPy, imported only here): for every hidden cell, the least and the largest
# value it can take. Cells are hidden, the smallest non-zero first, until every hidden cell
# is protected (:func:`adequate`).

Key: TypeAlias = Any
_PROTECTED: OrderedDict[str, frozenset[Any]] = OrderedDict()


def adequate(lo: float, hi: float, value: int, *, threshold: int, floor: float = 1.0) -> bool:
    """Whether an attacker's interval ``[lo, hi]`` protects a hidden cell of ``value``.

    A cell of 1 to ``threshold − 1`` children (primary) is protected when the interval
    reaches from ``floor`` (1 for a cell; more for a total of several hidden non-zero cells,
    which is known to be at least that many without any publication) up to
    ``threshold − 1``: the attacker cannot tell 1 from ``threshold − 1``. Any other hidden
    cell must not be exact.
    """
    eps = 1e-6
    if 0 < value < threshold:
        return lo <= max(1.0, floor) + eps and hi >= threshold - 1 - eps
    return hi - lo > eps


class Publication:
    """Everything published about one population: cells as sums of unknown counts.

    * :meth:`unknown` adds an unknown count (≥ 0) with its true value;
    * :meth:`cell` publishes a count, the sum of some unknowns, under a key (the same key
      twice is the same published number, and must be the same sum);
    * :meth:`same` states that two sums of unknowns are equal (the same children, counted
      by two groupings that share no unknowns);
    * :meth:`table` says which published cells add up to which (rows and columns with their
      totals), for choosing complements.

    :meth:`protect` returns the keys to hide; :meth:`audit` an attacker's interval for every
    hidden cell. Pure Python plus SciPy's ``linprog`` (HiGHS).
    """

    def __init__(self, *, threshold: int = 5) -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
            raise DisclosureError("tærsklen skal være et helt tal ≥ 1 / threshold must be >= 1")
        self.threshold = threshold
        self._values: list[int] = []
        self._cells: dict[Key, tuple[int, ...]] = {}
        self._links: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        self._lines: list[tuple[Key, ...]] = []
        self._line_of: dict[Key, list[int]] = {}

    # -- building ---------------------------------------------------------------------------

    def unknown(self, value: int) -> int:
        self._values.append(_check_count(value))
        return len(self._values) - 1

    def cell(self, key: Key, parts: Iterable[int]) -> Key:
        terms = tuple(sorted(set(parts)))
        if any(not 0 <= t < len(self._values) for t in terms):
            raise DisclosureError("ukendt del / unknown part")
        old = self._cells.get(key)
        if old is not None and self._sum(old) != self._sum(terms):
            raise DisclosureError(f"cellen {key!r} er to forskellige tal / two values")
        if old is None:
            self._cells[key] = terms
        return key

    def same(self, left: Iterable[int], right: Iterable[int]) -> None:
        a, b = tuple(left), tuple(right)
        if self._sum(a) != self._sum(b):
            raise DisclosureError("summerne er ikke ens / sums differ")
        self._links.append((a, b))

    def table(self, rows: Sequence[Sequence[Key]]) -> None:
        """A 2-D table of published keys whose last row and last column are totals."""
        grid = [list(r) for r in rows]
        for key in (k for r in grid for k in r):
            if key not in self._cells:
                raise DisclosureError(f"ukendt celle {key!r} / unknown cell")
        lines = [tuple(r) for r in grid]
        lines += [tuple(r[j] for r in grid) for j in range(len(grid[0]))]
        for line in lines:
            if len(line) > 1:
                self._line_of.setdefault(line[-1], [])
                for k in line:
                    self._line_of.setdefault(k, []).append(len(self._lines))
                self._lines.append(line)

    def line(self, keys: Sequence[Key]) -> None:
        """Published keys whose last is the sum of the others (a 1-D table)."""
        self.table([list(keys)])

    # -- values -----------------------------------------------------------------------------

    def _sum(self, terms: Sequence[int]) -> int:
        return sum(self._values[t] for t in terms)

    def value(self, key: Key) -> int:
        return self._sum(self._cells[key])

    @property
    def keys(self) -> list[Key]:
        return list(self._cells)

    # -- protection -------------------------------------------------------------------------

    def protect(self, *, hide: Iterable[Key] = ()) -> frozenset[Key]:
        """The keys to hide: every cell of 1 to ``threshold − 1``, those in ``hide`` (say, the
        pattern table-by-table suppression found), and as many more as it takes for every
        hidden cell to be :func:`adequate` against the linear-programming attacker."""
        digest = self._digest(hide)
        if digest in _PROTECTED:
            _PROTECTED.move_to_end(digest)
            return _PROTECTED[digest]
        found = self._protect(hide)
        _PROTECTED[digest] = found
        while len(_PROTECTED) > 64:
            _PROTECTED.popitem(last=False)
        return found

    def _digest(self, hide: Iterable[Key]) -> str:
        """Everything the protection depends on, as a hash: the same publication (the page,
        then its XLSX, then its CSV files) is protected once."""
        parts = (
            self.threshold,
            tuple(self._values),
            tuple(self._cells.items()),
            tuple(self._links),
            tuple(self._lines),
            tuple(sorted(map(repr, hide))),
        )
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()

    def _protect(self, hide: Iterable[Key]) -> frozenset[Key]:
        t = self.threshold
        hidden = {k for k in self._cells if 0 < self.value(k) < t}
        hidden |= {k for k in hide if self.value(k) > 0}
        self._close(hidden)
        # Check the hidden cells in a fixed order; at the first that is not protected, hide
        # one more cell for it and go on from there. A cell found protected stays protected
        # (hiding more only widens the attacker's intervals), so it is not checked again.
        todo = sorted(hidden, key=repr)
        while todo:
            lp = _Attacker(self, hidden)
            loose = _Attacker(self, hidden, known=False)
            while todo and self._adequate(todo[0], hidden, lp, loose):
                todo.pop(0)
            if not todo:
                break
            extra = self._binding_complement(todo[0], hidden, lp) or self._complement(
                todo[0], hidden
            )
            if extra is None:  # pragma: no cover - all hidden is always protected
                raise DisclosureError("tabellerne kunne ikke beskyttes / cannot protect")
            before = set(hidden)
            hidden.add(extra)
            self._close(hidden)
            todo = sorted(set(todo) | (hidden - before), key=repr)
        return frozenset(hidden)

    def _close(self, hidden: set[Key]) -> None:
        """Two per line: a line with one hidden cell gets its smallest non-zero other cell."""
        changed = True
        while changed:
            changed = False
            for line in self._lines:
                inside = [k for k in line if k in hidden]
                if len(inside) == 1:
                    pick = self._smallest(line, hidden)
                    if pick is not None:
                        hidden.add(pick)
                        changed = True

    def _smallest(self, line: Sequence[Key], hidden: set[Key]) -> Key | None:
        free = [k for k in line if k not in hidden and self.value(k) > 0]
        if not free:
            return None
        return min(free, key=lambda k: (self.value(k), line.index(k)))

    def _binding_complement(self, key: Key, hidden: set[Key], lp: _Attacker) -> Key | None:
        """The smallest non-zero shown cell among those that hold ``key``'s failing bound
        (the upper one for a small cell that cannot reach ``threshold − 1``, else the lower
        one), or None."""
        v, t, eps = self.value(key), self.threshold, 1e-6
        lowest = not (0 < v < t and lp.bound(key, lowest=False) < t - 1 - eps)
        free = [k for k in lp.binding(key, lowest=lowest) if k not in hidden and self.value(k) > 0]
        if not free and not 0 < v < t:
            free = [
                k
                for k in lp.binding(key, lowest=not lowest)
                if k not in hidden and self.value(k) > 0
            ]
        totals = {line[-1] for line in self._lines}
        # A total last: hiding it hides a whole table's size, and its parts do as well.
        return min(free, key=lambda k: (k in totals, self.value(k), repr(k))) if free else None

    def _complement(self, key: Key, hidden: set[Key]) -> Key | None:
        """A cell to hide next for ``key``: the smallest non-zero shown cell of a line
        through it, else of a line through a hidden cell of those lines, and so on."""
        seen_lines: set[int] = set()
        frontier = {key}
        while frontier:
            lines = {i for k in frontier for i in self._line_of.get(k, []) if i not in seen_lines}
            if not lines:
                break
            seen_lines |= lines
            picks = [p for i in sorted(lines) if (p := self._smallest(self._lines[i], hidden))]
            if picks:
                return min(picks, key=lambda k: (self.value(k), repr(k)))
            frontier = {k for i in lines for k in self._lines[i] if k in hidden}
        rest = [k for k in self._cells if k not in hidden and self.value(k) > 0]
        return min(rest, key=lambda k: (self.value(k), repr(k))) if rest else None

    def _adequate(
        self,
        key: Key,
        hidden: set[Key],
        lp: _Attacker | None = None,
        loose: _Attacker | None = None,
    ) -> bool:
        lp = lp or _Attacker(self, hidden)
        v, t = self.value(key), self.threshold
        eps = 1e-6
        if not 0 < v < t:  # not exact: one side that moves is enough
            return lp.bound(key, lowest=True) < v - eps or lp.bound(key, lowest=False) > v + eps
        if lp.bound(key, lowest=False) < t - 1 - eps:
            return False
        lo = lp.bound(key, lowest=True)
        if lo <= 1 + eps:
            return True
        floor = (loose or _Attacker(self, hidden, known=False)).bound(key, lowest=True)
        return adequate(lo, math.inf, v, threshold=t, floor=floor)

    def audit(self, hidden: Iterable[Key]) -> dict[Key, tuple[float, float]]:
        """The attacker's interval ``(least, largest)`` for every hidden key (``inf`` when
        unbounded)."""
        h = set(hidden)
        lp = _Attacker(self, h)
        return {k: lp.bounds(k) for k in sorted(h, key=repr)}

    def check(self, hidden: Iterable[Key]) -> list[Key]:
        """The shown cells of 1 to ``threshold − 1`` and the hidden keys that are not
        :func:`adequate` (empty means protected)."""
        h = set(hidden)
        bad = [k for k in self._cells if k not in h and 0 < self.value(k) < self.threshold]
        lp, loose = _Attacker(self, h), _Attacker(self, h, known=False)
        return bad + [k for k in sorted(h, key=repr) if not self._adequate(k, h, lp, loose)]


class _Attacker:
    """The linear program an attacker solves: the unknowns (≥ 0), the links, every shown
    cell equal to its value (with ``known=False`` only the zeros) and every hidden cell at
    least 1; then, per hidden cell, its least and largest value. One HiGHS model, re-solved
    with a new objective per cell."""

    def __init__(self, pub: Publication, hidden: set[Key], *, known: bool = True) -> None:
        import highspy

        self.pub = pub
        n = len(pub._values)
        rows: list[dict[int, float]] = []
        lower: list[float] = []
        upper: list[float] = []
        for a, b in pub._links:
            row: dict[int, float] = {}
            for i in a:
                row[i] = row.get(i, 0.0) + 1.0
            for i in b:
                row[i] = row.get(i, 0.0) - 1.0
            rows.append(row)
            lower.append(0.0)
            upper.append(0.0)
        # The shown cell of each row (None: a link or a hidden cell), to find the shown cells
        # that bind a bound (their duals).
        self.row_keys: list[Key | None] = [None] * len(rows)
        for k, terms in pub._cells.items():
            v = pub.value(k)
            if k in hidden:
                rows.append(dict.fromkeys(terms, 1.0))
                lower.append(1.0)
                upper.append(highspy.kHighsInf)
                self.row_keys.append(None)
            elif known or v == 0:
                rows.append(dict.fromkeys(terms, 1.0))
                lower.append(float(v))
                upper.append(float(v))
                self.row_keys.append(k)
        starts, index, value = [0], [], []
        for row in rows:
            for c, x in sorted(row.items()):
                index.append(c)
                value.append(x)
            starts.append(len(index))
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = len(rows)
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.full(n, highspy.kHighsInf)
        lp.row_lower_ = np.array(lower)
        lp.row_upper_ = np.array(upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = n
        lp.a_matrix_.num_row_ = len(rows)
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value)
        self.h = highspy.Highs()  # type: ignore[no-untyped-call]
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("presolve", "off")
        self.h.setOptionValue("threads", 1)
        self.h.setOptionValue("solver", "simplex")
        self.h.passModel(lp)
        self.hs = highspy

    def bounds(self, key: Key) -> tuple[float, float]:
        return self.bound(key, lowest=True), self.bound(key, lowest=False)

    def binding(self, key: Key, *, lowest: bool) -> list[Key]:
        """The shown cells whose values hold ``key``'s bound where it is (non-zero duals at
        the optimum): hiding one of them can move it."""
        binding: list[Key] = []
        self.bound(key, lowest=lowest, binding=binding)
        return binding

    def bound(self, key: Key, *, lowest: bool, binding: list[Key] | None = None) -> float:
        hs, h = self.hs, self.h
        terms = np.array(self.pub._cells[key], dtype=np.int32)
        h.changeColsCost(len(terms), terms, np.ones(len(terms)))
        try:
            h.changeObjectiveSense(hs.ObjSense.kMinimize if lowest else hs.ObjSense.kMaximize)
            h.run()
            status = h.getModelStatus()
            if status == hs.HighsModelStatus.kUnknown:
                # Warm-started from the previous objective's basis, the simplex sometimes
                # stops without an answer (seen where the maximum is unbounded on small
                # publications); from a cold start it answers.
                h.clearSolver()
                h.run()
                status = h.getModelStatus()
            if status == hs.HighsModelStatus.kOptimal:
                if binding is not None:
                    duals = h.getSolution().row_dual
                    binding.extend(
                        k
                        for k, d in zip(self.row_keys, duals, strict=True)
                        if k is not None and abs(d) > 1e-9
                    )
                return float(h.getInfo().objective_function_value)
            if status in (
                hs.HighsModelStatus.kUnbounded,
                hs.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                return math.inf
            raise DisclosureError(f"LP: {h.modelStatusToString(status)}")  # pragma: no cover
        finally:
            h.changeColsCost(len(terms), terms, np.zeros(len(terms)))


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
    rows.append([HIDDEN_MARK, "skjult af hensyn til fortrolighed"])
    rows.append(["beskyttelse", PROTECTION_NOTE_DA])
    return rows
