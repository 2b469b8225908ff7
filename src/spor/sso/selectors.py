"""Reads for logging in: brokers by municipality, and whether a person needs a second factor."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from spor.accounts.models import Membership, User
from spor.sso.context import SYSTEM, municipality_setting
from spor.sso.models import OidcProvider


def login_providers() -> list[OidcProvider]:
    """The active brokers, one button each on the login page (names only are shown)."""
    with municipality_setting(SYSTEM):
        return list(
            OidcProvider.objects.filter(active=True)
            .select_related("municipality")
            .order_by("municipality__name")
        )


def provider_for_login(municipality_code: str) -> OidcProvider | None:
    with municipality_setting(SYSTEM):
        return (
            OidcProvider.objects.filter(active=True, municipality__code=municipality_code)
            .select_related("municipality")
            .first()
        )


def provider_by_id(provider_id: int) -> OidcProvider | None:
    with municipality_setting(SYSTEM):
        return (
            OidcProvider.objects.filter(active=True, pk=provider_id)
            .select_related("municipality")
            .first()
        )


def needs_second_factor(user: User) -> bool:
    """Every Spor role sees children (a teacher her groups', the others through cases or
    the whole municipality; spor.tenancy.access), and the system administrator sees all
    in the admin: all of them need a second factor when they log in with a password."""
    if user.is_superuser or user.is_staff:
        return True
    with municipality_setting(SYSTEM):
        return Membership.objects.filter(user=user, active=True).exists()


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def municipality_ids_of(user: User) -> list[int]:
    with municipality_setting(SYSTEM):
        return list(
            Membership.objects.filter(user=user, active=True)
            .order_by("municipality_id")
            .values_list("municipality_id", flat=True)
        )


def membership_id_in(user: User, municipality_id: int) -> int | None:
    with municipality_setting(str(municipality_id)):
        return (
            Membership.objects.filter(user=user, municipality_id=municipality_id, active=True)
            .values_list("pk", flat=True)
            .first()
        )
