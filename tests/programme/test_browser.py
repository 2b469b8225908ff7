"""The partnership in a real browser (Debian's Chromium through Playwright): the programme
administrator reads the initiatives overview with its diagrams, filters and prints it; a
PPR-leder opens the municipality's development plan. Screenshots in test-artifacts/."""

from __future__ import annotations

import datetime as dt
import os
import random

import pytest

from spor.demo import programme as demo
from spor.demo.registry import DEMO_PASSWORD
from tests.conftest import World
from tests.factories import PASSWORD
from tests.web.test_browser import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (CI installs it)",
    ),
]


@pytest.fixture
def browser_page():  # type: ignore[no-untyped-def]
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        page = browser.new_page(locale="da-DK", viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


def log_in(page, base: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/log-ind/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")


def test_the_programme_administrator_reads_the_overview_with_its_diagrams(
    world: World, live_server, browser_page
) -> None:  # type: ignore[no-untyped-def]
    # The demo joins the world's programme (same name) and fills it to 11 municipalities.
    demo.generate(world.a, rng=random.Random(1), today=dt.date(2026, 11, 23))
    page = browser_page
    log_in(page, live_server.url, "programadmin", DEMO_PASSWORD)

    page.goto(f"{live_server.url}/partnerskab/")
    page.get_by_role(
        "link", name="Investering i den tidlige og forebyggende indsats i PPR"
    ).first.click()
    page.get_by_role("heading", name="Deltagende kommuner (11)").wait_for()
    page.get_by_role("link", name="Initiativoversigt", exact=True).first.click()
    page.get_by_role("heading", name="Initiativoversigt").wait_for()
    assert page.locator("svg[role=img]").count() == 8
    assert page.get_by_role("img", name="Initiativer pr. pejlemærke").is_visible()
    shown = page.get_by_role("status").first.inner_text()
    assert shown.startswith("Viser ") and "initiativer" in shown

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "partnerskab-initiativoversigt.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20000
    page.screenshot(path=str(ARTIFACTS / "partnerskab-initiativoversigt-top.png"))
    page.locator(".prog-charts").screenshot(path=str(ARTIFACTS / "partnerskab-diagrammer.png"))

    page.locator("#id_pejlemaerke").select_option(
        label="2. Systematisk opmærksomhed og opfølgning på bekymring"
    )
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**pejlemaerke=2**")
    filtered = page.get_by_role("status").first.inner_text()
    assert filtered != shown

    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("form.prog-filter").is_visible()
    page.screenshot(
        path=str(ARTIFACTS / "partnerskab-initiativoversigt-udskrift.png"), full_page=True
    )
    pdf = ARTIFACTS / "partnerskab-initiativoversigt.pdf"
    page.pdf(path=str(pdf), format="A4", landscape=True)
    assert pdf.stat().st_size > 10000


def test_a_ppr_leder_opens_the_municipalitys_development_plan(
    world: World, live_server, browser_page
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    log_in(page, live_server.url, "leder_a", PASSWORD)
    page.goto(f"{live_server.url}/partnerskab/")
    page.get_by_role("link", name="PPR på sporet").click()
    page.get_by_role("heading", name="PPR på sporet").wait_for()
    assert page.get_by_role("link", name="Nyt initiativ").is_visible()
    page.get_by_role("link", name="Samtalegrupper for børn i skilsmissefamilier").click()
    page.get_by_role("heading", name="Milepæle").wait_for()
    assert "Samtaleforløb for børn med bekymringer" in page.content()
    page.screenshot(path=str(ARTIFACTS / "udviklingsplan-initiativ.png"), full_page=True)
    page.go_back()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "udviklingsplan.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5000
