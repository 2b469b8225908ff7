"""The attacker against everything a PPR lead can publish (issue 15, item 1), on random
children.

A lead can set one filter besides the informant, so the views form a fixed lattice. For
every view the page (the template the view renders), the PDF (WeasyPrint, read back with
pypdf), the workbook (read back with openpyxl) and the API's answer are made from the view's
figures and read into one linear system (:mod:`tests.evaluation.lead_attack`): counts, ◆,
zeros and the means. No hidden number may be narrowed below its protection interval, no
shown number may be 1–4. A control shows that protecting each table by itself (what the
page did before) does not pass. No database: the cells are what ``lattice_cells`` reads; the
demo's children, through the lead's own requests, are in ``test_lead_attack_demo.py``."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from typing import Any

import numpy as np
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory

from spor import sdq
from spor.api import views as api_views
from spor.cases.models import Intervention, InterventionType, Level, Target
from spor.evaluation.web import figures, lattice, reports, views
from spor.evaluation.web.forms import FilterForm, Filters
from spor.evaluation.web.selectors import Cell
from tests.evaluation.lead_attack import Model

# WeasyPrint takes a second or more per PDF: the suite lays out the PDF of the view of all
# children and of the smallest view, and reads the HTML every other PDF is made of (the
# PDFs laid out show the same figures as their HTML); SPOR_DEMO_ATTACK=1 lays out every one.
FULL = bool(os.environ.get("SPOR_DEMO_ATTACK"))
NORM = "uk-3band@1"
BANDS = ("normal", "borderline", "abnormal")


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


# -- the outputs of a view -------------------------------------------------------------------


def outputs(fig: figures.Figures, *, pdf: bool = True) -> dict[str, Any]:
    """What the lead obtains for the figures of one view: the page, the PDF, the workbook and
    the API's answer, each made by the code that makes it for the lead."""
    rep = reports.report("Testkommune", fig, dt.date(2026, 12, 1))
    form = FilterForm(None, interventions=Intervention.objects.none())
    request = RequestFactory().get("/evaluering/")
    request.user = AnonymousUser()
    page = render_to_string(
        "evaluation/municipality.html", views.page_context(form, fig), request=request
    )
    return {
        "side": page,
        "pdf_html": reports.pdf_html(rep),
        "pdf": reports.pdf(rep)[0] if pdf else None,
        "xlsx": reports.xlsx(rep),
        "api": json.loads(json.dumps(api_views.evaluation_body(fig), ensure_ascii=False)),
    }


def attack(
    cells: list[Cell], catalogue: dict[int, Any], *, jointly: bool = True, pdf: bool = True
) -> Model:
    """Every output of every view, read into one attacker's system."""
    targets = {pk: t for pk, (_, _, t) in catalogue.items()}
    lat = lattice.Lattice(cells, targets)
    model = Model(cells, targets)
    every = lat.views()
    smallest = min(every, key=lambda v: sum(c.n for c in lat.members(v)))
    for view in every:
        f = filters_of(view)
        # The control: each table protected by itself, as the page did before.
        fig = lat.view_figures(f) if jointly else figures.compute_cells(lat.members(view), f)
        rendered = pdf and (FULL or view in (lattice.ALL_VIEW, smallest))
        model.reader(view, lat.members(view), "lærer").read(outputs(fig, pdf=rendered))
    return model


def test_every_output_of_every_view_the_lead_can_obtain_is_protected_together() -> None:
    cells, catalogue = population(1, 90)
    model = attack(cells, catalogue)
    assert model.a.n_hidden > 0  # there is something to protect
    assert model.a.n_means > 0  # the means were read too
    assert model.a.hidden_zeros() == []  # every ◆ is at least 1, as the attacker knows
    assert model.a.breaches() == []


def test_the_control_table_by_table_protection_is_broken() -> None:
    """The same views protected table by table, as the page did before: the attacker
    narrows hidden counts down (or sees a count of 1–4 the filters single out)."""
    cells, catalogue = population(1, 90)
    model = attack(cells, catalogue, jointly=False, pdf=False)
    assert model.a.breaches(first=True)
