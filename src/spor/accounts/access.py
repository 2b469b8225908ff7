"""Who is acting, in which municipality, with which role.

Every scoped selector takes an :class:`Actor`. Views get theirs from ``request.actor``
(set by :class:`spor.accounts.middleware.TenantMiddleware`); commands build one for the
system. There is one rule for what a missing actor means: 404, the same answer as for a
record that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest

from spor.accounts.models import Membership, Role

if TYPE_CHECKING:
    from spor.accounts.models import User

SESSION_KEY = "spor_membership_id"

# Roles that see every child of their municipality; the others see children through their
# groups (lærer/pædagog) or, later, through the cases they are on.
MUNICIPALITY_WIDE_ROLES = frozenset({Role.PPR, Role.LEAD})
# Roles whose work needs the full CPR number (journal, contact with other authorities).
FULL_CPR_ROLES = frozenset({Role.PPR, Role.LEAD})


@dataclass(frozen=True)
class Actor:
    user: User
    membership: Membership

    @property
    def municipality_id(self) -> int:
        return self.membership.municipality_id

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD

    @property
    def sees_whole_municipality(self) -> bool:
        return self.role in MUNICIPALITY_WIDE_ROLES

    @property
    def may_see_full_cpr(self) -> bool:
        return self.role in FULL_CPR_ROLES

    @property
    def role_label(self) -> str:
        """Role and profession, without the person's name (for parents' access reports)."""
        m = self.membership
        label = m.get_role_display()
        if m.profession and m.profession not in {"andet", "leder"}:
            label += f" ({m.get_profession_display().lower()})"
        return label


def memberships_of(user: User) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, active=True)
        .select_related("municipality")
        .order_by("municipality__name")
    )


def resolve_actor(request: HttpRequest) -> Actor | None:
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = memberships_of(user)
    if not memberships:
        return None
    wanted = request.session.get(SESSION_KEY)
    chosen = next((m for m in memberships if m.pk == wanted), memberships[0])
    return Actor(user=user, membership=chosen)
