"""spor.evaluation.web.beyond as it was at the end of session 8, verbatim below this docstring
(only this docstring is new): the code the kept, cheaper "Ud over SDQ" is held equal to in
``tests/evaluation/test_fast_beyond.py``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min, Q
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Role
from spor.cases.models import Case, InterventionType, Level, Status
from spor.concerns.models import Concern, EventKind
from spor.evaluation import disclosure, stats
from spor.evaluation.web import selectors
from spor.evaluation.web.figures import SUPPRESSED, THRESHOLD, num, pct
from spor.evaluation.web.forms import Filters, half_end, half_start, half_years
from spor.programme.models import ProgrammeParticipation

SPECIALISED_FIELDS = ("close_psychiatry", "close_special_education", "close_social_measures")
PPR_ROLES = (Role.PPR, Role.LEAD)
SHARES = ("specialised", "medication", "either")
SHARE_LABELS = {
    "specialised": "Afsluttet med specialiseret hjælp (psykiatri, specialundervisning "
    "eller sociale foranstaltninger)",
    "medication": "Afsluttet med medicin",
    "either": "Afsluttet med specialiseret hjælp eller medicin",
}
# A view: ("", None) for all, ("indsats", pk), ("type", code), ("niveau", code) or
# ("halvaar", "2026-1").
View = tuple[str, Any]
ALL: View = ("", None)


@dataclass
class Line:
    label: str
    value: str
    note: str = ""


@dataclass
class Beyond:
    period: str
    specialised: list[Line] = field(default_factory=list)
    # The closed forløb of the view, as published (the mark where hidden).
    closed: str = "0"
    waiting: list[Line] = field(default_factory=list)
    reach: list[Line] = field(default_factory=list)


def _cell(v: int | None) -> str:
    return SUPPRESSED if v is None else str(v)


# --------------------------------------------------------------------------------------------
# The views and what each counts
# --------------------------------------------------------------------------------------------


def view_of(filters: Filters) -> View:
    """The view the filters choose (the target group, age group and informant filters do
    not apply to these figures)."""
    if filters.intervention is not None:
        return ("indsats", filters.intervention.pk)
    if filters.kind:
        return ("type", filters.kind)
    if filters.level:
        return ("niveau", filters.level)
    if filters.date_from is not None:
        d = filters.date_from
        return ("halvaar", f"{d.year}-{1 if d.month <= 6 else 2}")
    return ALL


def _views(intervention_ids: Iterable[int], today: dt.date) -> list[View]:
    out: list[View] = [ALL]
    out += [("indsats", pk) for pk in sorted(intervention_ids)]
    out += [("type", k) for k in InterventionType.values]
    out += [("niveau", lvl) for lvl in Level.values]
    out += [("halvaar", code) for code, _ in half_years(today)]
    return out


def _period(view: View) -> tuple[dt.date | None, dt.date | None, str]:
    if view[0] != "halvaar":
        return None, None, "hele perioden"
    start, end = half_start(view[1]), half_end(view[1])
    return start, end, f"{start.isoformat()} til {end.isoformat()}"


def _window(view: View, today: dt.date) -> tuple[dt.date, dt.date]:
    """The children reached: a half-year's, else a year back (the positions are full-time
    equivalents a year)."""
    start, end, _ = _period(view)
    if start is not None and end is not None:
        return start, end
    return today - dt.timedelta(days=365), today


@dataclass
class _Case:
    """A forløb with the interventions, types and levels of its deliveries."""

    child: int
    opened_on: dt.date | None
    closed_on: dt.date | None
    flags: tuple[Any, ...]
    interventions: set[int] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    levels: set[str] = field(default_factory=set)

    def matches(self, view: View) -> bool:
        d, v = view
        if d == "indsats":
            return v in self.interventions
        if d == "type":
            return v in self.kinds
        if d == "niveau":
            return v in self.levels
        return True


def _within(day: dt.date | None, start: dt.date | None, end: dt.date | None) -> bool:
    if start is None and end is None:
        return True
    return day is not None and (start is None or day >= start) and (end is None or day <= end)


def _flag(values: tuple[Any, ...]) -> bool | None:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def _share_flags(c: _Case) -> dict[str, bool | None]:
    spec, med = _flag(c.flags[:3]), c.flags[3]
    either: bool | None
    if spec is True or med is True:
        either = True
    elif spec is None or med is None:
        either = None
    else:
        either = False
    return {"specialised": spec, "medication": med, "either": either}


def _days(start: dt.datetime | dt.date, end: dt.datetime | dt.date | None) -> int | None:
    if end is None:
        return None
    a = timezone.localtime(start).date() if isinstance(start, dt.datetime) else start
    b = timezone.localtime(end).date() if isinstance(end, dt.datetime) else end
    return max(0, (b - a).days)


@dataclass
class _Read:
    """Everything the figures need, read once per page."""

    cases: dict[int, _Case]
    concerns: list[tuple[dt.date, int | None, int | None]]
    participation: ProgrammeParticipation | None
    intervention_ids: list[int]


def _read(actor: Actor) -> _Read:
    cases: dict[int, _Case] = {}
    rows = Case.objects.filter(
        municipality_id=actor.municipality_id, child__isnull=False
    ).values_list(
        "pk", "child_id", "opened_on", "status", "closed_on", *SPECIALISED_FIELDS,
        "close_medication", "deliveries__intervention_id", "deliveries__intervention__kind",
        "deliveries__intervention__level",
    )  # fmt: skip
    for pk, child, opened, status, closed, *rest in rows:
        flags, (iv, kind, level) = tuple(rest[:4]), rest[4:]
        c = cases.get(pk)
        if c is None:
            done = status == Status.CLOSED
            c = cases[pk] = _Case(child, opened, closed if done else None, flags if done else ())
        if iv is not None:
            c.interventions.add(iv)
            c.kinds.add(kind)
            if level:
                c.levels.add(level)
    first_ppr = Min(
        "events__at",
        filter=Q(events__author__role__in=PPR_ROLES) & ~Q(events__kind=EventKind.CREATED),
    )
    concerns = [
        (timezone.localtime(created).date(), _days(created, f), _days(created, s))
        for created, f, s in Concern.objects.filter(
            municipality_id=actor.municipality_id, child__isnull=False
        )
        .annotate(first_ppr=first_ppr, case_start=Min("cases__opened_on"))
        .values_list("created_at", "first_ppr", "case_start")
    ]
    participation = (
        ProgrammeParticipation.objects.filter(municipality_id=actor.municipality_id)
        .select_related("programme")
        .order_by("-programme__start_on")
        .first()
    )
    ids = list(selectors.interventions_for(actor).values_list("pk", flat=True))
    return _Read(cases, concerns, participation, ids)


class _Counts:
    """The published counts of every view, as one Publication over signatures."""

    def __init__(self) -> None:
        # (population, item) -> the (view, name) counts it falls in.
        self.falls: dict[tuple[str, Any], set[tuple[View, str]]] = defaultdict(set)
        self.names: dict[View, list[tuple[str, str]]] = defaultdict(list)
        self.lines: list[tuple[View, list[str]]] = []

    def count(self, view: View, population: str, name: str, items: Iterable[Any]) -> None:
        self.names[view].append((population, name))
        for item in items:
            self.falls[(population, item)].add((view, name))

    def protect(self) -> tuple[disclosure.Publication, frozenset[Any], dict[Any, Any]]:
        pub = disclosure.Publication(threshold=THRESHOLD)
        signatures: dict[tuple[str, frozenset[Any]], int] = defaultdict(int)
        for (population, _), falls in self.falls.items():
            signatures[(population, frozenset(falls))] += 1
        # In an order that does not depend on the process (a frozenset of strings iterates
        # in the order of their hashes, which differ between processes): the same data give
        # the same pattern on every worker.
        atoms = {
            sig: pub.unknown(signatures[sig])
            for sig in sorted(signatures, key=lambda s: (s[0], sorted(map(repr, s[1]))))
        }
        containing: dict[tuple[View, str], list[int]] = defaultdict(list)
        for (_, sig), atom in atoms.items():
            for vn in sig:
                containing[vn].append(atom)
        keys: dict[Any, Any] = {}
        canonical: dict[tuple[int, ...], Any] = {}
        for view, names in self.names.items():
            for _, name in names:
                parts = tuple(sorted(containing.get((view, name), [])))
                keys[(view, name)] = pub.cell(canonical.setdefault(parts, (view, name)), parts)
        for view, line in self.lines:
            pub.line([keys[(view, n)] for n in line])
        return pub, pub.protect(), keys


@dataclass
class Published:
    """Every view's counts as published: ``None`` where hidden."""

    values: dict[tuple[View, str], int | None]

    def get(self, view: View, name: str) -> int | None:
        return self.values.get((view, name), 0)


def publish(data: _Read, today: dt.date) -> Published:
    """The counts of every view the lead can set, protected together."""
    counts = _Counts()
    views = _views(data.intervention_ids, today)
    flags = {pk: _share_flags(c) for pk, c in data.cases.items() if c.closed_on is not None}
    for view in views:
        start, end, _ = _period(view)
        closed = [
            pk
            for pk, c in data.cases.items()
            if c.closed_on is not None and c.matches(view) and _within(c.closed_on, start, end)
        ]
        counts.count(view, "forløb", "closed", closed)
        for key in SHARES:
            counts.count(view, "forløb", f"k:{key}", [pk for pk in closed if flags[pk][key]])
            counts.count(
                view, "forløb", f"nk:{key}", [pk for pk in closed if flags[pk][key] is False]
            )
            counts.count(
                view, "forløb", f"n:{key}", [pk for pk in closed if flags[pk][key] is not None]
            )
            counts.count(
                view, "forløb", f"u:{key}", [pk for pk in closed if flags[pk][key] is None]
            )
            counts.lines.append((view, [f"k:{key}", f"nk:{key}", f"n:{key}"]))
            counts.lines.append((view, [f"n:{key}", f"u:{key}", "closed"]))
        # Concerns are not tied to an intervention: only the half-year narrows them.
        mine = [i for i, (day, _, _) in enumerate(data.concerns) if _within(day, start, end)]
        counts.count(
            view, "bekymring", "w1:done", [i for i in mine if data.concerns[i][1] is not None]
        )
        counts.count(
            view, "bekymring", "w1:missing", [i for i in mine if data.concerns[i][1] is None]
        )
        counts.count(
            view, "bekymring", "w2:done", [i for i in mine if data.concerns[i][2] is not None]
        )
        if data.participation is not None and data.participation.extra_staff:
            lo, hi = _window(view, today)
            counts.count(
                view,
                "barn",
                "children",
                {
                    c.child
                    for c in data.cases.values()
                    if c.matches(view) and c.opened_on is not None and lo <= c.opened_on <= hi
                },
            )
    pub, hidden, keys = counts.protect()
    return Published({vn: None if key in hidden else pub.value(key) for vn, key in keys.items()})


# --------------------------------------------------------------------------------------------
# The lines of one view
# --------------------------------------------------------------------------------------------


def _share_line(key: str, view: View, pub: Published) -> Line:
    k, nk, n = (pub.get(view, f"{x}:{key}") for x in ("k", "nk", "n"))
    if k is None or nk is None or n is None or n == 0:
        return Line(
            SHARE_LABELS[key],
            "–" if n == 0 else SUPPRESSED,
            f"{_cell(n)} forløb med oplysningen",
        )
    p = stats.proportion(k, n)
    return Line(
        SHARE_LABELS[key],
        f"{p.label} ({pct(p.share)})",
        f"95 %-interval {pct(p.ci_low)} til {pct(p.ci_high)}",
    )


def _specialised(data: _Read, view: View, pub: Published, out: Beyond) -> None:
    closed = pub.get(view, "closed")
    out.closed = _cell(closed)
    if closed == 0:
        return
    out.specialised = [_share_line(k, view, pub) for k in SHARES]


def _wait_line(
    label: str,
    days: list[int | None],
    done: int | None,
    missing: int | None,
    note: str,
    *,
    with_missing: bool = True,
) -> Line:
    if done is None:
        return Line(label, SUPPRESSED, note)
    if done == 0:
        return Line(label, "–", f"Ingen afsluttede ventetider. {note}")
    w = stats.waiting_times(days)
    value = f"median {num(w.median, 0)} dage (kvartiler {num(w.p25, 0)}–{num(w.p75, 0)})"
    still = f"; {_cell(missing)} venter stadig eller mangler" if with_missing else ""
    return Line(label, value, f"{done} bekymringer{still}. {note}")


def _waiting(data: _Read, view: View, pub: Published, out: Beyond) -> None:
    start, end, _ = _period(view)
    rows = [r for r in data.concerns if _within(r[0], start, end)]
    out.waiting = [
        _wait_line(
            "Fra bekymring til PPR's første handling",
            [f for _, f, _ in rows],
            pub.get(view, "w1:done"),
            pub.get(view, "w1:missing"),
            "Første notat, statusændring eller opfølgning skrevet af PPR.",
        ),
        _wait_line(
            "Fra bekymring til forløbets start",
            [s for _, _, s in rows if s is not None],
            pub.get(view, "w2:done"),
            0,
            "Kun bekymringer, der blev til et forløb.",
            with_missing=False,
        ),
    ]


def _reach(data: _Read, view: View, pub: Published, today: dt.date, out: Beyond) -> None:
    participation = data.participation
    if participation is None or not participation.extra_staff:
        out.reach = [
            Line(
                "Børn nået pr. finansieret PPR-stilling",
                "–",
                "Kommunen har ingen ekstra årsværk registreret i et partnerskab.",
            )
        ]
        return
    start, end = _window(view, today)
    children = pub.get(view, "children")
    positions = float(participation.extra_staff)
    if children is None:
        value = SUPPRESSED + " børn"
    else:
        value = (
            f"{num(stats.children_per_position(children, positions).per_position)} børn pr. årsværk"
        )
    out.reach = [
        Line(
            "Børn nået pr. finansieret PPR-stilling",
            value,
            f"{_cell(children)} børn med et forløb "
            f"startet {start.isoformat()} til {end.isoformat()}, "
            f"{num(positions)} ekstra årsværk i {participation.programme.name}. "
            "Alle kommunens forløb tæller med, ikke kun dem, de ekstra stillinger løftede.",
        )
    ]


def compute(actor: Actor, filters: Filters) -> Beyond:
    """The figures of the filters' view, showing the counts as protected together with
    every other view the lead can set."""
    today = timezone.localdate()
    data = _read(actor)
    pub = publish(data, today)
    view = view_of(filters)
    out = Beyond(period=_period(view)[2])
    _specialised(data, view, pub, out)
    _waiting(data, view, pub, out)
    _reach(data, view, pub, today, out)
    return out
