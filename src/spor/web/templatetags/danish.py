"""Danish number forms for any page: thousands with a dot, decimals with a comma."""

from __future__ import annotations

from typing import Any

from django import template

from spor.lib.danish import number as num

register = template.Library()


@register.filter
def antal(value: Any) -> str:
    """A count: ``3938`` → ``3.938``; '–' for none."""
    if value is None or value == "":
        return "–"
    return num(int(value), 0)
