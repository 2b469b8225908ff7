"""The demo partnership: the national programme with 11 municipalities and about 100
initiatives, written once however often it runs."""

from __future__ import annotations

import datetime as dt
import random

from spor.demo import programme as demo
from spor.demo.registry import DEMO_PASSWORD
from spor.programme.models import (
    Initiative,
    Milestone,
    Programme,
    ProgrammeAdmin,
    ProgrammeParticipation,
)
from spor.tenancy.models import Municipality
from tests import factories as f

TODAY = dt.date(2026, 11, 23)


def test_the_demo_writes_the_programme_with_eleven_municipalities_once(db: None) -> None:
    sporby = f.municipality("Sporby Kommune", "999")
    f.municipality("Ærø Kommune", "101")  # a real code in use: the demo must skip it
    added = demo.generate(sporby, rng=random.Random(1), today=TODAY)
    assert added == 105  # as in the programme's own documents (the demo had 103)
    programme = Programme.objects.get()
    assert programme.name == "Investering i den tidlige og forebyggende indsats i PPR"
    assert programme.period_label == "2017–2020" and programme.grant_pool == 123100000
    parts = ProgrammeParticipation.objects.filter(programme=programme)
    assert parts.count() == 11 and parts.filter(municipality=sporby).exists()
    assert sum(p.grant for p in parts) <= programme.grant_pool
    assert Municipality.objects.get(code="101").name == "Ærø Kommune"
    assert not parts.filter(municipality__code="101").exists()
    assert Initiative.objects.count() == added
    assert all(i.benchmarks.exists() for i in Initiative.objects.all())
    assert not Milestone.objects.exclude(
        due_on__gte=programme.start_on, due_on__lte=programme.end_on
    ).exists()
    admin = ProgrammeAdmin.objects.get(programme=programme).user
    assert admin.username == "programadmin" and admin.check_password(DEMO_PASSWORD)

    assert demo.generate(sporby, rng=random.Random(2), today=TODAY) == 0
    assert ProgrammeParticipation.objects.count() == 11
    assert Initiative.objects.count() == added


def test_the_demo_overview_shows_its_initiatives_to_programadmin(db: None) -> None:
    sporby = f.municipality("Sporby Kommune", "999")
    added = demo.generate(sporby, rng=random.Random(1), today=TODAY)
    from django.test import Client

    client = Client()
    client.force_login(ProgrammeAdmin.objects.get().user)
    page = client.get(f"/partnerskab/{Programme.objects.get().pk}/initiativer/").content.decode()
    assert added == 105 and "Viser 105 af 105 initiativer." in page
    assert "Sporby Kommune" in page and "Kommune 110" in page


def test_with_partners_the_evaluator_sees_every_municipality_with_figures(db: None) -> None:
    import io
    import re

    from django.core.management import call_command
    from django.test import Client

    from spor.accounts.models import Membership
    from spor.evaluation.national.access import municipality_pseudonym
    from spor.evaluation.web.models import OutcomeCellsState
    from spor.programme.models import ProgrammeEvaluator
    from spor.registry.models import Child

    call_command("spor_demo", children=400, partners=True, no_progress=True, stdout=io.StringIO())
    programme = Programme.objects.get()
    parts = list(ProgrammeParticipation.objects.filter(programme=programme))
    assert len(parts) == 11
    for part in parts:
        m = part.municipality
        assert Child.objects.filter(municipality=m).count() >= 150, m.name
        if m.code != "999":  # the partners' staff are their own
            staff = Membership.objects.filter(municipality=m).select_related("user")
            assert staff and all(s.user.username.startswith(f"k{m.code}-") for s in staff)
    # The programme's stored cells built at the end, as the scheduled job keeps them on a
    # running installation: every municipality's figures are read from them.
    states = OutcomeCellsState.objects.filter(municipality__in=[p.municipality for p in parts])
    assert len(states) == 11
    assert all(s.build is not None and s.stale_since is None for s in states)
    client = Client()
    client.force_login(ProgrammeEvaluator.objects.get(programme=programme).user)
    page = client.get(f"/partnerskab/{programme.pk}/evaluering/")
    assert page.context["refreshed_at"] == min(s.refreshed_at for s in states)
    html = page.content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Kommuner med mindst 5 par 11 kommuner" in text
    for part in parts:  # by pseudonym, each with its pairs shown
        label = municipality_pseudonym(programme.pk, part.municipality_id)
        assert re.search(rf"{label} \d+ \d", text), label
        assert part.municipality.name not in text

    # Run again: nothing is added.
    children = Child.objects.count()
    call_command("spor_demo", children=400, partners=True, no_progress=True, stdout=io.StringIO())
    assert Child.objects.count() == children
