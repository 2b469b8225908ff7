"""Figures beside the SDQ on the evaluation page: the programme's ultimate aim (how many
forløb end in specialised help or medication), PPR's accessibility (pejlemærke 5: waiting
from a concern to PPR's first action and to a forløb), and children reached per funded PPR
position, computed by :mod:`spor.evaluation.stats`.

Their counts are protected together across every view the lead can set (all, one
intervention, type or level, one half-year; the target group and age group filters do not
apply here): one :class:`~spor.evaluation.disclosure.Publication` per municipality, whose
unknowns are the forløb, concerns and children per *signature* (the set of views and counts
they fall in, which is the finest grouping the views distinguish). Every count of every view
is a sum of signatures; :meth:`Publication.protect` hides each count of 1–4 and as many more
as it takes for no hidden count to be narrowed below 1–4 by comparing the views. A share,
median or rate is shown only when the counts it rests on are shown.

The publication is kept in the process under a digest of everything it is computed from
(:mod:`spor.lib.memo`): the read's forløb, concerns and catalogue, whether the municipality
has funded positions, and today (the half-years and the year back). The read (four scoped
queries) is skipped while the database's version of the municipality's cases and concerns
(:mod:`spor.evaluation.web.versions`, changed by every write they are read from) is the one
the publication was found under; a new concern, forløb, delivery or closing changes it, so the
next view reads again, and computes afresh if the data changed. The counts of every view are
grouped per signature item by item (one pass over the forløb, concerns and children), not view
by view."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
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
from spor.evaluation.web import selectors, versions
from spor.evaluation.web.figures import SUPPRESSED, THRESHOLD, num, pct
from spor.evaluation.web.forms import Filters, half_end, half_start, half_years
from spor.lib import memo
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


def _days(start: dt.date, end: dt.date | None) -> int | None:
    return None if end is None else max(0, (end - start).days)


@dataclass
class _Read:
    """Everything the figures need, read once per page."""

    cases: dict[int, _Case]
    concerns: list[tuple[dt.date, int | None, int | None]]
    participation: ProgrammeParticipation | None
    intervention_ids: list[int]


def _read(actor: Actor) -> _Read:
    """The forløb (in the order of their ids) and the concerns (likewise): a fixed order
    whatever order the database would give the rows in, so that the key is the same for the
    same data."""
    cases: dict[int, _Case] = {}
    rows = (
        Case.objects.filter(municipality_id=actor.municipality_id, child__isnull=False)
        .order_by("pk")
        .values_list(
            "pk", "child_id", "opened_on", "status", "closed_on", *SPECIALISED_FIELDS,
            "close_medication", "deliveries__intervention_id",
            "deliveries__intervention__kind", "deliveries__intervention__level",
        )
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
    # The local dates with the zone looked up once (timezone.localtime looks it up for every
    # value, which was most of the read's time).
    tz = timezone.get_current_timezone()
    concerns = []
    for created, first, start in (
        Concern.objects.filter(municipality_id=actor.municipality_id, child__isnull=False)
        .annotate(first_ppr=first_ppr, case_start=Min("cases__opened_on"))
        .order_by("pk")
        .values_list("created_at", "first_ppr", "case_start")
    ):
        day = created.astimezone(tz).date()
        wait = None if first is None else _days(day, first.astimezone(tz).date())
        concerns.append((day, wait, _days(day, start)))
    participation = _participation(actor)
    ids = sorted(selectors.interventions_for(actor).values_list("pk", flat=True))
    return _Read(cases, concerns, participation, ids)


def _reaches(data: _Read) -> bool:
    """Whether the children reached are counted (the municipality has funded positions)."""
    return data.participation is not None and bool(data.participation.extra_staff)


def _key(data: _Read, today: dt.date) -> str:
    """A digest of everything :func:`publish` computes from, in the read's fixed order."""
    cases = [
        (
            pk, c.child, c.opened_on, c.closed_on, c.flags,
            sorted(c.interventions), sorted(c.kinds), sorted(c.levels),
        )
        for pk, c in data.cases.items()
    ]  # fmt: skip
    return memo.digest("beyond", today, cases, data.concerns, _reaches(data), data.intervention_ids)


def _names(reach: bool) -> list[str]:
    """The counts of every view, in the order the publication is built in."""
    out = ["closed"]
    for key in SHARES:
        out += [f"k:{key}", f"nk:{key}", f"n:{key}", f"u:{key}"]
    out += ["w1:done", "w1:missing", "w2:done"]
    return [*out, "children"] if reach else out


# The additive lines within a view, for choosing complements.
_LINES = [
    line
    for key in SHARES
    for line in ([f"k:{key}", f"nk:{key}", f"n:{key}"], [f"n:{key}", f"u:{key}", "closed"])
]


def _forloeb_names(c: _Case) -> tuple[str, ...]:
    out = ["closed"]
    for key, flag in _share_flags(c).items():
        if flag is None:
            out.append(f"u:{key}")
        else:
            out += [f"k:{key}" if flag else f"nk:{key}", f"n:{key}"]
    return tuple(out)


def _signatures(
    data: _Read, today: dt.date, views: list[View]
) -> Counter[tuple[str, frozenset[tuple[View, str]]]]:
    """How many forløb, concerns and children fall in exactly the same counts of every view
    (their *signature*), item by item: a forløb is counted in the views it matches (all, its
    interventions, types and levels) and the half-year it closed in, under the names of its
    flags; a concern in every view but the half-years other than its own; a child in the
    views of its forløb started in each view's window."""
    known = set(views)
    halves = [(v, half_start(v[1]), half_end(v[1])) for v in views if v[0] == "halvaar"]

    def half(day: dt.date | None) -> tuple[View, ...]:
        return tuple(v for v, lo, hi in halves if day is not None and lo <= day <= hi)

    def grouped(c: _Case) -> list[View]:
        out: list[View] = [ALL]
        out += [("indsats", i) for i in c.interventions]
        out += [("type", k) for k in c.kinds]
        out += [("niveau", lvl) for lvl in c.levels]
        return [v for v in out if v in known]

    groups: Counter[tuple[str, frozenset[View], tuple[str, ...]]] = Counter()
    for c in data.cases.values():
        if c.closed_on is not None:
            where = frozenset([*grouped(c), *half(c.closed_on)])
            groups[("forløb", where, _forloeb_names(c))] += 1
    # Concerns are not tied to an intervention: only the half-year narrows them.
    plain = [v for v in views if v[0] != "halvaar"]
    halves_of: dict[dt.date, tuple[View, ...]] = {}
    concerns: Counter[tuple[tuple[View, ...], bool, bool]] = Counter()
    for day, first, start in data.concerns:
        if day not in halves_of:
            halves_of[day] = half(day)
        concerns[(halves_of[day], first is not None, start is not None)] += 1
    for (in_half, done, started), n in concerns.items():
        w1 = "w1:done" if done else "w1:missing"
        names: tuple[str, ...] = (w1, "w2:done") if started else (w1,)
        groups[("bekymring", frozenset([*plain, *in_half]), names)] += n
    if _reaches(data):
        lo, hi = today - dt.timedelta(days=365), today
        reached: dict[int, set[View]] = defaultdict(set)
        for c in data.cases.values():
            if c.opened_on is None:
                continue
            if lo <= c.opened_on <= hi:
                reached[c.child].update(grouped(c))
            reached[c.child].update(half(c.opened_on))
        for views_of_child in reached.values():
            if views_of_child:
                groups[("barn", frozenset(views_of_child), ("children",))] += 1
    out: Counter[tuple[str, frozenset[tuple[View, str]]]] = Counter()
    for (population, where, counted), n in groups.items():
        out[(population, frozenset((v, name) for v in where for name in counted))] += n
    return out


def _publication(
    data: _Read, today: dt.date
) -> tuple[disclosure.Publication, frozenset[Any], dict[tuple[View, str], Any]]:
    """The publication of every view's counts (keys ``(view, name)``), the keys it hides,
    and each count's key (the same items counted twice are one published number)."""
    views = _views(data.intervention_ids, today)
    signatures = _signatures(data, today, views)
    pub = disclosure.Publication(threshold=THRESHOLD)
    # In an order that does not depend on the process (a frozenset of strings iterates in
    # the order of their hashes, which differ between processes): the same data give the
    # same pattern on every worker.
    atoms = {
        sig: pub.unknown(signatures[sig])
        for sig in sorted(signatures, key=lambda s: (s[0], sorted(map(repr, s[1]))))
    }
    containing: dict[tuple[View, str], list[int]] = defaultdict(list)
    for (_, sig), atom in atoms.items():
        for vn in sig:
            containing[vn].append(atom)
    keys: dict[tuple[View, str], Any] = {}
    canonical: dict[tuple[int, ...], Any] = {}
    names = _names(_reaches(data))
    for view in views:
        for name in names:
            parts = tuple(sorted(containing.get((view, name), [])))
            key = canonical.get(parts)
            if key is None:
                key = canonical[parts] = pub.cell((view, name), parts)
            keys[(view, name)] = key
    for view in views:
        for line in _LINES:
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
    pub, hidden, keys = _publication(data, today)
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


def _participation(actor: Actor) -> ProgrammeParticipation | None:
    return (
        ProgrammeParticipation.objects.filter(municipality_id=actor.municipality_id)
        .select_related("programme")
        .order_by("-programme__start_on")
        .first()
    )


def compute(actor: Actor, filters: Filters) -> Beyond:
    """The figures of the filters' view, showing the counts as protected together with
    every other view the lead can set."""
    today = timezone.localdate()

    def kept(data: _Read) -> tuple[_Read, Published]:
        # Kept under everything it is computed from: a view of the same data finds it.
        return data, memo.cached(_key(data, today), lambda: publish(data, today))

    # Found without reading the data while the database's version of the municipality's
    # cases and concerns is the same (spor.evaluation.web.versions); the participation (the
    # funded positions, not versioned) is read on every view and is part of the key.
    version = versions.current(actor.municipality_id)
    if version is None:
        data, pub = kept(_read(actor))
    else:
        now = _participation(actor)
        reaches = now is not None and bool(now.extra_staff)
        key = memo.digest("beyond.version", actor.municipality_id, version.cases, today, reaches)
        data, pub = memo.cached(
            key, lambda: kept(dataclasses.replace(_read(actor), participation=now))
        )
        data = dataclasses.replace(data, participation=now)
    view = view_of(filters)
    out = Beyond(period=_period(view)[2])
    _specialised(data, view, pub, out)
    _waiting(data, view, pub, out)
    _reach(data, view, pub, today, out)
    return out
