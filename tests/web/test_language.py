"""Danish first: Spor is in Danish, whatever the browser asks for; Danish dates."""

from __future__ import annotations

import re

from django.test import Client

from tests.conftest import World


def test_a_browser_asking_for_english_gets_danish(world: World) -> None:
    client = world.client_for(world.lead_a)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="da">' in html
    assert "Log ud" in html and "Log out" not in html
    login = Client().get("/log-ind/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="da">' in login


def test_english_is_removed_a_cookie_or_the_old_switch_still_gives_danish(world: World) -> None:
    """The English catalogue covered the templates only (the Python code's texts were
    never marked), so English screens were half Danish: English is removed (issue 17,
    item 7). No language menu, no switch, and an old language cookie is ignored."""
    client = world.client_for(world.lead_a)
    html = client.get("/").content.decode()
    assert 'name="language"' not in html and "setlang" not in html
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 404
    client.cookies["django_language"] = "en"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="da">' in html and "Log ud" in html


def test_no_translation_catalogue_is_shipped() -> None:
    """A catalogue for another language must be complete before it is shipped; until then
    none is (a half-translated one gave half-English screens)."""
    from pathlib import Path

    from django.conf import settings

    import spor

    assert [code for code, _ in settings.LANGUAGES] == ["da"]
    assert not list(Path(spor.__file__).parent.rglob("*.po"))


def test_months_are_written_the_danish_way(world: World) -> None:
    html = world.client_for(world.lead_a).get("/trivsel/").content.decode()
    # "17. nov. 2026" (or "3. maj 2026"), never "17. Nov 2026"
    assert re.search(r"\d{1,2}\. [a-zæøå]{3,5}\.? 20\d\d", html)
    assert not re.search(r"\d{1,2}\. [A-Z][a-z]{2} 20\d\d", html)
