"""The case page with its forms drawn in Python (``form_html``) is the page Django's own
form templates draw, byte for byte but for the per-request CSRF token: for the coordinator,
the PPR-leder and a teacher on the team of an open case, on a closed case, and on a page
shown again with a form's errors."""

from __future__ import annotations

import re

import pytest

from spor.cases.models import Status
from spor.lib import formhtml
from tests.cases.test_screens import close_data
from tests.conftest import World

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')


def unsupported(form: object) -> str:
    raise formhtml._Unsupported


def both(monkeypatch: pytest.MonkeyPatch, draw: object) -> tuple[str, str]:
    """The page drawn as it is, then with every form left to Django."""
    response = draw()  # type: ignore[operator]
    ours = TOKEN.sub("TOKEN", response.content.decode())
    with monkeypatch.context() as m:
        m.setattr(formhtml, "_form", unsupported)
        django = TOKEN.sub("TOKEN", draw().content.decode())  # type: ignore[operator]
    return ours, django


@pytest.mark.parametrize("who", ["ppr_a", "lead_a", "teacher_a"])
def test_the_open_case_page_is_the_page_djangos_form_templates_draw(
    world: World, monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    case = world.extra["case"]
    client = world.client_for(getattr(world, who))
    ours, django = both(monkeypatch, lambda: client.get(f"/forloeb/{case.pk}/"))
    assert ours == django
    # every form of an open case is on it: the note, the participant, the goal and its
    # follow-up, the meeting and the coordinator
    for name in ("notat-text", "deltager-name", "maal-text", "moede-held_on", "tovholder"):
        assert f'name="{name}' in ours
    assert re.search(r'name="maal\d+-status"', ours)


def test_a_closed_case_shows_only_the_note_form_and_is_drawn_the_same(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    assert client.post(f"/forloeb/{case.pk}/afslut/", close_data()).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    client.get(f"/forloeb/{case.pk}/")  # the message "Forløbet er afsluttet." shown once
    ours, django = both(monkeypatch, lambda: client.get(f"/forloeb/{case.pk}/"))
    assert ours == django
    assert 'name="notat-text"' in ours
    assert 'name="maal-text"' not in ours and 'name="tovholder-membership"' not in ours


def test_a_page_shown_again_with_a_forms_errors_is_drawn_the_same(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    ours, django = both(
        monkeypatch, lambda: client.post(f"/forloeb/{case.pk}/maal/", {"maal-text": ""})
    )
    assert ours == django
    assert 'class="error-summary"' in ours
