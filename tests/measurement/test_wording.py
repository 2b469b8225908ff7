"""Licensed SDQ wording as data (issue 17, item 6): the PPR-leder of a municipality that holds
youthinmind's licence loads the Danish item texts from its own file (page or command),
checked against the instrument definition; parents and teachers then see them on the answer
pages of that municipality only. Spor ships no wording: the texts here are made up."""

from __future__ import annotations

import io
import json
import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from spor.measurement.models import LicensedWording
from tests.conftest import World
from tests.measurement.world import WORLD_TOKEN

TEXTS = {f"sdq{n}": f"Opdigtet udsagn nummer {n}" for n in range(1, 26)}
LICENCE = "Licens fra youthinmind, aftale 2026-17"


def upload(data: object, name: str = "ordlyd.json") -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, raw, content_type="application/octet-stream")


def post(client: Client, file: SimpleUploadedFile, form: str = "parent-4-17", **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/maaling/ordlyd/", {"form": form, "file": file, "licence_note": LICENCE, **extra}
    )


def test_the_lead_loads_the_wording_and_the_parent_sees_it(world: World) -> None:
    link = f"/svar/{WORLD_TOKEN}/"  # the world's parent link, parent-4-17
    before = Client().get(link).content.decode()
    assert "korte stikord" in before and "Opdigtet udsagn" not in before
    lead = world.client_for(world.lead_a)
    assert lead.get("/maaling/ordlyd/").status_code == 200
    response = post(lead, upload({"instrument": "parent-4-17", "items": TEXTS}))
    assert response.status_code == 302
    saved = LicensedWording.objects.get(municipality=world.a, form="parent-4-17")
    assert saved.licence_note == LICENCE and saved.texts["sdq7"] == "Opdigtet udsagn nummer 7"
    page = Client().get(link).content.decode()
    assert "Opdigtet udsagn nummer 7" in page and "korte stikord" not in page
    listing = lead.get("/maaling/ordlyd/").content.decode()
    assert "Licenseret ordlyd, 25 tekster" in listing and LICENCE in listing
    # A removal of a form that is not Spor's (or NUL bytes, which PostgreSQL refuses) is
    # refused with the page's message, and nothing is removed.
    for bad in ("parent-99", "parent-4-17\x00"):
        refused = lead.post("/maaling/ordlyd/", {"fjern": bad}, follow=True)
        assert refused.status_code == 200 and "Vælg et af Spors SDQ-skemaer." in (
            refused.content.decode()
        )
    assert LicensedWording.objects.filter(municipality=world.a).count() == 1
    # Removed again: the short labels are back.
    assert lead.post("/maaling/ordlyd/", {"fjern": "parent-4-17"}).status_code == 302
    assert "korte stikord" in Client().get(link).content.decode()


def test_a_csv_file_works_too(world: World) -> None:
    rows = "key,text\n" + "".join(f"{k},{v}\n" for k, v in TEXTS.items())
    lead = world.client_for(world.lead_a)
    assert post(lead, upload(rows.encode(), "ordlyd.csv"), form="teacher-4-17").status_code == 302
    assert LicensedWording.objects.get(form="teacher-4-17").texts == TEXTS


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        ({k: v for k, v in TEXTS.items() if k != "sdq13"}, "ordlyd.json", "sdq13"),
        ({**TEXTS, "sdq26": "Ekstra"}, "ordlyd.json", "sdq26"),
        ({"instrument": "teacher-4-17", "items": TEXTS}, "ordlyd.json", "teacher-4-17"),
        (b"{not json", "ordlyd.json", "ikke gyldig JSON"),
        (b"key,text\n", "ordlyd.txt", "JSON eller CSV"),
        (b"noegle,tekst\nsdq1,x\n", "ordlyd.csv", "key og text"),
    ],
)
def test_a_file_that_does_not_fit_the_form_is_refused_and_nothing_saved(
    world: World, data: object, name: str, message: str
) -> None:
    response = post(world.client_for(world.lead_a), upload(data, name))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Intet er gemt" in page and message in page
    assert tempfile.gettempdir() not in page  # the temporary copy is not named
    assert not LicensedWording.objects.exists()


def test_the_licence_must_be_named(world: World) -> None:
    response = post(world.client_for(world.lead_a), upload(TEXTS), licence_note="")
    assert response.status_code == 400 and not LicensedWording.objects.exists()


def test_only_the_lead_has_the_page_and_another_municipality_keeps_its_labels(
    world: World,
) -> None:
    for user in (world.ppr_a, world.teacher_a, world.health_a):
        client = world.client_for(user)
        assert client.get("/maaling/ordlyd/").status_code == 404
        assert post(client, upload(TEXTS)).status_code == 404
    assert not LicensedWording.objects.exists()
    # Bby's lead loads wording for Bby: Aby's parent still sees the short labels.
    assert post(world.client_for(world.lead_b), upload(TEXTS)).status_code == 302
    assert LicensedWording.objects.get().municipality_id == world.b.pk
    assert "korte stikord" in Client().get(f"/svar/{WORLD_TOKEN}/").content.decode()


def test_the_command_loads_and_removes_the_wording(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "foraelder.json"
    path.write_text(json.dumps({"items": TEXTS}), encoding="utf-8")
    out = io.StringIO()
    args = ["--form", "parent-4-17", "--municipality", world.a.code, "--user", "leder_a"]
    call_command("spor_sdq_wording", str(path), *args, "--licence", LICENCE, stdout=out)
    assert "25 tekster" in out.getvalue()
    assert "Opdigtet udsagn nummer 3" in Client().get(f"/svar/{WORLD_TOKEN}/").content.decode()
    # A bad file: an error, nothing changed.
    path.write_text(json.dumps({"items": {"sdq1": "x"}}), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Intet er gemt"):
        call_command("spor_sdq_wording", str(path), *args, "--licence", LICENCE, stderr=err)
    assert "sdq2" in err.getvalue()
    assert LicensedWording.objects.get().texts == TEXTS
    # Not the lead: refused.
    with pytest.raises(CommandError, match="PPR-lederen"):
        call_command(
            "spor_sdq_wording",
            str(path),
            "--form",
            "parent-4-17",
            "--municipality",
            world.a.code,
            "--user",
            "psykolog_a",
            "--licence",
            LICENCE,
        )
    call_command("spor_sdq_wording", *args, "--remove", stdout=out)
    assert not LicensedWording.objects.exists()
