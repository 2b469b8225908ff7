"""A person in a real browser: Debian's Chromium, driven by Playwright, against a live
server. Log in, open a group, open a child; a screenshot is saved in test-artifacts/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import World
from tests.factories import PASSWORD

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


def test_a_teacher_logs_in_opens_her_class_and_a_child(
    world: World, live_server, browser_page
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "/log-ind/" in page.url

    page.get_by_label("Brugernavn").fill("laerer_a")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_role("heading", name="Velkommen, Laerer_A").wait_for()

    page.get_by_role("link", name="Mine grupper").click()
    page.get_by_role("link", name="Aby Skole").click()
    page.get_by_role("link", name="3.A").click()
    page.get_by_role("heading", name="3.A").wait_for()
    assert page.get_by_role("link", name="Oliver Nielsen").is_visible()
    assert page.get_by_text("Ida Hansen").count() == 0  # another class

    page.get_by_role("link", name="Oliver Nielsen").click()
    page.get_by_role("heading", name="Oliver Nielsen").wait_for()
    assert "150318-xxxx" in page.content()
    assert "Dagtilbud → skole" in page.content()
    assert "4123" not in page.content()

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "barnets-side.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5000


def test_wrong_passwords_lock_the_user_out(world: World, live_server, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    for _ in range(5):
        page.goto(f"{live_server.url}/log-ind/")
        page.get_by_label("Brugernavn").fill("leder_a")
        page.get_by_label("Adgangskode").fill("forkert")
        page.get_by_role("button", name="Log ind").click()
    page.goto(f"{live_server.url}/log-ind/")
    page.get_by_label("Brugernavn").fill("leder_a")
    page.get_by_label("Adgangskode").fill(PASSWORD)  # right, but too late
    page.get_by_role("button", name="Log ind").click()
    assert "For mange forkerte forsøg" in page.content()
