"""Danish first: a browser set to English still gets Danish until the person picks another
language in the menu; the menu names each language in its own words; Danish dates."""

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


def test_the_person_may_pick_english_and_the_menu_names_languages_in_their_own_words(
    world: World,
) -> None:
    client = world.client_for(world.lead_a)
    html = client.get("/").content.decode()
    assert '<option value="da" lang="da" selected>Dansk</option>' in html
    assert '<option value="en" lang="en">English</option>' in html and "engelsk" not in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/", HTTP_ACCEPT_LANGUAGE="da").content.decode()


def test_months_are_written_the_danish_way(world: World) -> None:
    html = world.client_for(world.lead_a).get("/trivsel/").content.decode()
    # "17. nov. 2026" (or "3. maj 2026"), never "17. Nov 2026"
    assert re.search(r"\d{1,2}\. [a-zæøå]{3,5}\.? 20\d\d", html)
    assert not re.search(r"\d{1,2}\. [A-Z][a-z]{2} 20\d\d", html)
