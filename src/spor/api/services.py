"""Making and revoking API tokens. Each token gets its own service identity: a user that
cannot log in (inactive, no usable password) and an inactive PPR-leder membership in the
municipality, so that it reaches what the municipality's lead reaches, limited by its
scopes, and every log names the integration."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership, Profession, Role, User
from spor.api.models import ApiToken
from spor.api.scopes import SCOPES
from spor.api.tokens import hash_secret, new_secret, visible_prefix

MSG_NAME = "Giv nøglen et navn, fx integrationens navn."
MSG_NAME_TAKEN = "Der findes allerede en nøgle med det navn i kommunen."
MSG_SCOPES = "Vælg mindst én rettighed."
MSG_UNKNOWN_SCOPE = "Ukendt rettighed: {scope}."
MSG_LEAD_ONLY = "Kun PPR-lederen kan oprette og tilbagekalde API-nøgler."


@transaction.atomic
def api_token_create(*, actor: Actor, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A new token; returns it and its secret, which is not stored and cannot be shown again."""
    if not actor.is_lead:
        raise ValidationError(MSG_LEAD_ONLY)
    name = " ".join(name.split())
    errors: dict[str, str] = {}
    if not name or len(name) > 100:
        errors["name"] = MSG_NAME
    elif ApiToken.objects.filter(municipality_id=actor.municipality_id, name=name).exists():
        errors["name"] = MSG_NAME_TAKEN
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        errors["scopes"] = MSG_UNKNOWN_SCOPE.format(scope=unknown[0])
    elif not scopes:
        errors["scopes"] = MSG_SCOPES
    if errors:
        raise ValidationError(errors)
    user = User(
        username=f"api-{uuid.uuid4().hex[:16]}",
        first_name="API",
        last_name=name[:150],
        is_active=False,
    )
    user.set_unusable_password()
    user.save()
    membership = Membership.objects.create(
        municipality_id=actor.municipality_id,
        user=user,
        role=Role.LEAD,
        profession=Profession.OTHER,
        active=False,
    )
    secret = new_secret()
    token = ApiToken.objects.create(
        municipality_id=actor.municipality_id,
        name=name,
        scopes=[s for s in SCOPES if s in scopes],
        prefix=visible_prefix(secret),
        token_hash=hash_secret(secret),
        service_membership=membership,
        created_by=actor.user,
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    if not actor.is_lead or token.municipality_id != actor.municipality_id:
        raise ValidationError(MSG_LEAD_ONLY)
    if not token.revoked:
        token.revoked = True
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked", "revoked_at"])
    return token


def api_token_touch(token: ApiToken) -> None:
    """Note when the token was last used (at most once a minute, to spare the writes)."""
    now = timezone.now()
    if token.last_used is None or (now - token.last_used).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
