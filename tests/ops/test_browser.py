"""The content security policy in a real browser (Debian's Chromium through Playwright):
htmx saves a rating row and the partnership overview's print button works, and the browser
reports no violation of the policy on any page visited."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import World

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (CI installs it)",
    ),
]


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield b
        b.close()


def _page_as(browser, live_server, user):  # type: ignore[no-untyped-def]
    """A browser page already logged in (with the second factor done): this test is about
    the pages' policy, not the login."""
    client = Client()
    client.force_login(user)
    session = client.session
    session["spor_second_factor"] = "totp"
    session.save()
    context = browser.new_context(locale="da-DK")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: violations.append(str(e)))
    return page, violations


def test_htmx_and_the_print_button_work_under_the_policy(
    world: World, live_server, browser
) -> None:  # type: ignore[no-untyped-def]
    r = world.extra["round"]
    page, violations = _page_as(browser, live_server, world.teacher_a)
    response = page.goto(f"{live_server.url}/trivsel/{r.pk}/gruppe/{world.class_a.pk}/")
    assert (
        response is not None and "default-src 'self'" in response.headers["content-security-policy"]
    )
    page.get_by_role("heading", name="3.A").wait_for()
    page.wait_for_function("window.htmx !== undefined")
    # htmx's indicator style was allowed by its hash: the element exists in <head>.
    assert page.evaluate(
        "[...document.querySelectorAll('head style')].some(s => "
        "s.textContent.includes('.htmx-indicator'))"
    )
    child = world.child_a1.pk
    page.locator(f"input[name='r-{child}-trivsel']").first.check()
    page.locator(f"#status-{child}").get_by_text("Gemt").wait_for()

    admin, admin_violations = _page_as(browser, live_server, world.extra["programme_admin"])
    programme = world.extra["programme"]
    admin.goto(f"{live_server.url}/partnerskab/{programme.pk}/initiativer/")
    admin.get_by_role("heading", name="Initiativoversigt").wait_for()
    admin.evaluate("window.print = () => { window.__printed = true; }")
    admin.get_by_role("button", name="Udskriv").click()
    assert admin.evaluate("window.__printed === true"), "the hashed onclick handler ran"
    assert violations == [] and admin_violations == []
