"""The organisation import page with the files a PPR-leder may really pick (issue 19: the
import page, bad input): no file, an empty one, a spreadsheet, bytes that are no text, a CSV
without the type column, a cell a spreadsheet would run, a CSV csv cannot read. Each gets
400 and a Danish message on the page, and nothing is kept; a Windows-1252 CSV from Danish
Excel is read like UTF-8. One world for all of them."""

from __future__ import annotations

import csv
import html

from spor.orgsync.models import OrgImport
from tests.conftest import World
from tests.orgsync.helpers import SAMPLE_CSV, upload

URL = "/organisationsimport/"
HEADER = "type;uuid;navn;overordnet;enhedstype;email;person;enhed;stilling;fra;til\r\n"
UNIT = "enhed;9f0c1e2a-0000-4000-8000-0000000000aa;{name};;PPR;;;;;;\r\n"


def test_bad_files_are_refused_with_a_danish_message_and_nothing_is_kept(world: World) -> None:
    client = world.client_for(world.lead_a)
    before = OrgImport.objects.count()
    no_file = client.post(URL, {})
    assert no_file.status_code == 400
    assert "Vælg en fil (JSON eller CSV)." in no_file.content.decode()

    too_long = "x" * (csv.field_size_limit() + 1)
    cases = [
        (b"", "udtraek.csv", "filen er tom"),
        (b"PK\x03\x04 a workbook", "udtraek.xlsx", "gem udtrækket som JSON eller CSV"),
        (b"type;navn\r\n\x81\x8d\x90;x\r\n", "udtraek.csv", "kan ikke læses som tekst"),
        ("navn;uuid\r\nPPR;x\r\n", "udtraek.csv", "mangler kolonnen type"),
        (HEADER + UNIT.format(name="=HYPERLINK(1)"), "udtraek.csv", "kan læses som en formel"),
        (HEADER + UNIT.format(name=too_long), "udtraek.csv", "kan ikke læses som CSV"),
    ]
    for content, name, message in cases:
        response = client.post(URL, {"fil": upload(content, name)})
        page = html.unescape(response.content.decode())
        assert response.status_code == 400, (name, message)
        assert message in page, (message, page[-1500:])
        assert too_long not in page
    assert OrgImport.objects.count() == before

    danish_excel = SAMPLE_CSV.read_text(encoding="utf-8").encode("cp1252")
    read = client.post(URL, {"fil": upload(danish_excel, "udtraek.csv")})
    assert read.status_code == 302, read.content.decode()[-1500:]
    preview = client.get(read["Location"]).content.decode()
    assert "Mælkebøtten" in html.unescape(preview)  # æ and ø read from Windows-1252
