"""Demo concerns: every state and outcome, overdue ones, groups, follow-up logs."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from spor.concerns.models import Concern, ConcernEvent, EventKind, Outcome, State
from spor.demo import concerns as demo
from spor.demo import registry as registry_demo

TODAY = dt.date(2026, 11, 23)


def test_the_demo_has_open_overdue_closed_and_group_concerns_with_logs(
    db: None, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    registry_demo.generate(children=600, today=TODAY)
    muni = registry_demo.demo_municipality()
    assert muni is not None
    with django_assert_max_num_queries(10):
        made = demo.generate(muni, rng=random.Random(7), today=TODAY)

    concerns = list(Concern.objects.filter(municipality=muni))
    assert made == len(concerns) == 60
    outcomes = Counter(c.outcome for c in concerns if c.state == State.CLOSED)
    assert set(outcomes) == set(Outcome.values)
    assert any(c.is_open and c.follow_up_on < TODAY for c in concerns)
    assert any(c.is_open and c.follow_up_on >= TODAY for c in concerns)
    assert sum(c.group_id is not None for c in concerns) >= 5
    assert all(c.underretning_on is not None for c in concerns if c.outcome == Outcome.NOTIFICATION)
    created = Counter(
        ConcernEvent.objects.filter(kind=EventKind.CREATED).values_list("concern_id", flat=True)
    )
    assert created == Counter({c.pk: 1 for c in concerns})
    assert ConcernEvent.objects.filter(kind=EventKind.NOTE).exists()


def test_the_demo_logins_have_concerns_to_look_at(db: None) -> None:
    registry_demo.generate(children=600, today=TODAY)
    muni = registry_demo.demo_municipality()
    assert muni is not None
    demo.generate(muni, rng=random.Random(7), today=TODAY)
    logins = {login.username for login in registry_demo.demo_logins()}
    raisers = set(Concern.objects.values_list("raised_by__user__username", flat=True)) | set(
        Concern.objects.values_list("responsible__user__username", flat=True)
    )
    assert {"psykolog1", "laerer1", "sundhedsplejerske1"} <= raisers & logins
