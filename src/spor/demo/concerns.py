"""Demo concerns for a generated municipality: open ones, overdue ones, closed ones with
every outcome, some about groups, each with its follow-up log.

:func:`generate` needs the registry's demo data (children, groups, staff with their groups)
and writes with ``bulk_create``: two INSERTs whatever the count. The same ``rng`` state and
``today`` give the same concerns. The demo's first teacher, first psychologist and first
health visitor (the logins the demo prints) get concerns of their own, so each login has
something to see.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from spor.accounts.models import GroupAssignment, Membership, Profession, Role
from spor.concerns.models import (
    OPEN_STATES,
    Category,
    Concern,
    ConcernEvent,
    EventKind,
    Outcome,
    State,
)
from spor.registry.models import Enrolment
from spor.tenancy.models import Municipality

DESCRIPTIONS: dict[str, list[str]] = {
    Category.WELLBEING: [
        "Virker trist og trækker sig fra legen i frikvartererne.",
        "Fortæller, at hun ikke har lyst til at komme i skole. Græder ofte om morgenen.",
        "Er stille og indadvendt og søger sjældent de voksne.",
    ],
    Category.BEHAVIOUR: [
        "Mange konflikter i overgangene; slår, når han bliver frustreret.",
        "Har svært ved at sidde stille og forstyrrer undervisningen flere gange dagligt.",
        "Udadreagerende over for de andre børn, særligt i fri leg.",
    ],
    Category.LANGUAGE: [
        "Taler utydeligt og bliver ofte ikke forstået af de andre børn.",
        "Begrænset ordforråd; forstår ikke altid fælles beskeder.",
    ],
    Category.MOTOR: [
        "Falder meget og undgår klatring og boldspil.",
        "Meget følsom over for lyde; dækker ørerne til samling.",
    ],
    Category.LEARNING: [
        "Er bagud i læsning i forhold til klassen og mister motivationen.",
        "Har svært ved at fastholde opmærksomheden i opgaverne.",
    ],
    Category.SOCIAL: [
        "Holdes uden for fællesskabet; har ingen faste legekammerater.",
        "Bliver drillet af en gruppe i klassen.",
    ],
    Category.ABSENCE: [
        "Stigende fravær det seneste kvartal, ofte mandage.",
        "Kommer sent flere gange om ugen og mangler meget i perioder.",
    ],
    Category.FAMILY: [
        "Forældrene er gået fra hinanden; barnet virker uroligt og træt.",
        "Bliver ofte hentet sent og virker sulten om morgenen.",
    ],
    Category.OTHER: ["Pædagogerne er usikre på, hvad der er på spil, og ønsker sparring."],
}
GROUP_DESCRIPTIONS = [
    "Uro og en hård tone i klassen efter sommerferien.",
    "Flere børn holdes uden for legen; grupperinger på stuen.",
    "Konflikter i frikvartererne mellem to grupper af børn.",
    "Mange skift af voksne; børnene er urolige i overgangene.",
]
NOTES = [
    "Talt med forældrene; de genkender billedet hjemmefra.",
    "Observation i klassen aftalt med PPR.",
    "Kort sparring med teamet; vi prøver faste pladser og pauser.",
    "Barnet er mere roligt de seneste uger.",
    "Forældresamtale holdt; ny aftale om opfølgning.",
    "Drøftet på teammødet. Vi afventer tale-hørekonsulentens vurdering.",
    "Kontakt til sundhedsplejersken efter aftale med forældrene.",
]
CLOSING_NOTES = {
    Outcome.NO_ACTION: "Bekymringen er aftaget; ingen yderligere handling.",
    Outcome.ADVICE: "Råd og vejledning givet til personalet om struktur i hverdagen.",
    Outcome.CONSULTATION: "PPR-konsultation holdt med personale og forældre.",
    Outcome.CASE: "Forløb startet med psykolog og pædagogisk konsulent.",
    Outcome.NOTIFICATION: "Underretning sendt til socialforvaltningen ad kommunens vanlige vej.",
}


@dataclass
class _Staff:
    ppr: list[int]
    educators: list[int]
    others: list[int]  # sundhedsplejersker, socialrådgivere
    names: dict[int, str]
    first_teacher: int | None
    first_psychologist: int | None
    first_health: int | None


def _staff(mid: int) -> _Staff:
    rows = list(
        Membership.objects.filter(municipality_id=mid, active=True)
        .order_by("pk")
        .values_list("pk", "role", "profession", "user__first_name", "user__last_name")
    )
    by_role: dict[str, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    first: dict[tuple[str, str | None], int] = {}
    for pk, role, profession, first_name, last_name in rows:
        by_role[role].append(pk)
        names[pk] = f"{first_name} {last_name}".strip()
        first.setdefault((role, None), pk)
        first.setdefault((role, profession), pk)
    return _Staff(
        ppr=by_role[Role.PPR] or by_role[Role.LEAD],
        educators=by_role[Role.EDUCATOR],
        others=by_role[Role.HEALTH_VISITOR] + by_role[Role.SOCIAL_WORKER],
        names=names,
        first_teacher=first.get((Role.EDUCATOR, Profession.TEACHER)),
        first_psychologist=first.get((Role.PPR, Profession.PSYCHOLOGIST)),
        first_health=first.get((Role.HEALTH_VISITOR, None)),
    )


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """An aware time during the working day (no daylight-saving gaps at these hours)."""
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(rng.randint(8, 15), rng.randint(0, 59)))
    )


# By default 7 concerns for every 100 children (a few years' worth), at least FEW; with
# more than FEW, the closed ones go back YEARS years.
PER_CHILD = 0.07
FEW = 60
YEARS = 3


def generate(
    municipality: Municipality, *, rng: random.Random, today: dt.date, count: int | None = None
) -> int:
    """Write about ``count`` concerns with their follow-up logs; returns how many. By
    default as many as a real municipality gathers over a few years: 7 for every 100
    children now in a group (at least 60; 4,200 for 60,000 children). Beyond the first
    :data:`FEW`, most are closed, and the closed ones go back :data:`YEARS` years."""
    mid = municipality.pk
    staff = _staff(mid)
    assignments = list(
        GroupAssignment.objects.filter(municipality_id=mid)
        .order_by("pk")
        .values_list("membership_id", "group_id")
    )
    children_in: dict[int, list[int]] = defaultdict(list)
    for enrolled_group, enrolled_child in (
        Enrolment.objects.filter(
            Q(end__isnull=True) | Q(end__gte=today), municipality_id=mid, start__lte=today
        )
        .order_by("pk")
        .values_list("group_id", "child_id")
    ):
        children_in[enrolled_group].append(enrolled_child)
    assignments = [(m, g) for m, g in assignments if children_in.get(g)]
    if not staff.ppr or not assignments:
        return 0
    teacher_groups = [g for m, g in assignments if m == staff.first_teacher]
    all_children = [c for kids in children_in.values() for c in kids]
    if count is None:
        count = max(FEW, round(len(all_children) * PER_CHILD))
    many = count > FEW  # a municipality's years of concerns, not a demo's handful

    # What each concern will be: closed with every outcome, overdue, open (some due today
    # or tomorrow, so that the reminder job has something to send).
    outcomes = list(Outcome)
    n_closed = max(len(outcomes), round(count * (0.85 if many else 0.35)))
    n_overdue = max(1, round(count * (0.04 if many else 0.2)))
    kinds = (
        [("closed", outcomes[i % len(outcomes)]) for i in range(n_closed)]
        + [("overdue", None)] * n_overdue
        + [("open", None)] * max(0, count - n_closed - n_overdue)
    )
    rng.shuffle(kinds)

    concerns: list[Concern] = []
    plans: list[tuple[int, list[tuple[dt.datetime, int, str, str, str, str]]]] = []
    categories = list(Category)
    for i, (kind, outcome) in enumerate(kinds):
        # Who raises it, about whom.
        child_id: int | None = None
        group_id: int | None = None
        if i < 4 and teacher_groups and staff.first_teacher is not None:
            raiser = staff.first_teacher
            group = teacher_groups[i % len(teacher_groups)]
            if i == 3:
                group_id = group
            else:
                child_id = rng.choice(children_in[group])
        elif i == 4 and staff.first_health is not None:
            raiser, child_id = staff.first_health, rng.choice(all_children)
        elif i % 7 == 5:  # about a group
            raiser, group_id = rng.choice(assignments)
        else:
            roll = rng.random()
            if roll < 0.7:
                raiser, group = rng.choice(assignments)
                child_id = rng.choice(children_in[group])
            elif roll < 0.85 and staff.others:
                raiser, child_id = rng.choice(staff.others), rng.choice(all_children)
            else:
                raiser, child_id = rng.choice(staff.ppr), rng.choice(all_children)

        # Who follows up: mostly PPR (the demo's psychologist gets a share), else the raiser.
        if kind == "overdue" and staff.first_psychologist is not None and rng.random() < 0.5:
            responsible = staff.first_psychologist
        elif raiser == staff.first_teacher and i in (0, 3):
            responsible = raiser
        elif rng.random() < 0.65:
            responsible = rng.choice(staff.ppr)
        else:
            responsible = raiser

        # Dates.
        if kind == "closed":
            created = today - dt.timedelta(days=rng.randint(45, YEARS * 365 if many else 320))
            follow_up = created + dt.timedelta(days=rng.randint(14, 35))
            closed_on = min(follow_up + dt.timedelta(days=rng.randint(0, 10)), today)
            state = State.CLOSED
        elif kind == "overdue":
            follow_up = today - dt.timedelta(days=rng.randint(1, 30))
            created = follow_up - dt.timedelta(days=rng.randint(14, 45))
            state = rng.choice(OPEN_STATES)
        else:
            follow_up = today + dt.timedelta(days=rng.choice([0, 1, 1, *range(2, 42)]))
            created = today - dt.timedelta(days=rng.randint(1, 40))
            state = rng.choices(OPEN_STATES, weights=[3, 4, 2])[0]

        category = rng.choice(categories)
        description = (
            rng.choice(GROUP_DESCRIPTIONS)
            if group_id is not None
            else rng.choice(DESCRIPTIONS[category])
        )
        created_at = _at(created, rng)
        concern = Concern(
            municipality_id=mid,
            child_id=child_id,
            group_id=group_id,
            description=description,
            category=category,
            raised_by_id=raiser,
            responsible_id=responsible,
            follow_up_on=follow_up,
            state=state,
            created_at=created_at,
        )

        # The follow-up log: (at, author, kind, text, from, to).
        log: list[tuple[dt.datetime, int, str, str, str, str]] = [
            (
                created_at,
                raiser,
                EventKind.CREATED,
                "",
                "",
                f"Ansvarlig: {staff.names[responsible]}; opfølgning {follow_up:%d.%m.%Y}",
            )
        ]
        last_day = closed_on if kind == "closed" else today - dt.timedelta(days=1)
        span = max(0, (last_day - created).days)
        for _ in range(rng.randint(0, 3) if span > 1 else 0):
            day = created + dt.timedelta(days=rng.randint(1, span))
            log.append((_at(day, rng), responsible, EventKind.NOTE, rng.choice(NOTES), "", ""))
        if state != State.NEW and span > 0:
            shown = State.FOLLOWING_UP if state == State.CLOSED else state
            day = created + dt.timedelta(days=rng.randint(0, min(span, 5)))
            log.append(
                (
                    _at(day, rng),
                    responsible,
                    EventKind.STATE,
                    "",
                    State.NEW.label,
                    State(shown).label,
                )
            )
        if kind == "closed":
            assert outcome is not None
            concern.outcome = outcome
            concern.closed_at = max(_at(closed_on, rng), created_at)
            to_value = outcome.label
            if outcome == Outcome.NOTIFICATION:
                concern.underretning_on = max(
                    created, closed_on - dt.timedelta(days=rng.randint(0, 3))
                )
                to_value += f" ({concern.underretning_on:%d.%m.%Y})"
            log.append(
                (
                    concern.closed_at,
                    responsible,
                    EventKind.CLOSED,
                    CLOSING_NOTES[outcome],
                    State.FOLLOWING_UP.label,
                    to_value,
                )
            )
        log.sort(key=lambda e: e[0])
        concerns.append(concern)
        plans.append((i, log))

    Concern.objects.bulk_create(concerns)
    ConcernEvent.objects.bulk_create(
        [
            ConcernEvent(
                municipality_id=mid,
                concern_id=concerns[i].pk,
                at=at,
                author_id=author,
                kind=kind,
                text=text,
                from_value=before,
                to_value=after,
            )
            for i, log in plans
            for at, author, kind, text, before, after in log
        ]
    )
    return len(concerns)
