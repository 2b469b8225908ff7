"""The attacker against everything a PPR lead can obtain (issue 15, item 1): its model of the
children and its readers of the page, the PDF, the XLSX and ``/api/evaluering/``.

A lead can set one filter besides the informant (an intervention, a type, a level, a target
group, an age group or a half-year), so the views form a fixed lattice per informant. For
every view the attacker reads all four outputs: the page's HTML (its tables, lists and the
sentences with counts; no chart of single children may be in it), the PDF's text (pypdf),
the workbook (openpyxl) and the API's JSON. Every count becomes an equation, every ◆ an
inequality (at least 1), a shown 0 a zero, and every mean the outputs print (the totals
before and after, the change, the change regression to the mean would give and the change
beyond it with each reliability, the baselines of those with and without a follow-up) two
linear inequalities: all of it one linear system over the children's counts
(:mod:`tests.evaluation.attacker`, SciPy's HiGHS).

The attacker's unknowns are the children per (intervention, content), per (age group,
content) and per (half-year, content), where the content is what a child's numbers are
(form, norm sets, totals before and after, bands); the three groupings are joined by their
totals per content. Categories and reliable-change flags are worked out from :mod:`spor.sdq`
alone. The readers check each number they read against the truth, so a reader that reads
the wrong children fails at once, and each output must give the same sections as the others.
"""

from __future__ import annotations

import html
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from html.parser import HTMLParser
from typing import Any

import numpy as np
from openpyxl import load_workbook

from spor import sdq
from spor.evaluation import disclosure, outcome, stats
from spor.evaluation.web import figures, lattice
from spor.evaluation.web.forms import AGE_RANGES
from spor.evaluation.web.selectors import Cell
from spor.measurement import questionnaire
from tests.evaluation.attacker import Attack, k_of_n

HIDDEN = disclosure.HIDDEN_MARK
COUNT = r"(◆|\d+)"
NUMBER = r"(−?\d+(?:\.\d{3})*,\d+)"
N_LINE = re.compile(rf"^{COUNT} par af {COUNT} startet")
SOURCES = ("side", "pdf", "xlsx", "api")
LABELS = stats.CHANGE_SUMMARY_LABELS_DA
SUBSCALE_LABELS = [label for _, label in figures.SUBSCALES]

# A child's content: (form, norm set before, after, total before, after, band before, after).
Content = tuple[str, str, str, float, float | None, str, str]
Test = Callable[[Content], bool]


def content(c: Cell) -> Content:
    return (c.form, c.norm_before or "", c.norm_after or "", float(c.before),
            None if c.after is None else float(c.after), c.band_before or "",
            c.band_after or "")  # fmt: skip


def age_code(age: int | None) -> str:
    return next((c for c, (lo, hi) in AGE_RANGES.items() if lo <= (age or -1) <= hi), "anden")


def params_key(p: sdq.RciParameters) -> tuple[float, float, float]:
    return (p.sd, p.mean, p.reliability)


def grid(p: sdq.RciParameters) -> list[sdq.RciParameters]:
    return [
        p if r == round(p.reliability, 4) else p.with_reliability(r, kind)
        for r, kind in outcome.reliability_grid(p)
    ]


def number(text: object) -> tuple[float, float]:
    """A printed number as the interval its rounding allows ('−5,0' → −5.05..−4.95)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        s = repr(float(text))
        digits = len(s.split(".")[1]) if "." in s and not s.endswith(".0") else 1
        v = float(text)
    else:
        s = str(text).replace("−", "-").replace(".", "").replace(",", ".")
        digits = len(s.split(".")[1]) if "." in s else 0
        v = float(s)
    half = 0.5 * 10.0**-digits
    return v - half, v + half


class Derived:
    """What the attacker works out for one content from spor.sdq alone."""

    def __init__(self, s: Content) -> None:
        form, nb, na, b, a, _, _ = s
        self.paired = a is not None
        self.category: str | None = None
        self.pkey: Any = None
        self.up: list[bool] = []
        self.down: list[bool] = []
        if not (self.paired and nb and nb == na):
            return
        informant, ns = questionnaire.sdq_informant(form), nb.split("@", 1)[0]
        try:
            code = sdq.change_category([b], [a], informant=informant, scale="total", norm_set=ns)
            self.category = sdq.CHANGE_CATEGORIES[int(code[0])]
            p = sdq.rci_details(informant, "total", ns)
        except sdq.SDQError:
            return
        self.pkey = params_key(p)
        for q in grid(p):
            rci = float(sdq.reliable_change(np.array([b]), np.array([a]), informant=informant,
                                            sd=q.sd, reliability=q.reliability)[0])  # fmt: skip
            self.up.append(rci < -sdq.RCI_CRITICAL)
            self.down.append(rci > sdq.RCI_CRITICAL)


class Model:
    """The attacker's system for one informant: atoms per grouping and content."""

    def __init__(self, cells: Sequence[Cell], targets: dict[int, tuple[str, ...]]) -> None:
        self.a = Attack(threshold=figures.THRESHOLD)
        self.targets = targets
        self.kind = {c.intervention_id: (c.kind, c.level) for c in cells}
        arms: dict[str, Callable[[Cell], Any]] = {
            "indsats": lambda c: c.intervention_id,
            "alder": lambda c: age_code(c.age),
            "halvaar": lambda c: c.half,
        }
        truth: dict[tuple[Any, ...], int] = defaultdict(int)
        for c in cells:
            for arm, key in arms.items():
                truth[(arm, key(c), content(c))] += c.n
        self.atoms = {k: self.a.atom(k, v) for k, v in sorted(truth.items(), key=repr)}
        contents = sorted({k[2] for k in truth}, key=repr)
        self.derived = {s: Derived(s) for s in contents}
        for arm in ("alder", "halvaar"):
            for s in contents:
                self.a.link([u for k, u in self.atoms.items() if k[0] == arm and k[2] == s],
                            [u for k, u in self.atoms.items()
                             if k[0] == "indsats" and k[2] == s])  # fmt: skip
        self.sections: dict[tuple[Any, str], set[str]] = defaultdict(set)

    def inside(self, view: lattice.View, arm: str, key: Any) -> bool:
        d, v = view.dimension, view.value
        if d in ("alder", "halvaar"):
            return arm == d and key == v
        if arm != "indsats":
            return False
        kind, level = self.kind.get(key, ("", ""))
        return (d == "" or (d == "indsats" and key == v) or (d == "type" and kind == v)
                or (d == "niveau" and level == v)
                or (d == "maalgruppe" and v in self.targets.get(key or 0, ())))  # fmt: skip

    def atoms_of(self, view: lattice.View, test: Test) -> list[int]:
        return [u for (arm, key, s), u in self.atoms.items()
                if self.inside(view, arm, key) and test(s)]  # fmt: skip

    def values_of(
        self, view: lattice.View, test: Test, value: Callable[[Content], float]
    ) -> dict[int, float]:
        return {u: value(s) for (arm, key, s), u in self.atoms.items()
                if self.inside(view, arm, key) and test(s)}  # fmt: skip

    def reader(self, view: lattice.View, members: Sequence[Cell], informant: str) -> ViewReader:
        return ViewReader(self, view, members, informant)


class ViewReader:
    """Reads one view's outputs into the model."""

    def __init__(
        self, model: Model, view: lattice.View, members: Sequence[Cell], informant: str
    ) -> None:
        self.m, self.view = model, view
        self.where = f"{informant} {view.dimension or 'alle'}={view.value}"
        pairs = [c for c in members if c.after is not None]
        group = figures.rci_group(pairs)  # the parameters the page names
        self.params = group[0] if group else None
        self.grid = grid(self.params) if self.params else []
        found = figures.transition_ref(pairs)  # the norm set the band table names
        self.ref, self.codes = found if found else ("", ())
        d = model.derived
        pkey = params_key(self.params) if self.params else None
        self.sets: dict[str, Test] = {
            "started": lambda s: True,
            "paired": lambda s: s[4] is not None,
            "gone": lambda s: s[4] is None,
            "categorised": lambda s: d[s].category is not None,
            "rci": lambda s: d[s].pkey is not None and d[s].pkey == pkey,
        }

    # -- reading ---------------------------------------------------------------------------

    def count(self, source: str, what: str, test: Test | str, seen: object) -> None:
        t = self.sets[test] if isinstance(test, str) else test
        if isinstance(seen, str) and seen.strip() == figures.NOT_COUNTED:
            return
        if isinstance(seen, float) and seen.is_integer():
            seen = int(seen)
        self.m.a.read(f"{self.where} [{source}] {what}", self.m.atoms_of(self.view, t), seen)

    def mean(
        self, source: str, what: str, test: Test | str, value: Callable[[Content], float],
        printed: object, *, scale: float = 1.0, shift: float = 0.0,
    ) -> None:  # fmt: skip
        """A printed mean of ``value`` over ``test``'s children, as ``scale·mean + shift``."""
        if printed in (None, "", "–", HIDDEN):
            return
        t = self.sets[test] if isinstance(test, str) else test
        lo, hi = number(printed)
        lo, hi = sorted(((lo - shift) / scale, (hi - shift) / scale))
        values = self.m.values_of(self.view, t, value)
        self.m.a.mean(f"{self.where} [{source}] {what}", values, lo, hi)

    def seen(self, source: str, section: str) -> None:
        self.m.sections[(self.view, source)].add(section)

    def category_test(self, key: str) -> Test:
        parts = figures.UNIONS.get(key, (key,))
        return lambda s: self.m.derived[s].category in parts

    def flag_test(self, i: int, which: str) -> Test:
        rci = self.sets["rci"]
        if which == "up":
            return lambda s: rci(s) and self.m.derived[s].up[i]
        return lambda s: rci(s) and self.m.derived[s].down[i]

    def band_test(self, before: str, after: str) -> Test:
        ref, codes = self.ref, self.codes

        def test(s: Content) -> bool:
            return (s[4] is not None and s[1] == ref == s[2] and s[5] in codes
                    and s[6] in codes and before in ("*", s[5])
                    and after in ("*", s[6]))  # fmt: skip

        return test

    # The means, each as (scale, shift) of the value per child.
    def total_means(self, source: str, before: object, after: object, change: object) -> None:
        self.mean(source, "gennemsnit før", "paired", lambda s: s[3], before)
        self.mean(source, "gennemsnit efter", "paired", lambda s: s[4] or 0.0, after)
        self.mean(source, "ændring", "paired", lambda s: (s[4] or 0.0) - s[3], change)

    def beyond_means(
        self, source: str, p: sdq.RciParameters | None, expected: object, beyond: object,
        standardised: object = None,
    ) -> None:  # fmt: skip
        """expected = (r − 1)(x̄_før − μ); beyond = mean(after − r·before) − μ(1 − r)."""
        if p is None:
            return
        r, mu = p.reliability, p.mean
        self.mean(source, f"regression alene r={r:g}", "rci", lambda s: s[3], expected,
                  scale=r - 1, shift=-(r - 1) * mu)  # fmt: skip

        def residual(s: Content) -> float:
            return (s[4] or 0.0) - r * s[3]

        self.mean(source, f"ud over regression r={r:g}", "rci", residual, beyond,
                  shift=-mu * (1 - r))  # fmt: skip
        if standardised not in (None, "", "–"):
            self.mean(source, f"ud over regression i SD r={r:g}", "rci", residual,
                      standardised, scale=1 / p.sd, shift=-mu * (1 - r) / p.sd)  # fmt: skip

    def attrition(self, source: str, label: str, value: object) -> None:
        if label in ("Med eftermåling", "Uden eftermåling"):
            k, n = (x.strip() for x in str(value).split(" af "))
            self.count(source, label, "paired" if label == "Med eftermåling" else "gone", _v(k))
            self.count(source, f"{label} startet", "started", _v(n))
            self.seen(source, "frafald")
        elif label == "Gennemsnit ved start, med eftermåling":
            self.mean(source, label, "paired", lambda s: s[3], value)
        elif label == "Gennemsnit ved start, uden eftermåling":
            self.mean(source, label, "gone", lambda s: s[3], value)

    # -- the workbook ----------------------------------------------------------------------

    def xlsx(self, data: bytes) -> None:
        wb = load_workbook(io.BytesIO(data))
        sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                  for ws in wb.worksheets}  # fmt: skip
        src = "xlsx"
        for title, rows in sheets.items():
            for row in rows:  # the labels on every sheet: "n", "x par af y startet"
                if row[:1] == ["n"] and (m := N_LINE.match(str(row[1]))):
                    self.count(src, f"{title} n par", "paired", _v(m.group(1)))
                    self.count(src, f"{title} n startet", "started", _v(m.group(2)))
        who = {r[0]: r[1] for r in sheets["Hvem er med"] if r and r[0]}
        self.count(src, "par", "paired", _v(who["Par (før og efter)"]))
        self.count(src, "startet", "started", _v(who["Startet (med førmåling)"]))
        total = sheets["Samlet score"]
        if total[0][:2] == ["Samlet vanskelighedsscore (0–40)", "n par"]:
            self.seen(src, "samlet")
            self.count(src, "samlet n", "paired", _v(total[1][1]))
            self.total_means(src, *total[1][2:5])
        for r in sheets["Effektstørrelser"]:
            if r and str(r[0]).startswith("Effektstørrelse (n = "):
                self.count(src, "effekt n", "paired", _v(str(r[0])[21:-1]))
        rtm = sheets["Regression mod middelværdien"]
        for i, r in enumerate(rtm):
            if r[:1] == ["n par"]:
                self.seen(src, "regression")
                n, expected, beyond, _, standardised = rtm[i + 1][:5]
                self.count(src, "regression n", "rci", _v(n))
                self.beyond_means(src, self.params, expected, beyond, standardised)
            if r[:1] == ["Reliabilitet r"]:
                self.seen(src, "følsomhed")
                rows = rtm[i + 1 : i + 1 + len(self.grid)]
                for j, (row, p) in enumerate(zip(rows, self.grid, strict=True)):
                    self.count(src, f"følsomhed {j} par", "rci", _v(row[3]))
                    self.count(src, f"følsomhed {j} bedre", self.flag_test(j, "up"), _v(row[4]))
                    self.count(src, f"følsomhed {j} værre", self.flag_test(j, "down"), _v(row[6]))
                    self.sensitivity_beyond(src, p, row[8])
        labels = {LABELS[k]: k for k in [*sdq.CHANGE_CATEGORIES, *figures.UNIONS]}
        for r in sheets["Pålidelig ændring"]:
            key = labels.get(str(r[0])) if r else None
            if key is not None:
                self.seen(src, "kategorier")
                self.count(src, key, self.category_test(key), _v(r[1]))
                if r[2] != HIDDEN:  # the mark across a hidden row's k, n and share
                    self.count(src, f"{key} n", "categorised", _v(r[2]))
            elif r and (m := re.match(rf"n = {COUNT} par med samme", str(r[0]))):
                self.count(src, "kategoriseret n", "categorised", _v(m.group(1)))
        bands = sheets["Bånd før og efter"]
        if bands[0][:1] == ["Før \\ efter"]:
            self.seen(src, "bånd")
            names = self.band_names()
            cols = [names[h] for h in bands[0][1:] if h]
            for r in bands[1 : 1 + len(cols)]:
                for ba, v in zip(cols, r[1:], strict=False):
                    self.count(src, f"bånd {r[0]}>{ba}", self.band_test(names[r[0]], ba), _v(v))
        for r in sheets["Delskalaer"][1:]:
            if r and r[0] in SUBSCALE_LABELS:
                self.seen(src, "delskalaer")
                self.count(src, "delskala n", "paired", _v(r[1]))
        for r in sheets["Frafald"]:
            if r and r[0]:
                self.attrition(src, str(r[0]), r[1])

    def band_names(self) -> dict[str, str]:
        names = {questionnaire.band_label(self.ref, b) or b: b for b in self.codes}
        return names | {"I alt": "*"}

    def sensitivity_beyond(self, source: str, p: sdq.RciParameters, text: object) -> None:
        m = re.match(rf"{NUMBER} \(", str(text or ""))
        if m:
            self.beyond_means(source, p, None, m.group(1))

    # -- the page and the PDF, as text ------------------------------------------------------

    def text(self, source: str, text: str) -> None:
        """The page's (or the PDF's) text, whitespace made single spaces."""
        for m in re.finditer(rf"{COUNT} par af {COUNT} startet", text):
            self.count(source, "par af startet", "paired", _v(m.group(1)))
            self.count(source, "startet", "started", _v(m.group(2)))
        for m in re.finditer(rf"n = {COUNT} par med samme normsæt", text):
            self.count(source, "kategoriseret n", "categorised", _v(m.group(1)))
        for m in re.finditer(rf"Effektstørrelser \(n = {COUNT}\)", text):
            self.count(source, "effekt n", "paired", _v(m.group(1)))
        m = re.search(rf"Ændring \(efter − før\) 95 %-interval (\d+) {NUMBER} {NUMBER} {NUMBER}",
                      text)  # fmt: skip
        if m:
            self.seen(source, "samlet")
            self.count(source, "samlet n", "paired", _v(m.group(1)))
            self.total_means(source, m.group(2), m.group(3), m.group(4))
        m = re.search(rf"I SD for normgruppen (\d+) {NUMBER} {NUMBER} {NUMBER} til {NUMBER} "
                      rf"{NUMBER}", text)  # fmt: skip
        if m:
            self.seen(source, "regression")
            self.count(source, "regression n", "rci", _v(m.group(1)))
            self.beyond_means(source, self.params, m.group(2), m.group(3), m.group(6))
        share = r"(◆|–|(?<![\d,])0(?= )|(\d+) af (\d+) \(\d+ %\))"
        for key in [*sdq.CHANGE_CATEGORIES, *figures.UNIONS]:
            for m in re.finditer(
                rf"{re.escape(LABELS[key])} (◆|(?<![\d,])0(?= )|(\d+) af (\d+) \()", text
            ):
                self.seen(source, "kategorier")
                self._share(source, key, self.category_test(key), "categorised", m)
        part = _between(text, "Følsomhed: andre værdier af reliabiliteten", ("Bånd før og efter",
                        "Delskalaer"))  # fmt: skip
        if part:
            self.seen(source, "følsomhed")
            rows = list(re.finditer(rf"{share} {share} (–|{NUMBER} \()", part))
            assert len(rows) == len(self.grid), (self.where, source, part)
            for j, (m, p) in enumerate(zip(rows, self.grid, strict=True)):
                self._share(source, f"følsomhed {j} bedre", self.flag_test(j, "up"), "rci", m)
                self._share(source, f"følsomhed {j} værre", self.flag_test(j, "down"), "rci", m, 4)
                self.beyond_means(source, p, None, m.group(8))
        part = _between(text, "Før \\ efter", ("Delskalaer",))
        if part:
            self.seen(source, "bånd")
            names = self.band_names()
            head = part.split(" I alt ", 1)[0].strip()
            cols = [names[h] for h in _labels_in(head, names)] + ["*"]
            for label, code in names.items():
                m = re.search(rf"(?:^| ){re.escape(label)}((?: {COUNT}){{{len(cols)}}})",
                              part.split(" I alt ", 1)[1])  # fmt: skip
                assert m, (self.where, source, label, part)
                for ba, v in zip(cols, m.group(1).split(), strict=True):
                    self.count(source, f"bånd {label}>{ba}", self.band_test(code, ba), _v(v))
        for label in SUBSCALE_LABELS:
            for m in re.finditer(rf"{re.escape(label)} (\d+) {NUMBER}", text):
                self.seen(source, "delskalaer")
                self.count(source, "delskala n", "paired", _v(m.group(1)))
        for label in ("Med eftermåling", "Uden eftermåling"):
            for m in re.finditer(rf"(?<!, ){label} ({COUNT} af {COUNT})", text):
                self.attrition(source, label, m.group(1))
        for label in ("med eftermåling", "uden eftermåling"):
            for m in re.finditer(rf"Gennemsnit ved start, {label} {NUMBER}", text):
                self.attrition(source, f"Gennemsnit ved start, {label}", m.group(1))

    def _share(
        self, source: str, what: str, test: Test, of: str, m: re.Match[str], at: int = 1
    ) -> None:
        """A share as printed: '◆', '–', or 'k af n (p %)' (groups ``at`` to ``at + 2``)."""
        whole, k, n = m.group(at), m.group(at + 1), m.group(at + 2)
        if whole == "–":
            return
        if k is None:
            self.count(source, what, test, HIDDEN if whole == HIDDEN else int(whole))
            return
        self.count(source, what, test, int(k))
        self.count(source, f"{what} n", of, int(n))

    # -- the API ---------------------------------------------------------------------------

    def api(self, body: dict[str, Any]) -> None:
        src = "api"
        self.count(src, "n_paired", "paired", _v(body["n_paired"]))
        self.count(src, "n_started", "started", _v(body["n_started"]))
        found = N_LINE.match(body["n"])
        assert found
        self.count(src, "n par", "paired", _v(found.group(1)))
        self.count(src, "n startet", "started", _v(found.group(2)))
        if body["total"]:
            self.seen(src, "samlet")
            t = body["total"]
            self.count(src, "samlet n", "paired", t["n"])
            self.total_means(src, t["before"], t["after"], t["change"])
        b = body["change_beyond_regression"]
        if b:
            self.seen(src, "regression")
            self.count(src, "regression n", "rci", b["n"])
            self.beyond_means(src, self.params, b["expected"], b["beyond"], b["standardised"])
        for x in [*body["categories"], *body["unions"]]:
            self.seen(src, "kategorier")
            test = self.category_test(x["key"])
            kn = k_of_n(x["text"])
            if kn is None:
                self.count(src, x["key"], test, x["text"])
            else:
                self.count(src, x["key"], test, kn[0])
                self.count(src, f"{x['key']} n", "categorised", kn[1])
        rows = body["reliability_sensitivity"]
        if rows:
            self.seen(src, "følsomhed")
            assert len(rows) == len(self.grid)
        for j, (x, p) in enumerate(zip(rows, self.grid if rows else [], strict=True)):
            for which in ("improved", "deteriorated"):
                test = self.flag_test(j, "up" if which == "improved" else "down")
                kn = k_of_n(x[which])
                if kn is None:
                    self.count(src, f"følsomhed {j} {which}", test, x[which])
                else:
                    self.count(src, f"følsomhed {j} {which}", test, kn[0])
                    self.count(src, f"følsomhed {j} {which} n", "rci", kn[1])
            self.sensitivity_beyond(src, p, x["beyond"])
        for x in body["subscales"]:
            self.seen(src, "delskalaer")
            self.count(src, "delskala n", "paired", x["n"])
        for x in body["attrition"]:
            self.attrition(src, x["label"], x["value"])

    # -- all of it -------------------------------------------------------------------------

    def read(self, outputs: dict[str, Any]) -> None:
        """Every output of the view; the page and the PDF must carry no chart of children."""
        page = outputs["side"]
        sdq_part = page.split('id="beyond-title"', 1)[0]  # "Ud over SDQ": cases, not pairs
        assert "<svg" not in sdq_part and "<figure" not in sdq_part, self.where
        self.text("side", page_text(sdq_part))
        if outputs.get("pdf") is not None or outputs.get("pdf_html") is not None:
            text = page_text(outputs["pdf_html"]) if outputs.get("pdf_html") else ""
            if outputs.get("pdf") is not None:
                # The PDF itself: its text, and the same figures as the HTML it is made of.
                source, text = text, pdf_text(outputs["pdf"])
                if source:
                    assert figures_in(text) == figures_in(source), self.where
            assert "<svg" not in (outputs.get("pdf_html") or ""), self.where
            assert "Søjlediagram" not in text and "for hvert af" not in text, self.where
            self.text("pdf", text)
        self.xlsx(outputs["xlsx"])
        self.api(outputs["api"])
        got = {src: self.m.sections[(self.view, src)] for src in SOURCES if src in outputs
               and outputs[src] is not None}  # fmt: skip
        # The workbook and the API have no band table of their own... the workbook has; the
        # API has none. Every other section is in every output, or in none.
        common = {s: v - {"bånd"} for s, v in got.items()}
        assert len({frozenset(v) for v in common.values()}) == 1, (self.where, got)
        if "pdf" in got:
            assert got["pdf"] == got["side"] == got["xlsx"], (self.where, got)


def _v(x: Any) -> Any:
    if x == HIDDEN or isinstance(x, int) or str(x).strip() == figures.NOT_COUNTED:
        return x
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return int(str(x).strip())


def _between(text: str, start: str, ends: Iterable[str]) -> str:
    if start not in text:
        return ""
    after = text.split(start, 1)[1]
    cut = min((after.index(e) for e in ends if e in after), default=len(after))
    return after[:cut]


def _labels_in(head: str, names: dict[str, str]) -> list[str]:
    """The band labels of a header, in order (labels may hold spaces)."""
    out, rest = [], head.strip()
    while rest:
        label = next((n for n in sorted(names, key=len, reverse=True)
                      if n != "I alt" and rest.startswith(n)), None)  # fmt: skip
        assert label, (head, names)
        out.append(label)
        rest = rest[len(label) :].strip()
    return out


class _Text(HTMLParser):
    BLOCKS = {"p", "tr", "li", "dt", "dd", "h1", "h2", "h3", "table", "section", "div", "dl",
              "thead", "tbody"}  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "form", "select", "head"):
            self.skip += 1
        self.parts.append("\n" if tag in self.BLOCKS else " ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "form", "select", "head"):
            self.skip -= 1
        self.parts.append("\n" if tag in self.BLOCKS else " ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def page_text(page: str) -> str:
    """The text of a page's HTML (no forms), whitespace made single spaces."""
    parser = _Text()
    parser.feed(page)
    return re.sub(r"\s+", " ", html.unescape("".join(parser.parts))).strip()


FOOTER = re.compile(r"(Spor · Evalueringsrapport · [^·]*? )?Side \d+ af \d+")
FIGURE = re.compile(r"◆|–|−?\d[\d.,]*\d|\d")


def figures_in(text: str) -> list[str]:
    """Every number and mark of a text, in order: a PDF and the HTML it was made of must
    show the same."""
    return FIGURE.findall(FOOTER.sub(" ", text))


def pdf_text(data: bytes) -> str:
    """The text of a PDF (pypdf), the running footers left out."""
    from pypdf import PdfReader

    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages]
    text = re.sub(r"\s+", " ", "\n".join(pages))
    return FOOTER.sub(" ", text).replace("  ", " ")
