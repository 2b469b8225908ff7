"""The name search on the child list (/boern/?q=...) as a user meets it: a substring of the
first or the last name, every word narrowing, case and æøå alike, short words too; never a
child of another municipality, never a deleted one, and children written by the import's
bulk path are found at once (the search goes through an index kept by the database:
registry migration 0004)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from spor.archive.models import Disposal, RecordType, RetentionRule
from tests import factories as f
from tests.conftest import World


def search(client: Client, text: str) -> str:
    response = client.get("/boern/", {"q": text})
    assert response.status_code == 200
    return response.content.decode()


def test_a_word_finds_first_and_last_names_containing_it(world: World) -> None:
    f.child(world.a, "010120-4001", "Hans", "Kjær")
    client = world.client_for(world.lead_a)
    html = search(client, "hans")  # "Hans" Kjær and Ida "Hansen"
    assert "Kjær, Hans" in html and "Hansen, Ida" in html
    assert "Nielsen" not in html
    html = search(client, "ANSE")  # inside the name, any case
    assert "Hansen, Ida" in html and "Kjær" not in html


def test_several_words_narrow_the_search(world: World) -> None:
    f.child(world.a, "020120-4002", "Ida", "Kjær")
    client = world.client_for(world.lead_a)
    both = search(client, "ida")
    assert "Hansen, Ida" in both and "Kjær, Ida" in both
    html = search(client, "ida kjæ")
    assert "Kjær, Ida" in html and "Hansen" not in html
    assert "Ingen børn fundet" in search(client, "ida nielsen")


def test_danish_letters_in_any_case(world: World) -> None:
    f.child(world.a, "030120-4003", "Søren", "Ærø-Åberg")
    client = world.client_for(world.lead_a)
    for text in ("søren", "SØREN", "ærø", "ÆRØ", "åbe", "ÅBERG"):
        assert "Ærø-Åberg, Søren" in search(client, text), text
    assert "Ingen børn fundet" in search(client, "sören")


def test_words_of_one_or_two_letters_still_match(world: World) -> None:
    f.child(world.a, "040120-4004", "Bo", "Ek")
    client = world.client_for(world.lead_a)
    html = search(client, "ek")
    assert "Ek, Bo" in html and "Hansen" not in html
    assert "Ek, Bo" in search(client, "b ek")
    html = search(client, "ida a")  # a short word with a long one
    assert "Hansen, Ida" in html and "Ek, Bo" not in html


def test_a_child_of_another_municipality_is_never_found(world: World) -> None:
    client = world.client_for(world.lead_a)
    assert "Ingen børn fundet" in search(client, "pedersen")
    assert "Ingen børn fundet" in search(client, "noah")
    # ... while the other municipality's lead finds him.
    assert "Pedersen, Noah" in search(world.client_for(world.lead_b), "pedersen")


def test_a_child_disposed_of_by_retention_is_no_longer_found(world: World) -> None:
    f.child(world.a, "050120-4005", "Villum", "Glud")  # no enrolment, nothing on file
    client = world.client_for(world.lead_a)
    assert "Glud, Villum" in search(client, "villum")
    RetentionRule.objects.create(
        municipality=world.a, record_type=RecordType.CHILD, months=60, disposal=Disposal.DELETE
    )
    later = timezone.localdate() + dt.timedelta(days=7 * 365)
    call_command("spor_retention", "--today", later.isoformat(), stdout=io.StringIO())
    html = search(client, "villum")
    assert "Ingen børn fundet" in html and "Glud" not in html
    if connection.vendor == "sqlite":
        # The name is gone from the search table too, not only unreachable through it.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM registry_child_name WHERE registry_child_name MATCH %s",
                ['"Villum" OR "Glud"'],
            )
            assert cursor.fetchone() == (0,)


def test_children_written_by_the_import_are_found_at_once(world: World) -> None:
    lead = world.client_for(world.lead_a)
    header = "cpr;fornavn;efternavn;institution;institutionstype;gruppe;skoleaar;klassetrin;fra"
    rows = [
        "010120-4001;Alma;Østergård;Aby Skole;skole;0.A;2026/27;0;2026-08-01",
        "150619-4012;Bo;Dahl;Aby Skole;skole;0.A;2026/27;0;2026-08-01",
    ]
    data = ("\r\n".join([header, *rows]) + "\r\n").encode()
    response = lead.post("/import/", {"fil": SimpleUploadedFile("boern.csv", data)})
    assert "Importen er gemt" in response.content.decode()
    assert "Østergård, Alma" in search(lead, "østergå")
    assert "Dahl, Bo" in search(lead, "dahl bo")
    # A name changed by a later import is found by the new name, not the old one.
    renamed = rows[1].replace("Dahl", "Dalgaard")
    data = ("\r\n".join([header, rows[0], renamed]) + "\r\n").encode()
    lead.post("/import/", {"fil": SimpleUploadedFile("boern.csv", data)})
    assert "Dalgaard, Bo" in search(lead, "dalgaard")
    assert "Ingen børn fundet" in search(lead, "dahl")


def _big_file(n: int) -> bytes:
    """``n`` new children (synthetic CPR numbers, born 2010-2011), every name its own."""
    header = "cpr;fornavn;efternavn;institution;institutionstype;gruppe;skoleaar;klassetrin;fra"
    lines = [header]
    for i in range(n):
        day = dt.date(2010, 1, 1) + dt.timedelta(days=i)
        group = "Aby Skole;skole;3.A;2026/27;3;2026-08-01"
        lines.append(f"{day:%d%m%y}-4{i:03d};Barn{i:04d};Stor{i:04d}ø;{group}")
    return ("\r\n".join(lines) + "\r\n").encode()


def test_a_big_import_fills_the_search_at_once_and_later_writes_are_still_found(
    world: World,
) -> None:
    # From spor.lib.bulk.MANY (500) new children, SQLite's search table is filled in one
    # statement after the insert rather than by its trigger per row (registry services).
    lead = world.client_for(world.lead_a)
    data = _big_file(600)
    response = lead.post("/import/", {"fil": SimpleUploadedFile("boern.csv", data)})
    assert "Importen er gemt" in response.content.decode()
    for i in (0, 299, 599):
        html = search(lead, f"barn{i:04d} stor{i:04d}Ø")
        assert f"Stor{i:04d}ø, Barn{i:04d}" in html, i
    assert "Barn0001" not in search(lead, "barn0000")
    # The search table holds each child once (not once from the trigger and once more).
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM registry_child_name WHERE registry_child_name MATCH %s",
                ['"Barn0"'],
            )
            assert cursor.fetchone() == (600,)
    # The trigger is back for every other writer: a child made afterwards is found, and so
    # is one written by a small import (the ordinary insert).
    f.child(world.a, "010120-4001", "Trine", "Efterimport")
    assert "Efterimport, Trine" in search(lead, "efterimp")
    small = _big_file(1).replace(b"Barn0000", b"Lille").replace(b"010110-4000", b"020215-4002")
    lead.post("/import/", {"fil": SimpleUploadedFile("boern.csv", small)})
    assert "Stor0000ø, Lille" in search(lead, "lille")


def test_a_big_import_that_fails_after_its_children_leaves_the_search_as_it_was(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spor.registry import services

    def broken(**kwargs: object) -> int:
        raise RuntimeError("the access log is down")

    monkeypatch.setattr(services, "access_log_record", broken)
    lead = world.client_for(world.lead_a)
    lead.raise_request_exception = False
    response = lead.post("/import/", {"fil": SimpleUploadedFile("boern.csv", _big_file(600))})
    assert response.status_code == 500
    monkeypatch.undo()
    assert "Ingen børn fundet" in search(lead, "barn0001")
    # The trigger was not lost with the rollback: new children are still found.
    f.child(world.a, "010120-4001", "Trine", "Efterfejl")
    assert "Efterfejl, Trine" in search(lead, "efterfejl")
