"""The lead's archive screen (/arkiv/): retention rules with Danish errors, the suggested
defaults, archive holds and a dry run. Everyone else gets 404."""

from __future__ import annotations

import pytest

from spor.archive.models import ArchiveHold, RecordType, RetentionRule, RetentionRun
from spor.cases.models import Case
from tests.archive.helpers import closed_case
from tests.conftest import World


def rule_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "regel-record_type": "forloeb",
        "regel-kle_number": "17.13.00",
        "regel-months": "60",
        "regel-disposal": "slet",
    }
    data.update({f"regel-{k}": v for k, v in changes.items()})
    return data


def test_only_the_lead_reaches_the_archive_screen(world: World) -> None:
    assert world.client_for(world.lead_a).get("/arkiv/").status_code == 200
    for person in (world.ppr_a, world.teacher_a, world.health_a):
        client = world.client_for(person)
        assert client.get("/arkiv/").status_code == 404
        assert client.post("/arkiv/regler/", rule_data()).status_code == 404
        assert client.post("/arkiv/eksport/", {}).status_code == 404
    assert not RetentionRule.objects.filter(record_type=RecordType.CASE).exists()


def test_the_lead_sets_a_rule_for_a_kle_number_and_sees_it(world: World) -> None:
    client = world.client_for(world.lead_a)
    response = client.post("/arkiv/regler/", rule_data())
    assert response.status_code == 302
    rule = RetentionRule.objects.get(municipality=world.a, record_type=RecordType.CASE)
    assert (rule.kle_number, rule.months, rule.disposal) == ("17.13.00", 60, "slet")
    page = client.get("/arkiv/").content.decode()
    assert "Slettereglen er gemt." in page and "17.13.00" in page and "60 måneder" in page

    # Setting it again changes the same rule rather than adding one.
    assert client.post("/arkiv/regler/", rule_data(months="72")).status_code == 302
    rule.refresh_from_db()
    assert rule.months == 72
    assert RetentionRule.objects.filter(municipality=world.a).count() == 2  # + the world's


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"months": "0"}, "Skriv opbevaringsperioden som et helt antal måneder fra 1 til 1200."),
        ({"months": "tre"}, "Skriv opbevaringsperioden som et helt antal måneder"),
        ({"months": ""}, "Skriv opbevaringsperioden som et helt antal måneder"),
        ({"disposal": "anonymiser"}, "Forløb kan kun slettes."),
        (
            {"record_type": "bekymring", "kle_number": "27.20.00"},
            "Bekymring har intet KLE-emnenummer.",
        ),
        ({"kle_number": "99.99.99"}, "KLE-emnenummeret 99.99.99 er ikke på Spors liste."),
        ({"record_type": "alt"}, "Vælg, hvilken slags oplysninger reglen gælder."),
    ],
)
def test_a_wrong_rule_is_refused_in_danish_and_nothing_is_saved(
    world: World, changes: dict[str, str], message: str
) -> None:
    before = list(RetentionRule.objects.values_list("pk", "months"))
    response = world.client_for(world.lead_a).post("/arkiv/regler/", rule_data(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(RetentionRule.objects.values_list("pk", "months")) == before


def test_the_suggested_defaults_go_in_force_only_where_the_lead_set_nothing(
    world: World,
) -> None:
    client = world.client_for(world.lead_a)
    own = rule_data(record_type="bekymring", kle_number="", months="12")
    assert client.post("/arkiv/regler/", own).status_code == 302
    assert client.post("/arkiv/regler/standard/").status_code == 302
    rules = {r.record_type: r for r in RetentionRule.objects.filter(municipality=world.a)}
    assert set(rules) == set(RecordType.values)
    assert rules[RecordType.CONCERN].months == 12  # the lead's own stays
    assert rules[RecordType.CASE].months == 60 and rules[RecordType.SDQ].disposal == "anonymiser"
    assert not RetentionRule.objects.filter(municipality=world.b).exists()


def test_removing_a_rule_means_that_kind_is_no_longer_disposed_of(world: World) -> None:
    rule = world.extra["retention_rule"]
    response = world.client_for(world.lead_a).post(f"/arkiv/regler/{rule.pk}/slet/")
    assert response.status_code == 302
    assert not RetentionRule.objects.filter(pk=rule.pk).exists()


def test_the_lead_holds_a_closed_case_for_an_archive_delivery_and_releases_it(
    world: World,
) -> None:
    case = closed_case(world, world.child_a2)
    client = world.client_for(world.lead_a)
    data = {"hold-case_id": str(case.pk), "hold-reference": "Aflevering 2027 til Stadsarkivet"}
    assert client.post("/arkiv/hold/", data).status_code == 302
    hold = ArchiveHold.objects.get(case=case)
    assert hold.is_active and hold.reference == "Aflevering 2027 til Stadsarkivet"
    page = client.get("/arkiv/").content.decode()
    assert "Aflevering 2027 til Stadsarkivet" in page

    again = client.post("/arkiv/hold/", data)
    assert again.status_code == 400
    assert "Forløbet er allerede holdt til en arkivaflevering." in again.content.decode()

    assert client.post(f"/arkiv/hold/{hold.pk}/frigiv/").status_code == 302
    hold.refresh_from_db()
    assert not hold.is_active


def test_a_case_of_another_municipality_cannot_be_held(world: World) -> None:
    other = Case.objects.filter(municipality=world.a).first()
    assert other is not None
    response = world.client_for(world.lead_b).post(
        "/arkiv/hold/", {"hold-case_id": str(other.pk), "hold-reference": "Aflevering"}
    )
    assert response.status_code == 400
    assert "Forløbet findes ikke i din kommune." in response.content.decode()
    assert not ArchiveHold.objects.filter(municipality=world.b).exists()


def test_a_dry_run_from_the_screen_records_counts_and_changes_nothing(world: World) -> None:
    cases = Case.objects.count()
    client = world.client_for(world.lead_a)
    response = client.post("/arkiv/proevekoersel/", follow=True)
    assert response.status_code == 200
    assert "Prøvekørsel:" in response.content.decode()
    run = RetentionRun.objects.get(municipality=world.a)
    assert run.dry_run
    assert Case.objects.count() == cases
