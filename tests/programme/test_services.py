"""The services' rules, for callers other than the screens (imports, commands): a plan only
in a municipality of the programme, one plan per programme, one participation each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from spor.programme import services
from spor.programme.access import ProgrammeActor
from spor.programme.models import DevelopmentPlan, ProgrammeAdmin, ProgrammeParticipation
from tests import factories as f
from tests.cases.helpers import actor
from tests.conftest import World


def test_a_plan_in_a_municipality_outside_the_programme_is_refused_in_danish(
    world: World,
) -> None:
    ProgrammeParticipation.objects.filter(pk=world.extra["participation_b"].pk).delete()
    with pytest.raises(ValidationError) as caught:
        services.development_plan_create(
            actor=actor(world, world.lead_b), programme=world.extra["programme"], title="Plan"
        )
    assert caught.value.messages == [
        "Bby Kommune deltager ikke i »Investering i den tidlige og forebyggende indsats i "
        "PPR«. En udviklingsplan hører til en kommune i programmet; kontakt programmets "
        "administrator, hvis kommunen skal være med."
    ]
    assert not DevelopmentPlan.objects.filter(municipality=world.b).exists()


def test_a_municipality_has_one_plan_per_programme(world: World) -> None:
    with pytest.raises(ValidationError, match="har allerede en udviklingsplan"):
        services.development_plan_create(
            actor=actor(world, world.lead_a), programme=world.extra["programme"], title="Igen"
        )


def test_only_the_ppr_leder_writes_the_plan(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.development_plan_create(
            actor=actor(world, world.ppr_b), programme=world.extra["programme"], title="Plan"
        )


def test_a_municipality_joins_a_programme_once(world: World) -> None:
    pactor = ProgrammeActor(world.extra["programme_admin"], world.extra["programme"])
    with pytest.raises(ValidationError) as caught:
        services.participation_add(
            actor=pactor, municipality=world.a, grant=Decimal(1), extra_staff=Decimal(0)
        )
    assert caught.value.message_dict == {
        "municipality": ["Aby Kommune deltager allerede i programmet."]
    }


def test_a_municipality_can_take_part_in_several_programmes_over_time(world: World) -> None:
    later = world.extra["programme"].__class__.objects.create(
        name="Næste partnerskab",
        start_on=dt.date(2024, 1, 1),
        end_on=dt.date(2027, 12, 31),
        grant_pool=Decimal("50000000"),
        framework=world.extra["programme"].framework,
    )
    # The administrator administers the new programme too (on PostgreSQL the owner's
    # function names a programme's municipalities only to its administrators).
    ProgrammeAdmin.objects.create(user=world.extra["programme_admin"], programme=later)
    pactor = ProgrammeActor(world.extra["programme_admin"], later)
    services.participation_add(
        actor=pactor, municipality=world.a, grant=Decimal("5000000"), extra_staff=Decimal("2")
    )
    assert ProgrammeParticipation.objects.filter(municipality=world.a).count() == 2
    other = f.municipality("Cby Kommune", "903")
    with pytest.raises(ValidationError, match=r"kan ikke overstige puljen på 50\.000\.000 kr\."):
        services.participation_add(
            actor=pactor, municipality=other, grant=Decimal("45000001"), extra_staff=Decimal(1)
        )
