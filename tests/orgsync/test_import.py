"""The organisation import as the PPR-leder meets it: upload → preview → confirm, the
re-import that updates and ends instead of duplicating, files with CPR numbers refused
without repeating them, errors per row in Danish, all or nothing, and the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from spor.accounts.models import GroupAssignment, Membership, User
from spor.orgsync.models import ExternalPerson, OrgImport
from spor.registry.models import Institution
from tests.conftest import World
from tests.orgsync.helpers import ANNE, JONAS, KARIM, LISE, SAMPLE_CSV, sample, upload

CPR = "150318-4123"


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Membership.objects.count(),
        GroupAssignment.objects.count(),
        Institution.objects.count(),
        ExternalPerson.objects.count(),
    )


def membership_of(uuid: str, world: World) -> Membership:
    person = ExternalPerson.objects.get(uuid=uuid, municipality=world.a)
    return Membership.objects.get(user=person.user, municipality=world.a)


def import_through_pages(world: World, data: dict[str, Any] | str, name: str = "udtraek.json"):
    client = world.client_for(world.lead_a)
    response = client.post("/organisationsimport/", {"fil": upload(data, name)})
    assert response.status_code == 302, response.content.decode()[:2000]
    preview = client.get(response["Location"])
    confirmed = client.post(response["Location"] + "godkend/", follow=True)
    return preview, confirmed


# --------------------------------------------------------------------------- the flow


def test_the_lead_sees_a_preview_that_saves_nothing_then_confirms(world: World) -> None:
    client = world.client_for(world.lead_a)
    before = counts()
    response = client.post("/organisationsimport/", {"fil": upload(sample())})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "Oprettes" in text and "Mælkebøtten" in text and "Anne Bach Jensen" in text
    assert "Gruppetilknytning: Karim Hassan: 3.A (Aby Skole" in text
    assert "«Rengøringsassistent»" in text  # a job function with no role, said plainly
    assert counts() == before  # the preview saved nothing

    done = client.post(response["Location"] + "godkend/", follow=True)
    assert done.status_code == 200 and "Importen er gennemført" in done.content.decode()
    anne = membership_of(ANNE, world)
    assert (anne.role, anne.profession, anne.active) == ("ppr", "psykolog", True)
    assert anne.user.email == "anne.jensen@aby.dk" and anne.user.last_name == "Jensen"
    assert not anne.user.has_usable_password()
    karim = membership_of(KARIM, world)
    assert (karim.role, karim.profession) == ("paedagogisk", "laerer")
    assert list(
        GroupAssignment.objects.filter(membership=karim).values_list("group", flat=True)
    ) == [world.class_a.pk]
    assert membership_of(LISE, world).profession == "paedagog"
    assert not ExternalPerson.objects.filter(uuid=JONAS).exists()
    # Aby Skole was matched by name, not made twice; the daycare is new.
    assert Institution.objects.filter(municipality=world.a, name="Aby Skole").count() == 1
    assert Institution.objects.get(municipality=world.a, name="Mælkebøtten").kind == "integreret"
    assert not Institution.objects.filter(name__in=["PPR", "Børn og Unge"]).exists()


def test_the_same_export_again_changes_nothing(world: World) -> None:
    import_through_pages(world, sample())
    before = counts()
    preview, _ = import_through_pages(world, sample())
    assert "Ingen ændringer." in preview.content.decode()
    assert counts() == before


def test_a_reimport_updates_and_ends_roles_whose_engagement_ended_or_vanished(
    world: World,
) -> None:
    import_through_pages(world, sample())
    users_before = User.objects.count()
    data = sample()
    data["personer"][0]["email"] = "anne.bach@aby.dk"
    data["engagementer"][1]["til"] = "2025-07-31"  # Karim left
    data["personer"] = [p for p in data["personer"] if p["uuid"] != LISE]  # Lise vanished
    data["engagementer"] = [e for e in data["engagementer"] if e["person"] != LISE]

    preview, confirmed = import_through_pages(world, data)
    text = preview.content.decode()
    assert "Afsluttes" in text and "Karim Hassan" in text and "Lise Holm" in text
    assert "findes ikke længere i udtrækket" in text
    assert confirmed.status_code == 200
    assert User.objects.count() == users_before  # updated, not duplicated
    assert membership_of(ANNE, world).user.email == "anne.bach@aby.dk"
    karim = membership_of(KARIM, world)
    assert not karim.active
    assert not GroupAssignment.objects.filter(membership=karim).exists()
    assert not membership_of(LISE, world).active

    # Back in the export: the same user and role again, active.
    preview, _ = import_through_pages(world, sample())
    assert membership_of(LISE, world).active
    assert User.objects.count() == users_before


def test_a_unit_gone_from_the_export_keeps_its_institution_and_the_lead_is_told(
    world: World,
) -> None:
    import_through_pages(world, sample())
    daycare = Institution.objects.get(municipality=world.a, name="Mælkebøtten")
    data = sample()
    gone = next(u["uuid"] for u in data["enheder"] if u["navn"] == "Mælkebøtten")
    data["enheder"] = [u for u in data["enheder"] if u["uuid"] != gone]
    data["engagementer"] = [e for e in data["engagementer"] if e["enhed"] != gone]

    preview, confirmed = import_through_pages(world, data)
    text = preview.content.decode().replace("&#x27;", "'")
    assert (
        "Enheden 'Mælkebøtten' findes ikke længere i udtrækket. Institutionen 'Mælkebøtten' "
        "beholdes i Spor"
    ) in text
    assert confirmed.status_code == 200
    assert Institution.objects.filter(pk=daycare.pk, name="Mælkebøtten").exists()
    assert not membership_of(LISE, world).active  # her engagement went with the unit
    # Said again at the next import: the institution is still there to see to.
    again, _ = import_through_pages(world, data)
    assert "findes ikke længere i udtrækket" in again.content.decode()


def test_a_person_already_in_spor_is_recognised_by_email_and_a_hand_made_group_link_stays(
    world: World,
) -> None:
    world.teacher_a.email = "karim.hassan@aby.dk"
    world.teacher_a.save()
    import_through_pages(world, sample())
    assert ExternalPerson.objects.get(uuid=KARIM).user == world.teacher_a
    data = sample()
    data["engagementer"][1]["til"] = "2025-07-31"
    import_through_pages(world, data)
    m = Membership.objects.get(user=world.teacher_a, municipality=world.a)
    assert not m.active
    # teacher_a's class link was made by hand (tests/conftest.py), not by the import.
    assert GroupAssignment.objects.filter(membership=m, group=world.class_a).exists()


def test_the_csv_export_gives_the_same_result_as_json(world: World) -> None:
    import_through_pages(world, SAMPLE_CSV.read_text(encoding="utf-8"), name="udtraek.csv")
    assert membership_of(KARIM, world).role == "paedagogisk"
    assert Institution.objects.filter(municipality=world.a, name="Mælkebøtten").exists()


def test_the_importing_lead_never_ends_their_own_role(world: World) -> None:
    world.lead_a.email = "anne.jensen@aby.dk"
    world.lead_a.save()
    preview, _ = import_through_pages(world, sample())
    assert "Din egen rolle (Anne Bach Jensen) ændres ikke" in preview.content.decode()
    lead = Membership.objects.get(user=world.lead_a, municipality=world.a)
    assert lead.role == "leder" and lead.active
    data = sample()
    data["personer"] = [p for p in data["personer"] if p["uuid"] != ANNE]
    data["engagementer"] = [e for e in data["engagementer"] if e["person"] != ANNE]
    preview, _ = import_through_pages(world, data)
    assert "Din egen rolle" in preview.content.decode()
    lead.refresh_from_db()
    assert lead.active and lead.role == "leder"


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize("column", ["cpr", "CPR-nummer", "Personnummer"])
def test_a_file_with_a_cpr_column_is_refused_without_repeating_the_number(
    world: World, column: str
) -> None:
    lines = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    lines[0] += f";{column}"
    lines = [lines[0]] + [
        line + (f";{CPR}" if line.startswith("person") else ";") for line in lines[1:]
    ]
    response = world.client_for(world.lead_a).post(
        "/organisationsimport/", {"fil": upload("\n".join(lines), "udtraek.csv")}
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "CPR-numre" in text and "intet er gemt" in text
    assert CPR not in text and CPR.replace("-", "") not in text
    assert (
        not OrgImport.objects.filter(municipality=world.a)
        .exclude(pk=world.extra["orgimport"].pk)
        .exists()
    )


def test_a_cpr_number_hidden_in_a_field_is_refused_without_repeating_it(world: World) -> None:
    data = sample()
    data["personer"][1]["navn"] = f"Karim Hassan {CPR.replace('-', '')}"
    response = world.client_for(world.lead_a).post("/organisationsimport/", {"fil": upload(data)})
    text = response.content.decode()
    assert response.status_code == 400
    assert "ligner et CPR-nummer" in text and "person 2" in text
    assert CPR.replace("-", "") not in text and CPR not in text


def test_a_cpr_number_in_a_column_spor_does_not_read_still_refuses_the_file(
    world: World,
) -> None:
    lines = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    lines[0] += ";ekstra"
    lines[7] += f";{CPR}"
    csv_response = world.client_for(world.lead_a).post(
        "/organisationsimport/", {"fil": upload("\n".join(lines), "udtraek.csv")}
    )
    data = sample()
    data["personer"][3]["medarbejdernummer"] = {"vaerdi": CPR.replace("-", "")}
    json_response = world.client_for(world.lead_a).post(
        "/organisationsimport/", {"fil": upload(data)}
    )
    for response, where in ((csv_response, "række 8"), (json_response, "person 4")):
        text = response.content.decode()
        assert response.status_code == 400
        assert "ligner et CPR-nummer" in text and where in text
        assert CPR not in text and CPR.replace("-", "") not in text


def test_every_error_is_listed_per_row_in_danish_and_nothing_is_kept(world: World) -> None:
    data = sample()
    data["enheder"][3]["overordnet"] = "ikke-en-uuid"
    data["personer"][2]["email"] = "lise-at-aby"
    data["engagementer"][0]["fra"] = "32-13-2020"
    data["engagementer"][1]["person"] = "00000000-0000-4000-8000-000000000999"
    data["engagementer"][2]["til"] = "2000-01-01"
    before = OrgImport.objects.count()
    response = world.client_for(world.lead_a).post("/organisationsimport/", {"fil": upload(data)})
    text = response.content.decode()
    assert response.status_code == 400
    for expected in (
        "ugyldig uuid «ikke-en-uuid»",
        "ugyldig e-mailadresse «lise-at-aby»",
        "ugyldig dato «32-13-2020»",
        "personen findes ikke i filen",
        "slutdatoen er før startdatoen",
    ):
        assert expected in text
    assert "enhed 4" in text and "engagement 2" in text
    assert OrgImport.objects.count() == before


def test_a_conflict_found_at_confirmation_saves_nothing(world: World) -> None:
    # Two users in Spor share Anne's address: the import cannot tell who she is.
    world.ppr_a.email = world.teacher_a2.email = "anne.jensen@aby.dk"
    world.ppr_a.save()
    world.teacher_a2.save()
    before = counts()
    client = world.client_for(world.lead_a)
    location = client.post("/organisationsimport/", {"fil": upload(sample())})["Location"]
    preview = client.get(location).content.decode()
    assert "flere brugere i Spor har e-mailadressen" in preview and "Godkend" not in preview
    response = client.post(location + "godkend/")
    assert response.status_code == 400
    assert counts() == before
    assert OrgImport.objects.get(pk=int(location.strip("/").split("/")[-1])).applied_at is None


def test_a_confirmed_import_cannot_be_confirmed_twice(world: World) -> None:
    pending = world.extra["orgimport"]
    client = world.client_for(world.lead_a)
    client.post(f"/organisationsimport/{pending.pk}/godkend/")
    before = counts()
    again = client.post(f"/organisationsimport/{pending.pk}/godkend/", follow=True)
    assert "allerede gennemført" in again.content.decode()
    assert counts() == before
    pending.refresh_from_db()
    assert pending.applied_at is not None and pending.data == {}


def test_only_the_lead_of_the_municipality_reaches_the_import(world: World) -> None:
    pending = world.extra["orgimport"]
    for user in (world.ppr_a, world.teacher_a, world.lead_b):
        client = world.client_for(user)
        if user != world.lead_b:
            assert client.get("/organisationsimport/").status_code == 404
        assert client.get(f"/organisationsimport/{pending.pk}/").status_code == 404
        assert client.post(f"/organisationsimport/{pending.pk}/godkend/").status_code == 404
    pending.refresh_from_db()
    assert pending.applied_at is None


# --------------------------------------------------------------------------- job functions


def test_the_lead_maps_a_job_function_to_a_role_and_the_next_import_uses_it(
    world: World,
) -> None:
    client = world.client_for(world.lead_a)
    page = client.get("/organisationsimport/stillinger/").content.decode()
    assert "Psykolog" in page and "Standard" in page
    response = client.post(
        "/organisationsimport/stillinger/",
        {"job_function": "  rengørings-assistent ", "role": "paedagogisk", "profession": "andet"},
    )
    assert response.status_code == 302
    # Override a default: a Lærer gets no access in this municipality.
    client.post("/organisationsimport/stillinger/", {"job_function": "Lærer", "role": ""})
    import_through_pages(world, sample())
    assert membership_of(JONAS, world).role == "paedagogisk"
    assert not ExternalPerson.objects.filter(uuid=KARIM).exists()

    bad = client.post("/organisationsimport/stillinger/", {"job_function": "", "role": "konge"})
    assert bad.status_code == 400 and "Skriv stillingsbetegnelsen" in bad.content.decode()
    client.post("/organisationsimport/stillinger/", {"action": "delete", "job_function": "LÆRER"})
    assert "Kommunens egen" in client.get("/organisationsimport/stillinger/").content.decode()
    import_through_pages(world, sample())
    assert membership_of(KARIM, world).role == "paedagogisk"


# --------------------------------------------------------------------------- the command


def test_the_command_dry_run_saves_nothing_and_the_real_run_imports(
    world: World, capsys, tmp_path: Path
) -> None:
    path = tmp_path / "udtraek.json"
    path.write_text(json.dumps(sample()), encoding="utf-8")
    before = counts()
    call_command("spor_orgsync", str(path), "--municipality", "901", "--dry-run")
    out = capsys.readouterr().out
    assert "Prøvekørsel – intet er gemt" in out and "Oprettes: Bruger: Anne Bach Jensen" in out
    assert counts() == before

    call_command("spor_orgsync", str(path), "--municipality", "901")
    assert membership_of(ANNE, world).role == "ppr"
    call_command("spor_orgsync", str(path), "--municipality", "901")
    assert "Ingen ændringer." in capsys.readouterr().out


def test_the_command_prints_every_error_and_never_the_cpr_number(
    world: World, capsys, tmp_path: Path
) -> None:
    data = sample()
    data["personer"][0]["cpr"] = CPR
    path = tmp_path / "udtraek.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="Intet er gemt"):
        call_command("spor_orgsync", str(path), "--municipality", "901")
    captured = capsys.readouterr()
    assert "CPR-numre" in captured.err
    assert CPR not in captured.err + captured.out
    with pytest.raises(CommandError, match="Ingen kommune"):
        call_command("spor_orgsync", str(path), "--municipality", "999")
