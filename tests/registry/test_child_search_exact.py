"""The child search (/boern/?q=...) finds exactly what a plain case-insensitive substring
match finds, in the list's order, on SQLite (FTS5 trigram table, registry migration 0004)
and PostgreSQL (the name parts, migration 0005, read under row-level security): every word
a substring of the first or the last name. Held against a reference computed here from the
municipality's children, for the lead (who sees the whole municipality: on PostgreSQL the
page is read from the name parts alone) and a teacher (her own children), and after a
child is renamed, deleted or moved to another municipality."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q
from django.test import Client

from spor.registry.models import Child
from tests import factories as f
from tests.conftest import World

NAMES = [
    ("Anna", "Annasen"),
    ("Søren", "Ærø-Åberg"),
    ("SØS", "østergård"),
    ("Bo", "Ek"),
    ("Mads", "Mc_Donald"),
    ("Procent", "Hundred%Hansen"),
    ("Hans Christian", "Møller Hansen"),
    ("Johanne", "Johansen"),
    ("Ida", "Hansen"),
    ("Ida", "Hansen"),  # the same name twice: ordered by id
    ("Åse", "Aagaard"),
    ("Emma", "Nielsen"),
    ("Liam", "O'Neil\\Back"),
]
QUERIES = [
    "an",
    "ANNA",
    "annasen anna",
    "sen",
    "hansen",
    "HANS EN",
    "ida hansen",
    "ida a",
    "ærø",
    "ÆRØ-ÅBERG",
    "å",
    "øster",
    "ØSTERGÅRD søs",
    "mc_d",
    "c_d",
    "_",
    "%",
    "d%h",
    "r h",
    "ller han",
    "johan",
    "aag",
    "xyz",
    "ann ann",
    "oliver",
    "noah",
    "o'n",
    "\\",
    "l\\b",
    "il\\back",
]


def listed(client: Client, **params: str) -> list[int]:
    response = client.get("/boern/", params)
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'href="/boern/(\d+)/"', response.content.decode())]


def expected(municipality_id: int, text: str, visible: set[int] | None = None) -> list[int]:
    """Every word a substring of the first or the last name, case folded (æøå too), in
    the list's order."""
    words = [w.upper() for w in text.split()]
    ids = [
        pk
        for pk, first, last in Child.objects.filter(municipality_id=municipality_id).values_list(
            "pk", "first_name", "last_name"
        )
        if all(w in first.upper() or w in last.upper() for w in words)
        and (visible is None or pk in visible)
    ]
    order = ("last_name", "first_name", "id")
    return list(Child.objects.filter(pk__in=ids).order_by(*order).values_list("pk", flat=True))


def icontains(municipality_id: int, text: str) -> list[int]:
    """The search as it was: ``icontains`` on each word (PostgreSQL's folds æøå)."""
    qs = Child.objects.filter(municipality_id=municipality_id)
    for word in text.split():
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return list(qs.order_by("last_name", "first_name", "id").values_list("pk", flat=True))


def make_children(world: World) -> None:
    for n, (first, last) in enumerate(NAMES):
        f.child(world.a, f"0101{n + 10:02d}-4{n:03d}", first, last, groups=[world.class_a])
        # The same names in the other municipality: never found from the first.
        f.child(world.b, f"0201{n + 10:02d}-4{n:03d}", first, last)


def test_the_search_finds_exactly_the_substring_matches_in_the_lists_order(
    world: World,
) -> None:
    make_children(world)
    lead = world.client_for(world.lead_a)
    for text in QUERIES:
        found = listed(lead, q=text)
        assert found == expected(world.a.pk, text), text
        if connection.vendor == "postgresql":
            assert found == icontains(world.a.pk, text), text
    lead_b = world.client_for(world.lead_b)
    for text in QUERIES:
        assert listed(lead_b, q=text) == expected(world.b.pk, text), text


def test_a_teachers_search_finds_exactly_her_own_matching_children(world: World) -> None:
    make_children(world)
    teacher = world.client_for(world.teacher_a)
    visible = set(listed(teacher))
    assert visible and len(visible) < Child.objects.filter(municipality=world.a).count()
    for text in QUERIES:
        assert listed(teacher, q=text) == expected(world.a.pk, text, visible), text


def test_a_renamed_deleted_or_moved_child_is_found_as_it_is_now(world: World) -> None:
    lead_a, lead_b = world.client_for(world.lead_a), world.client_for(world.lead_b)
    karla = f.child(world.a, "030120-4003", "Karla", "Bøgholt")
    assert listed(lead_a, q="bøgh") == [karla.pk]
    # Renamed one row at a time (a service's save) and in bulk (an UPDATE of many rows).
    karla.last_name = "Lindholt"
    karla.save()
    assert listed(lead_a, q="bøgh") == []
    assert listed(lead_a, q="lindh karla") == [karla.pk]
    Child.objects.filter(pk=karla.pk).update(first_name="Carla")
    assert listed(lead_a, q="karla") == []
    assert listed(lead_a, q="carla lindholt") == [karla.pk]
    # Moved to the other municipality: found there only; its page is a 404 here.
    Child.objects.filter(pk=karla.pk).update(municipality=world.b)
    assert listed(lead_a, q="carla") == []
    assert listed(lead_b, q="carla") == [karla.pk]
    assert lead_a.get(f"/boern/{karla.pk}/").status_code == 404
    # Deleted: found nowhere.
    Child.objects.filter(pk=karla.pk).delete()
    assert listed(lead_b, q="carla") == []
    if connection.vendor == "postgresql":
        # Its name parts are gone with it, not only unreachable.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM registry_child_name_part WHERE child_id = %s", [karla.pk]
            )
            assert cursor.fetchone() == (0,)


def test_a_long_search_result_is_paged_with_the_search_kept(world: World) -> None:
    for n in range(55):
        f.child(world.a, f"0101{n % 10 + 10:02d}-5{n:03d}", f"Barn{n:02d}", "Sølvhøj")
    lead = world.client_for(world.lead_a)
    first = lead.get("/boern/", {"q": "sølvh"}).content.decode()
    assert "55 børn" in first and "Side 1 af 2" in first
    assert "q=s%C3%B8lvh&amp;side=2" in first
    second = listed(lead, q="sølvh", side="2")
    assert second == expected(world.a.pk, "sølvh")[50:]
    assert listed(lead, q="sølvh", side="99") == second  # past the end: the last page
    assert listed(lead, q="sølvh", side="x") == expected(world.a.pk, "sølvh")[:50]
