"""CPR numbers: validated, encrypted, found by keyed hash, and never shown where they must
not be (logs, URLs, pages of people without the right, error pages, exports)."""

from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import Client, override_settings

from spor import cpr
from spor.registry import cpr_vault
from spor.registry.models import Child
from tests.conftest import ALL_CPR, CPR_A1, CPR_B1, World, cpr_forms


@pytest.mark.parametrize(
    "value,born",
    [
        ("0101001234", dt.date(1900, 1, 1)),  # 7th digit 1: 1900s
        ("010100-4234", dt.date(2000, 1, 1)),  # 4 and year <= 36: 2000s
        ("010137-4234", dt.date(1937, 1, 1)),  # 4 and year > 36: 1900s
        ("010157-5234", dt.date(2057, 1, 1)),  # 5-8 and year <= 57: 2000s
        ("010158-5234", dt.date(1858, 1, 1)),  # 5-8 and year > 57: 1800s
        ("290200-9234", dt.date(2000, 2, 29)),  # 9 and year <= 36: 2000s, leap day
        ("010199-9234", dt.date(1999, 1, 1)),  # 9 and year > 36: 1900s
    ],
)
def test_the_century_comes_from_the_seventh_digit(value: str, born: dt.date) -> None:
    assert cpr.birth_date(cpr.normalize(value)) == born


@pytest.mark.parametrize(
    "value,message",
    [
        ("12345", "10 cifre"),
        ("01010012345", "10 cifre"),
        ("0101AB1234", "10 cifre"),
        ("3102001234", "ikke en gyldig dato"),
        ("290201-4234", "ikke en gyldig dato"),  # 2001 is no leap year
        ("", "10 cifre"),
    ],
)
def test_invalid_numbers_are_refused_without_repeating_them(value: str, message: str) -> None:
    with pytest.raises(cpr.CPRError, match=message) as info:
        cpr.normalize(value)
    if value:
        assert value not in str(info.value)


def test_masking_keeps_the_birth_date_and_hides_the_serial() -> None:
    assert cpr.mask("1503184123") == "150318-xxxx"


def test_redaction_replaces_numbers_that_are_real_dates_only() -> None:
    text = "barn 150318-4123 og 1503184123, ordre 9999999999, tlf 12345678"
    assert cpr.redact(text) == "barn [CPR] og [CPR], ordre 9999999999, tlf 12345678"


def test_the_number_is_stored_encrypted_and_found_by_keyed_hash(world: World) -> None:
    child = Child.objects.get(pk=world.child_a1.pk)
    assert "4123" not in child.cpr_encrypted
    assert child.cpr_digits() == "1503184123"
    assert child.cpr_hash == cpr_vault.lookup_hash("150318-4123")
    assert child.cpr_hash != cpr_vault.lookup_hash("150318-4124")


def test_keys_can_be_rotated_without_losing_a_number(world: World) -> None:
    from django.conf import settings

    new_key = Fernet.generate_key().decode()
    old_keys = list(settings.SPOR_CPR_KEYS)
    before = Child.objects.get(pk=world.child_a1.pk).cpr_encrypted
    with override_settings(SPOR_CPR_KEYS=[new_key, *old_keys]):
        out = io.StringIO()
        call_command("spor_rotate_cpr_keys", stdout=out)
        assert "4 CPR-numre" in out.getvalue()
        rotated = Child.objects.get(pk=world.child_a1.pk)
        assert rotated.cpr_encrypted != before
    with override_settings(SPOR_CPR_KEYS=[new_key]):  # the old key is gone
        assert Child.objects.get(pk=world.child_a1.pk).cpr_digits() == "1503184123"


def test_the_logging_filter_redacts_cpr_numbers_that_slip_into_a_log_line() -> None:
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    stream = io.StringIO()
    old = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        logging.getLogger("spor.test").warning("opslag på %s fejlede", "150318-4123")
        try:
            raise ValueError("ukendt barn 1503184123")
        except ValueError:
            logging.getLogger("spor.test").exception("fejl")
    finally:
        handler.setStream(old)  # type: ignore[attr-defined]
    output = stream.getvalue()
    assert "opslag på [CPR] fejlede" in output
    assert "ukendt barn [CPR]" in output
    assert "4123" not in output


def assert_no_cpr(text: str, where: str) -> None:
    for value in ALL_CPR:
        for form in cpr_forms(value):
            assert form not in text, f"a CPR number appears in {where}"


def test_no_page_shows_a_cpr_number_unless_asked_for_by_a_role_that_may(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pages = [
        "/",
        "/boern/",
        "/boern/?q=Oliver",
        "/institutioner/",
        f"/institutioner/{world.school_a.pk}/",
        f"/grupper/{world.class_a.pk}/",
        f"/boern/{world.child_a1.pk}/",
        f"/boern/{world.child_a1.pk}/adgangslog/",
        f"/boern/{world.child_a1.pk}/adgangslog.csv",
        f"/boern/{world.child_b1.pk}/",  # another municipality's: 404 page
    ]
    for person in (world.lead_a, world.ppr_a, world.teacher_a, world.health_a, world.lead_b):
        client = world.client_for(person)
        for url in pages:
            response = client.get(url)
            assert_no_cpr(url, "a URL")
            assert_no_cpr(response.content.decode("utf-8-sig"), f"{url} as {person}")
            for header in response.headers.values():
                assert_no_cpr(header, f"a header of {url}")
            if response.status_code == 302:
                assert_no_cpr(response["Location"], "a redirect")
    assert_no_cpr(caplog.text, "the log")


def test_a_cpr_search_sends_the_number_in_the_body_and_never_echoes_it(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    client = world.client_for(world.ppr_a)
    found = client.post("/boern/", {"cpr": CPR_A1})
    assert "Oliver" in found.content.decode()
    assert_no_cpr(found.content.decode(), "the search result")
    # another municipality's child is not found, and the page does not repeat the number
    other = client.post("/boern/", {"cpr": CPR_B1})
    assert "Noah" not in other.content.decode()
    assert_no_cpr(other.content.decode(), "the empty search result")
    bad = client.post("/boern/", {"cpr": "310299-4123"})
    assert bad.status_code == 400
    assert "ikke en gyldig dato" in bad.content.decode()
    assert "310299" not in bad.content.decode()
    assert_no_cpr(caplog.text, "the log")


def test_the_server_error_page_shows_no_cpr(world: World) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.lead_a)
    with override_settings(ROOT_URLCONF="tests.urls_failing"):
        response = client.get("/fejl/")
    assert response.status_code == 500
    assert_no_cpr(response.content.decode(), "the error page")
