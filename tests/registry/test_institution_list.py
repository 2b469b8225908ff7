"""The institutions list: a page at a time, searchable by name and kind; a municipality has
hundreds of institutions, and the page used to render every one of them."""

from __future__ import annotations

import re
from html import unescape

from django.test import Client

from spor.registry.models import Institution
from tests import factories as f
from tests.conftest import World


def names(client: Client, query: str = "") -> tuple[str, list[str]]:
    response = client.get("/institutioner/" + query)
    assert response.status_code == 200
    html = response.content.decode()
    return html, [
        unescape(n) for n in re.findall(r'<td><a href="/institutioner/\d+/">([^<]*)</a>', html)
    ]


def many_institutions(world: World, n: int) -> None:
    kinds = ["skole", "boernehave", "dagpleje"]
    for i in range(n):
        f.institution(world.a, f"Enhed {i:03d}", kinds[i % 3])


def test_the_lead_pages_through_every_institution_of_the_municipality(world: World) -> None:
    many_institutions(world, 118)  # + Aby Skole and Solsikken = 120
    f.institution(world.b, "Enhed i Bby", "skole")
    client = world.client_for(world.lead_a)
    html, first = names(client)
    assert "120 institutioner" in html
    assert len(first) == 50 and "Side 1 af 3" in html
    seen = list(first)
    query = re.search(r'href="(\?side=2)"', html)
    assert query is not None
    for page in (2, 3):
        html, shown = names(client, f"?side={page}")
        seen += shown
    assert len(seen) == len(set(seen)) == 120
    assert seen == sorted(seen)
    assert "Enhed i Bby" not in seen and "Bby Skole" not in seen


def test_the_lead_searches_by_name_and_kind_and_pages_keep_the_search(world: World) -> None:
    many_institutions(world, 180)
    client = world.client_for(world.lead_a)
    html, shown = names(client, "?q=enhed+1&type=skole")
    expected = sorted(
        Institution.objects.filter(
            municipality=world.a, name__icontains="enhed 1", kind="skole"
        ).values_list("name", flat=True)
    )
    assert shown == expected and len(expected) == 26  # 102–177, every third
    assert "26 institutioner" in html
    html, shown = names(client, "?type=skole")
    assert "Aby Skole" in shown and "Solsikken" not in shown
    assert "61 institutioner" in html and "side=2" in unescape(html) and "type=skole" in html
    _, second = names(client, "?type=skole&side=2")
    assert len(second) == 11 and all(n.startswith("Enhed") for n in second)
    html, shown = names(client, "?q=ingen+s%C3%A5dan")
    assert shown == [] and "Ingen institutioner matcher søgningen." in html


def test_a_teacher_sees_only_her_own_institutions(world: World) -> None:
    many_institutions(world, 60)
    html, shown = names(world.client_for(world.teacher_a))
    assert shown == ["Aby Skole"] and "1 institution" in html


def test_another_municipalitys_institutions_are_never_found(world: World) -> None:
    _, shown = names(world.client_for(world.lead_b), "?q=aby")
    assert shown == []
    _, shown = names(world.client_for(world.lead_b))
    assert shown == ["Bby Skole"]


def test_a_kind_that_does_not_exist_is_refused_in_danish(world: World) -> None:
    response = world.client_for(world.lead_a).get("/institutioner/", {"type": "slot"})
    assert response.status_code == 400
    assert "Vælg en af typerne på listen." in response.content.decode()
    long = world.client_for(world.lead_a).get("/institutioner/", {"q": "x" * 101})
    assert long.status_code == 400 and "Søg med højst 100 tegn." in long.content.decode()
