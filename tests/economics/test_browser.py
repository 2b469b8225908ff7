"""The investment case in a real browser (Debian's Chromium through Playwright): the PPR-leder
starts a new case for an intervention from the list, corrects a Danish error, saves it and
reads the result with its charts and the disclaimer. Screenshots in test-artifacts/."""

from __future__ import annotations

import os

import pytest

from spor.economics.models import InvestmentScenario
from spor.economics.services import MSG_NO_CHILDREN
from spor.evaluation.economics import DISCLAIMER_DA
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


def test_the_lead_makes_an_investment_case_and_reads_its_charts(
    world: World, live_server, browser_page
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    base = live_server.url
    page.goto(f"{base}/log-ind/")
    page.get_by_label("Brugernavn").fill("leder_a")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")

    page.get_by_role("link", name="Økonomi").click()
    page.get_by_role("heading", name="Økonomi: hvad forløbene koster").wait_for()
    page.get_by_role("link", name="Investeringsberegning").click()
    page.locator("#id_indsats").select_option(label="Forældrekursus")
    page.get_by_role("button", name="Ny beregning").click()
    page.get_by_role("heading", name="Ny investeringsberegning").wait_for()
    assert DISCLAIMER_DA in page.content()

    page.get_by_label("Navn").fill("Forældrekursus i browseren")
    page.locator("#id_effect_note").fill("Et forsigtigt skøn fra ledelsen.")
    page.get_by_label("Kommunen (kr. pr. barn pr. år)").fill("50.000")
    page.get_by_label("Personaleudgifter (kr.), år 1", exact=True).fill("300.000")
    page.get_by_role("button", name="Gem og beregn").click()
    # No children start in any year: a Danish error, and nothing saved.
    page.get_by_role("alert").get_by_text(MSG_NO_CHILDREN).wait_for()
    assert not InvestmentScenario.objects.filter(name="Forældrekursus i browseren").exists()

    for year in (1, 2, 3):
        page.get_by_label(f"Børn, der starter, år {year}", exact=True).fill("25")
    page.get_by_role("button", name="Gem og beregn").click()
    page.get_by_role("heading", name="Investeringsberegning: Forældrekursus i browseren").wait_for()
    assert page.get_by_role("img", name="Nettoresultat pr. år").is_visible()
    assert page.get_by_role("img", name="Følsomhed").is_visible()
    assert DISCLAIMER_DA in page.content()
    # The bars are drawn where the numbers say (a Danish comma would put them at 0).
    assert page.locator("svg[role=img] rect").first.bounding_box()["x"] > 100

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "oekonomi-investering.png"), full_page=True)
    page.get_by_role("img", name="Følsomhed").screenshot(
        path=str(ARTIFACTS / "oekonomi-foelsomhed.png")
    )
    page.get_by_role("link", name="Udgifter", exact=True).click()
    page.get_by_role("heading", name="Pr. indsats").wait_for()
    page.screenshot(path=str(ARTIFACTS / "oekonomi-udgifter.png"), full_page=True)
