"""Writes for logging in: the person a broker vouches for, their role, TOTP devices, the log."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from spor.accounts.models import Membership, User
from spor.sso.claims import belongs_to_municipality, mapped_role
from spor.sso.models import LoginEvent, LoginMethod, LoginOutcome, OidcIdentity, OidcProvider
from spor.sso.selectors import municipality_ids_of
from spor.tenancy import rls


def login_event_record(
    *,
    municipality_ids: Iterable[int],
    user: User | None,
    method: str,
    outcome: str,
    source: str | None,
    subject: str = "",
) -> None:
    """One entry per municipality the person acts in (most have one)."""
    events = [
        LoginEvent(
            municipality_id=mid,
            user=user,
            subject=subject[:255],
            method=method,
            outcome=outcome,
            source=source,
        )
        for mid in dict.fromkeys(municipality_ids)
    ]
    with rls.tenant([e.municipality_id for e in events]):
        LoginEvent.objects.bulk_create(events)


def _username(provider: OidcProvider, issuer: str, subject: str) -> str:
    digest = hashlib.sha256(f"{provider.municipality_id}|{issuer}|{subject}".encode()).hexdigest()
    return f"sso-{provider.municipality.code}-{digest[:20]}"


def _text(claims: Mapping[str, Any], name: str, limit: int) -> str:
    value = claims.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


@dataclass(frozen=True)
class OidcLogin:
    user: User | None  # None: refused, and no account was made
    role: str


@transaction.atomic
def oidc_login(
    *, provider: OidcProvider, claims: Mapping[str, Any], source: str | None
) -> OidcLogin:
    """Find the person by issuer and ``sub`` (never by e-mail), and give them the role the
    claims map to, on every login: a role taken away at the broker is taken away here.
    Claims that map to no role make no account."""
    issuer = str(claims["iss"])
    subject = str(claims["sub"])
    mid = provider.municipality_id
    role = ""
    if belongs_to_municipality(claims, provider.municipality_claim, provider.municipality_value):
        role = mapped_role(claims, provider.role_claim, provider.role_map)
    with rls.tenant(mid):
        identity = (
            OidcIdentity.objects.filter(municipality_id=mid, issuer=issuer, subject=subject)
            .select_related("user")
            .first()
        )
        known = identity.user if identity is not None else None
        if not role or (known is not None and not known.is_active):
            if known is not None:
                Membership.objects.filter(user=known, municipality_id=mid).update(active=False)
            login_event_record(
                municipality_ids=[mid],
                user=known,
                method=LoginMethod.OIDC,
                outcome=LoginOutcome.NO_ROLE,
                source=source,
                subject=subject,
            )
            return OidcLogin(user=None, role="")

        if identity is None:
            user = User(username=_username(provider, issuer, subject))
            user.set_unusable_password()
            user.save()
            identity = OidcIdentity.objects.create(
                municipality_id=mid, user=user, issuer=issuer, subject=subject
            )
        else:
            user = identity.user
            identity.last_login = timezone.now()
            identity.save(update_fields=["last_login"])
        given = _text(claims, "given_name", 150) or _text(claims, "name", 150)
        family = _text(claims, "family_name", 150)
        user.first_name, user.last_name = given, family
        user.email = _text(claims, "email", 254)
        user.save(update_fields=["first_name", "last_name", "email"])
        membership = Membership.objects.filter(user=user, municipality_id=mid).first()
        if membership is None:
            Membership.objects.create(user=user, municipality_id=mid, role=role)
        elif membership.role != role or not membership.active:
            membership.role, membership.active = role, True
            membership.save(update_fields=["role", "active"])
        login_event_record(
            municipality_ids=[mid],
            user=user,
            method=LoginMethod.OIDC,
            outcome=LoginOutcome.SUCCESS,
            source=source,
            subject=subject,
        )
    return OidcLogin(user=user, role=role)


@transaction.atomic
def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The person's unconfirmed device: the same secret until they confirm it, so that
    reloading the page does not change the QR code under their phone."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Spor", confirmed=False)
    return device


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    wait_until: dt.datetime | None = None  # refused without checking: too many wrong codes


@transaction.atomic
def totp_code_check(
    *, user: User, device: TOTPDevice, code: str, source: str | None, enrolling: bool
) -> CodeCheck:
    """Check a six-digit code. Each wrong code doubles the wait before the next one may be
    tried (django-otp's throttling, stored on the device, so a new session does not reset
    it). A right code confirms a device being enrolled."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return CodeCheck(ok=False, wait_until=(info or {}).get("locked_until"))
    code = "".join(code.split())
    well_formed = code.isascii() and code.isdigit() and len(code) == device.digits
    ok = well_formed and device.verify_token(code)
    if not ok and not well_formed:
        device.throttle_increment(commit=True)  # verify_token was not asked: count it here
    if ok and enrolling:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    if enrolling and ok:
        outcome = LoginOutcome.ENROLLED
    else:
        outcome = LoginOutcome.SUCCESS if ok else LoginOutcome.WRONG_CODE
    login_event_record(
        municipality_ids=municipality_ids_of(user),
        user=user,
        method=LoginMethod.TOTP,
        outcome=outcome,
        source=source,
    )
    return CodeCheck(ok=bool(ok))
