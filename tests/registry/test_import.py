"""Import of children, groups and enrolments from CSV and XLSX, through the import page (as
a PPR-leder, with Django's test client) and through ``manage.py spor_import``.

Every broken file must give a clear Danish message naming line and column, never repeat a
CPR number, and leave the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import logging
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from spor.accounts.models import User
from spor.audit.models import AccessLogEntry, Action, Purpose
from spor.registry import cpr_vault, importing
from spor.registry.importing import RowError, parse_file
from spor.registry.models import Child, Enrolment, Group, Institution
from tests.conftest import ALL_CPR, CPR_A1, World, cpr_forms

URL = "/import/"
HEADER = [
    "cpr",
    "fornavn",
    "efternavn",
    "institution",
    "institutionstype",
    "gruppe",
    "skoleaar",
    "klassetrin",
    "fra",
    "til",
]
# Synthetic CPR numbers for new children (real dates; 7th digit 4 → born 20xx).
NEW1 = "010120-4001"
NEW2 = "150619-4012"
NEW3 = "311218-4123"
FILE_CPR = [NEW1, NEW2, NEW3, *ALL_CPR]


def row(
    cpr: str = NEW1,
    first: str = "Alma",
    last: str = "Holm",
    institution: str = "Aby Skole",
    kind: str = "skole",
    group: str = "0.A",
    year: object = "2026/27",
    grade: object = "0",
    start: object = "2026-08-01",
    end: object = "",
) -> list[object]:
    return [cpr, first, last, institution, kind, group, year, grade, start, end]


def csv_bytes(
    rows: list[list[object]],
    *,
    header: list[str] = HEADER,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(str(v) for v in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]], *, header: list[str] = HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def counts() -> tuple[int, int, int, int]:
    return (
        Child.objects.count(),
        Group.objects.count(),
        Institution.objects.count(),
        Enrolment.objects.count(),
    )


def post(client: Client, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(URL, {"fil": SimpleUploadedFile(name, data)})


def assert_no_cpr(text: str) -> None:
    for value in FILE_CPR:
        for form in cpr_forms(value):
            assert form not in text
    # Nor anything else that looks like a whole or a cut-off number from the file.
    assert not re.search(r"\d{9,}", text)


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(e) for e in response.context["errors"]]


def child_by_cpr(world: World, value: str, muni=None) -> Child:  # type: ignore[no-untyped-def]
    return Child.objects.get(municipality=muni or world.a, cpr_hash=cpr_vault.lookup_hash(value))


@pytest.fixture
def lead(world: World) -> Client:
    return world.client_for(world.lead_a)


# --- valid files -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("delimiter", [";", ","])
def test_valid_csv_creates_children_groups_institutions_enrolments(
    world: World, lead: Client, delimiter: str
) -> None:
    before = counts()
    data = csv_bytes(
        [
            row(NEW1, "Alma", "Holm"),
            row(NEW2, "Bo", "Dahl", "Mælkebøtten", "Børnehave", "Blå stue", 2025, "", "01.09.2025"),
            # The existing child from the personas: matched on CPR, name updated.
            row(CPR_A1, "Oliver Emil", "Nielsen", "Aby Skole", "skole", "3.A", 2026, 3),
        ],
        delimiter=delimiter,
    )
    response = post(lead, "boern.csv", data)
    assert response.status_code == 200, response.content.decode()
    page = response.content.decode()
    assert "Importen er gemt" in page
    assert "Børn: 2 oprettet, 1 opdateret, 0 uændret" in page
    assert "Institutioner: 1 oprettet" in page
    assert_no_cpr(page)

    c, g, i, e = counts()
    assert (c, g, i, e) == (before[0] + 2, before[1] + 2, before[2] + 1, before[3] + 2)
    alma = child_by_cpr(world, NEW1)
    assert (alma.first_name, alma.last_name) == ("Alma", "Holm")
    assert alma.birth_date == dt.date(2020, 1, 1)
    assert alma.sex == Child.Sex.BOY  # last digit odd
    enrolment = alma.enrolments.get()
    assert enrolment.group.name == "0.A" and enrolment.group.grade == 0
    assert enrolment.group.school_year == 2026
    assert enrolment.group.institution == world.school_a  # matched by name, not duplicated
    assert enrolment.start == dt.date(2026, 8, 1) and enrolment.end is None
    bo = child_by_cpr(world, NEW2)
    bo_enrolment = bo.enrolments.get()
    assert bo_enrolment.start == dt.date(2025, 9, 1)
    assert bo_enrolment.group.institution.kind == Institution.Kind.BOERNEHAVE
    world.child_a1.refresh_from_db()
    assert world.child_a1.first_name == "Oliver Emil"
    # The personas' enrolment of child A1 in 3.A from 2026-08-01 was matched, not duplicated.
    assert world.child_a1.enrolments.filter(group=world.class_a).count() == 1


@pytest.mark.django_db
def test_valid_xlsx_with_date_cells_and_number_cells(world: World, lead: Client) -> None:
    before = counts()
    data = xlsx_bytes(
        [
            # A CPR typed as a number loses its leading zero; it is put back.
            [
                101204001,
                "Alma",
                "Holm",
                "Aby Skole",
                "Skole",
                "0.A",
                2026,
                0,
                dt.datetime(2026, 8, 1),
                None,
            ],
            [
                NEW2,
                "Bo",
                "Dahl",
                "Mælkebøtten",
                "Børnehave",
                "Blå stue",
                "2025/26",
                None,
                dt.date(2025, 9, 1),
                dt.date(2026, 6, 30),
            ],
        ]
    )
    response = post(lead, "boern.xlsx", data)
    assert response.status_code == 200, response.content.decode()
    assert "(XLSX)" in response.content.decode()
    assert counts()[0] == before[0] + 2
    alma = child_by_cpr(world, NEW1)
    assert alma.enrolments.get().start == dt.date(2026, 8, 1)
    bo = child_by_cpr(world, NEW2).enrolments.get()
    assert (bo.start, bo.end) == (dt.date(2025, 9, 1), dt.date(2026, 6, 30))
    assert bo.group.school_year == 2025


@pytest.mark.django_db
def test_cp1252_file_with_danish_letters(world: World, lead: Client) -> None:
    data = csv_bytes(
        [row(NEW1, "Søren", "Ærø", "Åby Børnehus", "integreret", "Bløde stue", 2026, "")],
        encoding="cp1252",
    )
    assert "Søren".encode() not in data  # really cp1252, not UTF-8
    response = post(lead, "boern.csv", data)
    assert response.status_code == 200, response.content.decode()
    child = child_by_cpr(world, NEW1)
    assert (child.first_name, child.last_name) == ("Søren", "Ærø")
    assert child.enrolments.get().group.institution.name == "Åby Børnehus"


@pytest.mark.django_db
def test_header_is_tolerant_of_case_spaces_bom_and_danish_letters(
    world: World, lead: Client
) -> None:
    header = [
        "\ufeffCPR",
        " Fornavn ",
        "EFTERNAVN",
        "Institution",
        "Institutionstype",
        "Gruppe",
        "Skoleår",
        "Klassetrin",
        "Fra",
        "Til",
    ]
    data = csv_bytes([row()], header=header)
    response = post(lead, "boern.csv", data)
    assert response.status_code == 200, response.content.decode()
    assert child_by_cpr(world, NEW1).first_name == "Alma"


@pytest.mark.django_db
def test_reimport_updates_instead_of_duplicating(world: World, lead: Client) -> None:
    first = csv_bytes([row(NEW1, "Alma", "Holm"), row(NEW2, "Bo", "Dahl", group="0.B")])
    assert post(lead, "boern.csv", first).status_code == 200
    after_first = counts()

    again = post(lead, "boern.csv", first)
    assert again.status_code == 200
    assert "Børn: 0 oprettet, 0 opdateret, 2 uændret" in again.content.decode()
    assert counts() == after_first

    changed = csv_bytes(
        [
            row(NEW1, "Alma Sofie", "Holm"),
            row(NEW2, "Bo", "Dahl", group="0.B", end="2027-06-30"),
        ]
    )
    response = post(lead, "boern.csv", changed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Børn: 0 oprettet, 2 opdateret, 0 uændret" in page
    assert "Indskrivninger: 0 oprettet, 1 opdateret, 1 uændret" in page
    assert counts() == after_first
    assert child_by_cpr(world, NEW1).first_name == "Alma Sofie"
    assert child_by_cpr(world, NEW2).enrolments.get().end == dt.date(2027, 6, 30)


@pytest.mark.django_db
def test_same_child_in_several_groups_is_history_not_duplicate(world: World, lead: Client) -> None:
    data = csv_bytes(
        [
            row(
                NEW1,
                institution="Solsikken",
                kind="børnehave",
                group="Rød stue",
                year=2025,
                grade="",
                start="2023-08-01",
                end="2026-07-31",
            ),
            row(NEW1, group="0.A", start="2026-08-01"),
        ]
    )
    response = post(lead, "boern.csv", data)
    assert response.status_code == 200, response.content.decode()
    child = child_by_cpr(world, NEW1)
    assert child.enrolments.count() == 2
    assert {e.group for e in child.enrolments.all()} == {
        world.room_a,
        Group.objects.get(municipality=world.a, name="0.A"),
    }


# --- broken files: a clear message each, and nothing saved -------------------------------


def _formula_xlsx() -> bytes:
    return xlsx_bytes(
        [row(NEW1), [NEW2, "Bo", "Dahl", "Aby Skole", "skole", "0.A", 2026, 0, "=TODAY()", None]]
    )


def _png() -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
        b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
    )


BROKEN = [
    (
        "missing-columns",
        "boern.csv",
        csv_bytes([["0101204001", "Alma", "Holm"]], header=["cpr", "fornavn", "efternavn"]),
        ["række 1: mangler kolonnerne institution, institutionstype, gruppe, skoleaar, fra"],
    ),
    (
        "wrong-columns-with-suggestion",
        "boern.csv",
        csv_bytes([row()], header=[h if h != "fornavn" else "fornavne" for h in HEADER]),
        ["mangler kolonnen fornavn", "«fornavne» (mente du fornavn?)"],
    ),
    (
        "bad-date",
        "boern.csv",
        csv_bytes([row(start="2026-13-01")]),
        ["række 2, kolonne fra: ugyldig dato «2026-13-01»"],
    ),
    (
        "two-digit-year",
        "boern.csv",
        csv_bytes([row(start="01-08-26")]),
        ["række 2, kolonne fra: ugyldig dato «01-08-26» – skriv året med fire cifre"],
    ),
    (
        "end-before-start",
        "boern.csv",
        csv_bytes([row(start="2026-08-01", end="31-07-2026")]),
        ["række 2, kolonne til: slutdatoen er før startdatoen"],
    ),
    (
        "cpr-date-does-not-exist",
        "boern.csv",
        csv_bytes([row(), row(NEW2), row(NEW3), row(NEW3), row(NEW3), row("320120-4001")]),
        ["række 7, kolonne cpr: ugyldigt CPR-nummer (datoen findes ikke)"],
    ),
    (
        "cpr-nine-digits",
        "boern.csv",
        csv_bytes([row("010120400")]),
        ["række 2, kolonne cpr: ugyldigt CPR-nummer (9 cifre, der skal være 10"],
    ),
    (
        "cpr-letters",
        "boern.csv",
        csv_bytes([row("01012O-4001")]),
        ["række 2, kolonne cpr: ugyldigt CPR-nummer (må kun indeholde cifre"],
    ),
    (
        "cpr-missing",
        "boern.csv",
        csv_bytes([row("")]),
        ["række 2, kolonne cpr: CPR-nummer mangler"],
    ),
    (
        "duplicate-rows",
        "boern.csv",
        csv_bytes([row(NEW2), row(NEW1), row(NEW1)]),
        ["række 4, kolonne cpr: samme CPR-nummer som række 3"],
    ),
    (
        "same-cpr-other-name",
        "boern.csv",
        csv_bytes([row(NEW1, "Alma"), row(NEW1, "Alba", group="1.A", start="2027-08-01")]),
        ["række 3, kolonne cpr: samme CPR-nummer som række 2, men et andet navn"],
    ),
    (
        "xlsx-formula",
        "boern.xlsx",
        _formula_xlsx(),
        ["række 3, kolonne fra: formler er ikke tilladt – indsæt værdier"],
    ),
    (
        "csv-formula-injection",
        "boern.csv",
        csv_bytes([row(first='=HYPERLINK("http://x")'), row(NEW2, last="@SUM(A1)")]),
        [
            "række 2, kolonne fornavn: må ikke begynde med =, +, - eller @",
            "række 3, kolonne efternavn: må ikke begynde med =, +, - eller @",
        ],
    ),
    ("empty-file", "boern.csv", b"", ["filen er tom"]),
    ("only-bom-and-blank-lines", "boern.csv", b"\xef\xbb\xbf\r\n\r\n", ["filen er tom"]),
    ("header-only", "boern.csv", csv_bytes([]), ["ingen rækker med børn"]),
    ("png", "billede.png", _png(), ["filen er et billede (PNG), ikke en CSV- eller XLSX-fil"]),
    ("png-named-csv", "boern.csv", _png(), ["filen er et billede (PNG)"]),
    (
        "binary",
        "boern.csv",
        bytes(range(256)) * 4,
        ["filen ser ikke ud til at være en CSV- eller XLSX-fil"],
    ),
    (
        "not-really-xlsx",
        "boern.xlsx",
        csv_bytes([row()]),
        ["filen kan ikke åbnes som XLSX"],
    ),
    (
        "unknown-kind-bad-year-bad-grade",
        "boern.csv",
        csv_bytes([row(kind="gymnasium", year="26/27", grade="11")]),
        [
            "række 2, kolonne institutionstype: ukendt institutionstype «gymnasium»",
            "række 2, kolonne skoleaar: ugyldigt skoleår «26/27»",
            "række 2, kolonne klassetrin: ugyldigt klassetrin «11»",
        ],
    ),
    (
        "cpr-in-name-column",
        "boern.csv",
        csv_bytes([row(first=NEW2)]),
        ["række 2, kolonne fornavn: ligner et CPR-nummer"],
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,data,expected", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_file_is_rejected_whole_with_a_clear_message(
    world: World, lead: Client, name: str, data: bytes, expected: list[str], caplog
) -> None:
    before = counts()
    log_before = AccessLogEntry.objects.count()
    caplog.set_level(logging.DEBUG)
    response = post(lead, name, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "intet er gemt" in page
    found = messages_of(response)
    for text in expected:
        assert any(text in message for message in found), (text, found)
    assert_no_cpr(page)
    assert_no_cpr(caplog.text)
    assert counts() == before
    assert AccessLogEntry.objects.count() == log_before


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_good_rows_are_not_saved(world: World, lead: Client) -> None:
    before = counts()
    data = csv_bytes(
        [
            row(NEW1),
            row("320120-4001"),  # line 3
            [],  # line 4: a blank line still counts as a line in the spreadsheet
            row(NEW2, start="31.02.2026"),  # line 5
            row(NEW3, last=""),  # line 6
        ]
    )
    response = post(lead, "boern.csv", data)
    assert response.status_code == 400
    errors: list[RowError] = response.context["errors"]
    assert [(e.line, e.column) for e in errors] == [(3, "cpr"), (5, "fra"), (6, "efternavn")]
    assert str(errors[2]) == "række 6, kolonne efternavn: skal udfyldes"
    assert counts() == before


@pytest.mark.django_db
def test_too_large_file_is_refused(
    world: World, lead: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 100)
    before = counts()
    response = post(lead, "boern.csv", csv_bytes([row(), row(NEW2)]))
    assert response.status_code == 400
    assert "filen er for stor (højst 0 MB)" in messages_of(response)[0]
    assert counts() == before


@pytest.mark.django_db
def test_no_file_chosen(world: World, lead: Client) -> None:
    response = lead.post(URL, {})
    assert response.status_code == 400
    assert "Vælg en fil" in response.content.decode()


# --- the page, who may use it, and where the data goes ------------------------------------


@pytest.mark.django_db
def test_page_documents_the_columns_with_an_accessible_form(world: World, lead: Client) -> None:
    assert reverse("registry_import") == URL
    response = lead.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="fil">' in page and 'id="fil"' in page and 'type="file"' in page
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    for column in HEADER:
        assert f"<code>{column}</code>" in page
    assert "cpr;fornavn;efternavn;institution;institutionstype;gruppe;skoleaar" in page
    assert_no_cpr(page)


@pytest.mark.django_db
def test_upload_needs_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.lead_a)
    before = counts()
    response = post(client, "boern.csv", csv_bytes([row()]))
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["ppr_a", "teacher_a", "health_a", "social_a"])
def test_only_the_lead_may_import(world: World, who: str) -> None:
    client = world.client_for(getattr(world, who))
    before = counts()
    assert client.get(URL).status_code == 404
    assert post(client, "boern.csv", csv_bytes([row()])).status_code == 404
    assert counts() == before


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(world: World) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_import_goes_into_the_actors_municipality_only(world: World) -> None:
    """Bby's lead imports a file naming Aby's child and Aby's school: Bby gets its own
    records, and nothing of Aby's changes."""
    aby_before = (
        Child.objects.filter(municipality=world.a).count(),
        Group.objects.filter(municipality=world.a).count(),
        Institution.objects.filter(municipality=world.a).count(),
        Enrolment.objects.filter(municipality=world.a).count(),
    )
    data = csv_bytes([row(CPR_A1, "Hacked", "Name", "Aby Skole", "skole", "3.A", 2026, 3)])
    response = post(world.client_for(world.lead_b), "boern.csv", data)
    assert response.status_code == 200, response.content.decode()
    world.child_a1.refresh_from_db()
    assert world.child_a1.first_name == "Oliver"
    aby_after = (
        Child.objects.filter(municipality=world.a).count(),
        Group.objects.filter(municipality=world.a).count(),
        Institution.objects.filter(municipality=world.a).count(),
        Enrolment.objects.filter(municipality=world.a).count(),
    )
    assert aby_after == aby_before
    in_b = child_by_cpr(world, CPR_A1, muni=world.b)
    assert in_b.first_name == "Hacked"
    enrolment = in_b.enrolments.get()
    assert enrolment.municipality_id == world.b.pk
    assert enrolment.group.municipality_id == world.b.pk
    assert enrolment.group.institution.municipality_id == world.b.pk
    assert not AccessLogEntry.objects.filter(municipality=world.a, actor=world.lead_b).exists()


@pytest.mark.django_db
def test_access_log_records_each_imported_child(world: World, lead: Client) -> None:
    data = csv_bytes([row(NEW1), row(CPR_A1, "Oliver", "Nielsen", group="3.A", year=2026, grade=3)])
    response = lead.post(
        URL, {"fil": SimpleUploadedFile("boern.csv", data)}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    alma = child_by_cpr(world, NEW1)
    created = AccessLogEntry.objects.get(child=alma)
    assert (created.action, created.purpose) == (Action.CREATE, Purpose.DATA_ADMIN)
    assert created.actor == world.lead_a and created.municipality_id == world.a.pk
    assert created.source == "10.1.2.3"
    # Child A1 was already there with the same name and enrolment: read, nothing changed.
    matched = AccessLogEntry.objects.get(child=world.child_a1)
    assert (matched.action, matched.purpose) == (Action.IMPORT, Purpose.DATA_ADMIN)

    # A changed name is logged as a change.
    post(lead, "boern.csv", csv_bytes([row(NEW1, "Alma Sofie")]))
    assert AccessLogEntry.objects.filter(child=alma, action=Action.CHANGE).count() == 1
    for entry in AccessLogEntry.objects.all():
        assert_no_cpr(entry.what)


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_number_of_rows(
    world: World, django_assert_max_num_queries
) -> None:
    """Existing children are looked up in bulk by CPR hash, not one query per row."""
    rows = []
    for i in range(400):
        day = dt.date(2019, 1, 1) + dt.timedelta(days=i)
        rows.append(row(f"{day:%d%m%y}-4{i % 1000:03d}", f"Barn{i}", "Test", group=f"0.{i % 4}"))
    data = csv_bytes(rows)
    parsed = parse_file("boern.csv", data)
    assert parsed.ok, parsed.errors[:3]
    from spor.accounts.access import Actor
    from spor.registry.services import children_import

    membership = world.lead_a.memberships.get()
    actor = Actor(user=world.lead_a, membership=membership)
    with django_assert_max_num_queries(40):
        result = children_import(actor=actor, rows=parsed.rows)
    assert result.children_created == 400
    with django_assert_max_num_queries(40):
        again = children_import(actor=actor, rows=parsed.rows)
    assert again.children_unchanged == 400


# --- parsing details ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-08-01", dt.date(2026, 8, 1)),
        ("01-08-2026", dt.date(2026, 8, 1)),
        ("01.08.2026", dt.date(2026, 8, 1)),
        ("1.8.2026", dt.date(2026, 8, 1)),
    ],
)
def test_date_forms(text: str, expected: dt.date) -> None:
    parsed = parse_file("x.csv", csv_bytes([row(start=text)]))
    assert parsed.ok, parsed.errors
    assert parsed.rows[0].start == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind,grade,year,expected",
    [
        ("Børnehave", "", "2026", ("boernehave", None, 2026)),
        ("SFO", "bh.kl.", "2026/2027", ("sfo", 0, 2026)),
        ("Integreret institution", "3. klasse", "2026-27", ("integreret", 3, 2026)),
        ("Specialtilbud", "10", "2026", ("specialtilbud", 10, 2026)),
    ],
)
def test_human_forms_of_kind_grade_and_year(
    kind: str, grade: str, year: str, expected: tuple[str, int | None, int]
) -> None:
    parsed = parse_file("x.csv", csv_bytes([row(kind=kind, grade=grade, year=year)]))
    assert parsed.ok, parsed.errors
    r = parsed.rows[0]
    assert (r.institution_kind, r.grade, r.school_year) == expected


@pytest.mark.django_db
def test_unknown_extra_column_is_a_warning_and_cpr_stays_out_of_repr() -> None:
    parsed = parse_file("x.csv", csv_bytes([[*row(), "Vejen 1"]], header=[*HEADER, "adresse"]))
    assert parsed.ok
    assert parsed.warnings == ["Disse kolonner kendes ikke og er sprunget over: «adresse»"]
    assert_no_cpr(repr(parsed.rows[0]))


@pytest.mark.django_db
def test_a_csv_gives_the_rows_and_messages_the_cell_by_cell_check_gives() -> None:
    """A CSV is checked per distinct value and a clean row is taken whole; an XLSX goes cell
    by cell. The same table gives the same rows, and the same messages in the same order."""
    good = [
        row(NEW1),
        row("0101204002", " Alma  Sofie ", "Holm", start="01.08.2026", end="31-07-2027"),
        row("010120 4003", institution="Solsikken", kind="Børnehave", grade="", year="2026"),
        row(NEW2, institution="Aby SFO", kind="SFO", grade="bh.kl.", year="2026/2027"),
        row(NEW3, institution="Mosen", kind="Integreret institution", grade="3. klasse"),
    ]
    bad = [
        row("3102154001"),
        row(NEW1, "Anden"),
        row("010120-4004", start="2026-08-01", end="2026-07-01"),
        row("010120-4005", year="2026/28", grade="11"),
        row("010120-4006", first="010120-4999", kind="gymnasium"),
        row("0101204007", start=""),
    ]
    for rows in (good, good + bad):
        from_csv = parse_file("boern.csv", csv_bytes(rows))
        from_xlsx = parse_file("boern.xlsx", xlsx_bytes(rows))
        assert from_csv.errors == from_xlsx.errors
        assert from_csv.rows == from_xlsx.rows
        assert len(from_csv.rows) == len(good)
    assert parse_file("boern.csv", csv_bytes(good)).ok
    lines = [e.line for e in from_csv.errors]
    assert lines == sorted(lines) and set(lines) == {7, 8, 9, 10, 11, 12}


# --- the management command --------------------------------------------------------------


@pytest.mark.django_db
def test_command_imports_a_file(world: World, tmp_path: Path, capsys) -> None:
    path = tmp_path / "boern.xlsx"
    path.write_bytes(xlsx_bytes([row(NEW1), row(NEW2, "Bo", "Dahl")]))
    call_command("spor_import", str(path), municipality="901", user="leder_a")
    out = capsys.readouterr().out
    assert "Børn: 2 oprettet, 0 opdateret, 0 uændret" in out
    assert child_by_cpr(world, NEW2).first_name == "Bo"
    assert AccessLogEntry.objects.filter(actor=world.lead_a, action=Action.CREATE).count() == 2


@pytest.mark.django_db
def test_command_prints_every_error_exits_1_and_saves_nothing(
    world: World, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "boern.csv"
    path.write_bytes(csv_bytes([row(NEW1), row("320120-4001"), row(NEW1)]))
    before = counts()
    with pytest.raises(CommandError) as raised:
        call_command("spor_import", str(path), municipality="901", user="leder_a")
    assert raised.value.returncode == 1
    assert "Intet er gemt" in str(raised.value)
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "række 3, kolonne cpr: ugyldigt CPR-nummer (datoen findes ikke)",
        "række 4, kolonne cpr: samme CPR-nummer som række 2, med samme gruppe og startdato "
        "(rækken står der to gange)",
    ]
    assert_no_cpr(err + str(raised.value))
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "municipality,user,message",
    [
        ("901", "psykolog_a", "kun PPR-lederen kan importere"),
        ("902", "leder_a", "har ingen aktiv rolle i kommune '902'"),
        ("901", "ingen", "Ingen aktiv bruger"),
    ],
)
def test_command_acts_only_as_a_lead_of_that_municipality(
    world: World, tmp_path: Path, municipality: str, user: str, message: str
) -> None:
    path = tmp_path / "boern.csv"
    path.write_bytes(csv_bytes([row()]))
    before = counts()
    with pytest.raises(CommandError, match=message):
        call_command("spor_import", str(path), municipality=municipality, user=user)
    assert counts() == before
    assert User.objects.filter(username="leder_a").exists()


def _many(n: int, *, bad: dict[int, tuple[int, str]] | None = None) -> list[list[object]]:
    """``n`` distinct children (synthetic CPR, born 2010–2019) in 20 classes of 4 schools;
    ``bad`` puts a wrong value in a row: {row index: (column index, value)}."""
    rows = []
    for i in range(n):
        day = dt.date(2010, 1, 1) + dt.timedelta(days=i % 3650)
        cpr_ = f"{day:%d%m%y}-{4000 + i // 3650}"
        r = row(cpr_, f"Barn{i}", "Holm", f"Skole {i % 4}", group=f"{i % 10}.A", grade=i % 10)
        if bad and i in bad:
            column, value = bad[i]
            r[column] = value
        rows.append(r)
    return rows


@pytest.mark.django_db
def test_command_at_volume_names_every_bad_row_and_saves_nothing(
    world: World, tmp_path: Path, capsys
) -> None:
    # 3,000 rows, a bad value in every 100th (five kinds of fault in turn): all 30 named.
    faults = [(0, "3102154001"), (8, "01-08-26"), (7, "13"), (4, "gymnasium"), (1, "")]
    bad = {i: faults[(i // 100) % 5] for i in range(99, 3000, 100)}
    path = tmp_path / "boern.csv"
    path.write_bytes(csv_bytes(_many(3000, bad=bad)))
    before = counts(), AccessLogEntry.objects.count()
    with pytest.raises(CommandError, match="30 fejl"):
        call_command("spor_import", str(path), municipality="901", user="leder_a")
    err = capsys.readouterr().err.splitlines()
    assert [int(line.split(",")[0].removeprefix("række ")) for line in err] == [
        i + 2 for i in sorted(bad)
    ]
    assert (counts(), AccessLogEntry.objects.count()) == before
    assert gc.isenabled()  # also after a refused file


@pytest.mark.django_db
def test_command_at_volume_saves_all_logs_each_child_once_and_again_changes_nothing(
    world: World, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "boern.csv"
    rows = _many(3000)
    path.write_bytes(csv_bytes(rows))
    children, groups, institutions, enrolments = counts()
    call_command("spor_import", str(path), municipality="901", user="leder_a")
    assert counts() == (children + 3000, groups + 20, institutions + 4, enrolments + 3000)
    created = AccessLogEntry.objects.filter(actor=world.lead_a, action=Action.CREATE)
    assert created.count() == 3000
    assert created.values("child").distinct().count() == 3000
    new = Child.objects.filter(municipality=world.a, first_name="Barn2999").get()
    assert new.cpr_digits() == str(rows[2999][0]).replace("-", "")
    assert new.sex == Child.Sex.GIRL and new.birth_date == dt.date(2010, 1, 1) + dt.timedelta(
        days=2999
    )
    assert created.filter(child=new).get().purpose == Purpose.DATA_ADMIN
    # Every enrolment went to its own row's child (the new children's keys are matched to
    # their rows in bulk), and the collector is back on after the import.
    enrolled = Enrolment.objects.filter(
        child__municipality=world.a, child__first_name__startswith="Barn"
    )
    assert sorted(
        enrolled.values_list("child__first_name", "group__name", "group__institution__name")
    ) == sorted((f"Barn{i}", f"{i % 10}.A", f"Skole {i % 4}") for i in range(3000))
    assert gc.isenabled()
    # The same file again: nothing changes, every child is logged as read.
    call_command("spor_import", str(path), municipality="901", user="leder_a")
    assert counts() == (children + 3000, groups + 20, institutions + 4, enrolments + 3000)
    assert "Børn: 0 oprettet, 0 opdateret, 3000 uændret" in capsys.readouterr().out
    assert AccessLogEntry.objects.filter(action=Action.IMPORT, child=new).count() == 1
