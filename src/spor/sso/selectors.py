"""Reads for logging in: brokers by municipality, and whether a person needs a second factor."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from spor.accounts.models import Membership, User
from spor.sso.models import OidcProvider
from spor.tenancy import rls
from spor.tenancy.models import Municipality


def _with_brokers() -> list[int] | None:
    """On PostgreSQL the municipalities that have an active broker (the owner's function
    ``spor_login_broker_municipalities``: ids only); on SQLite None (no walls there)."""
    return rls.lookup("spor_login_broker_municipalities") if rls.postgres() else None


def login_providers() -> list[OidcProvider]:
    """The active brokers, one button each on the login page (names only are shown)."""
    with rls.tenant(_with_brokers()):
        return list(
            OidcProvider.objects.filter(active=True)
            .select_related("municipality")
            .order_by("municipality__name")
        )


def provider_for_login(municipality_code: str) -> OidcProvider | None:
    municipality = Municipality.objects.filter(code=municipality_code).values_list("pk").first()
    if municipality is None:
        return None
    with rls.tenant(municipality[0]):
        return (
            OidcProvider.objects.filter(active=True, municipality__code=municipality_code)
            .select_related("municipality")
            .first()
        )


def provider_by_id(provider_id: int) -> OidcProvider | None:
    with rls.tenant(_with_brokers()):
        return (
            OidcProvider.objects.filter(active=True, pk=provider_id)
            .select_related("municipality")
            .first()
        )


def needs_second_factor(user: User) -> bool:
    """Every Spor role sees children (a teacher her groups', the others through cases or
    the whole municipality; spor.accounts.access), and the system administrator sees all
    in the admin: all of them need a second factor when they log in with a password."""
    if user.is_superuser or user.is_staff:
        return True
    with rls.tenant(None, user_id=user.pk):
        return Membership.objects.filter(user=user, active=True).exists()


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def municipality_ids_of(user: User) -> list[int]:
    with rls.tenant(None, user_id=user.pk):
        return list(
            Membership.objects.filter(user=user, active=True)
            .order_by("municipality_id")
            .values_list("municipality_id", flat=True)
        )


def membership_id_in(user: User, municipality_id: int) -> int | None:
    with rls.tenant(municipality_id):
        return (
            Membership.objects.filter(user=user, municipality_id=municipality_id, active=True)
            .values_list("pk", flat=True)
            .first()
        )
