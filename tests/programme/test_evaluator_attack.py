"""The attacker against everything the programme evaluator can download (issue 15, item 1).

For each informant (the one choice the evaluator has) the XLSX workbook and the CSV files
are read back, and every number in them — the count tables per municipality, type, level,
pejlemærke, age group and half-year, the pairs and the shares ("k af n") beside them, the
pooled figures, the band transitions, the labels' "n" — becomes an equation or, when
hidden, an inequality of one linear system over the children's counts
(:mod:`tests.evaluation.attacker`). No hidden number may be narrowed down beyond its
protection interval; no shown number may be 1–4; no label may say "færre end".

The attacker is given more than a reader has: which groups (municipality × type × level ×
pejlemærker) hold children, and which band transitions hold children in which change
category. The per-group, per-age, per-half-year and per-band counts are joined only
through the column totals: no file crosses two of them, so any counts with the published
margins are possible (``docs/evaluation.md``)."""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from collections import defaultdict
from typing import Any

import pytest
from django.utils import timezone

from spor.accounts.models import Membership
from spor.cases.models import Case, Delivery, DeliveryStatus, InterventionType, Level, OpenedFrom
from spor.demo import measurement as demo
from spor.evaluation import disclosure
from spor.evaluation.national import selectors as national_selectors
from spor.evaluation.national import tables
from spor.evaluation.national.access import evaluator_actor, municipality_pseudonym
from spor.evaluation.web import figures
from spor.evaluation.web.forms import Filters
from spor.measurement import questionnaire
from spor.measurement.models import Informant, Phase, Response
from spor.programme.models import Programme
from spor.registry.models import Child
from tests.cases.world import intervention
from tests.conftest import World
from tests.evaluation.attacker import Attack, k_of_n
from tests.programme.test_evaluator import evaluator, exports, url, xlsx_sheets, zip_sheets
from tests.programme.test_outcomes import bby_initiative

N_LINE = re.compile(r"^(\S+) par af (\S+) startet")
SHEETS = {
    "Pr. kommune": "kommune",
    "Pr. indsatstype": "type",
    "Pr. niveau": "niveau",
    "Pr. aldersgruppe": "alder",
    "Pr. halvår": "halvaar",
    "Pr. pejlemærke": "pejlemaerke",
}


def _value(v: Any) -> Any:
    if v == disclosure.HIDDEN_MARK or isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return int(str(v)) if str(v).isdigit() else v


def attack_downloads(
    programme: Programme, informant: str, sheets: dict[str, list[list[Any]]], user: Any
) -> Attack:
    """The attacker's system for one informant's workbook (or CSV files, by sheet title)."""
    filters = Filters(informant=informant)
    data = national_selectors.programme_data(evaluator_actor(user, programme.pk), filters)
    chosen = data.cells
    pairs = [c for c in chosen if c.after is not None]
    codes = {id(c): k for c, k in zip(pairs, figures.categories(pairs), strict=True)}
    labels = {b.number: str(b) for b in data.benchmarks}
    ncol = len(tables.COLUMN_KEYS)
    ref, bands = tables._transition_ref(pairs)
    band_label = {b: questionnaire.band_label(ref, b) or b for b in bands} if ref else {}

    def group(c: Any) -> tuple[Any, ...]:
        pattern = frozenset(
            labels[n]
            for n, s in data.benchmark_uses.items()
            if (c.municipality_id, c.intervention_id) in s
        )
        level = str(Level(c.level).label) if c.level else "Uden niveau"
        return (municipality_pseudonym(programme.pk, c.municipality_id),
                str(InterventionType(c.kind).label), level, pattern)  # fmt: skip

    def band(c: Any) -> Any:
        if (
            c.after is not None
            and ref
            and c.norm_before == ref == c.norm_after
            and c.band_before
            and c.band_after
        ):
            return (band_label[c.band_before], band_label[c.band_after])
        return None

    arms: dict[str, Any] = {
        "group": group,
        "alder": lambda c: tables.AGE_LABELS.get(tables.age_group(c.age), "Anden alder"),
        "halvaar": lambda c: tables.half_label(c.half),
        "band": band,
    }
    truth: dict[tuple[str, Any, int], int] = defaultdict(int)
    for c in chosen:
        j = tables._column(c, codes)
        for name, key in arms.items():
            truth[(name, key(c), j)] += c.n
    a = Attack(threshold=tables.THRESHOLD)
    keys_of: dict[str, set[Any]] = {name: {k for (n, k, _) in truth if n == name} for name in arms}
    for name in ("group", "alder", "halvaar"):
        for k in sorted(keys_of[name], key=repr):
            for j in range(ncol):
                a.atom((name, k, j), truth.get((name, k, j), 0))
    for (name, k, j), v in truth.items():
        if name == "band":
            a.atom((name, k, j), v)  # only the combinations that hold children
    atoms_of = lambda name: [(i, key) for key, i in a.names.items() if key[0] == name]  # noqa: E731
    for j in range(ncol):
        first = [i for i, key in atoms_of("group") if key[2] == j]
        for name in ("alder", "halvaar", "band"):
            a.link([i for i, key in atoms_of(name) if key[2] == j], first)

    def atoms(arm: str, member: Any, cols: range | tuple[int, ...]) -> list[int]:
        return [i for i, key in atoms_of(arm) if key[2] in cols and member(key[1])]

    everything = range(ncol)
    paired_cols = range(ncol - 1)
    categorised = range(ncol - 2)
    unions = {"Pålidelig forbedring i alt": (0, 4), "Ind i normalområdet i alt": (3, 4)}

    def read_row(where: str, arm: str, member: Any, row: list[Any]) -> None:
        for j in range(ncol):
            a.read(f"{where}, kolonne {j}", atoms(arm, member, (j,)), _value(row[1 + j]))
        a.read(f"{where}, startet", atoms(arm, member, everything), _value(row[1 + ncol]))

    def read_means(where: str, arm: str, member: Any, row: list[Any]) -> None:
        a.read(f"{where}, par", atoms(arm, member, paired_cols), _value(row[1]))
        for col, (label, parts) in zip((7, 8), unions.items(), strict=True):
            kn = k_of_n(row[col])
            if kn:
                a.read(f"{where}, {label} k", atoms(arm, member, parts), kn[0])
                a.read(f"{where}, {label} n", atoms(arm, member, categorised), kn[1])

    def member_of(key: str, label: str) -> tuple[str, Any]:
        if label == "Alle":
            return "group", lambda g: True
        return {
            "kommune": ("group", lambda g: g[0] == label),
            "type": ("group", lambda g: g[1] == label),
            "niveau": ("group", lambda g: g[2] == label),
            "pejlemaerke": ("group", lambda g: label in g[3]),
            "alder": ("alder", lambda k: k == label),
            "halvaar": ("halvaar", lambda k: k == label),
        }[key]

    seen_sheets = 0
    for title, rows in sheets.items():
        rows = [[v for v in r] for r in rows]
        flat = " ".join(str(v) for r in rows for v in r if v not in (None, ""))
        assert "færre end" not in flat and ".." not in flat, title
        for r in rows:  # every sheet and file carries the labels
            if r and r[0] == "n":
                found = N_LINE.match(str(r[1]))
                assert found, r
                a.read(
                    f"{title}: n par",
                    atoms("group", lambda g: True, paired_cols),
                    _value(found.group(1)),
                )
                a.read(
                    f"{title}: n startet",
                    atoms("group", lambda g: True, everything),
                    _value(found.group(2)),
                )
        key = next((k for t, k in SHEETS.items() if title.startswith(t) or _slug(t) in title), None)
        if key is not None:
            seen_sheets += 1
            head = next(i for i, r in enumerate(rows) if r[1:2] == [tables.COLUMN_LABELS[0]])
            i = head + 1
            while i < len(rows) and rows[i] and rows[i][0] not in (None, ""):
                arm, member = member_of(key, str(rows[i][0]))
                read_row(f"{title}: {rows[i][0]}", arm, member, rows[i])
                i += 1
            head = next(i for i, r in enumerate(rows) if r[1:2] == ["Par (før og efter)"])
            i = head + 1
            while i < len(rows) and rows[i] and rows[i][0] not in (None, ""):
                arm, member = member_of(key, str(rows[i][0]))
                read_means(f"{title}: {rows[i][0]} (gennemsnit)", arm, member, rows[i])
                i += 1
        if title.startswith("Samlet") or "samlet" in title:
            values = {str(r[0]): r[1] for r in rows if r and len(r) > 1 and r[0] not in (None, "")}
            every = lambda g: True  # noqa: E731
            a.read("Samlet: startet", atoms("group", every, everything), _value(values["Startet"]))
            a.read(
                "Samlet: par",
                atoms("group", every, paired_cols),
                _value(values["Par (før og efter)"]),
            )
            for label, parts in unions.items():
                kn = k_of_n(values.get(label))
                if kn:
                    a.read(f"Samlet: {label} k", atoms("group", every, parts), kn[0])
                    a.read(f"Samlet: {label} n", atoms("group", every, categorised), kn[1])
            start = next((i for i, r in enumerate(rows) if r and r[0] == "Før \\ efter"), None)
            if start is not None:
                cols = [str(v) for v in rows[start][1:] if v not in (None, "")]
                for r in rows[start + 1 :]:
                    if not r or r[0] in (None, ""):
                        break
                    for label, v in zip(cols, r[1:], strict=False):
                        a.read(
                            f"Bånd: {r[0]} → {label}",
                            atoms("band", lambda k, rb=str(r[0]), cb=label: k is not None
                                  and rb in ("I alt", k[0]) and cb in ("I alt", k[1]), everything),
                            _value(v),
                        )  # fmt: skip
    assert seen_sheets == len(SHEETS)
    return a


def _slug(title: str) -> str:
    return title.lower().translate(
        str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "-", ".": ""})
    )


def _cells(rows: list[list[Any]]) -> list[list[str]]:
    out = [[_text(v) for v in r] for r in rows]
    out = [r[: max((i + 1 for i, v in enumerate(r) if v), default=0)] for r in out]
    return [r for r in out if r]


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def attack_every_download(w: World) -> tuple[list[str], int]:
    """Breaches over every informant's workbook (the CSV files must say the same, sheet by
    sheet), and the number of hidden numbers attacked."""
    programme = w.extra["programme"]
    client = evaluator(w)
    found: list[str] = []
    n_hidden = 0
    for informant in Informant.values:
        files = exports(w, {"informant": informant})
        book = xlsx_sheets(files["evaluering.xlsx"])
        csvs = list(zip_sheets(files["evaluering-csv.zip"]).values())
        assert len(csvs) == len(book)
        for rows, csv_rows in zip(book.values(), csvs, strict=True):
            assert _cells(rows) == _cells(csv_rows)
        attack = attack_downloads(programme, informant, book, w.extra["programme_evaluator"])
        found += attack.breaches()
        n_hidden += attack.n_hidden
        page = client.get(url(w), {"informant": informant})
        assert page.status_code == 200 and "færre end" not in page.content.decode()
    return found, n_hidden


# ---------------------------------------------------------------------------- data


def random_children(w: World, rng: random.Random, n: int) -> None:
    """``n`` children across both municipalities, three interventions each (types and levels
    mixed), baselines spread over four half-years, ages 2–17, some without a follow-up, some
    rated by a teacher as well."""
    kinds, levels = list(InterventionType), list(Level)
    ivs = {
        m: [
            intervention(m, f"Indsats {m.code}-{k}", min_age=2, max_age=17,
                         kind=kinds[(k + i) % 3], level=levels[(k * 2 + i) % 3])
            for k in range(3)
        ]
        for i, m in enumerate((w.a, w.b))
    }  # fmt: skip
    bby_initiative(w, ivs[w.b][0], 1, 2)
    today = timezone.localdate()
    for i in range(n):
        m = w.a if rng.random() < 0.5 else w.b
        ppr = Membership.objects.get(user=w.ppr_a if m == w.a else w.ppr_b, municipality=m)
        child = Child(municipality=m, first_name=f"Tilfældig{i}", last_name="Hemmeligsen")
        start = today - dt.timedelta(days=rng.randint(30, 700))
        born = start - dt.timedelta(days=rng.randint(2 * 366 + 10, 17 * 365))
        child.set_cpr(f"{born:%d%m%y}-4{i:03d}")
        child.save()
        case = Case.objects.create(
            municipality=m, child=child, title="Forløb", level=Level.ANTICIPATORY,
            opened_from=OpenedFrom.DIRECT, opened_on=start, opened_by=ppr,
        )  # fmt: skip
        d = Delivery.objects.create(
            municipality=m, case=case, intervention=rng.choice(ivs[m]), start=start,
            status=DeliveryStatus.RUNNING,
        )  # fmt: skip
        age = child.age_on(start)
        for informant in (Informant.PROFESSIONAL, Informant.TEACHER)[: rng.choice((1, 1, 2))]:
            before = rng.randint(8, 32)
            after = None if rng.random() < 0.25 else max(0, min(40, before + rng.randint(-14, 6)))
            for phase, total, on in ((Phase.BEFORE, before, start), (Phase.AFTER, after, today)):
                if total is None:
                    continue
                form = questionnaire.form_for(informant, phase, age)
                answers = demo._items(form, total, 7, rng)
                scores = questionnaire.score(form, answers, {})
                Response.objects.create(
                    municipality=m, delivery=d, phase=phase, informant=informant, form=form,
                    answers=answers, scores=scores, norm_set=scores["norm_set"], entered_by=ppr,
                    answered_at=timezone.make_aware(dt.datetime.combine(on, dt.time(12))),
                )  # fmt: skip


@pytest.mark.parametrize("seed", [1])
def test_no_hidden_cell_of_the_evaluators_downloads_can_be_narrowed_down(
    world: World, seed: int
) -> None:
    random_children(world, random.Random(seed), 70)
    breaches, n_hidden = attack_every_download(world)
    assert breaches == []
    assert n_hidden > 0  # there was something to attack


def test_the_attacker_finds_what_table_by_table_suppression_leaves_open() -> None:
    # The attacker is not toothless: one table suppressed on its own, and the same children's
    # totals by another grouping published beside it, give a hidden cell back.
    a = Attack()
    x = [
        a.atom(("m", i, j), v) for i, row in enumerate([[12, 3], [9, 7]]) for j, v in enumerate(row)
    ]
    alone = disclosure.suppress([[12, 3], [9, 7]])
    for (i, j), atom in zip([(0, 0), (0, 1), (1, 0), (1, 1)], x, strict=True):
        v = alone.values[i][j]  # type: ignore[index]
        a.read(f"{i},{j}", [atom], disclosure.HIDDEN_MARK if v is None else v)
    a.read("row 0", x[:2], 15)
    a.read("col 1", [x[1], x[3]], 10)
    # Another table of the same children shows row 1's second cell (7): then 3 = 10 − 7.
    a.read("other table", [x[3]], 7)
    assert a.breaches()


# The full demo attack takes minutes on a busy machine: SPOR_DEMO_ATTACK=1 runs it (it
# passed on 2026-12-02 in 159 s). The suite runs a reduced one: fewer children, one informant.
FULL_DEMO = bool(os.environ.get("SPOR_DEMO_ATTACK"))


def test_the_demo_partnerships_downloads_survive_the_attacker(db: None) -> None:
    # The demo generator: eleven municipalities with children and the loop.
    import io

    from django.core.management import call_command
    from django.test import Client

    from spor.programme.models import ProgrammeEvaluator

    children = 400 if FULL_DEMO else 120
    call_command(
        "spor_demo", children=children, partners=True, no_progress=True, stdout=io.StringIO()
    )
    programme = Programme.objects.get()
    client = Client()
    client.force_login(ProgrammeEvaluator.objects.get(programme=programme).user)
    base = f"/partnerskab/{programme.pk}/"
    n_hidden = 0
    informants = (
        (Informant.PROFESSIONAL, Informant.TEACHER) if FULL_DEMO else (Informant.PROFESSIONAL,)
    )
    for informant in informants:
        r = client.get(base + "evaluering.xlsx", {"informant": informant})
        assert r.status_code == 200
        user = ProgrammeEvaluator.objects.get(programme=programme).user
        attack = attack_downloads(programme, informant, xlsx_sheets(r.content), user)
        assert attack.breaches() == []
        n_hidden += attack.n_hidden
    assert n_hidden > 0
