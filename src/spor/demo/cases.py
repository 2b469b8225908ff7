"""Demo catalogue and cases for a generated municipality.

:func:`generate` writes the municipality's indsatsvifte (16 interventions, written for the
demo: none of them claims to be a named, evaluated programme; each says plainly what its
knowledge base is) and its cases (300; 5 for every 100 children in a bigger municipality,
opened over three years: 3,000 for 60,000 children): open and closed, about children and
about groups, at every level, with teams across professions, coordinator changes,
family, goals with the child's own words, meetings, deliveries with hours by profession,
specialised-help and medication answers at start and close, and the timeline of it all.

It needs the registry's demo data (children, groups, staff with their groups). The
catalogue goes through the service, as the lead (:func:`write_catalogue`); the cases, with
their history, are written with ``bulk_create`` — one INSERT per table, whatever the count
(why: ``spor.demo``). The same ``rng`` state and
``today`` give the same cases. The demo's first psychologist, teacher, health visitor and
social worker are on some cases each, so each login has something to see.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from spor.accounts.models import GroupAssignment, Membership, Profession, Role
from spor.cases import services as case_services
from spor.cases.models import (
    CLOSE_FIELDS,
    LEVEL_ORDER,
    START_FIELDS,
    Case,
    CaseEvent,
    CaseMember,
    CoordinatorAssignment,
    Delivery,
    DeliveryHours,
    DeliveryStatus,
    EventKind,
    Goal,
    GoalStatus,
    Intervention,
    InterventionType,
    KnowledgeBase,
    Level,
    Meeting,
    OpenedFrom,
    Outcome,
    Participant,
    Relation,
    Status,
    Target,
)
from spor.concerns.models import Concern
from spor.demo.registry import lead_actor
from spor.registry.models import Child, Enrolment
from spor.tenancy.models import Municipality

B, F, P, FP, K = (
    Target.CHILD,
    Target.COMMUNITY,
    Target.PARENTS,
    Target.PROFESSIONALS,
    Target.CONTEXT,
)
FOREB, FOREG, INDGR = Level.PREVENTIVE, Level.ANTICIPATORY, Level.INTERVENING
KONS, STOET, BEH = (
    InterventionType.CONSULTATIVE,
    InterventionType.SUPPORTIVE,
    InterventionType.TREATMENT,
)
FORSK, INSP, PRAKS = KnowledgeBase.RESEARCH, KnowledgeBase.INSPIRED, KnowledgeBase.PRACTICE

# (name, description, level, type, targets, min age, max age, provider, hours, weeks,
#  knowledge base, note on it, pejlemærker)
CATALOGUE: list[
    tuple[str, str, str, str, list[str], int, int, str, str, int, str, str, list[int]]
] = [
    (
        "Konsultativ sparring med dagtilbud",
        "PPR mødes med personalet om et barn eller en børnegruppe, de er bekymrede for. "
        "Sammen beskrives barnets hverdag, og personalet går derfra med konkrete greb, som "
        "følges op efter fire til seks uger.",
        FOREB,
        KONS,
        [B, FP, K],
        0,
        6,
        "PPR",
        "6",
        6,
        PRAKS,
        "Lokal arbejdsgang; ikke evalueret.",
        [2, 3],
    ),
    (
        "Konsultativ sparring med skolens team",
        "Sparring med lærere og pædagoger i klassens team om et barn eller klassens "
        "fællesskab. Fokus på barnet i konteksten: struktur, relationer og "
        "undervisningens tilrettelæggelse.",
        FOREB,
        KONS,
        [B, F, FP, K],
        6,
        16,
        "PPR",
        "6",
        6,
        PRAKS,
        "Lokal arbejdsgang; ikke evalueret.",
        [2, 3, 4],
    ),
    (
        "Trivselsforløb for klassen",
        "Observation i klassen og et forløb over otte uger, hvor PPR og klassens team "
        "arbejder med tone, fællesskab og samarbejdsøvelser. Eleverne giver selv "
        "tilbagemelding undervejs.",
        FOREB,
        STOET,
        [F, K],
        6,
        16,
        "PPR",
        "12",
        8,
        INSP,
        "Inspireret af metoder til klasseledelse og relationsarbejde; lokalt tilpasset.",
        [1, 3],
    ),
    (
        "Legegrupper i dagtilbud",
        "Små, voksenstøttede legegrupper, hvor børn, der står uden for legen, øver sig i at "
        "komme ind i fællesskabet. PPR vejleder personalet, som selv leder grupperne.",
        FOREB,
        STOET,
        [B, F],
        3,
        6,
        "PPR",
        "10",
        10,
        PRAKS,
        "Erfaringsbaseret; ikke evalueret.",
        [1, 3],
    ),
    (
        "Kortvarigt samtaleforløb med barnet",
        "Fem til otte samtaler med en PPR-psykolog om det, barnet er optaget af eller "
        "bekymret for. Forældrene inddrages i første og sidste samtale.",
        FOREG,
        BEH,
        [B],
        6,
        17,
        "PPR",
        "8",
        8,
        INSP,
        "Inspireret af kognitive og narrative samtalemetoder; lokalt tilpasset.",
        [1, 3],
    ),
    (
        "Angstbehandling i grupper (Cool Kids-inspireret)",
        "Gruppeforløb for børn med angst og deres forældre: psykoedukation, gradvis "
        "eksponering og forældrestøtte, i PPR's lokaler efter skoletid.",
        FOREG,
        BEH,
        [B, P],
        7,
        16,
        "PPR",
        "24",
        10,
        INSP,
        "Inspireret af kognitiv adfærdsterapeutisk gruppebehandling for angst; "
        "kommunens version er ikke selv evalueret.",
        [1, 3],
    ),
    (
        "Forældrevejledning ved udadreagerende adfærd",
        "Et forløb for forældre om samspil, forudsigelighed og ros i hverdagen, med "
        "opgaver mellem gangene og kontakt til barnets dagtilbud eller skole.",
        FOREG,
        STOET,
        [P, B],
        3,
        12,
        "PPR",
        "10",
        8,
        INSP,
        "Inspireret af principper fra forældreprogrammer; lokalt tilpasset.",
        [1, 3],
    ),
    (
        "Sprogstimulering med tale-hørekonsulent",
        "Tale-hørekonsulenten vurderer barnets sprog og laver en plan for "
        "sprogstimulering i hverdagen sammen med personale og forældre.",
        FOREB,
        STOET,
        [B, FP],
        2,
        6,
        "PPR",
        "8",
        12,
        PRAKS,
        "Erfaringsbaseret; ikke evalueret.",
        [2, 3],
    ),
    (
        "Motorik- og sansegruppe",
        "Fysio- eller ergoterapeut leder en gruppe for børn med motoriske eller sanselige "
        "vanskeligheder og giver personalet øvelser, der kan bruges i hverdagen.",
        FOREG,
        STOET,
        [B, F],
        3,
        9,
        "PPR",
        "12",
        10,
        PRAKS,
        "Erfaringsbaseret; ikke evalueret.",
        [3],
    ),
    (
        "Tidlig indsats ved skolefravær",
        "Når fraværet stiger, laver skole, hjem og PPR en fælles plan med små skridt "
        "tilbage i skole. Barnets egen forklaring på fraværet er udgangspunktet.",
        FOREG,
        STOET,
        [B, P, K],
        6,
        16,
        "PPR",
        "14",
        12,
        INSP,
        "Inspireret af metoder til bekymrende skolefravær; lokalt tilpasset.",
        [1, 4],
    ),
    (
        "Overgangsforløb fra børnehave til skole",
        "Overlevering og opfølgning for børn, der har brug for ekstra opmærksomhed ved "
        "skolestart: møde før overgangen og opfølgning efter seks uger.",
        FOREB,
        KONS,
        [B, FP, K],
        5,
        7,
        "PPR",
        "6",
        12,
        PRAKS,
        "Lokal arbejdsgang; ikke evalueret.",
        [2, 4],
    ),
    (
        "Samtalegrupper for unge om stress og bekymringer",
        "Gruppeforløb for elever i udskolingen med stress- og bekymringssymptomer: viden, "
        "øvelser og erfaringsudveksling.",
        FOREG,
        BEH,
        [B],
        12,
        17,
        "PPR",
        "16",
        8,
        INSP,
        "Inspireret af kognitive gruppeforløb; ikke evalueret lokalt.",
        [1, 3],
    ),
    (
        "Familiesamtaler i Familiehuset",
        "Samtaler med hele familien om det, der er svært derhjemme. PPR bygger bro, og "
        "Familiehuset står for forløbet.",
        FOREG,
        STOET,
        [P, B],
        0,
        17,
        "Familiehuset",
        "15",
        12,
        PRAKS,
        "Erfaringsbaseret; ikke evalueret.",
        [1, 4],
    ),
    (
        "Trivselssamtaler hos sundhedsplejersken",
        "Sundhedsplejersken har et par samtaler med barnet om trivsel, søvn, kost og "
        "krop og giver besked tilbage til teamet.",
        FOREB,
        KONS,
        [B],
        6,
        16,
        "Sundhedsplejen",
        "3",
        4,
        PRAKS,
        "Erfaringsbaseret; ikke evalueret.",
        [2],
    ),
    (
        "Pædagogisk-psykologisk vurdering",
        "Grundig undersøgelse af barnets forudsætninger og af konteksten, når der "
        "overvejes specialpædagogisk bistand. Munder ud i en skriftlig vurdering.",
        INDGR,
        KONS,
        [B, FP],
        3,
        17,
        "PPR",
        "20",
        10,
        PRAKS,
        "Lovbestemt opgave; udføres efter PPR's faglige standarder.",
        [3, 5],
    ),
    (
        "Tværfagligt netværksforløb med socialrådgiver",
        "Tæt koordineret forløb med familie, netværk, skole eller dagtilbud, PPR og "
        "socialrådgiver, med faste netværksmøder hver fjerde uge.",
        INDGR,
        STOET,
        [B, P, K],
        0,
        17,
        "Børne- og familieafdelingen",
        "20",
        16,
        PRAKS,
        "Erfaringsbaseret; ikke evalueret.",
        [1, 4],
    ),
]

CHILD_TITLES = [
    "Trivsel og tilbagetrækning",
    "Angst og bekymringer",
    "Samspil med de andre børn",
    "Uro og koncentration",
    "Sprog og kommunikation",
    "Stigende skolefravær",
    "Overgang til skole",
    "Konflikter og udadreagerende adfærd",
    "Tristhed efter skilsmisse",
    "Motorik og sansning",
]
GROUP_TITLES = [
    "Uro og hård tone i klassen",
    "Fællesskabet på stuen",
    "Grupperinger og drillerier",
    "Mange skift af voksne",
]
GOALS = [
    ("Barnet deltager i leg med andre børn i frikvartererne.", "Jeg vil have nogen at lege med."),
    ("Barnet kommer i skole hver dag i en uge ad gangen.", "Det er nemmere, når mor følger mig."),
    ("Barnet kan sige til, når det bliver for meget, og tage en pause.", "Jeg vil ikke råbe."),
    (
        "Barnet sover bedre og er mindre bekymret om aftenen.",
        "Jeg tænker for meget, når jeg skal sove.",
    ),
    ("Barnet rækker hånden op og deltager i samtalen i klassen.", "Jeg vil gerne sige noget."),
    ("Barnet går glad i børnehave om morgenen.", "Jeg vil gerne lege med Ida."),
    ("Færre konflikter i overgangene.", "Det er svært, når vi skal skifte."),
]
GROUP_GOALS = [
    (
        "En venligere tone i klassen; alle har nogen at være sammen med.",
        "Vi skal passe på hinanden.",
    ),
    ("Alle børn er med i legen på stuen.", ""),
]
DECISIONS = [
    "PPR starter samtaleforløb; klassens team afprøver faste pauser.",
    "Forældrene og skolen laver en fælles plan for morgenerne.",
    "Observation i klassen inden næste møde; sundhedsplejersken taler med barnet.",
    "Indsatsen fortsætter; næste møde om seks uger.",
    "Der søges om pædagogisk-psykologisk vurdering.",
]
NEXT_STEPS = [
    "Opfølgning om fire uger.",
    "Psykologen sender opsummering til forældrene.",
    "Klasselæreren giver besked, hvis fraværet stiger.",
    "",
]
NOTES = [
    "Telefonsamtale med mor: det går bedre derhjemme.",
    "Barnet fortæller selv, at frikvartererne er blevet lettere.",
    "Kort sparring med klassens team.",
    "Aftalt, at sundhedsplejersken deltager i næste møde.",
]
START_PROBABILITY = {
    "start_psychiatry": 0.08,
    "start_special_education": 0.12,
    "start_social_measures": 0.1,
    "start_medication": 0.06,
}
OUTCOME_WEIGHTS = [
    (Outcome.ACHIEVED, 40),
    (Outcome.PARTLY, 30),
    (Outcome.NOT_ACHIEVED, 8),
    (Outcome.SPECIALISED, 10),
    (Outcome.MOVED, 6),
    (Outcome.OTHER, 6),
]
MOTHERS = ["Anne", "Maria", "Sara", "Louise", "Camilla", "Fatima"]
FATHERS = ["Martin", "Thomas", "Jens", "Peter", "Ali", "Mikkel"]
PPR_ROLE_TEXT: dict[str, str] = {
    Profession.PSYCHOLOGIST: "Samtaler med barnet",
    Profession.SPEECH: "Sprogvurdering",
    Profession.PEDAGOGICAL: "Sparring med personalet",
    Profession.PHYSIO: "Motorik og sansning",
}


@dataclass
class _Staff:
    profession: dict[int, str] = field(default_factory=dict)
    ppr: list[int] = field(default_factory=list)
    health: list[int] = field(default_factory=list)
    social: list[int] = field(default_factory=list)
    educators_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    first_psychologist: int | None = None


def _staff(mid: int) -> _Staff:
    staff = _Staff()
    for pk, role, profession in (
        Membership.objects.filter(municipality_id=mid, active=True)
        .order_by("pk")
        .values_list("pk", "role", "profession")
    ):
        staff.profession[pk] = profession
        if role == Role.PPR:
            staff.ppr.append(pk)
            if profession == Profession.PSYCHOLOGIST and staff.first_psychologist is None:
                staff.first_psychologist = pk
        elif role == Role.HEALTH_VISITOR:
            staff.health.append(pk)
        elif role == Role.SOCIAL_WORKER:
            staff.social.append(pk)
    for membership_id, group_id in (
        GroupAssignment.objects.filter(municipality_id=mid)
        .order_by("pk")
        .values_list("membership_id", "group_id")
    ):
        staff.educators_of[group_id].append(membership_id)
    if not staff.ppr:  # a tiny municipality: the lead does it all
        staff.ppr = list(
            Membership.objects.filter(municipality_id=mid, role=Role.LEAD).values_list(
                "pk", flat=True
            )
        )
    return staff


@dataclass
class _Plan:
    team: list[int]
    coordinator: int
    ages: tuple[int, int]
    target: str
    last_name: str
    last_day: dt.date


def _age(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# What each demo intervention helps with (spor.cases.matching.NEEDS): the suggestions from
# need rank by it.
CATALOGUE_NEEDS: dict[str, list[str]] = {
    "Konsultativ sparring med dagtilbud": ["emotional", "peer", "conduct", "attention"],
    "Konsultativ sparring med skolens team": ["conduct", "attention", "learning", "peer"],
    "Trivselsforløb for klassen": ["peer", "conduct"],
    "Legegrupper i dagtilbud": ["peer"],
    "Kortvarigt samtaleforløb med barnet": ["emotional"],
    "Angstbehandling i grupper (Cool Kids-inspireret)": ["emotional"],
    "Forældrevejledning ved udadreagerende adfærd": ["conduct", "family"],
    "Sprogstimulering med tale-hørekonsulent": ["language"],
    "Motorik- og sansegruppe": ["motor"],
    "Tidlig indsats ved skolefravær": ["absence", "emotional"],
    "Overgangsforløb fra børnehave til skole": ["transition"],
    "Samtalegrupper for unge om stress og bekymringer": ["emotional"],
    "Familiesamtaler i Familiehuset": ["family"],
    "Trivselssamtaler hos sundhedsplejersken": ["emotional"],
    "Pædagogisk-psykologisk vurdering": ["learning", "attention", "language"],
    "Tværfagligt netværksforløb med socialrådgiver": ["family", "absence"],
}


def write_catalogue(municipality: Municipality) -> list[Intervention]:
    """The catalogue, item by item through :func:`spor.cases.services.intervention_save` as
    the municipality's lead (its rules: a unique name, a valid age range, known targets,
    levels and need areas); 16 items, so the service's few queries each cost nothing."""
    actor = lead_actor(municipality)
    if actor is None:
        raise RuntimeError(f"{municipality.name} har ingen PPR-leder til indsatsvifte")
    return [
        case_services.intervention_save(
            actor=actor,
            name=name,
            description=description,
            level=level,
            kind=kind,
            targets=targets,
            min_age=low,
            max_age=high,
            provider=provider,
            expected_hours=Decimal(hours),
            expected_weeks=weeks,
            knowledge_base=knowledge,
            knowledge_note=note,
            pejlemaerker=pejlemaerker,
            needs=CATALOGUE_NEEDS.get(name, []),
        )
        for (
            name,
            description,
            level,
            kind,
            targets,
            low,
            high,
            provider,
            hours,
            weeks,
            knowledge,
            note,
            pejlemaerker,
        ) in CATALOGUE
    ]


def _fitting(
    catalogue: list[Intervention], target: str, ages: tuple[int, int], level: str
) -> list[Intervention]:
    index = LEVEL_ORDER.index(level)
    fits = [
        i
        for i in catalogue
        if target in i.targets
        and i.fits_age(*ages)
        and abs(LEVEL_ORDER.index(i.level) - index) <= 1
    ]
    fits.sort(key=lambda i: abs(LEVEL_ORDER.index(i.level) - index))
    return fits


# By default 5 cases for every 100 children (a few years' worth), at least FEW; with more
# than FEW, they open over YEARS years.
PER_CHILD = 0.05
FEW = 300
YEARS = 3


def generate(
    municipality: Municipality, *, rng: random.Random, today: dt.date, count: int | None = None
) -> int:
    """Write the catalogue and about ``count`` cases with everything in them; returns the
    number of cases. By default as many as a real municipality's PPR opens over a few
    years: 5 for every 100 children now in a group (at least 300; 3,000 for 60,000
    children), opened over the last :data:`YEARS` years when there are more than 300."""
    mid = municipality.pk
    catalogue = write_catalogue(municipality)
    staff = _staff(mid)
    if not staff.ppr:
        return 0
    current = Q(end__isnull=True) | Q(end__gte=today)
    enrolled = list(
        Enrolment.objects.filter(current, municipality_id=mid, start__lte=today)
        .order_by("pk")
        .values_list("child_id", "group_id", "child__birth_date", "child__last_name")
    )
    if not enrolled:
        return 0
    if count is None:
        count = max(FEW, round(len(enrolled) * PER_CHILD))
    oldest = YEARS * 365 if count > FEW else 540
    group_ids = sorted({g for _, g, _, _ in enrolled})
    ages_of_group: dict[int, list[int]] = defaultdict(list)
    for _, g, born, _ in enrolled:
        ages_of_group[g].append(_age(born, today))
    concerns = list(
        Concern.objects.filter(municipality_id=mid, child__isnull=False)
        .order_by("pk")
        .values_list("pk", "child_id")[:40]
    )
    about_concern = {
        pk: (born, last_name)
        for pk, born, last_name in Child.objects.filter(
            municipality_id=mid, pk__in=[c for _, c in concerns]
        ).values_list("pk", "birth_date", "last_name")
    }
    group_of_child = {c: g for c, g, _, _ in enrolled}

    cases: list[Case] = []
    plans: list[_Plan] = []
    first_logins = [
        m
        for m in (
            staff.first_psychologist,
            staff.health[0] if staff.health else None,
            staff.social[0] if staff.social else None,
        )
        if m is not None
    ]
    for i in range(count):
        about_group = rng.random() < 0.15
        concern_id: int | None = None
        child_id: int | None
        group_id: int | None
        if about_group:
            group_id = rng.choice(group_ids)
            child_id = None
            ages = (min(ages_of_group[group_id]), max(ages_of_group[group_id]))
            last_name = ""
        elif concerns and rng.random() < 0.15:
            concern_id, child_id = concerns[rng.randrange(len(concerns))]
            group_id = group_of_child.get(child_id)
            born, last_name = about_concern[child_id]
            ages = (_age(born, today), _age(born, today))
        else:
            child_id, group_id, born, last_name = enrolled[rng.randrange(len(enrolled))]
            ages = (_age(born, today), _age(born, today))
        level = rng.choices(LEVEL_ORDER, weights=[45, 40, 15])[0]
        opened_on = today - dt.timedelta(days=rng.randint(5, oldest))
        age = (today - opened_on).days
        closed = age > 60 and rng.random() < (0.55 if age <= 540 else 0.95)
        closed_on = (
            min(opened_on + dt.timedelta(days=rng.randint(45, 300)), today - dt.timedelta(days=1))
            if closed
            else None
        )
        last_day = closed_on or today

        # The team: a PPR coordinator, the child's teacher or pedagogue, sometimes health
        # visitor, social worker or a second PPR colleague.
        coordinator = rng.choice(staff.ppr)
        if i < len(first_logins) * 4 and staff.first_psychologist is not None:
            coordinator = staff.first_psychologist if i % 4 == 0 else coordinator
        team = [coordinator]
        educators = staff.educators_of.get(group_id or -1, [])
        if educators:
            team.append(educators[0])
        if staff.health and (rng.random() < 0.2 or i in (1, 5)):
            team.append(staff.health[0] if i in (1, 5) else rng.choice(staff.health))
        if staff.social and (rng.random() < 0.15 or i in (2, 6) or level == INDGR):
            team.append(staff.social[0] if i in (2, 6) else rng.choice(staff.social))
        if len(staff.ppr) > 1 and rng.random() < 0.3:
            team.append(rng.choice(staff.ppr))
        team = list(dict.fromkeys(team))

        flags = {
            name: child_id is not None and rng.random() < START_PROBABILITY[name]
            for name in START_FIELDS
        }
        case = Case(
            municipality_id=mid,
            child_id=child_id,
            group_id=None if child_id is not None else group_id,
            title=rng.choice(GROUP_TITLES if about_group else CHILD_TITLES),
            level=level,
            opened_from=OpenedFrom.CONCERN
            if concern_id is not None
            else rng.choices([OpenedFrom.DIRECT, OpenedFrom.SCREENING], weights=[3, 1])[0],
            source_concern_id=concern_id,
            opened_on=opened_on,
            opened_by_id=coordinator,
            **flags,
        )
        if closed and closed_on is not None:
            case.status = Status.CLOSED
            case.closed_on = closed_on
            case.outcome = rng.choices(
                [o for o, _ in OUTCOME_WEIGHTS], weights=[w for _, w in OUTCOME_WEIGHTS]
            )[0]
            for start_name, close_name in zip(START_FIELDS, CLOSE_FIELDS, strict=True):
                before = flags[start_name]
                if child_id is None:
                    after = False
                elif case.outcome == Outcome.SPECIALISED and start_name == "start_psychiatry":
                    after = True
                else:
                    after = rng.random() < (0.7 if before else 0.04)
                setattr(case, close_name, after)
        cases.append(case)
        plans.append(
            _Plan(
                team=team,
                coordinator=coordinator,
                ages=ages,
                target=Target.COMMUNITY if child_id is None else Target.CHILD,
                last_name=last_name or "Jensen",
                last_day=last_day,
            )
        )

    Case.objects.bulk_create(cases)

    members: list[CaseMember] = []
    coordinators: list[CoordinatorAssignment] = []
    participants: list[Participant] = []
    goals: list[Goal] = []
    meetings: list[Meeting] = []
    deliveries: list[Delivery] = []
    delivery_hours: list[tuple[int, dict[str, Decimal]]] = []
    events: list[CaseEvent] = []

    def event(case: Case, on: dt.date, author: int, kind: str, text: str) -> None:
        events.append(
            CaseEvent(municipality_id=mid, case=case, on=on, author_id=author, kind=kind, text=text)
        )

    for case, plan in zip(cases, plans, strict=True):
        team, coordinator, last_day = plan.team, plan.coordinator, plan.last_day
        span = max(1, (last_day - case.opened_on).days)
        event(case, case.opened_on, coordinator, EventKind.OPENED, f"Startet: {case.title}.")
        for n, m in enumerate(team):
            joined = (
                case.opened_on
                if n < 2
                else case.opened_on + dt.timedelta(days=rng.randint(0, min(span, 30)))
            )
            profession = staff.profession.get(m, Profession.OTHER)
            role = PPR_ROLE_TEXT.get(profession) or Profession(profession).label
            members.append(
                CaseMember(
                    municipality_id=mid, case=case, membership_id=m, role=role, joined_on=joined
                )
            )
            if n >= 2:
                event(case, joined, coordinator, EventKind.MEMBER_ADDED, role)
        # Coordinator history: now and then the coordinator changed along the way.
        if len(team) > 2 and team[2] in staff.ppr and span > 20 and rng.random() < 0.5:
            change = case.opened_on + dt.timedelta(days=rng.randint(10, span - 1))
            coordinators.append(
                CoordinatorAssignment(
                    municipality_id=mid,
                    case=case,
                    membership_id=coordinator,
                    from_on=case.opened_on,
                    to_on=change,
                )
            )
            coordinators.append(
                CoordinatorAssignment(
                    municipality_id=mid, case=case, membership_id=team[2], from_on=change
                )
            )
            event(case, change, coordinator, EventKind.COORDINATOR, "Ny tovholder.")
        else:
            coordinators.append(
                CoordinatorAssignment(
                    municipality_id=mid,
                    case=case,
                    membership_id=coordinator,
                    from_on=case.opened_on,
                )
            )
        # Family and network.
        if case.child_id is not None:
            surname = plan.last_name
            participants.append(
                Participant(
                    municipality_id=mid,
                    case=case,
                    name=f"{rng.choice(MOTHERS)} {surname}",
                    relation=Relation.MOTHER,
                    added_on=case.opened_on,
                )
            )
            if rng.random() < 0.6:
                participants.append(
                    Participant(
                        municipality_id=mid,
                        case=case,
                        name=f"{rng.choice(FATHERS)} {surname}",
                        relation=Relation.FATHER,
                        added_on=case.opened_on,
                    )
                )
            if rng.random() < 0.25:
                participants.append(
                    Participant(
                        municipality_id=mid,
                        case=case,
                        name=f"{rng.choice(['Mormor', 'Farmor', 'Morbror'])}",
                        relation=Relation.NETWORK,
                        added_on=case.opened_on + dt.timedelta(days=rng.randint(0, span)),
                    )
                )
        # Goals.
        for _ in range(rng.randint(1, 3)):
            text, words = rng.choice(GROUP_GOALS if case.child_id is None else GOALS)
            agreed = case.opened_on + dt.timedelta(days=rng.randint(0, min(span, 21)))
            if case.status == Status.CLOSED:
                status = rng.choice(
                    [
                        GoalStatus.ACHIEVED,
                        GoalStatus.ACHIEVED,
                        GoalStatus.PARTLY,
                        GoalStatus.NOT_ACHIEVED,
                    ]
                )
                follow = agreed + dt.timedelta(days=rng.randint(14, 60))
            else:
                status = rng.choices(list(GoalStatus), weights=[6, 2, 1, 1])[0]
                follow = today + dt.timedelta(days=rng.randint(-10, 45))
            goals.append(
                Goal(
                    municipality_id=mid,
                    case=case,
                    text=text,
                    child_words=words,
                    responsible_id=rng.choice(team),
                    follow_up_on=follow,
                    status=status,
                    created_on=agreed,
                )
            )
            event(case, agreed, coordinator, EventKind.GOAL_ADDED, text)
        # Meetings.
        for _ in range(rng.randint(0, 3)):
            held = case.opened_on + dt.timedelta(days=rng.randint(0, span))
            meeting = Meeting(
                municipality_id=mid,
                case=case,
                held_on=min(held, today),
                participants="Forældre, "
                + ", ".join(
                    Profession(staff.profession.get(m, Profession.OTHER)).label.lower()
                    for m in team
                ),
                decisions=rng.choice(DECISIONS),
                next_steps=rng.choice(NEXT_STEPS),
                recorded_by_id=coordinator,
            )
            meetings.append(meeting)
            event(case, meeting.held_on, coordinator, EventKind.MEETING, meeting.decisions)
        # Deliveries with hours by profession.
        fits = _fitting(catalogue, plan.target, plan.ages, case.level)
        for item in rng.sample(fits[:6], k=min(len(fits[:6]), rng.randint(1, 2))):
            start = case.opened_on + dt.timedelta(days=rng.randint(0, min(span, 30)))
            planned_end = start + dt.timedelta(weeks=item.expected_weeks)
            end: dt.date | None
            if case.status == Status.CLOSED or planned_end < today:
                end = max(min(planned_end, last_day), start)
                d_status = DeliveryStatus.FINISHED
                share = rng.uniform(0.7, 1.3)
            elif start > today - dt.timedelta(days=3):
                end, d_status, share = None, DeliveryStatus.PLANNED, 0.0
            else:
                end, d_status = None, DeliveryStatus.RUNNING
                share = min(1.0, (today - start).days / max(1, item.expected_weeks * 7))
            deliveries.append(
                Delivery(
                    municipality_id=mid,
                    case=case,
                    intervention=item,
                    start=start,
                    end=end,
                    status=d_status,
                )
            )
            total = float(item.expected_hours) * share
            hours: dict[str, Decimal] = {}
            if total > 0:
                parts = [(staff.profession.get(coordinator, Profession.PSYCHOLOGIST), 0.6)]
                parts += (
                    [
                        (staff.profession.get(m, Profession.OTHER), 0.4 / (len(team) - 1))
                        for m in team[1:]
                    ]
                    if len(team) > 1
                    else [(parts[0][0], 0.4)]
                )
                for profession, weight in parts:
                    value = Decimal(str(round(total * weight * 2) / 2))
                    if value > 0:
                        hours[profession] = hours.get(profession, Decimal(0)) + value
            delivery_hours.append((len(deliveries) - 1, hours))
            event(
                case,
                min(start, today),
                coordinator,
                EventKind.DELIVERY_ADDED,
                f"{item.name} ({DeliveryStatus(d_status).label.lower()})",
            )
        if rng.random() < 0.5:
            on = case.opened_on + dt.timedelta(days=rng.randint(0, span))
            event(case, min(on, today), rng.choice(team), EventKind.NOTE, rng.choice(NOTES))
        if case.status == Status.CLOSED and case.closed_on is not None:
            event(
                case,
                case.closed_on,
                coordinator,
                EventKind.CLOSED,
                f"Udfald: {Outcome(case.outcome).label}.",
            )

    CaseMember.objects.bulk_create(members)
    CoordinatorAssignment.objects.bulk_create(coordinators)
    Participant.objects.bulk_create(participants)
    Goal.objects.bulk_create(goals)
    Meeting.objects.bulk_create(meetings)
    Delivery.objects.bulk_create(deliveries)
    DeliveryHours.objects.bulk_create(
        [
            DeliveryHours(municipality_id=mid, delivery=deliveries[index], profession=p, hours=h)
            for index, hours in delivery_hours
            for p, h in hours.items()
        ]
    )
    CaseEvent.objects.bulk_create(events)
    return len(cases)
