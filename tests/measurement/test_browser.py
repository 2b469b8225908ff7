"""On a phone (390 × 844): a parent opens the one-time link, answers every question with
taps, sees the thank-you page; the same link then refuses; the case shows the scored result
to the psychologist. Screenshots are saved in test-artifacts/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from spor.measurement.models import Informant, MeasurementRequest, Response
from tests.conftest import World
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
PHONE = {"width": 390, "height": 844}

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


def test_a_parent_answers_on_a_phone_and_the_case_shows_the_score(
    world: World, live_server, browser, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SPOR_BASE_URL = live_server.url
    MeasurementRequest.objects.update(revoked_at=timezone.now())  # the world's open link
    ARTIFACTS.mkdir(exist_ok=True)

    # The psychologist sends the baseline to the mother.
    staff = browser.new_page(locale="da-DK", viewport={"width": 1280, "height": 1000})
    staff.goto(f"{live_server.url}/log-ind/")
    staff.get_by_label("Brugernavn").fill("psykolog_a")
    staff.get_by_label("Adgangskode").fill(PASSWORD)
    staff.get_by_role("button", name="Log ind").click()
    staff.wait_for_url(f"{live_server.url}/")
    delivery = world.extra["case_delivery"]
    staff.goto(f"{live_server.url}/maaling/indsats/{delivery.pk}/")
    staff.get_by_text("Send førmåling", exact=True).first.click()
    send = staff.locator("#send-foer")
    send.get_by_label("Send til en forælder").check()
    send.get_by_label("Forælderens navn").fill("Mette Nielsen")
    send.get_by_label("Forælderens e-mail").fill("mette@example.org")
    send.get_by_role("button", name="Send førmåling").click()
    staff.get_by_text("Førmåling er sendt").wait_for()
    (link,) = re.findall(r"http://\S+/svar/\S+/", mail.outbox[-1].body)

    # The parent, on a phone, no login.
    context = browser.new_context(locale="da-DK", viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(link)
    phone.get_by_role("heading", name="Spørgeskema om Oliver").wait_for()
    assert "Nielsen" not in phone.content()
    phone.screenshot(path=str(ARTIFACTS / "sdq-link-mobil-start.png"))
    # Half-filled first: the errors say what is missing and the answer given is kept.
    phone.locator("fieldset.sdq-q").first.get_by_text("Passer godt").tap()
    phone.get_by_role("button", name="Send svar").tap()
    phone.get_by_text("Ret venligst:").wait_for()
    assert phone.locator('input[name="q-sdq1"][value="2"]').is_checked()
    phone.screenshot(path=str(ARTIFACTS / "sdq-link-mobil-fejl.png"), full_page=True)
    # Then every question, with taps on the large answer boxes.
    for n in range(1, 26):
        label = "Passer godt" if n in (1, 4, 9, 17, 20, 11, 14) else "Passer delvist"
        if n in (5, 12, 18, 22):
            label = "Passer ikke"
        box = phone.locator(f'fieldset:has(input[name="q-sdq{n}"])')
        box.get_by_text(label, exact=True).tap()
    phone.locator('fieldset:has(input[name="q-ebddiff"])').get_by_text("Nej", exact=True).tap()
    phone.get_by_role("button", name="Send svar").tap()
    phone.get_by_role("heading", name="Tak for dit svar").wait_for()
    phone.screenshot(path=str(ARTIFACTS / "sdq-link-mobil-tak.png"))

    # The same link refuses.
    again = phone.goto(link)
    assert again is not None and again.status == 410
    phone.get_by_role("heading", name="Skemaet er allerede besvaret").wait_for()
    phone.screenshot(path=str(ARTIFACTS / "sdq-link-mobil-brugt.png"))

    saved = Response.objects.get(informant=Informant.PARENT)
    # emotional 5 (1 each), conduct 1 (only 7, reversed), hyperactivity 5, peer 3 (11 and 14
    # reversed: 0) → total 14: borderline for parents under uk-3band (14–16).
    assert saved.scores["total"] == 14 and saved.scores["total_band"] == "borderline"

    staff.goto(f"{live_server.url}/forloeb/{world.extra['case'].pk}/")
    panel = staff.locator("#sdq-maaling")
    panel.get_by_text("Forælder").first.wait_for()
    text = panel.inner_text()
    assert "Grænseområdet" in text and "uk-3band@1" in text
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(ARTIFACTS / "sdq-forloeb-resultat.png"))
    for shot in ("sdq-link-mobil-start", "sdq-link-mobil-tak", "sdq-forloeb-resultat"):
        assert (ARTIFACTS / f"{shot}.png").stat().st_size > 5000
    context.close()
