"""Filters for amounts, and the start page's tiles for partnerships
(``{% load programme_tags %}{% programme_tiles %}`` in ``web/start.html``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from spor.lib import danish
from spor.programme import selectors
from spor.programme.access import administered_programmes

register = template.Library()


@register.filter
def kroner(value: Any) -> str:
    """123100000 → »123.100.000«."""
    try:
        return danish.number(Decimal(value), 0)
    except (ArithmeticError, TypeError, ValueError):
        return ""


@register.filter
def mio(value: Any) -> str:
    """123100000 → »123,1«."""
    try:
        return danish.number(Decimal(value) / Decimal(1_000_000), 1)
    except (ArithmeticError, TypeError, ValueError):
        return ""


@register.inclusion_tag("programme/_tiles.html", takes_context=True)
def programme_tiles(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    actor = getattr(request, "actor", None)
    return {
        "administered": administered_programmes(user) if user is not None else [],
        # Read once by the start view, which shows these tiles (spor.web.views.start).
        "evaluated": context.get("evaluated", []),
        "participations": selectors.participations_for(actor) if actor is not None else [],
    }
