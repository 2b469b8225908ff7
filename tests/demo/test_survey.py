"""The survey's demo data: two closed rounds with answers the lead can see, idempotent."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from spor.accounts.models import Membership, Role, User
from spor.demo import survey as demo
from spor.survey.models import (
    BenchmarkSelfAssessment,
    SurveyAnswerSet,
    SurveyInvitation,
    SurveyRound,
)


@pytest.mark.usefixtures("db")
def test_demo_has_two_closed_rounds_with_results_for_the_lead(client: Client) -> None:
    call_command("spor_demo", children=2500, no_progress=True, stdout=io.StringIO())
    lead = User.objects.get(username="leder")
    muni = Membership.objects.get(user=lead, role=Role.LEAD).municipality
    today = timezone.localdate()

    rounds = list(SurveyRound.objects.filter(municipality=muni).order_by("opened_on"))
    assert len(rounds) == 2
    assert all(r.is_closed(today) for r in rounds)
    invited = Membership.objects.filter(
        municipality=muni, active=True, role__in=[Role.PPR, Role.LEAD]
    ).count()
    for rnd in rounds:
        assert rnd.invitations.count() == invited
        used = SurveyInvitation.objects.filter(round=rnd, used=True).count()
        assert SurveyAnswerSet.objects.filter(round=rnd).count() == used >= 5
        assert (
            not SurveyAnswerSet.objects.filter(round=rnd)
            .exclude(answered_on__range=(rnd.opened_on, rnd.closes_on))
            .exists()
        )
    assert BenchmarkSelfAssessment.objects.filter(round=rounds[-1]).count() == 5

    client.force_login(lead)
    response = client.get(reverse("survey:round", args=[rounds[-1].pk]))
    assert response.status_code == 200
    assert "Gennemsnit" in response.content.decode()
    assert "Færre end" not in response.content.decode()
    assert response.context["res"].shown
    assert response.context["res"].previous == rounds[0]

    counts = (
        SurveyRound.objects.count(),
        SurveyInvitation.objects.count(),
        SurveyAnswerSet.objects.count(),
        BenchmarkSelfAssessment.objects.count(),
    )
    demo.generate(muni, rng=random.Random(1), today=today)
    assert counts == (
        SurveyRound.objects.count(),
        SurveyInvitation.objects.count(),
        SurveyAnswerSet.objects.count(),
        BenchmarkSelfAssessment.objects.count(),
    )
