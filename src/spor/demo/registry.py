"""A synthetic municipality (or a whole country of them) for the demo and the benchmarks.

Everything but timestamps and the Fernet ciphertexts (which carry a random IV) follows from
the seed: the same ``seed``, ``children``, ``municipalities`` and day give the same names,
CPR numbers, groups, enrolments and users.

Planning and writing are kept apart. :func:`plan_municipality` is plain Python (no
database): institutions, groups per school year, children with their CPR numbers and
enrolments, staff with their groups. :func:`write_municipality` stores one plan with
``bulk_create``. :func:`generate` does both for one or more municipalities.

The shape of a municipality of ``n`` children:

- birth dates spread evenly from 1 January of the year that gives 9. klasse to about ten
  months before today (children start in dagpleje/vuggestue at about ten months);
- children born ``school_year - 6 - g`` are in grade ``g`` (0.–9. klasse); younger children
  are in a dagtilbud: under three on 1 August in dagpleje, vuggestue or the nursery part of
  an integreret institution, three and over in børnehave or integreret;
- about one school per 430 pupils and one dagtilbud per 145 children (10 dagtilbud and 6
  schools for 4,000 children; at least two of each once there are a few hundred
  children); classes of about 22 with parallels A, B, C …, stuer of 12 (under three) and
  22 (over three), dagplejere with 5 children;
- every child has one current enrolment, open-ended from the start of the school year
  (1 August) or from the day a baby starts; a share also has history: 0. klasse came from
  a børnehave (dagtilbud → skole), older pupils were in last year's classes, some of them
  in another school (skoleskift), three-year-olds came from a nursery group;
- staff: one PPR-leder, PPR-medarbejdere (psykolog, tale-hørekonsulent, pædagogisk
  konsulent …) at about one per 500 children, a teacher or pedagogue for every current
  group (linked by ``GroupAssignment``), sundhedsplejersker and socialrådgivere.

All demo users share one password, hashed once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError

from spor import cpr
from spor.accounts.access import Actor
from spor.accounts.models import GroupAssignment, Membership, Profession, Role, User
from spor.audit.models import AccessLogEntry
from spor.demo import danish_names
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.tenancy.models import Municipality, TenantModel

DEMO_CODE = "999"
DEMO_NAME = "Sporby Kommune"
DEMO_PASSWORD = "spor-demo-2026"  # noqa: S105 - printed on purpose: demo data only
ADMIN_USERNAME = "admin"
DEMO_URL = "http://127.0.0.1:8000/"
EMAIL_DOMAIN = "demo.spor.example"

SCHOOL_CHILDREN_PER_SCHOOL = 430
DAYCARE_CHILDREN_PER_INSTITUTION = 145
CLASS_SIZE = 22
MIN_CHILDREN_PER_MUNICIPALITY = 10
BATCH_SIZE = 2000

Progress = Callable[[int], object]


# --------------------------------------------------------------------------- calendar


def current_school_year(today: dt.date) -> int:
    """The school year a day belongs to, by its first year: 1 August 2026 – 31 July 2027
    is 2026 (2026/27)."""
    return today.year if (today.month, today.day) >= (8, 1) else today.year - 1


def school_year_start(year: int) -> dt.date:
    return dt.date(year, 8, 1)


def school_year_end(year: int) -> dt.date:
    return dt.date(year + 1, 7, 31)


def grade_for(birth_date: dt.date, school_year: int) -> int | None:
    """0–9 for a child of school age in that school year, None for a younger child."""
    grade = school_year - 6 - birth_date.year
    return grade if 0 <= grade <= 9 else None


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# Children start in dagpleje or vuggestue at about ten months.
DAYCARE_START_AGE = dt.timedelta(days=300)


# --------------------------------------------------------------------------- plans


@dataclass(slots=True)
class InstitutionPlan:
    name: str
    kind: str


@dataclass(slots=True)
class GroupPlan:
    institution: int  # index into MunicipalityPlan.institutions
    name: str
    school_year: int
    grade: int | None


@dataclass(slots=True)
class ChildPlan:
    first_name: str
    last_name: str
    cpr: str  # ten digits; never printed
    # (group index, start, end), oldest first; the last one is current (end None).
    enrolments: list[tuple[int, dt.date, dt.date | None]]


@dataclass(slots=True)
class StaffPlan:
    username: str
    first_name: str
    last_name: str
    role: str
    profession: str
    groups: list[int] = field(default_factory=list)


@dataclass
class MunicipalityPlan:
    code: str
    name: str
    school_year: int
    institutions: list[InstitutionPlan]
    groups: list[GroupPlan]
    children: list[ChildPlan]
    staff: list[StaffPlan]


@dataclass(frozen=True)
class MunicipalitySpec:
    code: str
    name: str
    children: int
    username_prefix: str = ""


# --------------------------------------------------------------------------- names


class _Weighted:
    """Fast repeated weighted choice from a ``(value, weight)`` list."""

    def __init__(self, pairs: Sequence[tuple[str, int]]) -> None:
        self.values = [v for v, _ in pairs]
        self.cum = list(itertools.accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect_right(self.cum, rng.random() * self.total)]


GIRLS = _Weighted(danish_names.GIRLS)
BOYS = _Weighted(danish_names.BOYS)
LAST = _Weighted(danish_names.LAST_NAMES)
WOMEN = _Weighted(danish_names.WOMEN)
MEN = _Weighted(danish_names.MEN)


def _first_name(rng: random.Random, boy: bool) -> str:
    names = BOYS if boy else GIRLS
    first = names.pick(rng)
    if rng.random() < 0.2:  # a second given name: "Ida Marie", "Carl Emil"
        second = names.pick(rng)
        if second != first:
            return f"{first} {second}"
    return first


def _last_name(rng: random.Random) -> str:
    last = LAST.pick(rng)
    if rng.random() < 0.1:  # a double surname: "Holm Nielsen"
        other = LAST.pick(rng)
        if other != last:
            return f"{other} {last}"
    return last


def _adult_name(rng: random.Random, share_women: float) -> tuple[str, str]:
    first = (WOMEN if rng.random() < share_women else MEN).pick(rng)
    return first, LAST.pick(rng)


SCHOOL_STEMS = (
    "Engvang", "Skovly", "Bakke", "Ådal", "Lunde", "Linde", "Ege", "Birke", "Kilde",
    "Mølle", "Strand", "Hede", "Søndermark", "Nørremark", "Vestervang", "Østervang",
    "Bøge", "Fjord", "Toftevang", "Holme", "Rosen", "Kirkebakke", "Højvang", "Tranehøj",
    "Solhøj", "Lærkevang", "Egebjerg", "Kløvervang", "Åmose", "Vibe", "Stjerneborg",
    "Havbo", "Lyngby", "Bavne", "Pile", "Hasle", "Ravnsbjerg", "Skjold", "Margrethe",
    "Kongevej",
)  # fmt: skip
DAYCARE_NAMES = (
    "Mælkebøtten", "Solsikken", "Troldehøj", "Regnbuen", "Skovtrolden", "Spiren",
    "Humlebien", "Kastanjen", "Mariehønen", "Myretuen", "Skovbrynet", "Bikuben",
    "Græshoppen", "Sommerfuglen", "Trætoppen", "Kernehuset", "Æblehaven", "Pilehuset",
    "Rønnebærhuset", "Lærkereden", "Gadekæret", "Valmuen", "Mosekonen", "Nøddebo",
    "Krudtuglen", "Tusindfryd", "Anemonen", "Stjernen", "Ellehuset", "Havtornen",
)  # fmt: skip
AREAS = ("Nord", "Syd", "Øst", "Vest", "Midt", "By", "Land", "Strand", "Skov", "Bakke")
NURSERY_ROOMS = (
    "Myrerne", "Bierne", "Mariehønsene", "Sneglene", "Musene", "Ællingerne",
    "Kyllingerne", "Frøerne", "Larverne", "Spurvene",
)  # fmt: skip
KINDERGARTEN_ROOMS = (
    "Bjørnene", "Ulvene", "Ræveungerne", "Egernene", "Uglerne", "Pindsvinene", "Harerne",
    "Hjortene", "Grævlingerne", "Bæverne", "Odderne", "Ørnene", "Løverne", "Elefanterne",
)  # fmt: skip
LETTERS = "ABCDEFGH"


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name} {n}", n + 1
    used.add(candidate)
    return candidate


# --------------------------------------------------------------------------- CPR


_CENTURY_DIGITS: dict[int, tuple[str, ...]] = {}


def _seventh_digits(year: int) -> tuple[str, ...]:
    """The 7th digits that give ``year`` its right century (the CPR office's table)."""
    if year not in _CENTURY_DIGITS:
        yy = f"{year % 100:02d}"
        _CENTURY_DIGITS[year] = tuple(
            d
            for d in "0123456789"
            if cpr.is_valid(f"0101{yy}{d}000") and cpr.birth_date(f"0101{yy}{d}000").year == year
        )
    return _CENTURY_DIGITS[year]


def make_cpr(rng: random.Random, birth_date: dt.date, boy: bool, used: set[str]) -> str:
    """A synthetic CPR number for that birth date and sex (odd last digit = boy), not in
    ``used``; added to it."""
    prefix = f"{birth_date:%d%m%y}"
    digits7 = _seventh_digits(birth_date.year)
    while True:
        serial = rng.randrange(500)
        last = 2 * (serial % 5) + (1 if boy else 0)
        value = f"{prefix}{rng.choice(digits7)}{serial // 5:02d}{last}"
        if value not in used:
            used.add(value)
            return value


# --------------------------------------------------------------------------- sizes


def municipality_sizes(total: int, count: int, seed: int) -> list[int]:
    """``total`` children over ``count`` municipalities, log-normally (a few large towns,
    many small ones, like Denmark's 98), summing exactly to ``total``; each gets at least
    :data:`MIN_CHILDREN_PER_MUNICIPALITY`."""
    if count < 1 or total < count * MIN_CHILDREN_PER_MUNICIPALITY:
        raise ValueError(
            f"Mindst {MIN_CHILDREN_PER_MUNICIPALITY} børn pr. kommune: "
            f"{total} børn er for få til {count} kommuner."
        )
    if count == 1:
        return [total]
    rng = random.Random(f"spor-demo:{seed}:sizes")
    weights = [rng.lognormvariate(0.0, 0.75) for _ in range(count)]
    spare = total - count * MIN_CHILDREN_PER_MUNICIPALITY
    raw = [spare * w / sum(weights) for w in weights]
    sizes = [math.floor(r) for r in raw]
    by_remainder = sorted(range(count), key=lambda i: raw[i] - sizes[i], reverse=True)
    for i in by_remainder[: spare - sum(sizes)]:
        sizes[i] += 1
    return [s + MIN_CHILDREN_PER_MUNICIPALITY for s in sizes]


def municipality_specs(total: int, count: int, seed: int) -> list[MunicipalitySpec]:
    """The demo municipality (Sporby, 999) first, then "Kommune 101", "Kommune 102" …"""
    if count > 899:
        raise ValueError("Højst 899 kommuner (koderne 101–998 og 999).")
    sizes = municipality_sizes(total, count, seed)
    specs = [MunicipalitySpec(DEMO_CODE, DEMO_NAME, sizes[0])]
    for i, size in enumerate(sizes[1:], start=1):
        code = f"{100 + i:03d}"
        specs.append(MunicipalitySpec(code, f"Kommune {code}", size, f"k{code}-"))
    return specs


# --------------------------------------------------------------------------- planning


class _Planner:
    def __init__(
        self, spec: MunicipalitySpec, seed: int, today: dt.date, used_cprs: set[str]
    ) -> None:
        self.spec = spec
        self.rng = random.Random(f"spor-demo:{seed}:{spec.code}")
        self.today = today
        self.sy = current_school_year(today)
        self.used_cprs = used_cprs
        self.institutions: list[InstitutionPlan] = []
        self.groups: list[GroupPlan] = []
        self._group_index: dict[tuple[int, str, int], int] = {}
        self._institution_names: set[str] = set()

    # -- structure

    def institution(self, name: str, kind: str) -> int:
        self.institutions.append(InstitutionPlan(_unique(name, self._institution_names), kind))
        return len(self.institutions) - 1

    def group(self, institution: int, name: str, year: int, grade: int | None = None) -> int:
        key = (institution, name, year)
        index = self._group_index.get(key)
        if index is None:
            self.groups.append(GroupPlan(institution, name, year, grade))
            index = self._group_index[key] = len(self.groups) - 1
        return index

    def choose(self, items: Sequence[int], weights: Sequence[float]) -> int:
        return self.rng.choices(items, weights=weights)[0]

    # -- the whole municipality

    def plan(self) -> MunicipalityPlan:
        rng, sy, today = self.rng, self.sy, self.today
        lo = dt.date(sy - 15, 1, 1).toordinal()
        hi = (today - DAYCARE_START_AGE).toordinal()
        people: list[tuple[dt.date, bool]] = []
        for _ in range(self.spec.children):
            people.append((dt.date.fromordinal(rng.randint(lo, hi)), rng.random() < 0.513))

        august = school_year_start(sy)
        pupils = [i for i, (b, _) in enumerate(people) if grade_for(b, sy) is not None]
        little = [i for i, (b, _) in enumerate(people) if grade_for(b, sy) is None]
        under3 = [i for i in little if age_on(people[i][0], august) < 3]
        over3 = [i for i in little if age_on(people[i][0], august) >= 3]

        schools = self._plan_schools(len(pupils))
        nursery, kindergarten = self._plan_daycare(len(little))

        # (group index, start, end) per child, oldest first.
        history: list[list[tuple[int, dt.date, dt.date | None]]] = [[] for _ in people]
        current_groups: list[int] = []
        educator_of: dict[int, str] = {}  # current group -> profession

        # Schools: children to schools by size, then to parallels of ~22.
        school_weights = [rng.uniform(0.6, 1.4) for _ in schools]
        by_class: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in pupils:
            grade = grade_for(people[i][0], sy)
            assert grade is not None
            by_class[(self.choose(schools, school_weights), grade)].append(i)
        parallels = {
            (school, grade): min(
                len(LETTERS), max(1, round(len(by_class.get((school, grade), [])) / CLASS_SIZE))
            )
            for school in schools
            for grade in range(10)
        }
        for school in schools:
            for grade in range(10):
                members = by_class.get((school, grade), [])
                count = parallels[(school, grade)]
                rng.shuffle(members)
                for p in range(count):
                    g = self.group(school, f"{grade}.{LETTERS[p]}", sy, grade)
                    current_groups.append(g)
                    educator_of[g] = Profession.TEACHER
                    for i in members[p::count]:
                        history[i] = self._school_history(
                            people[i][0], school, grade, p, schools, parallels, kindergarten
                        )
                        history[i].append((g, august, None))

        # Dagtilbud: under three and three-and-over, by institution, into stuer.
        for children, places in ((under3, nursery), (over3, kindergarten)):
            weights = [w for _, _, w in places]
            by_part: dict[int, list[int]] = defaultdict(list)
            for i in children:
                by_part[self.choose(range(len(places)), weights)].append(i)
            for part, (inst, room_size, _) in enumerate(places):
                members = by_part.get(part, [])
                rng.shuffle(members)
                count = max(1, math.ceil(len(members) / room_size))
                names = self._room_names(inst, count, young=places is nursery)
                for name, r in zip(names, range(count), strict=True):
                    g = self.group(inst, name, sy)
                    current_groups.append(g)
                    educator_of[g] = Profession.PEDAGOGUE
                    for i in members[r::count]:
                        birth = people[i][0]
                        start = max(august, birth + DAYCARE_START_AGE)
                        if places is kindergarten:
                            history[i] = self._nursery_history(birth, inst, nursery)
                        history[i].append((g, start, None))

        children_plans = []
        for (birth, boy), enrolments in zip(people, history, strict=True):
            children_plans.append(
                ChildPlan(
                    first_name=_first_name(rng, boy),
                    last_name=_last_name(rng),
                    cpr=make_cpr(rng, birth, boy, self.used_cprs),
                    enrolments=enrolments,
                )
            )
        return MunicipalityPlan(
            code=self.spec.code,
            name=self.spec.name,
            school_year=sy,
            institutions=self.institutions,
            groups=self.groups,
            children=children_plans,
            staff=self._plan_staff(current_groups, educator_of),
        )

    # -- institutions

    def _plan_schools(self, pupils: int) -> list[int]:
        # At least two schools once there are a hundred pupils, so that skoleskift exist.
        count = max(1 if pupils < 100 else 2, round(pupils / SCHOOL_CHILDREN_PER_SCHOOL))
        stems = list(SCHOOL_STEMS)
        self.rng.shuffle(stems)
        names = [f"{stem}skolen" for stem in stems]
        names += [f"{stem}skolen {area}" for area in AREAS for stem in stems]
        return [
            self.institution(names[i % len(names)], Institution.Kind.SKOLE) for i in range(count)
        ]

    def _plan_daycare(
        self, children: int
    ) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float]]]:
        """Dagtilbud and the places they offer: (institution, room size, weight) for the
        under-threes and for the three-and-overs."""
        count = max(1 if children < 60 else 2, round(children / DAYCARE_CHILDREN_PER_INSTITUTION))
        dagpleje = max(1, round(count * 0.1)) if count >= 3 else 0
        vuggestue = round(count * 0.2)
        boernehave = round(count * 0.3)
        integreret = count - dagpleje - vuggestue - boernehave
        if integreret < 1:
            boernehave -= 1 - integreret
            integreret = 1
        kinds = (
            [Institution.Kind.DAGPLEJE] * dagpleje
            + [Institution.Kind.VUGGESTUE] * vuggestue
            + [Institution.Kind.BOERNEHAVE] * boernehave
            + [Institution.Kind.INTEGRERET] * integreret
        )
        self.rng.shuffle(kinds)
        names = list(DAYCARE_NAMES)
        self.rng.shuffle(names)
        areas = itertools.cycle(AREAS)
        nursery: list[tuple[int, int, float]] = []
        kindergarten: list[tuple[int, int, float]] = []
        for n, kind in enumerate(kinds):
            size = self.rng.uniform(0.6, 1.4)
            base = names[n % len(names)]
            if kind == Institution.Kind.DAGPLEJE:
                inst = self.institution(f"Dagplejen {next(areas)}", kind)
                nursery.append((inst, 5, 1.2 * size))
            elif kind == Institution.Kind.VUGGESTUE:
                inst = self.institution(f"Vuggestuen {base}", kind)
                nursery.append((inst, 12, 1.0 * size))
            elif kind == Institution.Kind.BOERNEHAVE:
                inst = self.institution(f"Børnehaven {base}", kind)
                kindergarten.append((inst, 22, 1.0 * size))
            else:
                inst = self.institution(f"Børnehuset {base}", kind)
                nursery.append((inst, 12, 0.8 * size))
                kindergarten.append((inst, 22, 1.0 * size))
        return nursery, kindergarten

    def _room_names(self, institution: int, count: int, *, young: bool) -> list[str]:
        if self.institutions[institution].kind == Institution.Kind.DAGPLEJE:
            return [f"Dagplejer {n:02d}" for n in range(1, count + 1)]
        rooms = list(NURSERY_ROOMS if young else KINDERGARTEN_ROOMS)
        self.rng.shuffle(rooms)
        return [
            rooms[n % len(rooms)] + (f" {n // len(rooms) + 1}" if n >= len(rooms) else "")
            for n in range(count)
        ]

    # -- history

    def _school_history(
        self,
        birth: dt.date,
        school: int,
        grade: int,
        parallel: int,
        schools: list[int],
        parallels: dict[tuple[int, int], int],
        kindergarten: list[tuple[int, int, float]],
    ) -> list[tuple[int, dt.date, dt.date | None]]:
        """Earlier enrolments of a pupil now in ``grade`` (may be empty)."""
        rng, sy = self.rng, self.sy
        if grade == 0:
            depth = 0
        elif rng.random() < 0.35:
            depth = rng.randint(1, min(grade, 3))
        else:
            return []
        # A school change (skoleskift) before one of the recorded years.
        switch_at = (
            rng.randint(1, depth) if depth and len(schools) > 1 and rng.random() < 0.25 else 0
        )
        other = rng.choice([s for s in schools if s != school]) if switch_at else school
        result: list[tuple[int, dt.date, dt.date | None]] = []
        for back in range(depth, 0, -1):
            year, g = self.sy - back, grade - back
            at = other if switch_at and back >= switch_at else school
            letter = (
                LETTERS[parallel]
                if at == school
                else LETTERS[rng.randrange(parallels.get((at, g), 1))]
            )
            group = self.group(at, f"{g}.{letter}", year, g)
            result.append((group, school_year_start(year), school_year_end(year)))
        if depth == grade and kindergarten and rng.random() < 0.85:
            # The last year in børnehave before 0. klasse: dagtilbud → skole.
            year = sy - grade - 1
            inst = self.choose([k[0] for k in kindergarten], [k[2] for k in kindergarten])
            room = self._room_names(inst, 1, young=False)[0]
            start = max(school_year_start(year), add_years(birth, 3))
            result.insert(0, (self.group(inst, room, year), start, school_year_end(year)))
        return result

    def _nursery_history(
        self, birth: dt.date, institution: int, nursery: list[tuple[int, int, float]]
    ) -> list[tuple[int, dt.date, dt.date | None]]:
        """A child who turned three in the past year often came from a nursery group."""
        rng, sy = self.rng, self.sy
        if not nursery or age_on(birth, school_year_start(sy)) != 3 or rng.random() >= 0.7:
            return []
        same = [n for n in nursery if n[0] == institution]
        if same and rng.random() < 0.6:
            inst = institution  # integreret: from its own nursery group
        else:
            inst = self.choose([n[0] for n in nursery], [n[2] for n in nursery])
        room = self._room_names(inst, 1, young=True)[0]
        year = sy - 1
        start = max(school_year_start(year), birth + DAYCARE_START_AGE)
        return [(self.group(inst, room, year), start, school_year_end(year))]

    # -- staff

    def _plan_staff(
        self, current_groups: list[int], educator_of: dict[int, str]
    ) -> list[StaffPlan]:
        rng, prefix, n = self.rng, self.spec.username_prefix, self.spec.children
        counters: dict[str, int] = defaultdict(int)
        staff: list[StaffPlan] = []

        def add(stem: str, role: str, profession: str, women: float) -> StaffPlan:
            counters[stem] += 1
            username = f"{prefix}{stem}" if stem == "leder" else f"{prefix}{stem}{counters[stem]}"
            first, last = _adult_name(rng, women)
            person = StaffPlan(username, first, last, role, profession)
            staff.append(person)
            return person

        add("leder", Role.LEAD, Profession.LEADER, 0.7)
        ppr_professions = [Profession.PSYCHOLOGIST, Profession.SPEECH, Profession.PEDAGOGICAL]
        stems = {
            Profession.PSYCHOLOGIST: "psykolog",
            Profession.SPEECH: "talehoere",
            Profession.PEDAGOGICAL: "paedkonsulent",
            Profession.PHYSIO: "fysioterapeut",
        }
        for k in range(max(3, round(n / 500))):
            if k < len(ppr_professions):
                profession = ppr_professions[k]
            else:
                profession = rng.choices(
                    [*ppr_professions, Profession.PHYSIO], weights=[55, 20, 20, 5]
                )[0]
            add(stems[profession], Role.PPR, profession, 0.8)
        for _ in range(max(1, round(n / 2500))):
            add("sundhedsplejerske", Role.HEALTH_VISITOR, Profession.HEALTH_VISITOR, 0.97)
        for _ in range(max(1, round(n / 2500))):
            add("socialraadgiver", Role.SOCIAL_WORKER, Profession.SOCIAL_WORKER, 0.85)

        classes_of: dict[int, list[int]] = defaultdict(list)
        for g in current_groups:
            if educator_of[g] == Profession.TEACHER:
                classes_of[self.groups[g].institution].append(g)
        for g in current_groups:
            if educator_of[g] == Profession.TEACHER:
                person = add("laerer", Role.EDUCATOR, Profession.TEACHER, 0.7)
                person.groups.append(g)
                # Some teachers also teach a second class in the same school.
                siblings = [c for c in classes_of[self.groups[g].institution] if c != g]
                if siblings and rng.random() < 0.25:
                    person.groups.append(rng.choice(siblings))
            else:
                person = add("paedagog", Role.EDUCATOR, Profession.PEDAGOGUE, 0.85)
                person.groups.append(g)
        return staff


def plan_municipality(
    spec: MunicipalitySpec, *, seed: int, today: dt.date, used_cprs: set[str] | None = None
) -> MunicipalityPlan:
    """The whole municipality as plain data; no database."""
    return _Planner(spec, seed, today, set() if used_cprs is None else used_cprs).plan()


# --------------------------------------------------------------------------- writing


def _batches(items: Sequence[ChildPlan], size: int) -> Iterator[Sequence[ChildPlan]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class WriteCounts:
    institutions: int = 0
    groups: int = 0
    children: int = 0
    enrolments: int = 0
    users: int = 0
    group_assignments: int = 0

    def add(self, other: WriteCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def write_municipality(
    plan: MunicipalityPlan,
    *,
    password_hash: str,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> tuple[Municipality, WriteCounts]:
    """Store one plan (call inside a transaction). The municipality is reused if a row with
    its code exists (``--reset`` keeps one whose access log must stay)."""
    counts = WriteCounts()
    muni, _ = Municipality.objects.get_or_create(code=plan.code, defaults={"name": plan.name})
    mid = muni.pk

    institutions = Institution.objects.bulk_create(
        [Institution(municipality_id=mid, name=i.name, kind=i.kind) for i in plan.institutions],
        batch_size=batch_size,
    )
    inst_ids = [i.pk for i in institutions]
    groups = Group.objects.bulk_create(
        [
            Group(
                municipality_id=mid,
                institution_id=inst_ids[g.institution],
                name=g.name,
                school_year=g.school_year,
                grade=g.grade,
            )
            for g in plan.groups
        ],
        batch_size=batch_size,
    )
    group_ids = [g.pk for g in groups]
    counts.institutions, counts.groups = len(institutions), len(groups)

    for chunk in _batches(plan.children, batch_size):
        rows = []
        for c in chunk:
            child = Child(municipality_id=mid, first_name=c.first_name, last_name=c.last_name)
            child.set_cpr(c.cpr)
            rows.append(child)
        Child.objects.bulk_create(rows, batch_size=batch_size)
        enrolments = [
            Enrolment(
                municipality_id=mid,
                child_id=row.pk,
                group_id=group_ids[g],
                start=start,
                end=end,
            )
            for row, c in zip(rows, chunk, strict=True)
            for g, start, end in c.enrolments
        ]
        Enrolment.objects.bulk_create(enrolments, batch_size=batch_size)
        counts.children += len(rows)
        counts.enrolments += len(enrolments)
        if progress is not None:
            progress(len(rows))

    users = User.objects.bulk_create(
        [
            User(
                username=s.username,
                first_name=s.first_name,
                last_name=s.last_name,
                email=f"{s.username}@{EMAIL_DOMAIN}",
                password=password_hash,
            )
            for s in plan.staff
        ],
        batch_size=batch_size,
    )
    memberships = Membership.objects.bulk_create(
        [
            Membership(municipality_id=mid, user_id=u.pk, role=s.role, profession=s.profession)
            for u, s in zip(users, plan.staff, strict=True)
        ],
        batch_size=batch_size,
    )
    assignments = GroupAssignment.objects.bulk_create(
        [
            GroupAssignment(municipality_id=mid, membership_id=m.pk, group_id=group_ids[g])
            for m, s in zip(memberships, plan.staff, strict=True)
            for g in s.groups
        ],
        batch_size=batch_size,
    )
    counts.users, counts.group_assignments = len(users), len(assignments)
    return muni, counts


def ensure_admin(password_hash: str, *, reset_password: bool) -> bool:
    """The system administrator ``admin`` (Django superuser, no municipality). Returns
    whether its password is the demo password (False if it existed and was kept)."""
    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    if admin is None:
        User.objects.create(
            username=ADMIN_USERNAME,
            first_name="System",
            last_name="Administrator",
            email=f"{ADMIN_USERNAME}@{EMAIL_DOMAIN}",
            is_staff=True,
            is_superuser=True,
            password=password_hash,
        )
        return True
    if reset_password:
        admin.password = password_hash
        admin.is_staff = admin.is_superuser = admin.is_active = True
        admin.save(update_fields=["password", "is_staff", "is_superuser", "is_active"])
        return True
    return False


@dataclass
class GenerationResult:
    specs: list[MunicipalitySpec]
    counts: WriteCounts
    seconds: float
    admin_has_demo_password: bool


def generate(
    *,
    seed: int = 1,
    children: int = 4000,
    municipalities: int = 1,
    today: dt.date,
    progress: Progress | None = None,
    on_municipality: Callable[[MunicipalitySpec], None] | None = None,
    reset_admin_password: bool = False,
) -> GenerationResult:
    """Plan and write the demo: Sporby Kommune and, for ``municipalities > 1``, the others.
    ``children`` is the total across all municipalities. One transaction."""
    started = time.perf_counter()
    specs = municipality_specs(children, municipalities, seed)
    password_hash = make_password(DEMO_PASSWORD)
    used_cprs: set[str] = set()
    total = WriteCounts()
    with transaction.atomic():
        admin_ok = ensure_admin(password_hash, reset_password=reset_admin_password)
        for spec in specs:
            if on_municipality is not None:
                on_municipality(spec)
            plan = plan_municipality(spec, seed=seed, today=today, used_cprs=used_cprs)
            _, counts = write_municipality(plan, password_hash=password_hash, progress=progress)
            total.add(counts)
            del plan
    return GenerationResult(specs, total, time.perf_counter() - started, admin_ok)


def fill_municipality(
    municipality: Municipality, *, children: int, seed: int, today: dt.date
) -> WriteCounts:
    """Give an existing municipality without children a registry like the demo's (its
    institutions, groups, children and staff; usernames prefixed ``k<code>-``). For the
    partnership's other municipalities (``spor_demo --partners``). Call inside a
    transaction."""
    spec = MunicipalitySpec(
        municipality.code, municipality.name, children, f"k{municipality.code}-"
    )
    plan = plan_municipality(spec, seed=seed, today=today)
    _, counts = write_municipality(plan, password_hash=make_password(DEMO_PASSWORD))
    return counts


# --------------------------------------------------------------------------- existing demo


def lead_actor(municipality: Municipality) -> Actor | None:
    """The municipality's first PPR-leder as the acting person, for the generators that
    write through a service that only a lead may call (the catalogue, the economics)."""
    m = (
        Membership.objects.filter(municipality_id=municipality.pk, role=Role.LEAD, active=True)
        .select_related("user", "municipality")
        .order_by("pk")
        .first()
    )
    return None if m is None else Actor(user=m.user, membership=m)


def demo_municipality() -> Municipality | None:
    """Sporby Kommune, if it has been generated (a row kept empty by a reset does not count)."""
    muni = Municipality.objects.filter(code=DEMO_CODE).first()
    if muni is None or not Child.objects.filter(municipality=muni).exists():
        return None
    return muni


def demo_municipalities() -> list[Municipality]:
    """Sporby and the "Kommune NNN" municipalities the national set adds."""
    return [
        m
        for m in Municipality.objects.filter(
            models.Q(code=DEMO_CODE) | models.Q(name__startswith="Kommune ")
        )
        if m.code == DEMO_CODE or m.name == f"Kommune {m.code}"
    ]


class ResetError(Exception):
    pass


def _delete_all(querysets: Iterable[models.QuerySet[models.Model]]) -> None:
    """Delete every queryset, retrying those that another still protects."""
    pending = list(querysets)
    while pending:
        failed: list[models.QuerySet[models.Model]] = []
        errors: list[str] = []
        for qs in pending:
            try:
                with transaction.atomic():
                    qs.delete()
            except (ProtectedError, RestrictedError, IntegrityError) as exc:
                failed.append(qs)
                errors.append(f"{qs.model._meta.label}: {type(exc).__name__}")
        if len(failed) == len(pending):
            raise ResetError("Kunne ikke slette demodata: " + "; ".join(errors))
        pending = failed


def reset_demo() -> int:
    """Delete the demo municipalities' data and their users (call inside a transaction).

    The access log is append-only (on PostgreSQL a trigger refuses DELETE), so it is kept,
    and so is the municipality row of any demo municipality that has log entries: it is
    reused when the demo is generated again. Returns how many municipalities were cleared.
    """
    munis = demo_municipalities()
    ids = [m.pk for m in munis]
    if not ids:
        return 0
    user_ids = set(
        Membership.objects.filter(municipality_id__in=ids).values_list("user_id", flat=True)
    )
    own = [Enrolment, GroupAssignment, Child, Group, Institution, Membership]
    others = [
        m
        for m in apps.get_models()
        if issubclass(m, TenantModel) and m not in own and m is not AccessLogEntry
    ]
    # Unknown tenant tables (cases, screenings …) first: they point at children and groups.
    tenant_models: list[type[models.Model]] = [*others, *own]
    _delete_all(m._base_manager.filter(municipality_id__in=ids) for m in tenant_models)
    still_member = set(
        Membership.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    )
    _delete_all([User.objects.filter(pk__in=user_ids - still_member, is_superuser=False)])
    logged = set(
        AccessLogEntry.objects.filter(municipality_id__in=ids).values_list(
            "municipality_id", flat=True
        )
    )
    Municipality.objects.filter(pk__in=[i for i in ids if i not in logged]).delete()
    return len(ids)


# --------------------------------------------------------------------------- logins


@dataclass(frozen=True)
class Login:
    role: str
    username: str
    password: str
    note: str


def demo_logins(*, admin_has_demo_password: bool = True) -> list[Login]:
    """One login per role in Sporby Kommune, and the system administrator."""
    muni = Municipality.objects.filter(code=DEMO_CODE).first()
    logins: list[Login] = []
    if muni is not None:
        members = Membership.objects.filter(municipality=muni, active=True).select_related("user")
        wanted = [
            (Role.LEAD, None),
            (Role.PPR, Profession.PSYCHOLOGIST),
            (Role.EDUCATOR, Profession.TEACHER),
            (Role.HEALTH_VISITOR, None),
            (Role.SOCIAL_WORKER, None),
        ]
        for role, profession in wanted:
            qs = members.filter(role=role)
            if profession is not None:
                qs = qs.filter(profession=profession)
            m = qs.order_by("id").first()
            if m is None:
                continue
            note = m.get_profession_display().lower() if m.role == Role.PPR else ""
            if m.role == Role.EDUCATOR:
                by_place: dict[str, list[str]] = defaultdict(list)
                for a in m.group_assignments.select_related("group__institution").order_by("id"):
                    by_place[a.group.institution.name].append(a.group.name)
                note = "lærer i " + "; ".join(
                    f"{' og '.join(names)} på {place}" for place, names in by_place.items()
                )
            logins.append(Login(Role(m.role).label, m.user.username, DEMO_PASSWORD, note))
    programme_admin = User.objects.filter(username="programadmin").first()
    if programme_admin is not None:
        logins.append(
            Login("Programadministrator", programme_admin.username, DEMO_PASSWORD, "partnerskab")
        )
    programme_evaluator = User.objects.filter(username="programevaluator").first()
    if programme_evaluator is not None:
        logins.append(
            Login(
                "Programevaluator",
                programme_evaluator.username,
                DEMO_PASSWORD,
                "evaluering på tværs af kommunerne, pseudonymiseret",
            )
        )
    admin = User.objects.filter(username=ADMIN_USERNAME, is_superuser=True).first()
    if admin is not None:
        password = DEMO_PASSWORD if admin_has_demo_password else "(den eksisterende)"
        logins.append(Login("Systemadministrator", admin.username, password, "Django-admin"))
    return logins


def demo_counts() -> dict[str, int]:
    ids = [m.pk for m in demo_municipalities()]
    return {
        "kommuner": len(ids),
        "institutioner": Institution.objects.filter(municipality_id__in=ids).count(),
        "grupper": Group.objects.filter(municipality_id__in=ids).count(),
        "børn": Child.objects.filter(municipality_id__in=ids).count(),
        "indskrivninger": Enrolment.objects.filter(municipality_id__in=ids).count(),
        "medarbejdere": Membership.objects.filter(municipality_id__in=ids).count(),
    }
