"""KLE emnenumre on cases: chosen on the case form, shown on the case page, checked with a
Danish message, and a sensible default for cases opened without one."""

from __future__ import annotations

import json

import pytest

from spor.cases import kle
from spor.cases.models import Case
from spor.cases.services import case_open
from tests.cases.helpers import actor, member, today
from tests.conftest import World


def open_data(world: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Sprog og læsning",
        "level": "foregribende",
        "opened_on": today().isoformat(),
        "coordinator": member(world, world.ppr_a).pk,
    }
    data.update(changes)
    return data


def test_the_shipped_list_is_small_well_formed_and_holds_its_default() -> None:
    data = json.loads(kle.DATA_FILE.read_text(encoding="utf-8"))
    numbers = [row["number"] for row in data["numbers"]]
    assert 1 <= len(numbers) <= 50
    assert all(kle.FORMAT.match(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert kle.default() == "27.20.00" and kle.default() in numbers


def test_a_case_opened_on_the_form_keeps_the_chosen_kle_number_and_shows_it(
    world: World,
) -> None:
    client = world.client_for(world.ppr_a)
    url = f"/forloeb/nyt/?barn={world.child_a2.pk}"
    form = client.get(url).content.decode()
    assert 'name="kle_number"' in form and "27.20.00" in form

    response = client.post(url, open_data(world, kle_number="17.13.00"))
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.kle_number == "17.13.00"
    page = client.get(response["Location"]).content.decode()
    assert "KLE-emnenummer" in page
    assert "17.13.00" in page and kle.title("17.13.00") in page


def test_a_case_opened_without_a_kle_number_gets_the_default(world: World) -> None:
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/nyt/?barn={world.child_a2.pk}", open_data(world)
    )
    assert response.status_code == 302
    assert Case.objects.latest("pk").kle_number == kle.default()
    case = case_open(
        actor=actor(world, world.ppr_a), title="Direkte", level="forebyggende", child=world.child_a3
    )
    assert case.kle_number == "27.20.00"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2720", "Skriv KLE-emnenummeret som tre tal med to cifre"),
        ("27.20.0x", "Skriv KLE-emnenummeret som tre tal med to cifre"),
        ("99.99.99", "KLE-emnenummeret 99.99.99 er ikke på Spors liste"),
    ],
)
def test_a_malformed_or_unknown_kle_number_is_refused_in_danish_and_nothing_is_saved(
    world: World, value: str, message: str
) -> None:
    before = Case.objects.count()
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/nyt/?barn={world.child_a2.pk}", open_data(world, kle_number=value)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Case.objects.count() == before


def test_the_service_refuses_an_unknown_kle_number_too(world: World) -> None:
    from django.core.exceptions import ValidationError

    before = Case.objects.count()
    with pytest.raises(ValidationError) as exc:
        case_open(
            actor=actor(world, world.ppr_a),
            title="Direkte",
            level="forebyggende",
            child=world.child_a3,
            kle_number="12.34.56",
        )
    assert "ikke på Spors liste" in str(exc.value)
    assert Case.objects.count() == before
