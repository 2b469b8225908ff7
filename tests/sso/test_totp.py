"""Two-factor login for local accounts: every role sees children, so with a password each
of them must also give a TOTP code; until then the session reaches nothing but the code
pages and the logout."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from spor.sso.models import LoginEvent, LoginOutcome
from tests.conftest import World
from tests.factories import PASSWORD
from tests.factories import user as make_user


@pytest.fixture(autouse=True)
def _totp_on(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SPOR_TOTP_REQUIRED = True


def _code(device: TOTPDevice, *, offset: int = 0) -> str:
    return (
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"
    )


def _password_login(username: str, next_url: str = "") -> tuple[Client, str]:
    client = Client()
    response = client.post(
        "/log-ind/", {"username": username, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    return client, response["Location"]


def _enrolled(user) -> TOTPDevice:  # type: ignore[no-untyped-def]
    return TOTPDevice.objects.create(user=user, name="Spor", confirmed=True)


def test_a_first_password_login_enrols_a_totp_app_from_a_qr_code(world: World) -> None:
    client, location = _password_login("psykolog_a", next_url=f"/boern/{world.child_a1.pk}/")
    assert location.startswith("/log-ind/sso/totp/")
    page = client.get(location, follow=True)
    html = page.content.decode()
    assert page.redirect_chain[-1][0].startswith("/log-ind/sso/totp/opsaet/")
    assert "<svg" in html and "Opsæt to-faktor-login" in html
    device = TOTPDevice.objects.get(user=world.ppr_a)
    assert not device.confirmed
    # The key shown for typing in is the QR code's secret.
    shown = re.search(r"Nøgle: <code>([A-Z2-7 ]+)</code>", html)
    assert shown is not None
    assert shown.group(1).replace(" ", "") == base64.b32encode(device.bin_key).decode().rstrip("=")

    done = client.post(
        "/log-ind/sso/totp/opsaet/", {"code": _code(device), "next": f"/boern/{world.child_a1.pk}/"}
    )
    assert done.status_code == 302
    assert done["Location"] == f"/boern/{world.child_a1.pk}/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(f"/boern/{world.child_a1.pk}/").status_code == 200
    assert LoginEvent.objects.filter(user=world.ppr_a, outcome=LoginOutcome.ENROLLED).exists()


def test_an_enrolled_person_gives_the_code_after_the_password(world: World) -> None:
    device = _enrolled(world.lead_a)
    client, location = _password_login("leder_a")
    page = client.get(location)
    assert "Skriv din engangskode" in page.content.decode()
    assert client.post(location, {"code": _code(device)}).status_code == 302
    assert client.get("/boern/").status_code == 200
    assert list(LoginEvent.objects.filter(user=world.lead_a).values_list("method", "outcome")) == [
        ("totp", "ok"),
        ("adgangskode", "ok"),
    ]


@pytest.mark.parametrize(
    "path", ["/", "/boern/", "/institutioner/", "/forloeb/", "/admin/", "/log-ind/sso/start/"]
)
def test_a_session_that_passed_the_password_but_not_the_code_reaches_no_page(
    world: World, path: str
) -> None:
    _enrolled(world.teacher_a)
    client, _ = _password_login("laerer_a")
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/log-ind/sso/totp/?next=")


def test_a_session_made_any_other_way_than_through_the_code_is_held_back_as_well(
    world: World,
) -> None:
    # force_login stands for every other way into a session (Django's admin login, …):
    # the middleware asks for the code whatever made the session.
    client = world.client_for(world.social_a)
    response = client.get("/boern/")
    assert response.status_code == 302 and response["Location"].startswith("/log-ind/sso/totp/")


def test_a_wrong_code_gets_a_danish_error_and_is_counted(world: World) -> None:
    device = _enrolled(world.ppr_a)
    client, location = _password_login("psykolog_a")
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(location, {"code": wrong})
    assert response.status_code == 400
    assert "Koden er forkert eller udløbet" in response.content.decode()
    assert client.get("/boern/").status_code == 302
    assert LoginEvent.objects.filter(user=world.ppr_a, outcome=LoginOutcome.WRONG_CODE).count() == 1
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_after_wrong_codes_even_the_right_one_must_wait(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = _enrolled(world.ppr_a)
    client, location = _password_login("psykolog_a")
    client.post(location, {"code": "000000" if _code(device) != "000000" else "111111"})
    client.post(location, {"code": "abc"})
    response = client.post(location, {"code": _code(device)})
    assert response.status_code == 400
    assert "For mange forkerte koder" in response.content.decode()
    assert client.get("/boern/").status_code == 302
    # A fresh session does not reset the wait: it is kept on the device.
    other, location = _password_login("psykolog_a")
    assert (
        "For mange forkerte koder" in other.post(location, {"code": _code(device)}).content.decode()
    )


def test_a_person_without_any_role_is_not_asked_for_a_code(world: World) -> None:
    make_user("uden_rolle")
    client, location = _password_login("uden_rolle")
    assert location == "/"
    assert "ingen rolle" in client.get("/").content.decode()
    assert not TOTPDevice.objects.exists()


def test_with_two_factor_off_the_password_alone_logs_in(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SPOR_TOTP_REQUIRED = False
    client, location = _password_login("psykolog_a")
    assert location == "/"
    assert client.get("/boern/").status_code == 200


def _settings_in_production(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOR_")}
    env.update(
        {
            "SPOR_ENV": "production",
            "SPOR_SECRET_KEY": "x" * 50,
            "SPOR_CPR_KEYS": "Z2VoZWltLWdlaGVpbS1nZWhlaW0tZ2VoZWltLTEyMzQ=",
            "SPOR_CPR_HMAC_KEY": "hmac",
            "DJANGO_SETTINGS_MODULE": "spor.settings",
            **extra,
        }
    )
    code = (
        "import django; django.setup(); "
        "from django.conf import settings as s; print(s.SPOR_TOTP_REQUIRED)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


def test_production_requires_two_factor_and_refuses_to_turn_it_off() -> None:
    on = _settings_in_production()
    assert on.returncode == 0, on.stderr
    assert on.stdout.strip() == "True"
    off = _settings_in_production(SPOR_TOTP_REQUIRED="false")
    assert off.returncode != 0
    assert "SPOR_TOTP_REQUIRED" in off.stderr
