"""The evaluation page's figures beside the SDQ: forløb ending in specialised help or
medication, waiting from a concern to PPR's first action and to a forløb, and children
reached per funded PPR position — each equal to :mod:`spor.evaluation.stats` on the same
data, hidden under 5, and blind to other municipalities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from spor.accounts.models import Membership
from spor.cases.models import Case, Level, OpenedFrom, Outcome, Status
from spor.concerns.models import Category, Concern, ConcernEvent, EventKind, State
from spor.evaluation import stats
from spor.evaluation.web import figures
from spor.programme.models import ProgrammeParticipation
from spor.registry.models import Child
from tests.conftest import World

pytestmark = pytest.mark.django_db

URL = "/evaluering/"


def half(day: dt.date) -> str:
    return f"{day.year}-{1 if day.month <= 6 else 2}"


PERIOD = {"halvaar": "2025-1"}  # whole half-years
DAY = dt.date(2025, 3, 3)


def _child(w: World, muni, i: int) -> Child:  # type: ignore[no-untyped-def]
    c = Child(
        municipality=muni, first_name=f"Barn{i}", last_name="B", birth_date=dt.date(2016, 1, 1)
    )
    c.set_cpr(f"010116-{5000 + i + (0 if muni == w.a else 500)}")
    c.save()
    return c


def _closed_case(
    w: World, muni, i: int, *, specialised: bool | None, medication: bool | None
) -> Case:  # type: ignore[no-untyped-def]
    ppr = Membership.objects.filter(municipality=muni).order_by("pk").first()
    return Case.objects.create(
        municipality=muni, child=_child(w, muni, i), title="Forløb", level=Level.ANTICIPATORY,
        opened_from=OpenedFrom.DIRECT, opened_on=DAY, opened_by=ppr, status=Status.CLOSED,
        closed_on=DAY + dt.timedelta(days=90), outcome=Outcome.ACHIEVED,
        close_psychiatry=specialised, close_special_education=False,
        close_social_measures=False, close_medication=medication,
    )  # fmt: skip


def page(w: World, user=None, **params):  # type: ignore[no-untyped-def]
    r = w.client_for(user or w.lead_a).get(URL, {**PERIOD, **params})
    assert r.status_code == 200
    return r


def test_the_share_ending_in_specialised_help_is_the_pure_functions_share(world: World) -> None:
    flags = [(True, False)] * 6 + [(False, True)] * 5 + [(False, False)] * 7
    for i, (s, m) in enumerate(flags):
        _closed_case(world, world.a, i, specialised=s, medication=m)
    # Another municipality's closed cases never count.
    for i in range(8):
        _closed_case(world, world.b, 100 + i, specialised=True, medication=True)
    r = page(world)
    beyond = r.context["beyond"]
    assert beyond.closed == str(len(flags))
    want = stats.share_specialised([s for s, _ in flags], [m for _, m in flags])
    text = r.content.decode()
    assert want["specialised"].label == "6 af 18"  # a closed forløb always has its flags
    for line, key in zip(beyond.specialised, ("specialised", "medication", "either"), strict=True):
        assert line.value.startswith(want[key].label), (line, want[key])
        assert line.value in text
    assert "Ud over SDQ" in text


def test_a_share_of_fewer_than_five_is_hidden(world: World) -> None:
    flags = [(True, False)] * 3 + [(False, False)] * 9
    for i, (s, m) in enumerate(flags):
        _closed_case(world, world.a, i, specialised=s, medication=m)
    beyond = page(world).context["beyond"]
    specialised = beyond.specialised[0]
    assert specialised.value == figures.SUPPRESSED
    # Medication: 0 of 12 is shown (nobody to hide), with its interval.
    assert beyond.specialised[1].value.startswith("0 af 12")


def test_waiting_times_are_the_days_from_concern_to_ppr_and_to_the_forloeb(world: World) -> None:
    teacher = Membership.objects.get(user=world.teacher_a, municipality=world.a)
    ppr = Membership.objects.get(user=world.ppr_a, municipality=world.a)
    waits = [2, 5, 9, 14, 30, 3]
    to_case = [20, 40, 35, 60, 25, None]
    for i, (wait, case_after) in enumerate(zip(waits, to_case, strict=True)):
        created = timezone.make_aware(dt.datetime.combine(DAY, dt.time(10)))
        concern = Concern.objects.create(
            municipality=world.a, child=_child(world, world.a, i), description="Bekymring",
            category=Category.WELLBEING, raised_by=teacher, responsible=ppr,
            follow_up_on=DAY + dt.timedelta(days=30), state=State.FOLLOWING_UP, created_at=created,
        )  # fmt: skip
        # The teacher's own note does not count as PPR's first action.
        ConcernEvent.objects.create(
            municipality=world.a, concern=concern, author=teacher, kind=EventKind.NOTE,
            at=created + dt.timedelta(days=1),
        )  # fmt: skip
        ConcernEvent.objects.create(
            municipality=world.a, concern=concern, author=ppr, kind=EventKind.NOTE,
            at=created + dt.timedelta(days=wait),
        )  # fmt: skip
        if case_after is not None:
            Case.objects.create(
                municipality=world.a, child=concern.child, title="Forløb", level=Level.ANTICIPATORY,
                opened_from=OpenedFrom.CONCERN,
                source_concern=concern, opened_by=ppr,
                opened_on=DAY + dt.timedelta(days=case_after),
            )  # fmt: skip
    # The world's concern about a child (this half-year, with PPR's note and a forløb) gets
    # four more beside it: a half-year with one would be hidden, and with it another view's
    # count, since the views are protected together.
    now = timezone.now() - dt.timedelta(days=1)
    for i in range(4):
        concern = Concern.objects.create(
            municipality=world.a, child=_child(world, world.a, 50 + i), description="Bekymring",
            category=Category.WELLBEING, raised_by=teacher, responsible=ppr,
            follow_up_on=DAY, state=State.FOLLOWING_UP, created_at=now,
        )  # fmt: skip
        ConcernEvent.objects.create(
            municipality=world.a, concern=concern, author=ppr, kind=EventKind.NOTE, at=now
        )
        Case.objects.create(
            municipality=world.a, child=concern.child, title="Forløb", level=Level.ANTICIPATORY,
            opened_from=OpenedFrom.CONCERN, source_concern=concern, opened_by=ppr,
            opened_on=now.date(),
        )  # fmt: skip
    beyond = page(world).context["beyond"]
    first, forloeb = beyond.waiting
    w1 = stats.waiting_times(waits)
    assert first.value.startswith(f"median {figures.num(w1.median, 0)} dage")
    assert f"kvartiler {figures.num(w1.p25, 0)}–{figures.num(w1.p75, 0)}" in first.value
    w2 = stats.waiting_times([d for d in to_case if d is not None])
    assert forloeb.value.startswith(f"median {figures.num(w2.median, 0)} dage")


def test_children_per_funded_position_counts_each_child_once(world: World) -> None:
    participation = ProgrammeParticipation.objects.get(municipality=world.a)
    participation.extra_staff = Decimal("2.0")
    participation.save()
    programme = participation.programme
    ppr = Membership.objects.get(user=world.ppr_a, municipality=world.a)
    start = max(programme.start_on, DAY)
    children = [_child(world, world.a, i) for i in range(7)]
    for c in [*children, children[0]]:  # a child with two forløb counts once
        Case.objects.create(
            municipality=world.a, child=c, title="Forløb", level=Level.ANTICIPATORY,
            opened_from=OpenedFrom.DIRECT, opened_on=start, opened_by=ppr,
        )  # fmt: skip
    r = world.client_for(world.lead_a).get(URL, {"halvaar": half(start)})
    line = r.context["beyond"].reach[0]
    assert line.value == f"{figures.num(7 / 2.0)} børn pr. årsværk"
    assert "7 børn" in line.note
