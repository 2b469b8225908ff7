"""Children with SDQ before/after measurements on one intervention, for the economics tests
(the same construction as the evaluation page's tests, kept here so the two can change
apart)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from spor.accounts.models import Membership
from spor.cases.models import Case, Delivery, DeliveryStatus, Level, OpenedFrom
from spor.demo import measurement as demo
from spor.measurement import questionnaire
from spor.measurement.models import Informant, Phase, Response
from spor.registry.models import Child
from tests.cases.world import intervention
from tests.conftest import World


def _response(w: World, d: Delivery, phase: str, total: int, age: int, on: dt.date,
              ppr: Membership, rng: random.Random) -> None:  # fmt: skip
    form = questionnaire.form_for(Informant.PROFESSIONAL, phase, age)
    answers = demo._items(form, total, 7, rng)
    scores = questionnaire.score(form, answers, {})
    Response.objects.create(
        municipality=w.a, delivery=d, phase=phase, informant=Informant.PROFESSIONAL, form=form,
        answers=answers, scores=scores, norm_set=scores["norm_set"], entered_by=ppr,
        answered_at=timezone.make_aware(dt.datetime.combine(on, dt.time(12))),
    )  # fmt: skip


def make_children(
    w: World, spec: list[tuple[int, int | None]], *, name: str = "Samtaler i skolen"
) -> None:
    """One child, case, delivery and before (and after, unless None) total difficulties score
    per spec, rated by the PPR professional, on a new intervention called ``name``."""
    ppr = Membership.objects.get(user=w.ppr_a, municipality=w.a)
    rng = random.Random(len(spec))
    iv = intervention(w.a, name, level=Level.ANTICIPATORY, min_age=2, max_age=17)
    today = timezone.localdate()
    baseline = today - dt.timedelta(days=120)
    for i, (before, after) in enumerate(spec):
        child = Child(municipality=w.a, first_name=f"Barn{i}", last_name="Test")
        child.set_cpr(f"{1 + i % 28:02d}0116-4{i:03d}")
        child.save()
        case = Case.objects.create(
            municipality=w.a, child=child, title="Forløb", level=Level.ANTICIPATORY,
            opened_from=OpenedFrom.DIRECT, opened_on=baseline, opened_by=ppr,
        )  # fmt: skip
        d = Delivery.objects.create(municipality=w.a, case=case, intervention=iv, start=baseline,
                                    status=DeliveryStatus.RUNNING)  # fmt: skip
        age = child.age_on(baseline)
        _response(w, d, Phase.BEFORE, before, age, baseline, ppr, rng)
        if after is not None:
            _response(w, d, Phase.AFTER, after, age, today, ppr, rng)
