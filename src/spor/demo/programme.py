"""Demo partnership: the national programme with 11 municipalities, their development plans
and about 100 initiatives, so the initiatives overview and its diagrams show something real.

:func:`generate` creates (idempotently) the programme "Investering i den tidlige og
forebyggende indsats i PPR" (Socialstyrelsen, 2017–2020, 123,1 mio. kr., pejlemærker
version 1), the demo municipality and ten others as participants, a development plan for
each with 9–10 initiatives (105 in all, as in the source documents), the programme
administrator ``programadmin`` and the programme evaluator ``programevaluator``
(password: :data:`spor.demo.registry.DEMO_PASSWORD`).

The ten other participants are the national demo's "Kommune NNN" municipalities where they
exist, otherwise new ones named the same way ("Kommune 101" …) on codes not taken, so that a
later national demo fills them with children instead of clashing. All content is synthetic,
written for the demo: no initiative claims to be a real municipality's.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from spor.accounts.models import User
from spor.cases.models import Intervention, Level, Target
from spor.demo.registry import DEMO_CODE, DEMO_PASSWORD, EMAIL_DOMAIN
from spor.programme.models import (
    AgeGroup,
    AimedAt,
    Benchmark,
    BenchmarkFramework,
    DevelopmentPlan,
    Initiative,
    InitiativeBenchmark,
    InitiativeIntervention,
    InitiativeStatus,
    Milestone,
    Programme,
    ProgrammeAdmin,
    ProgrammeEvaluator,
    ProgrammeParticipation,
    Scope,
)
from spor.programme.pejlemaerker import VERSION_1, ensure
from spor.tenancy.models import Municipality

PROGRAMME_NAME = "Investering i den tidlige og forebyggende indsats i PPR"
PROGRAMME_START = dt.date(2017, 1, 1)
PROGRAMME_END = dt.date(2020, 12, 31)
GRANT_POOL = Decimal("123100000")
# What the municipalities share; the rest pays for the evaluation and the partnership.
GRANTED_TO_MUNICIPALITIES = Decimal("118800000")
PARTICIPANTS = 11
ADMIN_USERNAME = "programadmin"
EVALUATOR_USERNAME = "programevaluator"
# One extra PPR årsværk for the three years of the project costs about this much.
COST_PER_STAFF = Decimal("1950000")

DESCRIPTION = (
    "Partnerskab mellem Socialstyrelsen og 11 kommuner om at styrke den tidlige og "
    "forebyggende indsats i PPR over for sårbare og udsatte børn og unge, så færre får "
    "behov for en specialiseret indsats og evt. medicinering. Kommunerne får midler til "
    "ekstra medarbejdere i PPR og udarbejder en udviklingsplan med afsæt i de faglige "
    "pejlemærker. (Demodata.)"
)

B, F, P, FP, K = (
    Target.CHILD,
    Target.COMMUNITY,
    Target.PARENTS,
    Target.PROFESSIONALS,
    Target.CONTEXT,
)
A02, A35, A611, A1217 = (
    AgeGroup.INFANT,
    AgeGroup.PRESCHOOL,
    AgeGroup.SCHOOL,
    AgeGroup.YOUTH,
)
ALL_AGES = [A02, A35, A611, A1217]
PRE, ANT, INT = Level.PREVENTIVE, Level.ANTICIPATORY, Level.INTERVENING
CH, FA, PR, ORG, FR = (
    AimedAt.CHILDREN,
    AimedAt.FAMILIES,
    AimedAt.PROFESSIONALS,
    AimedAt.ORGANISATION,
    AimedAt.FRAME,
)


@dataclass(frozen=True)
class Template:
    title: str
    description: str
    aimed_at: tuple[str, ...]
    level: str  # "" for a general initiative
    targets: tuple[str, ...]
    ages: tuple[str, ...]
    benchmarks: tuple[int, ...]
    responsible: str

    @property
    def scope(self) -> str:
        return Scope.GENERAL if set(self.aimed_at) <= {ORG, FR} else Scope.SPECIFIC


T = Template
# The source documents: "På tværs af de 11 partnerskabskommuners udviklingsplaner er der
# beskrevet 105 initiativer." Spread as evenly as may be: six plans with 10, five with 9.
INITIATIVES = 105

TEMPLATES: list[Template] = [
    # specific: children and young people
    T(
        "Samtalegrupper for børn i skilsmissefamilier",
        "Gruppeforløb på skolen med otte mødegange for børn, hvis forældre er gået fra "
        "hinanden. Ledes af en PPR-psykolog sammen med skolens trivselsvejleder.",
        (CH,),
        ANT,
        (B, F),
        (A611,),
        (1, 3),
        "Psykolog, PPR",
    ),
    T(
        "Kognitivt gruppeforløb for børn med angst",
        "Manualbaseret gruppeforløb for børn med angst og deres forældre, holdt på skolen i "
        "stedet for i psykiatrien. Forældrene deltager i hver anden session.",
        (CH, FA),
        INT,
        (B, P),
        (A611, A1217),
        (1, 3),
        "Psykolog, PPR",
    ),
    T(
        "Tidlig sprogindsats i dagtilbud",
        "Tale-hørekonsulenten vurderer sproget sammen med pædagogerne og vejleder i "
        "sprogstimulerende aktiviteter, der kan bruges i hverdagen på stuen.",
        (CH, PR),
        PRE,
        (B, FP),
        (A02, A35),
        (2, 3),
        "Tale-hørekonsulent",
    ),
    T(
        "Mentaliseringsbaserede samtaler for unge",
        "Korte samtaleforløb (4–8 samtaler) for unge i udskolingen med begyndende mistrivsel, "
        "med fokus på at forstå egne og andres følelser.",
        (CH,),
        ANT,
        (B,),
        (A1217,),
        (1, 3),
        "Psykolog, PPR",
    ),
    T(
        "Trivselsgrupper i udskolingen",
        "Gruppeforløb om stress, søvn og præstationspres for elever i 7.–9. klasse, udviklet "
        "sammen med eleverne selv.",
        (CH,),
        PRE,
        (F,),
        (A1217,),
        (1, 2, 3),
        "Pædagogisk konsulent, PPR",
    ),
    T(
        "Motorik og sanser i vuggestuen",
        "Fysioterapeuten observerer i vuggestuen og laver sammen med personalet enkle "
        "bevægelseslege for børn med motoriske eller sansemæssige udfordringer.",
        (CH, PR),
        PRE,
        (B, K),
        (A02,),
        (3,),
        "Fysioterapeut, PPR",
    ),
    T(
        "Team for bekymrende skolefravær",
        "Et tværfagligt team (PPR, skole og familierådgivning) går i gang inden for to uger, "
        "når et barns fravær stiger, og lægger en plan sammen med barn og forældre.",
        (CH, FA),
        ANT,
        (B, P, K),
        (A611, A1217),
        (2, 3, 4),
        "Teamkoordinator, PPR",
    ),
    T(
        "Klassetrivselsforløb",
        "PPR og klasseteamet arbejder over seks uger med fællesskabet i klasser med uro, "
        "konflikter eller udelukkelse, med elevernes egne bud på løsninger.",
        (CH, PR),
        PRE,
        (F, FP),
        (A611,),
        (1, 3),
        "Pædagogisk konsulent, PPR",
    ),
    T(
        "Legegrupper i frikvartererne",
        "Voksenstyrede legegrupper i frikvartererne for børn, der står uden for fællesskabet, "
        "med PPR-vejledning til de voksne.",
        (CH,),
        PRE,
        (F,),
        (A611,),
        (1,),
        "Pædagogisk konsulent, PPR",
    ),
    T(
        "Søskendegrupper",
        "Gruppetilbud for børn med en syg eller handicappet søster eller bror, så de får talt "
        "om deres egen situation.",
        (CH,),
        ANT,
        (B,),
        (A611, A1217),
        (1, 3),
        "Psykolog, PPR",
    ),
    T(
        "Tidlig samtale ved selvskade",
        "Hurtig samtale med PPR-psykolog og opfølgning sammen med forældre og skole, når en ung "
        "viser tegn på selvskade; tæt samarbejde med børne- og ungdomspsykiatrien.",
        (CH, FA),
        INT,
        (B, P),
        (A1217,),
        (3, 4),
        "Psykolog, PPR",
    ),
    T(
        "Social og emotionel læring i indskolingen",
        "Et fast forløb om følelser, venskaber og konflikter i 0.–3. klasse, som lærerne "
        "gennemfører med materialer og sparring fra PPR.",
        (CH, PR),
        PRE,
        (F, FP),
        (A611,),
        (1, 3),
        "Pædagogisk konsulent, PPR",
    ),
    # specific: families
    T(
        "Forældreprogram for forældre til børn med adfærdsvanskeligheder",
        "Gruppeforløb for forældre til 3–8-årige, der udfordrer de voksne, gennemført sammen "
        "med sundhedsplejen.",
        (FA,),
        ANT,
        (P,),
        (A35, A611),
        (1, 3),
        "Familiekonsulent og psykolog",
    ),
    T(
        "Åben rådgivning for forældre",
        "Anonym telefon- og drop-in-rådgivning hos PPR en eftermiddag om ugen, uden "
        "henvisning og uden ventetid.",
        (FA,),
        PRE,
        (P,),
        tuple(ALL_AGES),
        (1, 2),
        "PPR's åbne rådgivning",
    ),
    T(
        "Familiesamtaler i hjemmet",
        "Op til fem samtaler i familiens hjem, når et barns vanskeligheder fylder i hele "
        "familien; PPR koordinerer med dagtilbud eller skole.",
        (FA, CH),
        ANT,
        (B, P),
        (A35, A611),
        (1, 4),
        "Psykolog, PPR",
    ),
    T(
        "Netværksmøder med familien i centrum",
        "Familien inviterer sit netværk til et møde, hvor løsninger aftales; PPR faciliterer "
        "og følger op efter seks uger.",
        (FA,),
        ANT,
        (P, K),
        (A35, A611, A1217),
        (1, 4),
        "Familiekonsulent, PPR",
    ),
    T(
        "Forældregrupper om opmærksomhedsvanskeligheder",
        "Forældre til børn med opmærksomheds- og koncentrationsvanskeligheder mødes seks gange "
        "om hverdagens strategier, uden krav om diagnose.",
        (FA,),
        ANT,
        (P,),
        (A611,),
        (1, 3),
        "Psykolog, PPR",
    ),
    T(
        "Fælles hjemmebesøg med sundhedsplejen",
        "Sundhedsplejerske og PPR-konsulent besøger sammen familier, hvor der er bekymring for "
        "det lille barns udvikling.",
        (FA, PR),
        PRE,
        (P,),
        (A02,),
        (2, 4),
        "Sundhedsplejerske og PPR",
    ),
    # specific: professionals
    T(
        "Konsultationsmodel i dagtilbud",
        "Fast konsultativt møde hver måned i alle dagtilbud, hvor pædagoger drøfter "
        "bekymringer med PPR, før der laves en indstilling.",
        (PR,),
        PRE,
        (FP, K),
        (A02, A35),
        (2, 3, 4),
        "Pædagogisk konsulent, PPR",
    ),
    T(
        "Supervision af lærerteams",
        "Lærerteams analyserer sammen med PPR konkrete situationer i klassen og afprøver nye "
        "handlemuligheder (analysemodel for læringsmiljøet).",
        (PR,),
        PRE,
        (FP, F),
        (A611, A1217),
        (3, 5),
        "Psykolog, PPR",
    ),
    T(
        "Kompetenceforløb om tidlig opsporing",
        "Kursus og praksisforløb for pædagoger om at se tegn på mistrivsel tidligt og følge "
        "systematisk op på en bekymring.",
        (PR,),
        PRE,
        (FP,),
        (A02, A35),
        (2,),
        "PPR-leder",
    ),
    T(
        "Aktionslæring om inkluderende læringsmiljøer",
        "Skoler afprøver i korte cyklusser ændringer i undervisningen, der gør det lettere for "
        "alle elever at deltage; PPR faciliterer.",
        (PR,),
        PRE,
        (FP, K),
        (A611,),
        (1, 3),
        "Pædagogisk konsulent, PPR",
    ),
    T(
        "Overlevering fra dagtilbud til skole",
        "Overleveringsmøder med forældre, pædagog og kommende lærer for børn, der har brug for "
        "ekstra opmærksomhed ved skolestart.",
        (PR, FA),
        PRE,
        (B, P, FP),
        (A35, A611),
        (2, 3, 4),
        "Pædagogisk konsulent, PPR",
    ),
    T(
        "Systematisk trivselsvurdering af alle børn",
        "Pædagoger og lærere vurderer alle børns trivsel to gange om året (grøn, gul, rød) og "
        "følger op på de gule og røde sammen med PPR.",
        (PR,),
        PRE,
        (B, FP),
        tuple(ALL_AGES),
        (2,),
        "PPR-leder",
    ),
    T(
        "Vejledning til dagplejere",
        "PPR besøger legestuerne og giver dagplejerne sparring om børn, de er bekymrede for.",
        (PR,),
        PRE,
        (FP,),
        (A02,),
        (2, 3),
        "Pædagogisk konsulent, PPR",
    ),
    T(
        "Dialogisk læsning i dagtilbud",
        "Tale-hørekonsulenten lærer pædagogerne dialogisk læsning og følger op på stuerne.",
        (PR, CH),
        PRE,
        (B, FP),
        (A35,),
        (3,),
        "Tale-hørekonsulent",
    ),
    # general: organisation
    T(
        "PPR organiseret i distriktsteams",
        "PPR organiseres i tværfaglige teams, der hver har faste skoler og dagtilbud, så "
        "fagfolk og familier møder de samme ansigter.",
        (ORG,),
        "",
        (FP, K),
        tuple(ALL_AGES),
        (4, 5),
        "PPR-leder",
    ),
    T(
        "Fælles faglig retning og styringsgrundlag",
        "Et skriftligt styringsgrundlag for PPR med mål, ydelser og arbejdsgange, udarbejdet "
        "med medarbejderne og godkendt politisk.",
        (ORG,),
        "",
        (FP,),
        tuple(ALL_AGES),
        (5,),
        "PPR-leder",
    ),
    T(
        "SDQ før og efter i alle forløb",
        "Alle forløb med specifikke indsatser måles med SDQ ved start og afslutning; "
        "resultaterne drøftes i PPR hvert halve år.",
        (ORG,),
        "",
        (FP,),
        (A35, A611, A1217),
        (3, 5),
        "PPR-leder",
    ),
    T(
        "Faglig ledelse og sparring i PPR",
        "Faste sparringsmøder i faggrupper og tværfagligt, ledet af en faglig koordinator, med "
        "tid til fælles refleksion over sager.",
        (ORG,),
        "",
        (FP,),
        tuple(ALL_AGES),
        (5,),
        "Faglig koordinator, PPR",
    ),
    T(
        "Kompetenceudvikling i PPR mod foregribende arbejde",
        "PPR's medarbejdere uddannes i korte, foregribende forløb og konsultativt arbejde, så "
        "færre sager går til udredning.",
        (ORG,),
        "",
        (FP,),
        tuple(ALL_AGES),
        (3, 5),
        "PPR-leder",
    ),
    T(
        "Én indgang til PPR",
        "Forældre og fagfolk henvender sig samme sted og får svar inden for fem dage; "
        "henvendelserne fordeles på et ugentligt visitationsmøde.",
        (ORG,),
        "",
        (P, FP),
        tuple(ALL_AGES),
        (2, 5),
        "Sekretariat og PPR-leder",
    ),
    # general: the interdisciplinary frame
    T(
        "Tværfagligt forum for tidlig indsats",
        "Månedligt møde i hvert skoledistrikt med PPR, sundhedspleje, familierådgivning og "
        "ledere fra skole og dagtilbud, hvor bekymringer drøftes tidligt – med forældrenes "
        "samtykke.",
        (FR,),
        "",
        (FP, K),
        tuple(ALL_AGES),
        (2, 4),
        "Tværfaglig styregruppe",
    ),
    T(
        "Fælles sprog på tværs af forvaltninger",
        "En fælles forståelsesramme og fælles begreber for trivsel og bekymring i skole, "
        "dagtilbud, sundhed og socialområdet.",
        (FR,),
        "",
        (FP,),
        tuple(ALL_AGES),
        (4, 5),
        "Tværfaglig styregruppe",
    ),
    T(
        "Samarbejdsaftale med børne- og ungdomspsykiatrien",
        "Faste kontaktpersoner og fælles konferencer, så børn, der ikke skal udredes, får "
        "hjælp lokalt med det samme.",
        (FR,),
        "",
        (FP, K),
        (A611, A1217),
        (3, 4),
        "PPR-leder",
    ),
    T(
        "Tovholder i tværfaglige forløb",
        "Hvert tværfagligt forløb får én tovholder, så familien har én fast kontaktperson og "
        "ét samlet overblik over indsatserne.",
        (FR,),
        "",
        (P, FP),
        tuple(ALL_AGES),
        (4,),
        "Tværfaglig styregruppe",
    ),
    T(
        "Fælles procedure for opfølgning på bekymringer",
        "En fælles procedure med opfølgningsdatoer og ansvar, når en fagperson er bekymret "
        "for et barn, på tværs af skole, dagtilbud og sundhedspleje.",
        (FR,),
        "",
        (FP,),
        tuple(ALL_AGES),
        (2, 4),
        "Tværfaglig styregruppe",
    ),
    T(
        "Samarbejde med fritids- og klubområdet",
        "Klubpædagoger inddrages i det tværfaglige samarbejde om unge, så indsatser også "
        "følges op i fritiden.",
        (FR,),
        "",
        (FP, K),
        (A1217,),
        (1, 4),
        "Pædagogisk konsulent, PPR",
    ),
]

PLAN_NAMES = [
    "PPR på sporet",
    "Tidligt ind",
    "Sammen om børns trivsel",
    "PPR tættere på",
    "Den tidlige indsats",
    "Børn i fællesskaber",
    "Et stærkere PPR",
    "Tæt på hverdagen",
    "Rette indsats til rette tid",
    "Trivsel for alle",
    "Fælles om tidlig indsats",
]

AMBITIONS = [
    "Børn og unge i sårbare og udsatte positioner skal have den rette indsats til rette "
    "tid, så tæt på hverdagslivet som muligt og i samspil med familie og netværk.",
    "PPR skal være en synlig og tilgængelig samarbejdspartner i dagtilbud og skole, der "
    "sætter tidligt ind og forebygger, at vanskeligheder vokser sig store.",
    "Færre børn skal have behov for en specialiseret indsats eller medicinering, fordi "
    "hjælpen kommer tidligere og er bedre koordineret på tværs af fagene.",
]
ANALYSES = [
    "Den indledende analyse viste, at PPR bruger en stor del af tiden på udredninger, og at "
    "ventetiden for konsultative forløb er lang. Fagfolk i dagtilbud efterspørger hurtig "
    "sparring, før en bekymring vokser.",
    "Analysen viste stigende henvisninger til børne- og ungdomspsykiatrien og et "
    "tværfagligt samarbejde, der afhænger af enkeltpersoner. Forældre oplever mange "
    "kontaktpersoner og uklar rollefordeling.",
    "Analysen pegede på stor forskel mellem skoledistrikterne i, hvordan bekymringer følges "
    "op, og på få tilbud til børn i gruppen mellem almen- og specialområdet.",
]
GOALS = [
    "Flere børn får en indsats inden for fire uger efter en bekymring.",
    "Færre børn henvises til børne- og ungdomspsykiatrien.",
    "Flere børn, der får en specifik indsats, er inden for normalområdet (SDQ) ved afslutningen.",
    "Fagfolk i dagtilbud og skole oplever hurtigere og mere brugbar sparring fra PPR.",
    "Familierne oplever én fast kontaktperson og klare aftaler.",
    "Alle børns trivsel vurderes systematisk to gange om året.",
]
STAFF_NOTES = [
    "psykologer og en tale-hørekonsulent",
    "psykologer og pædagogiske konsulenter",
    "pædagogiske konsulenter og en familiekonsulent",
    "psykologer, en fysioterapeut og en tale-hørekonsulent",
]
MILESTONES = [
    ("Opstart: team og målgruppe på plads", dt.date(2018, 3, 1)),
    ("Første forløb gennemført og evalueret", dt.date(2018, 12, 1)),
    ("Midtvejsworkshop: justering af initiativet", dt.date(2019, 6, 1)),
    ("Forankringsplan godkendt", dt.date(2020, 6, 1)),
    ("Initiativet overgår til drift", dt.date(2020, 12, 1)),
]


def _framework() -> BenchmarkFramework:
    framework: BenchmarkFramework = ensure(VERSION_1)
    return framework


def _programme() -> Programme:
    programme, _ = Programme.objects.get_or_create(
        name=PROGRAMME_NAME,
        defaults={
            "funder": "Socialstyrelsen",
            "description": DESCRIPTION,
            "start_on": PROGRAMME_START,
            "end_on": PROGRAMME_END,
            "grant_pool": GRANT_POOL,
            "framework": _framework(),
        },
    )
    return programme


def _admin(programme: Programme) -> User:
    user = User.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user = User.objects.create(
            username=ADMIN_USERNAME,
            first_name="Programadministrator",
            last_name="Socialstyrelsen",
            email=f"{ADMIN_USERNAME}@{EMAIL_DOMAIN}",
            password=make_password(DEMO_PASSWORD),
        )
    ProgrammeAdmin.objects.get_or_create(user=user, programme=programme)
    return user


def _evaluator(programme: Programme) -> User:
    user = User.objects.filter(username=EVALUATOR_USERNAME).first()
    if user is None:
        user = User.objects.create(
            username=EVALUATOR_USERNAME,
            first_name="Programevaluator",
            last_name="Socialstyrelsen",
            email=f"{EVALUATOR_USERNAME}@{EMAIL_DOMAIN}",
            password=make_password(DEMO_PASSWORD),
        )
    ProgrammeEvaluator.objects.get_or_create(user=user, programme=programme)
    return user


def partner_municipalities(municipality: Municipality) -> list[Municipality]:
    """The ten municipalities :func:`generate` makes the demo municipality's partners (the
    participants already there, else the "Kommune NNN" ones it will choose or create), so
    that ``spor_demo --partners`` can give them children and the loop first."""
    others = [
        p.municipality
        for p in ProgrammeParticipation.objects.filter(programme__name=PROGRAMME_NAME)
        .exclude(municipality=municipality)
        .select_related("municipality")
        .order_by("municipality__code")
    ]
    if others:
        return others
    return _others(municipality, PARTICIPANTS - 1)


def _others(municipality: Municipality, wanted: int) -> list[Municipality]:
    """``wanted`` "Kommune NNN" municipalities: the national demo's first, then new ones on
    codes that are free (and whose name is free)."""
    found = [
        m
        for m in Municipality.objects.filter(name__startswith="Kommune ").order_by("code")
        if m.name == f"Kommune {m.code}" and m.pk != municipality.pk and m.code != DEMO_CODE
    ][:wanted]
    taken_codes = set(Municipality.objects.values_list("code", flat=True))
    taken_names = set(Municipality.objects.values_list("name", flat=True))
    number = 101
    while len(found) < wanted and number < 999:
        code = f"{number:03d}"
        name = f"Kommune {code}"
        if code not in taken_codes and name not in taken_names:
            found.append(Municipality.objects.create(code=code, name=name))
        number += 1
    return found


def _grants(rng: random.Random, n: int) -> list[Decimal]:
    weights = [rng.uniform(0.7, 1.3) for _ in range(n)]
    total = sum(weights)
    step = Decimal(100000)
    grants = [
        (GRANTED_TO_MUNICIPALITIES * Decimal(w / total) / step).quantize(Decimal(1)) * step
        for w in weights
    ]
    grants[-1] += GRANTED_TO_MUNICIPALITIES - sum(grants)
    return grants


def _status(rng: random.Random, today: dt.date) -> str:
    if today < PROGRAMME_START:
        return InitiativeStatus.PLANNED
    if today <= PROGRAMME_END:
        return rng.choices(
            [InitiativeStatus.RUNNING, InitiativeStatus.PLANNED, InitiativeStatus.STOPPED],
            [8, 2, 1],
        )[0]
    return rng.choices(
        [InitiativeStatus.ANCHORED, InitiativeStatus.RUNNING, InitiativeStatus.STOPPED],
        [6, 2, 2],
    )[0]


def _catalogue_for(template: Template, catalogue: list[Intervention]) -> list[Intervention]:
    if not template.level:
        return []
    fits = [
        i for i in catalogue if i.level == template.level and set(i.targets) & set(template.targets)
    ]
    return fits[:2]


def _write_plan(
    participation: ProgrammeParticipation,
    name: str,
    *,
    rng: random.Random,
    today: dt.date,
    benchmarks: dict[int, Benchmark],
    catalogue: list[Intervention],
    count: int,
) -> int:
    mid = participation.municipality_id
    plan = DevelopmentPlan.objects.filter(municipality_id=mid, participation=participation).first()
    if plan is None:
        plan = DevelopmentPlan.objects.create(
            municipality_id=mid,
            participation=participation,
            title=name,
            ambition=rng.choice(AMBITIONS),
            analysis=rng.choice(ANALYSES),
            goals="\n".join(rng.sample(GOALS, rng.randint(3, 4))),
        )
    if Initiative.objects.filter(municipality_id=mid, plan=plan).exists():
        return 0
    chosen = rng.sample(TEMPLATES, count)
    initiatives = [
        Initiative(
            municipality_id=mid,
            plan=plan,
            title=t.title,
            description=t.description,
            scope=t.scope,
            aimed_at=list(t.aimed_at),
            level=t.level,
            target_groups=list(t.targets),
            age_groups=list(t.ages),
            responsible=t.responsible,
            status=_status(rng, today),
        )
        for t in chosen
    ]
    Initiative.objects.bulk_create(initiatives)
    # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35; read them back anyway.
    by_title = {i.title: i for i in Initiative.objects.filter(municipality_id=mid, plan=plan)}
    links, uses, milestones = [], [], []
    for t in chosen:
        item = by_title[t.title]
        links += [
            InitiativeBenchmark(municipality_id=mid, initiative=item, benchmark=benchmarks[n])
            for n in t.benchmarks
        ]
        uses += [
            InitiativeIntervention(municipality_id=mid, initiative=item, intervention=i)
            for i in _catalogue_for(t, catalogue)
        ]
        for title, due in sorted(rng.sample(MILESTONES, rng.randint(2, 4)), key=lambda m: m[1]):
            due = min(due + dt.timedelta(days=rng.randint(0, 45)), PROGRAMME_END)
            done: dt.date | None = None
            if due < today and item.status != InitiativeStatus.PLANNED and rng.random() < 0.85:
                done = min(due + dt.timedelta(days=rng.randint(-20, 30)), today)
            milestones.append(
                Milestone(
                    municipality_id=mid, initiative=item, title=title, due_on=due, done_on=done
                )
            )
    InitiativeBenchmark.objects.bulk_create(links)
    InitiativeIntervention.objects.bulk_create(uses)
    Milestone.objects.bulk_create(milestones)
    return len(chosen)


@transaction.atomic
def generate(municipality: Municipality, *, rng: random.Random, today: dt.date) -> int:
    """Write the demo partnership (see the module's docstring); returns how many
    initiatives were added (0 when everything was there already)."""
    programme = _programme()
    _admin(programme)
    _evaluator(programme)
    benchmarks = {b.number: b for b in Benchmark.objects.filter(framework=programme.framework)}
    participations = list(
        ProgrammeParticipation.objects.filter(programme=programme).select_related("municipality")
    )
    members = {p.municipality_id for p in participations}
    wanted = [municipality] if municipality.pk not in members else []
    missing = PARTICIPANTS - len(participations) - len(wanted)
    if missing > 0:
        wanted += [m for m in _others(municipality, missing + len(members)) if m.pk not in members][
            :missing
        ]
    if wanted:
        left = GRANTED_TO_MUNICIPALITIES - sum((p.grant for p in participations), Decimal(0))
        grants = _grants(rng, len(wanted)) if not participations else None
        for n, m in enumerate(wanted):
            grant = grants[n] if grants else min(left, Decimal(10000000))
            left -= grant
            participations.append(
                ProgrammeParticipation.objects.create(
                    programme=programme,
                    municipality=m,
                    grant=grant,
                    extra_staff=(grant / COST_PER_STAFF).quantize(Decimal("0.1")),
                    staff_note=rng.choice(STAFF_NOTES),
                )
            )
    participations.sort(key=lambda p: (p.municipality_id != municipality.pk, p.municipality.code))
    added = 0
    for n, participation in enumerate(participations):
        catalogue = list(
            Intervention.objects.filter(
                municipality_id=participation.municipality_id, active=True
            ).order_by("pk")
        )
        added += _write_plan(
            participation,
            PLAN_NAMES[n % len(PLAN_NAMES)],
            rng=rng,
            today=today,
            benchmarks=benchmarks,
            catalogue=catalogue,
            count=INITIATIVES // len(participations) + (n < INITIATIVES % len(participations)),
        )
    return added
