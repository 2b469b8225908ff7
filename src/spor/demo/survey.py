"""Demo organisationsmåling: two closed rounds of last year with answers and a self-assessment.

:func:`generate` needs the registry's demo staff (PPR-medarbejdere and the PPR-leder). It
creates, idempotently (nothing if the municipality has any round), a spring and an autumn
round of last year with the shipped items, an invitation per active PPR staff member and
lead (about 80 % used), one anonymous answer set per used invitation, and the lead's
self-assessment of the autumn round, the level derived from the mean as
:mod:`spor.survey.results` does. The autumn round is a little better on most pejlemærker, so
the results page shows a change. Writes with ``bulk_create``; the same ``rng`` state and
``today`` give the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from spor.accounts.models import Membership, Role
from spor.lib.links import new_token
from spor.survey import items, results
from spor.survey.models import (
    BenchmarkSelfAssessment,
    Level,
    SurveyAnswerSet,
    SurveyInvitation,
    SurveyRound,
)
from spor.survey.services import INVITED_ROLES
from spor.tenancy.models import Municipality

USED_SHARE = 0.8
DONT_KNOW_SHARE = 0.04
# The spring round's mean per pejlemærke, and the change to the autumn round.
BASE_MEAN = {1: 3.7, 2: 3.1, 3: 2.6, 4: 3.3, 5: 2.3}
CHANGE = {1: 0.1, 2: 0.3, 3: 0.5, 4: 0.0, 5: 0.4}
NOTES = {
    1: "Vi er godt i gang; fælles sprog om tidlig indsats er på plads.",
    2: "Konsultationerne virker, men ventetiden skal ned.",
    3: "Samarbejdet med dagtilbud og skoler er blevet bedre efter de faste møder.",
    4: "Vi mangler stadig systematisk opfølgning på indsatserne.",
    5: "Fokus i næste år: data og evaluering som en fast del af praksis.",
}


def _answer(mean: float, lean: float, rng: random.Random) -> int | None:
    if rng.random() < DONT_KNOW_SHARE:
        return None
    return max(1, min(5, round(rng.gauss(mean + lean, 0.8))))


def _rounds(year: int) -> list[tuple[str, dt.date, dt.date]]:
    return [
        (f"Forår {year}", dt.date(year, 3, 2), dt.date(year, 3, 23)),
        (f"Efterår {year}", dt.date(year, 9, 7), dt.date(year, 9, 28)),
    ]


def generate(municipality: Municipality, *, rng: random.Random, today: dt.date) -> None:
    """Write the two rounds with invitations, answers and the self-assessment."""
    mid = municipality.pk
    if SurveyRound.objects.filter(municipality_id=mid).exists():
        return
    members = list(
        Membership.objects.filter(municipality_id=mid, active=True, role__in=INVITED_ROLES)
        .order_by("pk")
        .values_list("pk", "role")
    )
    if not members:
        return
    leads = [pk for pk, role in members if role == Role.LEAD]
    lead = leads[0] if leads else members[0][0]
    data = items.shipped()
    by_code = {i["code"]: b["number"] for b in data["benchmarks"] for i in b["items"]}

    rounds = SurveyRound.objects.bulk_create(
        [
            SurveyRound(
                municipality_id=mid,
                name=name,
                opened_on=opened_on,
                closes_on=closes_on,
                closed_on=closes_on,
                items=items.shipped(),
                opened_by_id=lead,
            )
            for name, opened_on, closes_on in _rounds(today.year - 1)
        ]
    )

    invitations: list[SurveyInvitation] = []
    answer_sets: list[SurveyAnswerSet] = []
    latest: list[dict[str, Any]] = []
    for index, rnd in enumerate(rounds):
        n_used = round(USED_SHARE * len(members))
        used_pks = set(rng.sample([pk for pk, _role in members], n_used))
        for pk, _role in members:
            used = pk in used_pks
            _token, token_hash = new_token()
            invitations.append(
                SurveyInvitation(
                    municipality_id=mid,
                    round=rnd,
                    membership_id=pk,
                    token_hash=token_hash,
                    used=used,
                    expires_on=rnd.closes_on,
                )
            )
        days = (rnd.closes_on - rnd.opened_on).days
        for _ in range(n_used):
            lean = rng.gauss(0, 0.4)  # some answer more positively than others
            answers = {
                code: _answer(BASE_MEAN[number] + index * CHANGE[number], lean, rng)
                for code, number in by_code.items()
            }
            if index == len(rounds) - 1:
                latest.append(answers)
            answer_sets.append(
                SurveyAnswerSet(
                    municipality_id=mid,
                    round=rnd,
                    answered_on=rnd.opened_on
                    + dt.timedelta(days=min(days, int(rng.expovariate(0.25)))),
                    answers=answers,
                )
            )
    SurveyInvitation.objects.bulk_create(invitations)
    SurveyAnswerSet.objects.bulk_create(answer_sets)

    last = rounds[-1]
    BenchmarkSelfAssessment.objects.bulk_create(
        [
            BenchmarkSelfAssessment(
                municipality_id=mid,
                round=last,
                benchmark_number=b.number,
                level=results.level_for(b.mean) or Level.MIDDLE,
                note=NOTES[b.number],
                saved_by_id=lead,
                saved_on=last.closes_on + dt.timedelta(days=rng.randint(3, 10)),
            )
            for b in results.summarise(last.items, latest)
        ]
    )
