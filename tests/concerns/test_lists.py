"""The concern lists as a lead pages through them: in follow-up order, a page at a time, with a
count that says "over …" rather than counting every concern of a large municipality, and
never a concern of another municipality."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from spor.concerns import selectors, views
from spor.concerns.models import Concern, Outcome, State
from spor.lib import paging
from spor.registry.models import Enrolment
from tests import factories as f
from tests.concerns.helpers import days, member
from tests.conftest import World


def _raise_many(w: World, n: int, *, municipality: str = "a", closed: bool = False) -> list[int]:
    """``n`` concerns about the municipality's first child, follow-up dates 1..n days ahead
    (in reverse creation order, so that the list's order is not the ids')."""
    muni = w.a if municipality == "a" else w.b
    child = w.child_a1 if municipality == "a" else w.child_b1
    ppr = member(w, w.ppr_a if municipality == "a" else w.ppr_b)
    closed_fields = {
        "state": State.CLOSED,
        "outcome": Outcome.NO_ACTION,
        "closed_at": timezone.now(),
    }
    made = Concern.objects.bulk_create(
        [
            Concern(
                municipality=muni,
                child=child,
                description=f"Bekymring {i}",
                category="sprog",
                raised_by=ppr,
                responsible=ppr,
                follow_up_on=days(100 - i),
                **(closed_fields if closed else {}),
            )
            for i in range(n)
        ]
    )
    return [c.pk for c in made]


def _ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'href="/bekymringer/(\d+)/"', html)]


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 3)


@pytest.mark.usefixtures("small_pages")
def test_a_lead_pages_through_all_open_concerns_in_follow_up_order(world: World) -> None:
    _raise_many(world, 5)
    expected = list(
        Concern.objects.filter(municipality=world.a, state__in=selectors.OPEN_STATES)
        .order_by("follow_up_on", "pk")
        .values_list("pk", flat=True)
    )  # 5 + the world's 2 open ones = 7: pages of 3, 3 and 1
    client = world.client_for(world.lead_a)
    first = client.get("/bekymringer/?vis=alle").content.decode()
    second = client.get("/bekymringer/?vis=alle&side=2").content.decode()
    third = client.get("/bekymringer/?vis=alle&side=3").content.decode()
    assert "7 bekymringer" in first and "Side 1 af 3" in first
    assert 'href="?vis=alle&amp;side=2"' in first and "Forrige" not in first
    assert "Side 2 af 3" in second and 'href="?vis=alle&amp;side=1"' in second
    assert _ids(first) + _ids(second) + _ids(third) == expected
    # Past the end, or not a number: the last page, the first.
    assert _ids(client.get("/bekymringer/?vis=alle&side=99").content.decode()) == expected[6:]
    assert _ids(client.get("/bekymringer/?vis=alle&side=x").content.decode()) == expected[:3]


@pytest.mark.usefixtures("small_pages")
def test_beyond_the_cap_the_list_says_over_and_still_pages(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "COUNT_CAP", 4)  # the count
    monkeypatch.setattr(selectors, "COUNT_CAP", 4)  # the words
    _raise_many(world, 5, closed=True)  # 5 closed + the world's 2 open ones
    client = world.client_for(world.lead_a)
    first = client.get("/bekymringer/?vis=alle&lukkede=1").content.decode()
    assert "Over 4 bekymringer" in first and "7 bekymringer" not in first
    assert "Side 1</span>" in first and " af " not in first.split("Side 1")[1][:10]
    assert 'href="?vis=alle&amp;lukkede=1&amp;side=2"' in first
    seen = _ids(first)
    for n in (2, 3):
        seen += _ids(client.get(f"/bekymringer/?vis=alle&lukkede=1&side={n}").content.decode())
    assert sorted(seen) == sorted(
        Concern.objects.filter(municipality=world.a).values_list("pk", flat=True)
    )
    last = client.get("/bekymringer/?vis=alle&lukkede=1&side=3").content.decode()
    assert "Næste" not in last
    # Under the cap the count is exact again.
    assert "2 bekymringer" in client.get("/bekymringer/?vis=alle").content.decode()


@pytest.mark.usefixtures("small_pages")
def test_no_list_shows_another_municipalitys_concerns_and_their_pages_are_404(
    world: World,
) -> None:
    theirs = _raise_many(world, 4, municipality="b") + _raise_many(
        world, 2, municipality="b", closed=True
    )
    ours = set(Concern.objects.filter(municipality=world.a).values_list("pk", flat=True))
    for user in (world.lead_a, world.ppr_a, world.teacher_a):
        client = world.client_for(user)
        for url in ("/bekymringer/", "/bekymringer/?vis=alle", "/bekymringer/?vis=alle&lukkede=1"):
            for n in (1, 2, 3):
                shown = set(
                    _ids(client.get(f"{url}&side={n}" if "?" in url else url).content.decode())
                )
                assert shown <= ours
        for pk in theirs:
            assert client.get(f"/bekymringer/{pk}/").status_code == 404
    # Their own lead sees them, a page at a time.
    other = world.client_for(world.lead_b)
    html = other.get("/bekymringer/?vis=alle&lukkede=1").content.decode()
    assert "6 bekymringer" in html and set(_ids(html)) <= set(theirs)


def test_the_list_names_the_subject_state_and_person_and_flags_late_ones(world: World) -> None:
    client = world.client_for(world.ppr_a)
    concern = world.extra["concern_child"]
    Concern.objects.filter(pk=concern.pk).update(follow_up_on=days(-2))
    html = client.get("/bekymringer/?vis=alle&lukkede=1").content.decode()
    row = html.split(f'href="/bekymringer/{concern.pk}/"')[1].split("</tr>")[0]
    assert "Oliver Nielsen" in row and "Under opfølgning" in row and "Trivsel" in row
    assert days(-2).strftime("%d.%m.%Y") in row and "forfalden" in row
    group = world.extra["concern_group"]
    row = html.split(f'href="/bekymringer/{group.pk}/"')[1].split("</tr>")[0]
    assert "Gruppen" in row and world.class_a.name in row


@pytest.mark.usefixtures("small_pages")
def test_the_overdue_overviews_page_most_first_and_only_for_ppr(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ppr_a = member(world, world.ppr_a)
    teacher_a = member(world, world.teacher_a)
    Concern.objects.bulk_create(
        [
            Concern(
                municipality=world.a,
                child=world.child_a1,
                description="Forfalden",
                category="sprog",
                raised_by=teacher_a,
                responsible=person,
                follow_up_on=days(-3),
            )
            for person in [ppr_a, ppr_a, teacher_a]
        ]
    )
    _raise_many(world, 2, municipality="b")
    Concern.objects.filter(municipality=world.b).update(follow_up_on=days(-1))
    lead = world.client_for(world.lead_a)
    people = lead.get("/bekymringer/forfaldne/personer/").content.decode()
    assert "2 personer med forfaldne bekymringer" in people
    ppr_row = people.index(f'href="/bekymringer/forfaldne/personer/{ppr_a.pk}/"')
    assert ppr_row < people.index(f'href="/bekymringer/forfaldne/personer/{teacher_a.pk}/"')
    assert "psykolog_b" not in people and "Psykolog_B" not in people
    units = lead.get("/bekymringer/forfaldne/enheder/").content.decode()
    assert "1 enhed med forfaldne bekymringer" in units
    assert world.class_a.institution.name in units
    # More rows than a page: pages that follow each other.
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    first = lead.get("/bekymringer/forfaldne/personer/").content.decode()
    second = lead.get("/bekymringer/forfaldne/personer/?side=2").content.decode()
    assert "Side 1 af 2" in first and 'href="?side=2"' in first
    assert f"/personer/{ppr_a.pk}/" in first and f"/personer/{teacher_a.pk}/" not in first
    assert f"/personer/{teacher_a.pk}/" in second and "Side 2 af 2" in second
    for url in ("/bekymringer/forfaldne/personer/", "/bekymringer/forfaldne/enheder/"):
        assert world.client_for(world.teacher_a).get(url).status_code == 404


def test_overdue_per_unit_counts_each_institution_a_child_is_in_now_and_those_in_none(
    world: World,
) -> None:
    sfo = f.institution(world.a, "Aby SFO", "sfo")
    Enrolment.objects.create(
        municipality=world.a, child=world.child_a1, group=f.group(sfo, "SFO 3"), start=days(-30)
    )
    ppr = member(world, world.ppr_a)
    late = {"category": "sprog", "raised_by": ppr, "responsible": ppr, "follow_up_on": days(-2)}
    Concern.objects.bulk_create(
        [
            Concern(municipality=world.a, child=world.child_a1, description="1", **late),
            Concern(municipality=world.a, child=world.child_a1, description="2", **late),
            Concern(municipality=world.a, child=world.child_a3, description="3", **late),
            Concern(municipality=world.a, group=world.class_a2, description="4", **late),
            Concern(municipality=world.b, child=world.child_b1, description="5", **late),
        ]
    )
    html = world.client_for(world.lead_a).get("/bekymringer/forfaldne/enheder/").content.decode()
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(\d+)</td></tr>", html)
    shown = [(re.sub(r"<[^>]+>", "", name), int(n)) for name, n in rows]
    # Oliver's two in his school and his SFO; the group's in its school; William is in no
    # group now; Bby's concern nowhere.
    assert shown == [
        ("Aby Skole", 3),
        ("Aby SFO", 2),
        ("Barnet går ikke i en gruppe nu", 1),
    ]
