"""Demo measurements: a plausible before/after distribution, written in bulk."""

from __future__ import annotations

import datetime as dt
import random
import statistics

from spor.demo import cases as cases_demo
from spor.demo import measurement as demo
from spor.demo import registry as registry_demo
from spor.measurement.models import Informant, MeasurementRequest, Phase, Response

TODAY = dt.date(2026, 11, 23)


def test_the_demo_gives_baselines_follow_ups_and_attrition(
    db: None, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    registry_demo.generate(children=600, today=TODAY)
    muni = registry_demo.demo_municipality()
    assert muni is not None
    cases_demo.generate(muni, rng=random.Random(7), today=TODAY)
    with django_assert_max_num_queries(60):  # bulk INSERTs (SQLite splits the big ones)
        made = demo.generate(muni, rng=random.Random(8), today=TODAY)
    assert made == Response.objects.filter(municipality=muni).count() > 200

    teacher = Response.objects.filter(informant=Informant.TEACHER)
    t1 = {r.delivery_id: r.scores["total"] for r in teacher.filter(phase=Phase.BEFORE)}
    t2 = {r.delivery_id: r.scores["total"] for r in teacher.filter(phase=Phase.AFTER)}
    assert 12 <= statistics.mean(t1.values()) <= 18
    assert 4 <= statistics.stdev(t1.values()) <= 8
    pairs = [(t1[d], t2[d]) for d in t2 if d in t1]
    falls = [b - a for b, a in pairs]
    assert 1 <= statistics.mean(falls) <= 5
    assert any(f < -3 for f in falls)  # some children deteriorate
    assert {r.informant for r in Response.objects.all()} >= {
        Informant.PARENT,
        Informant.TEACHER,
        Informant.PROFESSIONAL,
    }
    all_norms = set(Response.objects.values_list("norm_set", flat=True))
    assert "uk-3band@1" in all_norms
    # Attrition: not every finished baseline has a follow-up.
    finished = set(
        Response.objects.filter(informant=Informant.TEACHER, delivery__end__lte=TODAY)
        .filter(phase=Phase.BEFORE)
        .values_list("delivery_id", flat=True)
    )
    share = len(set(t2) & finished) / len(finished)
    assert 0.65 <= share <= 0.92
    assert MeasurementRequest.objects.filter(used_at__isnull=True).exists()
    assert Response.objects.filter(entered_by__isnull=False).exists()  # paper
