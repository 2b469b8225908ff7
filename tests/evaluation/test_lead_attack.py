"""The attacker against everything a PPR lead can publish (issue 15, item 1).

A lead can set one filter besides the informant (an intervention, a type, a level, a target
group, an age group or a half-year), so the views form a fixed lattice. For every view the
XLSX workbook is made from the page's figures (the same ``Figures`` the page, the PDF and
``/api/evaluering/`` show) and read back with openpyxl; every number of every view becomes
an equation, every ◆ an inequality, of one linear system over the children's counts
(:mod:`tests.evaluation.attacker`). No hidden number may be narrowed below its protection
interval, no shown number may be 1–4. A control shows that protecting each table by itself
(what the page did before) does not pass.

The attacker's unknowns are the children per (intervention, baseline total, follow-up
total), per (age group, …) and per (half-year, …), the three groupings joined by their
totals per (baseline, follow-up): finer than the engine's, and worked out here from
:mod:`spor.sdq` alone. No database: the cells are what ``lattice_cells`` reads."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook

from spor import sdq
from spor.cases.models import InterventionType, Level, Target
from spor.evaluation import disclosure, outcome
from spor.evaluation.web import figures, lattice, reports
from spor.evaluation.web.forms import AGE_RANGES, Filters
from spor.evaluation.web.selectors import Cell
from spor.measurement import questionnaire
from tests.evaluation.attacker import Attack

NORM = "uk-3band@1"
BANDS = ("normal", "borderline", "abnormal")
HIDDEN = disclosure.HIDDEN_MARK
N_LINE = re.compile(r"^(\S+) par af (\S+) startet")
PARAMS = sdq.rci_details("teacher", "total", "uk-3band")
GRID = [
    PARAMS if r == round(PARAMS.reliability, 4) else PARAMS.with_reliability(r, kind)
    for r, kind in outcome.reliability_grid(PARAMS)
]


class _Intervention:
    def __init__(self, pk: int) -> None:
        self.pk = pk
        self.name = f"Indsats {pk}"


def band(total: int) -> str:
    found = sdq.band(np.array([total]), "uk-3band", informant="teacher", scale="total")
    return BANDS[int(found[0])]


def population(seed: int, n: int, n_interventions: int = 3) -> tuple[list[Cell], dict[int, Any]]:
    """Random children: ``n`` baselines, about two thirds followed up, spread over a few
    interventions (each with a type, a level and target groups), ages and half-years."""
    rng = np.random.default_rng(seed)
    kinds = [k.value for k in InterventionType]
    levels = [lv.value for lv in Level]
    targets = [t.value for t in Target]
    catalogue = {}
    for pk in range(1, n_interventions + 1):
        chosen = tuple(t for t in targets if rng.random() < 0.5) or (targets[0],)
        catalogue[pk] = (kinds[pk % len(kinds)], levels[(pk * 2) % len(levels)], chosen)
    counts: dict[tuple[Any, ...], int] = defaultdict(int)
    for _ in range(n):
        pk = int(rng.integers(1, n_interventions + 1))
        age = int(rng.integers(4, 19))  # 18: in no age group
        half = int(rng.choice([20251, 20252]))
        before = int(rng.integers(8, 34))
        after = None
        if rng.random() < 0.68:
            after = int(np.clip(before + rng.normal(-4, 5), 0, 40))
        counts[(pk, age, half, before, after)] += 1
    cells = []
    for (pk, age, half, before, after), k in counts.items():
        paired = after is not None
        d = (after - before) if paired else 0
        subs = tuple(
            (k, before * k / 4, after * k / 4, d * k / 4, (d / 4) ** 2 * k) if paired
            else (0, 0.0, 0.0, 0.0, 0.0)
            for _ in range(5)
        )  # fmt: skip
        kind, level, _ = catalogue[pk]
        cells.append(
            Cell(
                form="teacher-4-17", norm_before=NORM, norm_after=NORM if paired else None,
                before=float(before), after=float(after) if paired else None,
                band_before=band(before), band_after=band(after) if paired else None, n=k,
                subscales=subs, municipality_id=1, kind=kind, intervention_id=pk, level=level,
                age=age, half=half,
            )
        )  # fmt: skip
    return cells, catalogue


def filters_of(view: lattice.View) -> Filters:
    d, v = view.dimension, view.value
    if d == "indsats":
        return Filters(intervention=_Intervention(v))  # type: ignore[arg-type]
    if d == "halvaar":
        year, part = divmod(v, 10)
        return Filters(date_from=dt.date(year, 1 if part == 1 else 7, 1),
                       date_to=dt.date(year, 6 if part == 1 else 12, 30))  # fmt: skip
    keys = {"type": "kind", "niveau": "level", "maalgruppe": "target", "alder": "age_group"}
    return Filters(**({keys[d]: v} if d else {}))


# -- the attacker's model, from spor.sdq alone ---------------------------------------------


def category(before: int, after: int) -> str:
    code = int(sdq.change_category([before], [after], informant="teacher", scale="total",
                                   norm_set="uk-3band")[0])  # fmt: skip
    return sdq.CHANGE_CATEGORIES[code]


def flags(before: int, after: int) -> tuple[list[bool], list[bool]]:
    rci = [
        float(sdq.reliable_change(np.array([before]), np.array([after]), informant="teacher",
                                  sd=p.sd, reliability=p.reliability)[0])
        for p in GRID
    ]  # fmt: skip
    return [x < -sdq.RCI_CRITICAL for x in rci], [x > sdq.RCI_CRITICAL for x in rci]


def age_code(age: int) -> str:
    return next((c for c, (lo, hi) in AGE_RANGES.items() if lo <= age <= hi), "anden")


class Model:
    def __init__(self, cells: list[Cell], catalogue: dict[int, Any]) -> None:
        self.a = Attack(threshold=figures.THRESHOLD)
        self.catalogue = catalogue
        arms: dict[str, Callable[[Cell], Any]] = {
            "indsats": lambda c: c.intervention_id,
            "alder": lambda c: age_code(c.age or 0),
            "halvaar": lambda c: c.half,
        }
        truth: dict[tuple[Any, ...], int] = defaultdict(int)
        for c in cells:
            for arm, key in arms.items():
                truth[(arm, key(c), c.before, c.after)] += c.n
        self.atoms = {k: self.a.atom(k, v) for k, v in sorted(truth.items(), key=repr)}
        contents = {(b, a) for (_, _, b, a) in truth}
        for arm in ("alder", "halvaar"):
            for b, a in contents:
                self.a.link([u for k, u in self.atoms.items() if k[0] == arm and k[2:] == (b, a)],
                            [u for k, u in self.atoms.items()
                             if k[0] == "indsats" and k[2:] == (b, a)])  # fmt: skip
        self.cat = {(b, a): category(int(b), int(a)) for b, a in contents if a is not None}
        self.flag = {(b, a): flags(int(b), int(a)) for b, a in contents if a is not None}

    def atoms_of(self, view: lattice.View, test: Callable[[Any, Any], bool]) -> list[int]:
        d, v = view.dimension, view.value
        out = []
        for (arm, key, b, a), u in self.atoms.items():
            if d in ("alder", "halvaar"):
                inside = arm == d and key == v
            else:
                kind, level, targets = self.catalogue[key] if arm == "indsats" else (None,) * 3
                inside = arm == "indsats" and (
                    d == "" or (d == "indsats" and key == v) or (d == "type" and kind == v)
                    or (d == "niveau" and level == v) or (d == "maalgruppe" and v in targets)
                )  # fmt: skip
            if inside and test(b, a):
                out.append(u)
        return out

    # -- reading a view's workbook ----------------------------------------------------------

    def read_view(self, view: lattice.View, sheets: dict[str, list[list[Any]]]) -> None:
        a, where = self.a, repr(view)

        def paired(b: Any, x: Any) -> bool:
            return x is not None

        def started(b: Any, x: Any) -> bool:
            return True

        def gone(b: Any, x: Any) -> bool:
            return x is None

        def categorised(b: Any, x: Any) -> bool:
            return x is not None and (b, x) in self.cat

        def read(what: str, test: Callable[[Any, Any], bool], seen: Any) -> None:
            a.read(f"{where} {what}", self.atoms_of(view, test), seen)

        for title, rows in sheets.items():
            for row in rows:  # the labels on every sheet: "n", "x par af y startet"
                if row[:1] == ["n"] and (m := N_LINE.match(str(row[1]))):
                    read(f"{title} n par", paired, _v(m.group(1)))
                    read(f"{title} n startet", started, _v(m.group(2)))
        who = {r[0]: r[1] for r in sheets["Hvem er med"] if r and r[0]}
        read("par", paired, _v(who["Par (før og efter)"]))
        read("startet", started, _v(who["Startet (med førmåling)"]))
        total = sheets["Samlet score"]
        if total[0][:2] == ["Samlet vanskelighedsscore (0–40)", "n par"]:
            read("samlet n", paired, _v(total[1][1]))
        for r in sheets["Effektstørrelser"]:
            if r and str(r[0]).startswith("Effektstørrelse (n = "):
                read("effekt n", paired, _v(str(r[0])[len("Effektstørrelse (n = ") : -1]))
        rtm = sheets["Regression mod middelværdien"]
        for i, r in enumerate(rtm):
            if r[:1] == ["n par"]:
                read("regression n", paired, _v(rtm[i + 1][0]))
            if r[:1] == ["Reliabilitet r"]:
                for j, row in enumerate(rtm[i + 1 : i + 1 + len(GRID)]):
                    read(f"følsomhed {j} par", paired, _v(row[3]))
                    if row[4] == figures.NOT_COUNTED:  # not published in this view
                        continue
                    read(f"følsomhed {j} bedre", lambda b, x, j=j: x is not None
                         and self.flag[(b, x)][0][j], _v(row[4]))  # fmt: skip
                    read(f"følsomhed {j} værre", lambda b, x, j=j: x is not None
                         and self.flag[(b, x)][1][j], _v(row[6]))  # fmt: skip
        labels = {stats_label(k): k for k in [*sdq.CHANGE_CATEGORIES, *figures.UNIONS]}
        for r in sheets["Pålidelig ændring"]:
            key = labels.get(str(r[0])) if r else None
            if key is None:
                continue
            parts = figures.UNIONS.get(key, (key,))
            read(f"{key}", lambda b, x, parts=parts: x is not None and self.cat.get((b, x))
                 in parts, _v(r[1]))  # fmt: skip
            if r[2] != HIDDEN:
                read(f"{key} n", categorised, _v(r[2]))
        bands = sheets["Bånd før og efter"]
        if bands[0][:1] == ["Før \\ efter"]:
            names = {questionnaire.band_label(NORM, b) or b: b for b in BANDS} | {"I alt": "*"}
            cols = [names[h] for h in bands[0][1:]]
            for r in bands[1 : 1 + len(BANDS) + 1]:
                bb = names[r[0]]
                for ba, seen in zip(cols, r[1:], strict=False):
                    read(f"bånd {bb}>{ba}", lambda b, x, bb=bb, ba=ba: x is not None
                         and bb in ("*", band(int(b))) and ba in ("*", band(int(x))),
                         _v(seen))  # fmt: skip
        for r in sheets["Delskalaer"][1:]:
            if (
                r
                and r[0]
                and str(r[0]).split(" ")[0]
                in {s for _, s in figures.SUBSCALES}
                | {lbl.split(" ")[0] for _, lbl in figures.SUBSCALES}
            ):
                read("delskala n", paired, _v(r[1]))
        for r in sheets["Frafald"]:
            if r and r[0] in ("Med eftermåling", "Uden eftermåling"):
                k, n = str(r[1]).split(" af ")
                read(f"frafald {r[0]}", paired if r[0] == "Med eftermåling" else gone, _v(k))
                read("frafald startet", started, _v(n))


def stats_label(key: str) -> str:
    from spor.evaluation import stats

    return stats.CHANGE_SUMMARY_LABELS_DA[key]


def _v(x: Any) -> Any:
    if x == HIDDEN or isinstance(x, int):
        return x
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return int(str(x))


def workbook(fig: figures.Figures) -> dict[str, list[list[Any]]]:
    data = reports.xlsx(reports.report("Testkommune", fig, dt.date(2026, 12, 1)))
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def attack(cells: list[Cell], catalogue: dict[int, Any], *, jointly: bool = True) -> Model:
    """Every view's workbook, read into one attacker's system."""
    lat = lattice.Lattice(cells, {pk: t for pk, (_, _, t) in catalogue.items()})
    model = Model(cells, catalogue)
    for view in lat.views():
        f = filters_of(view)
        # The control: each table protected by itself, as the page did before.
        fig = lat.view_figures(f) if jointly else figures.compute_cells(lat.members(view), f)
        model.read_view(view, workbook(fig))
    return model


@pytest.mark.parametrize("seed", [1])
def test_every_view_the_lead_can_download_is_protected_together(seed: int) -> None:
    cells, catalogue = population(seed, 90)
    model = attack(cells, catalogue)
    assert model.a.n_hidden > 0  # there is something to protect
    assert model.a.breaches() == []


def test_the_control_table_by_table_protection_is_broken() -> None:
    """The same views protected table by table, as the page did before: the attacker
    narrows hidden counts down (or sees a count of 1–4 the filters single out)."""
    cells, catalogue = population(1, 90)
    model = attack(cells, catalogue, jointly=False)
    assert model.a.breaches(first=True)
