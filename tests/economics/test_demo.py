"""Demo economics: after the registry, cases and measurement demos, the lead of the demo
municipality sees priced costs, no hours without a rate, and saved investment cases."""

from __future__ import annotations

import datetime as dt
import random

from django.test import Client

from spor.accounts.models import User
from spor.cases import demo as cases_demo
from spor.economics import demo
from spor.economics.models import HourlyRate, InvestmentScenario
from spor.evaluation.economics import DISCLAIMER_DA
from spor.measurement import demo as measurement_demo
from spor.registry import demo as registry_demo

TODAY = dt.date(2026, 11, 23)


def test_the_demo_gives_a_plausible_picture(db: None) -> None:
    registry_demo.generate(children=600, today=TODAY)
    muni = registry_demo.demo_municipality()
    assert muni is not None
    cases_demo.generate(muni, rng=random.Random(7), today=TODAY)
    measurement_demo.generate(muni, rng=random.Random(8), today=TODAY)
    demo.generate(muni, rng=random.Random(9), today=TODAY)

    lead = User.objects.get(username="leder")
    client = Client()
    client.force_login(lead)
    r = client.get("/oekonomi/", {"prisdato": TODAY.isoformat()})
    assert r.status_code == 200
    report = r.context["page"].report
    assert report.unpriced == {} and report.unallocated == {}
    assert report.n_cases > 100
    # A PPR forløb costs some thousands of kroner, not hundreds or hundreds of thousands.
    assert 3_000 <= report.per_case_median <= 40_000
    assert report.staff > report.materials + report.implementation > 0

    scenarios = list(InvestmentScenario.objects.filter(municipality=muni))
    assert 1 <= len(scenarios) <= 2
    for s in scenarios:
        page = client.get(f"/oekonomi/investering/{s.pk}/")
        assert page.status_code == 200
        assert DISCLAIMER_DA in page.content.decode()
    # A second run changes nothing.
    rates = HourlyRate.objects.filter(municipality=muni).count()
    demo.generate(muni, rng=random.Random(9), today=TODAY)
    assert HourlyRate.objects.filter(municipality=muni).count() == rates
    assert InvestmentScenario.objects.filter(municipality=muni).count() == len(scenarios)
