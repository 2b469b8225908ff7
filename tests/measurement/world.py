"""The SDQ measurement in the personas' world: on the running delivery of Oliver's case
(tests/cases/world.py) an open link to the parent (before) and a teacher form typed in from
paper (before), so the URL walk finds a MeasurementRequest and a Response in Aby."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from spor.accounts.models import Membership
from spor.lib.links import hash_token
from spor.measurement import questionnaire
from spor.measurement.models import Informant, MeasurementRequest, Phase, Response

if TYPE_CHECKING:
    from tests.conftest import World

# A teacher's answers (item codes as ticked): total difficulties 20 on teacher-4-17
# (abnormal under uk-3band).
TEACHER_ANSWERS = {
    "sdq1": 1, "sdq2": 2, "sdq3": 1, "sdq4": 1, "sdq5": 1, "sdq6": 2, "sdq7": 1, "sdq8": 1,
    "sdq9": 1, "sdq10": 2, "sdq11": 1, "sdq12": 0, "sdq13": 1, "sdq14": 1, "sdq15": 2,
    "sdq16": 1, "sdq17": 2, "sdq18": 0, "sdq19": 1, "sdq20": 1, "sdq21": 1, "sdq22": 0,
    "sdq23": 1, "sdq24": 0, "sdq25": 1,
}  # fmt: skip
WORLD_TOKEN = "w" * 43


def extend(w: World) -> None:
    delivery = w.extra.get("case_delivery")
    if delivery is None:
        return
    ppr = Membership.objects.get(user=w.ppr_a, municipality=w.a)
    now = timezone.now()
    request = MeasurementRequest.objects.create(
        municipality=w.a,
        delivery=delivery,
        phase=Phase.BEFORE,
        informant=Informant.PARENT,
        form="parent-4-17",
        recipient_name="Mette Nielsen",
        recipient_email="mette@example.org",
        token_hash=hash_token(WORLD_TOKEN),
        expires_at=now + dt.timedelta(days=21),
        sent_at=now,
        created_by=ppr,
    )
    impact = {"ebddiff": 2, "distres": 2, "impfrie": 1, "impclas": 2}
    response = Response.objects.create(
        municipality=w.a,
        delivery=delivery,
        phase=Phase.BEFORE,
        informant=Informant.TEACHER,
        form="teacher-4-17",
        answers=TEACHER_ANSWERS,
        impact=impact,
        scores=questionnaire.score("teacher-4-17", TEACHER_ANSWERS, impact),
        norm_set="uk-3band@1",
        entered_by=ppr,
        answered_at=now - dt.timedelta(days=20),
    )
    w.extra.update(measurement_request=request, measurement_response=response)
