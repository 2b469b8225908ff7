"""Hourly rates through the pages: derived or entered directly, history kept, Danish errors
with nothing saved, and only the municipality's own PPR-leder gets in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from spor.accounts.models import Profession
from spor.economics import services
from spor.economics.models import HourlyRate
from tests.conftest import World

NEW = "/oekonomi/timepriser/ny/"


def post(w: World, url: str = NEW, user=None, **data):  # type: ignore[no-untyped-def]
    return w.client_for(user or w.lead_a).post(url, data)


def test_a_rate_is_derived_from_annual_cost_hours_and_overhead(world: World) -> None:
    r = post(
        world,
        profession=Profession.SPEECH,
        valid_from="01.01.2026",
        annual_cost="520.000",
        productive_hours="1200",
        overhead_pct="25",
    )
    assert r.status_code == 302
    rate = HourlyRate.objects.get(municipality=world.a, profession=Profession.SPEECH)
    # 520.000 × 1,25 / 1.200 = 541,666… kr.
    assert rate.rate == Decimal("541.67")
    assert rate.annual_cost == Decimal("520000") and rate.overhead_pct == Decimal("25")
    page = world.client_for(world.lead_a).get("/oekonomi/timepriser/").content.decode()
    assert "Tale-hørekonsulent" in page and "542 kr." in page


def test_a_rate_can_be_entered_directly(world: World) -> None:
    r = post(world, profession=Profession.PEDAGOGICAL, valid_from="2026-02-01", rate_value="612,50")
    assert r.status_code == 302
    rate = HourlyRate.objects.get(municipality=world.a, profession=Profession.PEDAGOGICAL)
    assert rate.rate == Decimal("612.50") and not rate.is_derived


def test_a_later_rate_keeps_the_earlier_one(world: World) -> None:
    before = HourlyRate.objects.filter(municipality=world.a, profession=Profession.TEACHER).count()
    r = post(world, profession=Profession.TEACHER, valid_from="2099-01-01", rate_value="450")
    assert r.status_code == 302
    rates = HourlyRate.objects.filter(municipality=world.a, profession=Profession.TEACHER)
    assert rates.count() == before + 1
    assert {r.rate for r in rates} == {Decimal("400.00"), Decimal("450.00")}


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"annual_cost": "520000", "productive_hours": "1200", "rate_value": "600"},
            services.MSG_RATE_EITHER,
        ),
        ({}, services.MSG_RATE_NONE),
        ({"annual_cost": "520000"}, services.MSG_PRODUCTIVE),
        ({"annual_cost": "520000", "productive_hours": "0"}, services.MSG_PRODUCTIVE),
        (
            {"annual_cost": "520000", "productive_hours": "1200", "overhead_pct": "-5"},
            services.MSG_OVERHEAD,
        ),
        ({"rate_value": "0"}, services.MSG_RATE),
        ({"rate_value": "520000"}, services.MSG_RATE_HIGH),
        ({"rate_value": "seks hundrede"}, "Skriv et tal"),
    ],
)
def test_bad_input_gives_a_danish_error_and_saves_nothing(
    world: World, data: dict[str, str], message: str
) -> None:
    count = HourlyRate.objects.count()
    r = post(world, profession=Profession.SPEECH, valid_from="2026-01-01", **data)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert "Intet er gemt" in r.content.decode()
    assert HourlyRate.objects.count() == count


def test_the_same_profession_and_day_twice_is_refused(world: World) -> None:
    psych = world.extra["rate_psychologist"]
    count = HourlyRate.objects.count()
    r = post(
        world,
        profession=Profession.PSYCHOLOGIST,
        valid_from=psych.valid_from.isoformat(),
        rate_value="700",
    )
    assert r.status_code == 400
    assert services.MSG_RATE_TAKEN in r.content.decode()
    assert HourlyRate.objects.count() == count


def test_a_rate_is_corrected_in_place(world: World) -> None:
    teacher = world.extra["rate_teacher"]
    r = post(
        world,
        f"/oekonomi/timepriser/{teacher.pk}/ret/",
        profession=Profession.TEACHER,
        valid_from=teacher.valid_from.isoformat(),
        rate_value="425",
    )
    assert r.status_code == 302
    teacher.refresh_from_db()
    assert teacher.rate == Decimal("425.00")


@pytest.mark.parametrize("who", ["ppr_a", "teacher_a", "lead_b"])
def test_only_the_municipalitys_lead_sees_and_changes_its_rates(world: World, who: str) -> None:
    client = world.client_for(getattr(world, who))
    teacher = world.extra["rate_teacher"]
    url = f"/oekonomi/timepriser/{teacher.pk}/ret/"
    assert client.get(url).status_code == 404
    assert (
        client.post(
            url, {"profession": "laerer", "valid_from": "2026-01-01", "rate_value": "1"}
        ).status_code
        == 404
    )
    teacher.refresh_from_db()
    assert teacher.rate == Decimal("400.00")
    listing = client.get("/oekonomi/timepriser/")
    if who == "lead_b":
        assert listing.status_code == 200
        assert "999 kr." in listing.content.decode() and "400 kr." not in listing.content.decode()
    else:
        assert listing.status_code == 404


def test_the_service_refuses_anyone_but_the_lead(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    from spor.accounts.access import Actor
    from spor.accounts.models import Membership

    ppr = Actor(world.ppr_a, Membership.objects.get(user=world.ppr_a, municipality=world.a))
    with pytest.raises(PermissionDenied):
        services.hourly_rate_save(
            actor=ppr,
            profession=Profession.SPEECH,
            valid_from=dt.date(2026, 1, 1),
            rate_value=Decimal(500),
        )
