"""Everything a PPR lead can publish about one informant's children, protected together.

The lead's page, its PDF and XLSX and ``/api/evaluering/`` show the figures of one *view*:
all the municipality's children measured by the informant, or those of one value of one
filter — one intervention, type, level, target group, age group or half-year (the filter
form allows at most one besides the informant). Those views form a fixed lattice, and a lead
can download every one of them, so their counts are one
:class:`~spor.evaluation.disclosure.Publication`: the unknowns are the children per
*content* (follow-up or not, change category, the reliable-change flags of the sensitivity
rows, band before and after) and per grouping (intervention, age group, half-year), the
groupings linked by their content totals — no view crosses two groupings, so any per-grouping
counts with the same totals come from some children (``docs/evaluation.md``). Every count of
every view is a sum of unknowns; :meth:`Publication.protect` hides every count of 1–4 and as
many more as it takes for no hidden count to be narrowed below its protection interval by
linear programming over all views together. A view's figures then show exactly those
counts (:func:`spor.evaluation.web.figures.compute_cells` with ``published=``).

Different informants are different responses and are protected apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from spor import sdq
from spor.accounts.access import Actor
from spor.cases.models import InterventionType, Level, Target
from spor.evaluation import disclosure, outcome
from spor.evaluation.web import figures, selectors, versions
from spor.evaluation.web.forms import AGE_GROUPS, Filters
from spor.evaluation.web.selectors import Cell
from spor.lib import memo
from spor.measurement import questionnaire

THRESHOLD = figures.THRESHOLD
OTHER_AGE = "anden"


@dataclass(frozen=True)
class View:
    """One filter view: ``dimension`` ("" for all children) and its value."""

    dimension: str
    value: Any = None


ALL_VIEW = View("")


def age_group(age: int | None) -> str:
    for code, _, lo, hi in AGE_GROUPS:
        if age is not None and lo <= age <= hi:
            return code
    return OTHER_AGE


def half_of(day: Any) -> int:
    """A half-year as ``year * 10 + 1`` (January–June) or ``+ 2``, as ``Cell.half``."""
    return int(day.year) * 10 + (1 if day.month <= 6 else 2)


def view_of(filters: Filters) -> View:
    """The view the filters choose (at most one besides the informant; the form checks)."""
    if filters.intervention is not None:
        return View("indsats", filters.intervention.pk)
    if filters.kind:
        return View("type", filters.kind)
    if filters.level:
        return View("niveau", filters.level)
    if filters.target:
        return View("maalgruppe", filters.target)
    if filters.age_group:
        return View("alder", filters.age_group)
    if filters.date_from is not None:
        return View("halvaar", half_of(filters.date_from))
    return ALL_VIEW


# A cell's content: (paired, change category code, reliable-change parameters' key,
# improved per sensitivity row, deteriorated per row, band table norm set, band before,
# band after).
Content = tuple[bool, int, Any, tuple[bool, ...], tuple[bool, ...], str, str, str]


def _params_key(p: sdq.RciParameters) -> tuple[float, float, float]:
    return (p.sd, p.mean, p.reliability)


def _grid(params: sdq.RciParameters) -> list[sdq.RciParameters]:
    """The parameters of each sensitivity row, as :func:`outcome.evaluate_pairs` makes them."""
    out = []
    for r, kind in outcome.reliability_grid(params):
        same = r == round(params.reliability, 4)
        out.append(params if same else params.with_reliability(r, kind))
    return out


Test = Callable[[Content], bool]


def _in_codes(codes: set[int]) -> Test:
    return lambda s: s[0] and s[1] in codes


def _reliable(pkey: Any, i: int, which: int) -> Test:
    """Improved (``which`` 3) or deteriorated (4) in sensitivity row i, or neither (0)."""
    if which == 3:
        return lambda s: s[0] and s[2] == pkey and s[3][i]
    if which == 4:
        return lambda s: s[0] and s[2] == pkey and s[4][i]
    return lambda s: s[0] and s[2] == pkey and not s[3][i] and not s[4][i]


def _banded(ref: str, codes: tuple[str, ...], b: str, a: str) -> Test:
    return lambda s: (
        s[0]
        and s[5] == ref
        and (s[6] == b if b != "*" else s[6] in codes)
        and (s[7] == a if a != "*" else s[7] in codes)
    )


def _fine(k: int) -> bool:
    return k == 0 or k >= THRESHOLD


def _sensitivity_rows(
    pairs: Sequence[Cell], contents: dict[int, Content], pkey: Any, n_rows: int, full: bool
) -> list[int]:
    """The sensitivity rows whose counts are published: in the view of all children, a row
    whose improved, deteriorated and unchanged counts, and their differences from the
    published rows' counts, are each 0 or at least THRESHOLD (the rows are nested sets of the
    same children; a difference of 1–4 would be one more small group to protect across the
    lattice). The other rows show '–'."""
    if not full:
        return []
    chosen = [(contents[id(c)], c.n) for c in pairs if contents[id(c)][2] == pkey]
    rows: list[int] = []
    kept: list[tuple[int, int, int]] = []
    for i in range(n_rows):
        up = sum(n for s, n in chosen if s[3][i])
        down = sum(n for s, n in chosen if s[4][i])
        same = sum(n for _, n in chosen) - up - down
        if not all(map(_fine, (up, down, same))):
            continue
        if any(not (_fine(abs(up - u)) and _fine(abs(down - d))) for u, d, _ in kept):
            continue
        kept.append((up, down, same))
        rows.append(i)
    return rows


def _bands_publishable(pairs: Sequence[Cell], found: tuple[str, tuple[str, ...]]) -> bool:
    """The band table is published (for all children) only when none of its inner counts
    is 1–4: a table of small cells would hide its own total, the number of pairs."""
    ref, codes = found
    counts: dict[tuple[Any, Any], int] = defaultdict(int)
    for c in pairs:
        if (
            c.norm_before == ref == c.norm_after
            and c.band_before in codes
            and c.band_after in codes
        ):
            counts[(c.band_before, c.band_after)] += c.n
    return bool(counts) and all(_fine(k) for k in counts.values())


class Lattice:
    """Every view of one informant's cells and the one publication protecting them."""

    def __init__(self, cells: Sequence[Cell], catalogue: dict[int, tuple[str, ...]]) -> None:
        self.cells = list(cells)
        self.targets = catalogue
        pairs = [c for c in self.cells if c.after is not None]
        codes = dict(zip(map(id, pairs), figures.categories(pairs), strict=True))
        # Reliable-change flags per pair, under its own parameters' sensitivity rows.
        params: dict[int, sdq.RciParameters] = {}
        for c in pairs:
            if c.norm_before and c.norm_before == c.norm_after:
                try:
                    params[id(c)] = sdq.rci_details(
                        questionnaire.sdq_informant(c.form),
                        "total",
                        c.norm_before.split("@", 1)[0],
                    )
                except sdq.SDQError:
                    continue
        flags: dict[int, tuple[tuple[bool, ...], tuple[bool, ...]]] = {}
        by_key: dict[Any, list[Cell]] = defaultdict(list)
        for c in pairs:
            if id(c) in params:
                by_key[_params_key(params[id(c)])].append(c)
        for group in by_key.values():
            before = np.array([c.before for c in group], dtype=float)
            after = np.array([c.after for c in group], dtype=float)
            rows = [outcome.reliable_flags(before, after, p) for p in _grid(params[id(group[0])])]
            for i, c in enumerate(group):
                flags[id(c)] = (
                    tuple(bool(up[i]) for up, _ in rows),
                    tuple(bool(down[i]) for _, down in rows),
                )
        self.content: dict[int, Content] = {}
        for c in self.cells:
            paired = c.after is not None
            p = params.get(id(c))
            ups, downs = flags.get(id(c), ((), ()))
            same_norm = paired and c.norm_before and c.norm_before == c.norm_after
            self.content[id(c)] = (
                paired,
                codes.get(id(c), -1) if paired else -1,
                _params_key(p) if p is not None else None,
                ups,
                downs,
                c.norm_before if same_norm else "",
                (c.band_before or "") if same_norm else "",
                (c.band_after or "") if same_norm else "",
            )
        self._pub: disclosure.Publication | None = None
        self._hidden: frozenset[Any] = frozenset()
        self._views: list[View] = []
        # (view, name) -> the publication's key: the same children counted in two views (or
        # twice in one) are one published number.
        self._key: dict[tuple[View, str], Any] = {}

    # -- the views --------------------------------------------------------------------------

    def member(self, view: View) -> Callable[[Cell], bool]:
        d, v = view.dimension, view.value
        if d == "":
            return lambda c: True
        if d == "indsats":
            return lambda c: c.intervention_id == v
        if d == "type":
            return lambda c: c.kind == v
        if d == "niveau":
            return lambda c: c.level == v
        if d == "maalgruppe":
            return lambda c: v in self.targets.get(c.intervention_id or 0, ())
        if d == "alder":
            return lambda c: age_group(c.age) == v
        if d == "halvaar":
            return lambda c: c.half == v
        raise ValueError(d)  # pragma: no cover

    def members(self, view: View) -> list[Cell]:
        keep = self.member(view)
        return [c for c in self.cells if keep(c)]

    def views(self) -> list[View]:
        """The views that hold children: all, then one per value of each filter."""
        out = [ALL_VIEW]
        out += [
            View("indsats", i) for i in sorted({c.intervention_id for c in self.cells}, key=repr)
        ]
        out += [View("type", k.value) for k in InterventionType]
        out += [View("niveau", lvl.value) for lvl in Level]
        out += [View("maalgruppe", t.value) for t in Target]
        out += [View("alder", code) for code, *_ in AGE_GROUPS]
        out += [View("halvaar", h) for h in sorted({c.half for c in self.cells if c.half})]
        return [v for v in out if self.members(v)]

    # -- the counts of a view ---------------------------------------------------------------

    @staticmethod
    def names(
        members: Sequence[Cell], contents: dict[int, Content], *, full: bool = True
    ) -> dict[str, Callable[[Content], bool]]:
        """Every count a view publishes, by name, as a test on a cell's content. Only the
        view of all children (``full``) has the reliable-change sensitivity and the band
        table: in a filtered view they would be many more small counts to protect across
        the lattice, for little."""
        pairs = [c for c in members if c.after is not None]
        out: dict[str, Callable[[Content], bool]] = {
            "started": lambda s: True,
            "paired": lambda s: s[0],
            "noncompleted": lambda s: not s[0],
            "categorised": lambda s: s[0] and s[1] >= 0,
            "uncategorised": lambda s: s[0] and s[1] < 0,
        }
        index = {k: i for i, k in enumerate(figures.EXCLUSIVE)}
        for k, i in index.items():
            out[f"cat:{k}"] = _in_codes({i})
        for key, parts in figures.UNIONS.items():
            out[f"union:{key}"] = _in_codes({index[p] for p in parts})
        group = figures.rci_group(pairs)
        if group is not None:
            pkey = _params_key(group[0])
            out["rci_n"] = lambda s: s[0] and s[2] == pkey
            for i in _sensitivity_rows(pairs, contents, pkey, len(_grid(group[0])), full):
                out[f"up:{i}"] = _reliable(pkey, i, 3)
                out[f"down:{i}"] = _reliable(pkey, i, 4)
                out[f"same:{i}"] = _reliable(pkey, i, 0)
        found = figures.transition_ref(pairs) if full else None
        if found is not None and _bands_publishable(pairs, found):
            ref, codes = found
            for b in (*codes, "*"):
                for a in (*codes, "*"):
                    out[figures.band_key(b, a)] = _banded(ref, codes, b, a)
        return out

    # -- the publication --------------------------------------------------------------------

    def protect(self) -> tuple[disclosure.Publication, frozenset[Any]]:
        """The publication of every view (keys ``(view, name)``) and the keys it hides."""
        if self._pub is not None:
            return self._pub, self._hidden
        pub = disclosure.Publication(threshold=THRESHOLD)
        arms: dict[str, Callable[[Cell], Any]] = {
            "indsats": lambda c: c.intervention_id,
            "alder": lambda c: age_group(c.age),
            "halvaar": lambda c: c.half,
        }
        atoms: dict[str, dict[tuple[Any, Content], int]] = {}
        for arm, key in arms.items():
            counts: dict[tuple[Any, Content], int] = defaultdict(int)
            for c in self.cells:
                counts[(key(c), self.content[id(c)])] += c.n
            atoms[arm] = {k: pub.unknown(v) for k, v in sorted(counts.items(), key=repr)}
        contents = sorted({s for s in self.content.values()}, key=repr)
        first = atoms["indsats"]
        for arm in ("alder", "halvaar"):
            for s in contents:
                pub.same(
                    [u for (_, ss), u in atoms[arm].items() if ss == s],
                    [u for (_, ss), u in first.items() if ss == s],
                )
        arm_of = {"alder": "alder", "halvaar": "halvaar"}
        self._views = self.views()
        by_view: dict[View, dict[str, Any]] = {}
        canonical: dict[tuple[int, ...], Any] = {}
        for view in self._views:
            members = self.members(view)
            inside = {
                (arms[arm_of.get(view.dimension, "indsats")](c), self.content[id(c)])
                for c in members
            }
            pool = atoms[arm_of.get(view.dimension, "indsats")]
            keys: dict[str, Any] = {}
            for name, test in self.names(members, self.content, full=view == ALL_VIEW).items():
                parts = tuple(u for k, u in pool.items() if k in inside and test(k[1]))
                key = canonical.setdefault(parts, (view, name))
                keys[name] = pub.cell(key, parts)
                self._key[(view, name)] = key
            by_view[view] = keys
            self._lines(pub, keys)
        self._across(pub, by_view)
        self._pub, self._hidden = pub, pub.protect()
        return pub, self._hidden

    @staticmethod
    def _lines(pub: disclosure.Publication, k: dict[str, Any]) -> None:
        """The additive lines within a view, for choosing complements."""
        cats = [k[f"cat:{c}"] for c in figures.EXCLUSIVE]
        pub.line([*cats, k["categorised"]])
        pub.line([k["categorised"], k["uncategorised"], k["paired"]])
        pub.line([k["paired"], k["noncompleted"], k["started"]])
        for key, parts in figures.UNIONS.items():
            pub.line([k[f"cat:{p}"] for p in parts] + [k[f"union:{key}"]])
        i = 0
        while f"up:{i}" in k:
            pub.line([k[f"up:{i}"], k[f"down:{i}"], k[f"same:{i}"], k["rci_n"]])
            i += 1
        bands = [n for n in k if n.startswith("band:")]
        if bands:
            codes = list(dict.fromkeys(n.split(":")[1] for n in bands))  # ends with "*"
            pub.table([[k[figures.band_key(b, a)] for a in codes] for b in codes])

    def _across(self, pub: disclosure.Publication, by_view: dict[View, dict[str, Any]]) -> None:
        """Lines across the views of a filter whose values partition the children."""
        whole = by_view.get(ALL_VIEW, {})
        for dim in ("indsats", "type", "niveau", "alder", "halvaar"):
            views = [v for v in self._views if v.dimension == dim]
            if not views or sum(len(self.members(v)) for v in views) != len(self.cells):
                continue
            for name, total in whole.items():
                parts = [by_view[v].get(name) for v in views]
                if any(p is None for p in parts):
                    continue
                if sum(pub.value(p) for p in parts) == pub.value(total):
                    pub.line([*parts, total])

    def published(self, view: View) -> dict[str, int | None]:
        """The view's counts as published: ``None`` where hidden."""
        pub, hidden = self.protect()
        if view not in self._views:  # no children: every count is 0
            return {name: 0 for name in self.names([], self.content, full=False)}
        return {
            name: None if key in hidden else pub.value(key)
            for (v, name), key in self._key.items()
            if v == view
        }

    def view_figures(self, filters: Filters) -> figures.Figures:
        """The figures of the filters' view, showing the counts as protected together."""
        view = view_of(filters)
        return figures.compute_cells(self.members(view), filters, published=self.published(view))


def read(actor: Actor, informant: str) -> Lattice:
    """The lattice of the actor's municipality for one informant: one grouped query. The
    lattice and its protection are kept in the process under the cells and the catalogue
    they are computed from (:mod:`spor.lib.memo`), so only a change to the data makes the
    next view solve the linear programmes again; and under the database's version of the
    municipality's responses (:mod:`spor.evaluation.web.versions`), so that a view of the same
    version reads no cell."""
    catalogue = {
        pk: tuple(targets or ())
        for pk, targets in selectors.interventions_for(actor)
        .order_by("pk")
        .values_list("pk", "targets")
    }

    def kept() -> Lattice:
        # In one fixed order (PostgreSQL's grouped read gives them in another on every
        # read), keyed on that order, so the lattice kept is the one computed from these cells.
        cells, found = selectors.cells_in_order(selectors.lattice_cells(actor, informant))
        key = memo.digest("lattice", sorted(catalogue.items()), found)
        return memo.cached(key, lambda: Lattice(cells, catalogue))

    # Found without reading the cells while the database's version of the municipality's
    # responses is the same (spor.evaluation.web.versions).
    version = versions.current(actor.municipality_id)
    if version is None:
        return kept()
    key = memo.digest(
        "lattice.version",
        actor.municipality_id,
        informant,
        version.cells,
        sorted(catalogue.items()),
    )
    return memo.cached(key, kept)


def for_municipality(actor: Actor, filters: Filters) -> figures.Figures:
    """The evaluation page's figures for the actor's municipality (the page, its reports and
    the API all show these)."""
    return read(actor, filters.informant).view_figures(filters)
