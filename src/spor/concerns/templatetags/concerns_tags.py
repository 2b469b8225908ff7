from __future__ import annotations

from django import template

from spor.accounts.models import Membership

register = template.Library()


@register.filter
def person(membership: Membership | None) -> str:
    """A staff member's name (or user name), for the concern screens."""
    if membership is None:
        return "–"
    user = membership.user
    return user.get_full_name() or user.get_username()
