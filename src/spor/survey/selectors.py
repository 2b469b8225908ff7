"""Reads of the organisational survey, scoped to the actor. Only the PPR-leder sees rounds
and results; everyone else gets 404. The self-assessment is also readable by PPR staff
(for the development plan)."""

from __future__ import annotations

from django.http import Http404

from spor.accounts.access import Actor
from spor.survey.models import BenchmarkSelfAssessment, SurveyRound


def rounds_for(actor: Actor) -> list[SurveyRound]:
    if not actor.is_lead:
        raise Http404
    return list(SurveyRound.objects.filter(municipality_id=actor.municipality_id))


def get_surveyround_for_user(actor: Actor, surveyround_id: int) -> SurveyRound:
    if not actor.is_lead:
        raise Http404
    rnd = SurveyRound.objects.filter(
        municipality_id=actor.municipality_id, pk=surveyround_id
    ).first()
    if rnd is None:
        raise Http404
    return rnd


def self_assessments_of(rnd: SurveyRound) -> dict[int, BenchmarkSelfAssessment]:
    return {
        a.benchmark_number: a
        for a in BenchmarkSelfAssessment.objects.filter(
            municipality_id=rnd.municipality_id, round=rnd
        )
    }


def latest_self_assessment(actor: Actor) -> list[BenchmarkSelfAssessment]:
    """The self-assessment of the latest round that has one (for the development plan),
    pejlemærke 1–5 in order; empty for roles outside PPR."""
    if not actor.sees_whole_municipality:
        return []
    qs = BenchmarkSelfAssessment.objects.filter(municipality_id=actor.municipality_id)
    latest = qs.select_related("round").order_by("-round__opened_on", "-round_id").first()
    if latest is None:
        return []
    return list(qs.filter(round_id=latest.round_id).select_related("round"))
