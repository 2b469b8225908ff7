"""Demo screening data: three rounds, a plausible distribution, parents informed, consents."""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from spor.accounts.models import GroupAssignment, User
from spor.demo import registry as registry_demo
from spor.demo import screening as demo
from spor.screening import selectors as sel
from spor.screening.models import Assessment, Consent, ScreeningRound
from spor.tenancy.models import Municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def sporby(db: None, capsys: pytest.CaptureFixture[str]) -> Municipality:
    call_command("spor_demo", children=1200, seed=1, stdout=io.StringIO(), no_progress=True)
    capsys.readouterr()
    # spor_demo calls spor.demo.screening.generate for the demo municipality.
    muni = Municipality.objects.get(code=registry_demo.DEMO_CODE)
    assert ScreeningRound.objects.filter(municipality=muni).count() == 3
    return muni


def test_the_demo_has_two_closed_rounds_and_one_open_partly_rated(sporby: Municipality) -> None:
    rounds = list(ScreeningRound.objects.filter(municipality=sporby).order_by("starts"))
    assert [r.status for r in rounds] == ["lukket", "lukket", "aaben"]
    assert rounds[0].starts < rounds[1].starts < timezone.localdate()
    lead = User.objects.get(username="leder")
    client = Client()
    client.force_login(lead)
    html = client.get(f"/trivsel/{rounds[2].pk}/").content.decode()
    assert "Grupper, der ikke er færdigvurderet" in html


def test_the_demo_positions_are_about_80_15_5_and_some_persist(sporby: Municipality) -> None:
    past = ScreeningRound.objects.filter(municipality=sporby).order_by("starts")[1]
    share = Counter(
        Assessment.objects.filter(round=past, is_agreement=True).values_list("position", flat=True)
    )
    total = sum(share.values())
    assert 0.72 < share["groen"] / total < 0.88
    assert 0.02 < share["roed"] / total < 0.12
    lead = sel.Actor(
        user=User.objects.get(username="leder"),
        membership=User.objects.get(username="leder").memberships.get(),
    )
    current = ScreeningRound.objects.get(municipality=sporby, status="aaben")
    result = sel.follow_up(lead, current)
    assert result.named and result.awaiting_consent > 0
    assert Consent.objects.filter(municipality=sporby).count() > 0


def test_a_demo_teacher_in_a_rated_group_sees_her_grid(sporby: Municipality) -> None:
    current = ScreeningRound.objects.get(municipality=sporby, status="aaben")
    rated_group = (
        Assessment.objects.filter(round=current, is_agreement=True).values_list("group_id").first()
    )
    ga = GroupAssignment.objects.filter(group_id=rated_group[0]).select_related("membership__user")[
        0
    ]
    client = Client()
    client.force_login(ga.membership.user)
    response = client.get(f"/trivsel/{current.pk}/gruppe/{rated_group[0]}/?vurdering=faelles")
    assert response.status_code == 200
    assert "checked" in response.content.decode()


def test_generating_twice_adds_nothing(sporby: Municipality) -> None:
    assert demo.generate(sporby, rng=random.Random(2), today=timezone.localdate()) == {}


def test_the_demos_institution_figures_equal_a_recount(sporby: Municipality) -> None:
    # The demo bulk-inserts its groups' figures and notices; the triggers kept each
    # institution's row (screening migration 0004).
    from tests.screening.test_round_institution import recount, stored

    for r in ScreeningRound.objects.filter(municipality=sporby):
        assert stored(r) == recount(r) and stored(r)
