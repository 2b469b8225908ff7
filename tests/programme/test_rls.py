"""On PostgreSQL the programme administrator, who has no municipality, reads and writes the
programme's rows in every participating municipality through the controlled national
context, and the request leaves no setting behind."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from spor.programme.models import DevelopmentPlan, Initiative, ProgrammeParticipation
from spor.tenancy.rls import SETTING
from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"
)


def test_the_administrator_reads_every_municipalitys_initiatives_under_rls(
    world: World,
) -> None:
    plan_b = DevelopmentPlan.objects.create(
        municipality=world.b, participation=world.extra["participation_b"], title="Tidligt ind"
    )
    Initiative.objects.create(
        municipality=world.b,
        plan=plan_b,
        title="Åben rådgivning for forældre",
        description="Drop-in hos PPR.",
        scope="specifik",
        aimed_at=["familier"],
        level="forebyggende",
        target_groups=["foraeldre"],
        age_groups=["3_5"],
        responsible="PPR",
    )
    client = world.client_for(world.extra["programme_admin"])
    programme = world.extra["programme"]
    page = client.get(f"/partnerskab/{programme.pk}/initiativer/").content.decode()
    assert "Viser 2 af 2 initiativer." in page
    assert "Åben rådgivning for forældre" in page and "Samtalegrupper" in page
    detail = client.get(f"/partnerskab/{programme.pk}/").content.decode()
    assert "Tidligt ind" in detail and "PPR på sporet" in detail
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting(%s, true), '')", [SETTING])
        assert cursor.fetchone()[0] == ""


def test_the_administrator_adds_a_municipality_under_rls(world: World) -> None:
    cby = f.municipality("Cby Kommune", "903")
    client = world.client_for(world.extra["programme_admin"])
    response = client.post(
        f"/partnerskab/{world.extra['programme'].pk}/kommuner/ny/",
        {"municipality": cby.pk, "grant": "1000000", "extra_staff": "1"},
    )
    assert response.status_code == 302
    assert ProgrammeParticipation.objects.get(municipality=cby).grant == Decimal("1000000")


def test_a_ppr_leder_still_sees_only_the_own_municipalitys_plan(world: World) -> None:
    plan_a = world.extra["plan_a"]
    client = world.client_for(world.lead_b)
    assert client.get(f"/partnerskab/udviklingsplaner/{plan_a.pk}/").status_code == 404
    assert "PPR på sporet" not in client.get("/partnerskab/").content.decode()
