"""The broker's login in a real browser (Chromium through Playwright): the button on Spor's
login page, the provider's own screens, and back in Spor with the mapped role; and the
Danish refusal for a person the claims give no role."""

from __future__ import annotations

import os

import pytest

from spor.accounts.models import Membership, Role, User
from spor.sso.models import OidcIdentity
from tests.conftest import World
from tests.sso.conftest import Broker

CHROMIUM = "/usr/bin/chromium"

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
        yield browser.new_page(locale="da-DK")
        browser.close()


def _log_in_at_the_broker(page, live_server, login: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/log-ind/")
    page.get_by_role("link", name="Log ind med kommunens login (MitID Erhverv)").click()
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("hvad-som-helst")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_a_lead_logs_in_through_the_broker_in_a_browser_and_lands_as_lead(
    world: World, live_server, broker: Broker, browser_page
) -> None:  # type: ignore[no-untyped-def]
    broker.accounts(
        {"lene-42": {"given_name": "Lene", "family_name": "Lund", "roles": ["spor-leder"]}}
    )
    page = browser_page
    _log_in_at_the_broker(page, live_server, "lene-42")
    page.get_by_role("heading", name="Velkommen, Lene").wait_for()
    page.wait_for_load_state("networkidle")  # no request of the page left on the server
    assert page.url == f"{live_server.url}/"
    user = OidcIdentity.objects.get(subject="lene-42").user
    assert Membership.objects.get(user=user).role == Role.LEAD


def test_a_person_with_no_mapped_role_is_refused_in_danish_in_a_browser(
    world: World, live_server, broker: Broker, browser_page
) -> None:  # type: ignore[no-untyped-def]
    broker.accounts({"kurt-9": {"given_name": "Kurt", "roles": ["kantine"]}})
    users_before = User.objects.count()
    page = browser_page
    _log_in_at_the_broker(page, live_server, "kurt-9")
    page.get_by_role("heading", name="Du har ikke adgang til Spor").wait_for()
    page.wait_for_load_state("networkidle")
    assert User.objects.count() == users_before


def test_logging_out_of_spor_ends_the_brokers_session_too(
    world: World, live_server, broker: Broker, browser_page
) -> None:  # type: ignore[no-untyped-def]
    # At a shared computer the next person must be asked to log in at the broker again.
    broker.accounts({"lene-42": {"given_name": "Lene", "roles": ["spor-leder"]}})
    page = browser_page
    _log_in_at_the_broker(page, live_server, "lene-42")
    page.get_by_role("heading", name="Velkommen, Lene").wait_for()
    page.get_by_role("button", name="Log ud").click()
    # The broker asks (its development screen) and sends the browser back to Spor's login.
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/log-ind/")
    page.get_by_role("link", name="Log ind med kommunens login (MitID Erhverv)").click()
    page.get_by_placeholder("Enter any login").wait_for()  # asked again, not let straight in
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/log-ind/")  # and out of Spor
