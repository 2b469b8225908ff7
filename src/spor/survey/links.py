"""The survey's one-time links, on the measurement's machinery.

Tokens, their hashes, the token format and the RLS handling are those of
:mod:`spor.measurement.links` (imported, not copied): 256-bit tokens, only the SHA-256
stored; on PostgreSQL the owner's function ``spor_survey_invitation_municipality`` says
which municipality the hash belongs to, and the transaction then sees that municipality
only (or none).

The guessing limit uses the same settings (``SPOR_MEASUREMENT_GUESS_LIMIT`` and
``…_WINDOW_MINUTES``) but its own counter, because ``spor.measurement.links`` keys its
counter to the SDQ links.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from spor.measurement import links as measurement_links
from spor.measurement.links import hash_token, new_token
from spor.survey.models import SurveyInvitation
from spor.tenancy import rls

__all__ = ["find_invitation", "guessing_blocked", "hash_token", "link_for", "new_token"]


def link_for(token: str) -> str:
    base = str(getattr(settings, "SPOR_BASE_URL", "")).rstrip("/")
    return base + reverse("survey_public:answer", kwargs={"token": token})


def find_invitation(token: str) -> SurveyInvitation | None:
    """The invitation a token belongs to, or None (see the module's note on RLS)."""
    if not measurement_links.TOKEN_RE.match(token):
        return None
    token_hash = hash_token(token)
    if (
        rls.postgres()
        and measurement_links.municipality_of("spor_survey_invitation_municipality", token_hash)
        is None
    ):
        return None
    found = (
        SurveyInvitation.objects.filter(token_hash=token_hash)
        .values_list("pk", "municipality_id")
        .first()
    )
    if found is None:
        return None
    return (
        SurveyInvitation.objects.select_related("round")
        .filter(pk=found[0], municipality_id=found[1])
        .first()
    )


def guessing_blocked(request: HttpRequest) -> bool:
    return measurement_links.guessing_blocked(request, scope="survey")


def record_bad_token(request: HttpRequest) -> None:
    measurement_links.record_bad_token(request, scope="survey")
