"""Demo catalogue and cases: a realistic mix, written in a handful of bulk INSERTs."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.db.models import F

from spor.cases.models import (
    Case,
    CaseMember,
    CoordinatorAssignment,
    Delivery,
    DeliveryHours,
    Goal,
    Intervention,
    KnowledgeBase,
    Meeting,
    Status,
)
from spor.demo import cases as demo
from spor.demo import registry as registry_demo

TODAY = dt.date(2026, 11, 23)


def test_the_demo_has_a_catalogue_and_a_mix_of_cases_with_everything_in_them(
    db: None, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    registry_demo.generate(children=600, today=TODAY)
    muni = registry_demo.demo_municipality()
    assert muni is not None
    # The catalogue's 16 items through the service (a few queries each); the cases in bulk
    # INSERTs, whatever their number (SQLite splits the big ones).
    with django_assert_max_num_queries(80 + 5 * len(demo.CATALOGUE)):
        made = demo.generate(muni, rng=random.Random(7), today=TODAY)

    catalogue = list(Intervention.objects.filter(municipality=muni))
    assert 14 <= len(catalogue) <= 18
    assert {i.provider for i in catalogue} > {"PPR"}  # bridges to other units too
    assert any(i.knowledge_base == KnowledgeBase.INSPIRED for i in catalogue)
    assert any("Cool Kids-inspireret" in i.name for i in catalogue)

    cases = list(Case.objects.filter(municipality=muni))
    assert made == len(cases) == 300
    status = Counter(c.status for c in cases)
    assert status[Status.OPEN] > 50 and status[Status.CLOSED] > 50
    assert len({c.level for c in cases}) == 3
    assert sum(c.group_id is not None for c in cases) >= 20
    assert any(c.start_medication for c in cases) and any(c.close_medication for c in cases)
    closed = [c for c in cases if c.status == Status.CLOSED]
    assert all(c.outcome and c.close_psychiatry is not None for c in closed)
    assert (
        Counter(CoordinatorAssignment.objects.values_list("case_id", flat=True)).most_common(1)[0][
            1
        ]
        >= 2
    )
    for model in (CaseMember, Goal, Meeting, Delivery, DeliveryHours):
        assert model.objects.filter(municipality=muni).exists(), model.__name__
    assert not Delivery.objects.filter(end__lt=F("start")).exists()


def test_the_demo_logins_are_on_cases(db: None) -> None:
    registry_demo.generate(children=600, today=TODAY)
    muni = registry_demo.demo_municipality()
    assert muni is not None
    demo.generate(muni, rng=random.Random(7), today=TODAY)
    on_cases = set(
        CaseMember.objects.filter(left_on__isnull=True).values_list(
            "membership__user__username", flat=True
        )
    )
    assert {"psykolog1", "sundhedsplejerske1", "socialraadgiver1"} <= on_cases


def test_every_demo_intervention_says_what_it_helps_with() -> None:
    """The suggestions from need rank by these; an unknown key would never match."""
    from spor.cases.matching import NEEDS

    assert {item[0] for item in demo.CATALOGUE} == set(demo.CATALOGUE_NEEDS)
    assert all(needs and set(needs) <= set(NEEDS) for needs in demo.CATALOGUE_NEEDS.values())
