"""The PPR-leder imports the organisation in a real browser (Debian's Chromium, driven by
Playwright): upload the example export, read the preview, confirm; then the badge of a
new notification is not part of this – see tests/notifications. Screenshots are saved in
test-artifacts/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spor.accounts.models import Membership
from tests.conftest import World
from tests.factories import PASSWORD
from tests.orgsync.helpers import SAMPLE_JSON

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (CI installs it)",
    ),
]


@pytest.fixture
def browser_page():  # type: ignore[no-untyped-def]
    # Playwright runs an event loop in this thread; the ORM calls around it are ours.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        page = browser.new_page(locale="da-DK")
        yield page
        browser.close()


def test_the_lead_uploads_reads_the_preview_and_confirms_in_a_browser(
    world: World, live_server, browser_page
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    page.goto(f"{live_server.url}/log-ind/")
    page.get_by_label("Brugernavn").fill("leder_a")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_role("link", name="Organisation").click()
    page.get_by_label("Fil (JSON eller CSV)").set_input_files(str(SAMPLE_JSON))
    page.get_by_role("button", name="Indlæs og vis ændringer").click()
    page.get_by_role("heading", name="Oprettes (").wait_for()
    assert page.get_by_text("Rolle: Anne Bach Jensen: PPR-medarbejder, psykolog").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "orgsync-preview.png"), full_page=True)
    assert not Membership.objects.filter(user__email="anne.jensen@aby.dk").exists()

    page.get_by_role("button", name="Godkend og gennemfør importen").click()
    page.get_by_text("Importen er gennemført").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "orgsync-done.png"), full_page=True)
    assert Membership.objects.get(user__email="anne.jensen@aby.dk").role == "ppr"
