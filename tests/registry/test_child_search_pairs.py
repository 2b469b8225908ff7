"""Searches of two words and more (/boern/?q=fornavn efternavn) find exactly the children
whose first or last name contains every word, on SQLite and PostgreSQL, for the lead (on
PostgreSQL from the name parts, registry migration 0005). Names of several words, the
words in either order, both words in one name, a word inside a name ("hansen" in
"Johansen"), æøå in any case; and the search kept in step with renames (a save and a bulk
``UPDATE``), moves and deletes."""

from __future__ import annotations

import itertools

from django.db import connection

from spor.registry.models import Child
from tests import factories as f
from tests.conftest import World
from tests.registry.test_child_search_exact import expected, icontains, listed

NAMES = [
    ("Hans Christian", "Møller Hansen"),
    ("Ida", "Johansen"),
    ("Ida", "Hansen"),
    ("Johanne Ida", "Hansen-Berg"),
    ("Åse Marie", "Ærø"),
    ("ÅSE", "Marie-Ærøsen"),
    ("Emma", "Nielsen"),
    ("Emma", "Danielsen"),
    ("Nielsen", "Emma"),
    ("Emmanuel", "Nielsen Emma"),
    ("Søs", "Østergård Søsby"),
    ("Christian", "Hansen"),
]
WORDS = [
    "hansen",
    "HANS",
    "christian",
    "møller",
    "ida",
    "johansen",
    "ansen",
    "emma",
    "nielsen",
    "ielsen",
    "ÅSE",
    "ærø",
    "marie",
    "søs",
    "berg",
    "xyz",
]
# Every ordered pair of the words (the same word twice too), and some of three and four.
QUERIES = [f"{a} {b}" for a, b in itertools.product(WORDS, repeat=2)] + [
    "hans christian hansen",
    "møller hans hansen",
    "ida hansen berg",
    "emma nielsen ma",
    "åse marie ærø",
    "nielsen emma emmanuel",
    "ida hansen a",
    "ida hansen xyz",
]


def make_children(world: World) -> None:
    for n, (first, last) in enumerate(NAMES):
        f.child(world.a, f"0101{n + 10:02d}-4{n:03d}", first, last)
        # The same names in the other municipality: never found from the first.
        f.child(world.b, f"0201{n + 10:02d}-4{n:03d}", first, last)


def test_two_words_in_either_order_find_exactly_the_children_containing_both(
    world: World,
) -> None:
    make_children(world)
    lead = world.client_for(world.lead_a)
    found_some = 0
    for text in QUERIES:
        found = listed(lead, q=text)
        assert found == expected(world.a.pk, text), text
        if connection.vendor == "postgresql":
            assert found == icontains(world.a.pk, text), text
        found_some += bool(found)
    # The queries are not all empty (a broken search finding nothing would pass otherwise).
    assert found_some > len(QUERIES) // 4
    # A count is shown as found: every child once, however many of its parts match.
    html = lead.get("/boern/", {"q": "hansen hans"}).content.decode()
    assert f"{len(expected(world.a.pk, 'hansen hans'))} børn" in html


def test_renamed_moved_and_deleted_children_are_found_by_both_words_as_they_are_now(
    world: World,
) -> None:
    lead_a, lead_b = world.client_for(world.lead_a), world.client_for(world.lead_b)
    karla = f.child(world.a, "030120-4003", "Karla Marie", "Bøgholt")
    assert listed(lead_a, q="marie bøgholt") == [karla.pk]
    assert listed(lead_a, q="BØGHOLT karla") == [karla.pk]
    # Renamed one row at a time (a service's save) and in bulk (an UPDATE of many rows).
    karla.last_name = "Lindholt"
    karla.save()
    assert listed(lead_a, q="marie bøgholt") == []
    assert listed(lead_a, q="bøgholt karla") == []
    assert listed(lead_a, q="lindholt marie") == [karla.pk]
    Child.objects.filter(pk=karla.pk).update(first_name="Carla Sofie")
    assert listed(lead_a, q="karla lindholt") == []
    assert listed(lead_a, q="marie lindholt") == []
    assert listed(lead_a, q="sofie lindholt") == [karla.pk]
    assert listed(lead_a, q="lindholt carla") == [karla.pk]
    # Moved to the other municipality: found there only.
    Child.objects.filter(pk=karla.pk).update(municipality=world.b)
    assert listed(lead_a, q="sofie lindholt") == []
    assert listed(lead_b, q="sofie lindholt") == [karla.pk]
    # Deleted: found nowhere.
    Child.objects.filter(pk=karla.pk).delete()
    assert listed(lead_b, q="sofie lindholt") == []
    if connection.vendor == "postgresql":
        # Its name parts are gone with it, not only unreachable.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM registry_child_name_part WHERE child_id = %s", [karla.pk]
            )
            row = cursor.fetchone()
        assert row is not None and row[0] == 0
