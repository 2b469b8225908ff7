"""The registry screens as their users meet them."""

from __future__ import annotations

import re

from spor.registry.models import Child
from tests import factories as f
from tests.conftest import World


def test_the_lead_sees_every_child_of_the_municipality_and_none_of_the_other(
    world: World,
) -> None:
    html = world.client_for(world.lead_a).get("/boern/").content.decode()
    assert "3 børn" in html
    for name in ("Nielsen, Oliver", "Hansen, Ida", "Larsen, William"):
        assert name in html
    assert "Pedersen" not in html


def test_a_teacher_sees_only_the_children_of_her_own_class(world: World) -> None:
    html = world.client_for(world.teacher_a).get("/boern/").content.decode()
    assert "Nielsen, Oliver" in html
    assert "Hansen" not in html
    assert "1 barn" in html


def test_a_health_visitor_sees_no_children_before_she_is_on_a_case(world: World) -> None:
    html = world.client_for(world.health_a).get("/boern/").content.decode()
    assert "Ingen børn fundet" in html


def test_search_by_name_finds_first_and_last_names(world: World) -> None:
    client = world.client_for(world.ppr_a)
    html = client.get("/boern/", {"q": "ida hansen"}).content.decode()
    assert "Hansen, Ida" in html
    assert "Nielsen" not in html


def test_the_child_list_is_paginated_with_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    school = world.school_a
    klass = f.group(school, "5.C", grade=5)
    for n in range(60):
        f.child(world.a, f"0101{n % 10 + 10:02d}-4{n:03d}", f"Barn{n}", "Test", groups=[klass])
    client = world.client_for(world.lead_a)
    # A session's first request also remembers where its person acts (a write of the
    # session): the pages after it are what the person waits for.
    client.get("/")
    # One more on PostgreSQL than on SQLite since the two roles: the tenant settings are
    # written per request (and the suite switches to the app role, SPOR_DATABASE_SET_ROLE).
    with django_assert_max_num_queries(12):
        first = client.get("/boern/")
    assert "Side 1 af 2" in first.content.decode()
    second = client.get("/boern/", {"side": 2}).content.decode()
    assert "Side 2 af 2" in second


def test_the_group_page_lists_children_now_in_the_group(world: World) -> None:
    html = world.client_for(world.ppr_a).get(f"/grupper/{world.class_a.pk}/").content.decode()
    assert "Oliver Nielsen" in html
    assert "1 barn i gruppen nu" in html
    # Oliver left the daycare room in July: the room lists nobody now
    room = world.client_for(world.ppr_a).get(f"/grupper/{world.room_a.pk}/").content.decode()
    assert "Oliver" not in room


def test_the_child_page_shows_enrolments_and_the_transition_to_school(world: World) -> None:
    html = world.client_for(world.ppr_a).get(f"/boern/{world.child_a1.pk}/").content.decode()
    assert "Solsikken" in html and "Aby Skole" in html
    assert "Dagtilbud → skole" in html
    assert "150318-xxxx" in html
    assert "Vis fuldt CPR-nummer" in html


def test_a_teacher_is_not_offered_the_full_cpr_number(world: World) -> None:
    html = world.client_for(world.teacher_a).get(f"/boern/{world.child_a1.pk}/").content.decode()
    assert "150318-xxxx" in html
    assert "Vis fuldt CPR-nummer" not in html


def test_a_person_in_two_municipalities_switches_between_them(world: World) -> None:
    from spor.accounts.models import Membership, Role

    membership_b = Membership.objects.create(user=world.ppr_a, municipality=world.b, role=Role.PPR)
    client = world.client_for(world.ppr_a)
    assert "Nielsen, Oliver" in client.get("/boern/").content.decode()
    client.post("/skift-kommune/", {"membership": membership_b.pk})
    html = client.get("/boern/").content.decode()
    assert "Pedersen, Noah" in html and "Nielsen" not in html
    # a membership that is not one's own is ignored
    other = Membership.objects.get(user=world.lead_b)
    client.post("/skift-kommune/", {"membership": other.pk})
    assert "Pedersen, Noah" in client.get("/boern/").content.decode()


def test_each_role_gets_a_start_page_with_what_it_can_do(world: World) -> None:
    expectations = {
        world.lead_a: "Importér børn og grupper",
        world.ppr_a: "Find et barn",
        world.teacher_a: "Mine grupper",
        world.health_a: "Mine forløb",
    }
    for person, text in expectations.items():
        assert text in world.client_for(person).get("/").content.decode()


def test_the_screens_are_danish(world: World) -> None:
    client = world.client_for(world.lead_a)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Spring til indhold" in html and "Skip to content" not in html


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/boern/(\d+)/"', html)]


def _link(html: str, label: str) -> str:
    """The query string of the pager's link named ``label`` ("Næste", "Forrige")."""
    for href, text in re.findall(r'<a href="\?([^"]*)">([^<]*)</a>', html):
        if label in text:
            return href.replace("&amp;", "&")
    raise AssertionError(f"no {label} link")


def test_the_child_lists_pages_follow_each_other_by_key(world: World) -> None:
    """The list's own links read the next page from the last child shown (``efter``) and
    the previous from the first (``foer``): every child once, in the list's order, forwards
    and back, with the page numbers and the count."""
    for n in range(120):
        # Many children of the same name: the order within a name is the id.
        f.child(world.a, f"0101{n % 10 + 10:02d}-4{n:03d}", f"Barn{n % 7}", "Test")
    client = world.client_for(world.lead_a)
    everyone = list(
        Child.objects.filter(municipality=world.a)
        .order_by("last_name", "first_name", "id")
        .values_list("pk", flat=True)
    )
    pages, html = [], client.get("/boern/").content.decode()
    while True:
        pages.append(_ids(html))
        assert f"Side {len(pages)} af 3" in html and "123 børn" in html
        if "Næste" not in html:
            break
        query = _link(html, "Næste")
        assert f"efter={pages[-1][-1]}" in query
        html = client.get(f"/boern/?{query}").content.decode()
    assert [pk for page in pages for pk in page] == everyone
    for number in (2, 1):
        query = _link(html, "Forrige")
        html = client.get(f"/boern/?{query}").content.decode()
        assert _ids(html) == pages[number - 1] and f"Side {number} af 3" in html
    assert "foer" not in query and "efter" not in query  # back to the first page: no key
    # A page number typed by hand still works (read past an OFFSET).
    assert _ids(client.get("/boern/", {"side": 3}).content.decode()) == pages[2]


def test_a_bad_or_foreign_page_key_is_refused_or_gives_the_first_page(world: World) -> None:
    client = world.client_for(world.lead_a)
    first = _ids(client.get("/boern/").content.decode())
    for bad in ("abc", "-1", "0", "²", "9" * 30):
        response = client.get("/boern/", {"efter": bad})
        assert response.status_code == 400 and "Ugyldig side." in response.content.decode()
        assert _ids(response.content.decode()) == first
    # Another municipality's child (or one deleted since) is no key here: the first page,
    # and nothing of the other municipality shown.
    for key in ("efter", "foer"):
        html = client.get("/boern/", {key: world.child_b1.pk}).content.decode()
        assert _ids(html) == first and "Pedersen" not in html
    html = client.get("/boern/", {"side": "x"}).content.decode()
    assert _ids(html) == first
