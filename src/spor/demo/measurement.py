"""Demo SDQ before/after measurements for the cases of :mod:`spor.demo.cases`.

:func:`generate` gives the deliveries of the demo's child cases a baseline (førmåling) from
the teacher/pedagogue (about 90 %), a parent (about 75 %), the PPR professional who knows the
child best (about 60 %) and, from 11 years, the child (about half), and the finished
deliveries a follow-up (eftermåling) from about 80 % of them (attrition about 20 %).
Teacher-rated total difficulties are about 15 at baseline (SD about 6) and fall by about 3
points on average, with some children getting worse. Some answers came through a link, some
were typed in from paper; running deliveries have unanswered links too. Everything is
scored by :mod:`spor.sdq` as the app does it, and written with ``bulk_create``. The numbers
are synthetic: they say nothing about any intervention.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from django.utils import timezone

from spor import sdq
from spor.cases.models import CoordinatorAssignment, Delivery
from spor.measurement import questionnaire
from spor.measurement.models import Informant, MeasurementRequest, Phase, Response
from spor.tenancy.models import Municipality

SHARE_BASELINE = {
    Informant.TEACHER: 0.9,
    Informant.PARENT: 0.75,
    Informant.PROFESSIONAL: 0.6,
    Informant.SELF: 0.5,
}
FOLLOW_UP = 0.8
BY_LINK = 0.7


def _clip(x: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, round(x)))


def _items(form: str, difficulties: int, prosocial: int, rng: random.Random) -> dict[str, int]:
    """Answers (as ticked) whose difficulty items add up to ``difficulties`` points and whose
    prosocial items add up to ``prosocial`` points."""
    inst = sdq.load_instrument(form)
    points: dict[str, int] = {}
    for scale_names, total in (
        (("emotional", "conduct", "hyperactivity", "peer"), difficulties),
        (("prosocial",), prosocial),
    ):
        keys = [inst.item_keys[i] for s in inst.scales if s.name in scale_names for i in s.items]
        score = dict.fromkeys(keys, 0)
        for _ in range(min(total, 2 * len(keys))):
            key = rng.choice([k for k in keys if score[k] < 2])
            score[key] += 1
        points.update(score)
    return {it.key: (2 - points[it.key]) if it.reverse else points[it.key] for it in inst.items}


def _impact(form: str, total: int, rng: random.Random) -> dict[str, int]:
    inst = sdq.load_instrument(form)
    if inst.impact is None:
        return {}
    level = _clip((total - 8) / 5 + rng.gauss(0, 0.7), 0, 3)
    out = {inst.impact.overall.key: level}
    if level > 0:
        for item in inst.impact.items:
            out[item.key] = _clip(level - 1 + rng.gauss(0, 0.9), 0, 3)
    return out


def generate(municipality: Municipality, *, rng: random.Random, today: dt.date) -> int:
    """Write the demo measurements; returns the number of responses."""
    mid = municipality.pk
    deliveries = list(
        Delivery.objects.filter(
            municipality_id=mid, case__child__isnull=False, start__lte=today
        ).values_list("pk", "start", "end", "case_id", "case__child__birth_date")
    )
    if not deliveries:
        return 0
    coordinator = dict(
        CoordinatorAssignment.objects.filter(municipality_id=mid)
        .order_by("from_on", "pk")
        .values_list("case_id", "membership_id")
    )
    tz = timezone.get_current_timezone()

    def moment(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(rng.randint(8, 20), rng.randint(0, 59)), tz)

    requests: list[MeasurementRequest] = []
    planned: list[tuple[int | None, Response]] = []  # (index into requests, response)
    for pk, start, end, case_id, born in deliveries:
        age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        teacher_t1 = rng.gauss(15, 6)
        change = rng.gauss(-3, 4.5)  # the child's change; informants see it with noise
        base = {
            Informant.TEACHER: teacher_t1,
            Informant.PARENT: teacher_t1 + rng.gauss(0, 4),
            Informant.PROFESSIONAL: teacher_t1 + rng.gauss(0, 3),
            Informant.SELF: teacher_t1 + rng.gauss(-1, 4),
        }
        finished = end is not None and end <= today
        staff = coordinator.get(case_id)
        for informant, share in SHARE_BASELINE.items():
            if rng.random() >= share:
                continue
            for phase in (Phase.BEFORE, Phase.AFTER):
                if phase == Phase.AFTER and (not finished or rng.random() >= FOLLOW_UP):
                    break
                try:
                    form = questionnaire.form_for(informant, phase, age)
                except questionnaire.FormChoiceError:
                    break
                anchor = start if phase == Phase.BEFORE else end
                assert anchor is not None
                day = min(anchor + dt.timedelta(days=rng.randint(0, 12)), today)
                total = base[informant] + (change + rng.gauss(0, 2) if phase == Phase.AFTER else 0)
                difficulties = _clip(total, 0, 40)
                answers = _items(form, difficulties, _clip(rng.gauss(6.5, 2), 0, 10), rng)
                impact = _impact(form, difficulties, rng)
                by_link = informant == Informant.SELF or rng.random() < BY_LINK or staff is None
                index = None
                if by_link:
                    requests.append(
                        MeasurementRequest(
                            municipality_id=mid,
                            delivery_id=pk,
                            phase=phase,
                            informant=informant,
                            form=form,
                            token_hash=hashlib.sha256(rng.randbytes(32)).hexdigest(),
                            expires_at=moment(day + dt.timedelta(days=21)),
                            sent_at=moment(anchor),
                            used_at=moment(day),
                            created_by_id=staff,
                        )
                    )
                    index = len(requests) - 1
                scores = questionnaire.score(form, answers, impact)
                planned.append(
                    (
                        index,
                        Response(
                            municipality_id=mid,
                            delivery_id=pk,
                            phase=phase,
                            informant=informant,
                            form=form,
                            answers=answers,
                            impact=impact,
                            scores=scores,
                            norm_set=scores.get("norm_set") or "",
                            entered_by_id=None if by_link else staff,
                            answered_at=moment(day),
                        ),
                    )
                )
        # A running delivery also has a baseline link nobody has answered yet.
        if not finished and rng.random() < 0.3:
            try:
                form = questionnaire.form_for(Informant.PARENT, Phase.BEFORE, age)
            except questionnaire.FormChoiceError:
                continue
            if any(r.delivery_id == pk and r.informant == Informant.PARENT for _, r in planned):
                continue
            sent = min(start + dt.timedelta(days=rng.randint(0, 5)), today)
            requests.append(
                MeasurementRequest(
                    municipality_id=mid,
                    delivery_id=pk,
                    phase=Phase.BEFORE,
                    informant=Informant.PARENT,
                    form=form,
                    recipient_name="Forælder (demo)",
                    recipient_email=f"foraelder{pk}@example.org",
                    token_hash=hashlib.sha256(rng.randbytes(32)).hexdigest(),
                    expires_at=moment(sent + dt.timedelta(days=21)),
                    sent_at=moment(sent),
                    created_by_id=staff,
                )
            )
    made = MeasurementRequest.objects.bulk_create(requests)
    responses = []
    for index, response in planned:
        if index is not None:
            response.request = made[index]
        responses.append(response)
    Response.objects.bulk_create(responses)
    return len(responses)
