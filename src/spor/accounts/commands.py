"""Who runs a management command: the PPR-leder named on its command line.

The commands that act for a municipality's lead (API tokens, the registry import, the licensed
SDQ wording) take ``--kommune`` and the lead's user name and refuse anyone else, with the same
Danish messages.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from spor.accounts.access import Actor
from spor.accounts.models import Membership, User

__all__ = ["command_lead"]


def command_lead(code: str, username: str, *, may_only: str) -> Actor:
    """The active PPR-leder ``username`` of municipality ``code``, as an :class:`Actor`.

    ``may_only`` ends the refusal of a user with another role ("kan importere."), so the
    message says what only the lead may do. Raises :class:`CommandError` for an unknown or
    inactive user, a user with no active role in the municipality, or another role.
    """
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"Ingen aktiv bruger med brugernavnet {username!r}.")
    membership = (
        Membership.objects.filter(user=user, municipality__code=code, active=True)
        .select_related("municipality")
        .first()
    )
    if membership is None:
        raise CommandError(f"{username!r} har ingen aktiv rolle i kommune {code!r}.")
    actor = Actor(user=user, membership=membership)
    if not actor.is_lead:
        raise CommandError(
            f"{username!r} er {membership.get_role_display()} i {membership.municipality}; "
            f"kun PPR-lederen {may_only}"
        )
    return actor
