"""Danish numbers for the economics pages: kroner, shares, hours."""

from __future__ import annotations

from typing import Any

from django import template

from spor.lib.danish import kroner as _kr
from spor.lib.danish import number as _num

register = template.Library()


@register.filter
def kr(value: Any) -> str:
    return "–" if value is None or value == "" else _kr(float(value))


@register.filter
def pct(value: Any, digits: int = 1) -> str:
    """A share (0–1) as per cent: ``0.123`` → ``12,3 %``."""
    return "–" if value is None else f"{_num(100 * float(value), int(digits))} %"


@register.filter
def num(value: Any, digits: int = 1) -> str:
    return "–" if value is None else _num(float(value), int(digits))


@register.filter
def at(seq: Any, i: int) -> Any:
    return seq[i]
