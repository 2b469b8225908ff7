"""The organisational survey in the personas' world: Aby's lead has a closed round (with an
invitation to the psychologist, used, and one answer set) and a self-assessment of
pejlemærke 1, so the URL walk finds one of each survey model in Aby."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from spor.accounts.models import Membership
from spor.lib.links import hash_token
from spor.survey import items
from spor.survey.models import (
    BenchmarkSelfAssessment,
    Level,
    SurveyAnswerSet,
    SurveyInvitation,
    SurveyRound,
)

if TYPE_CHECKING:
    from tests.conftest import World

WORLD_TOKEN = "s" * 43


def extend(w: World) -> None:
    lead = Membership.objects.get(user=w.lead_a, municipality=w.a)
    ppr = Membership.objects.get(user=w.ppr_a, municipality=w.a)
    data = items.shipped()
    rnd = SurveyRound.objects.create(
        municipality=w.a,
        name="Efterår 2025",
        opened_on=dt.date(2025, 9, 1),
        closes_on=dt.date(2025, 9, 15),
        closed_on=dt.date(2025, 9, 15),
        items=data,
        opened_by=lead,
    )
    invitation = SurveyInvitation.objects.create(
        municipality=w.a,
        round=rnd,
        membership=ppr,
        token_hash=hash_token(WORLD_TOKEN),
        used=True,
        expires_on=rnd.closes_on,
    )
    answers = SurveyAnswerSet.objects.create(
        municipality=w.a,
        round=rnd,
        answered_on=dt.date(2025, 9, 3),
        answers=dict.fromkeys(items.codes(data), 4),
    )
    assessment = BenchmarkSelfAssessment.objects.create(
        municipality=w.a, round=rnd, benchmark_number=1, level=Level.MIDDLE, saved_by=lead
    )
    w.extra.update(
        survey_round=rnd,
        survey_invitation=invitation,
        survey_answer_set=answers,
        survey_self_assessment=assessment,
    )
