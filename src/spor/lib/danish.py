"""Danish number forms, one place for every page, file and chart: thousands with a dot,
decimals with a comma, a real minus (U+2212), '–' for a value that is not there. Pure:
imports no Django. (The SDQ engine, below this package, keeps its own two-line form.)"""

from __future__ import annotations

import math
from decimal import Decimal

MINUS = "−"
MISSING = "–"
_SWAP = str.maketrans({",": ".", ".": ","})


def number(x: float | Decimal | None, digits: int = 1) -> str:
    """``x`` with ``digits`` decimals.

    >>> number(4737.5), number(-0.3), number(3938, 0), number(None), number(float("nan"))
    ('4.737,5', '−0,3', '3.938', '–', '–')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    return f"{x:,.{digits}f}".translate(_SWAP).replace("-", MINUS)


def percent(share: float, digits: int = 0) -> str:
    """A share (0–1) as per cent: ``0.123`` → ``12 %``.

    >>> percent(0.123), percent(0.123, 1), percent(-0.052, 1)
    ('12 %', '12,3 %', '−5,2 %')
    """
    return f"{number(100 * share, digits)} %"


def kroner(x: float | Decimal | None) -> str:
    """Whole kroner with the unit; a sum that rounds to 0 has no minus.

    >>> kroner(1234567.4), kroner(-2500), kroner(-0.4), kroner(None)
    ('1.234.567 kr.', '−2.500 kr.', '0 kr.', '–')
    """
    if x is None:
        return MISSING
    text = number(-x if x < 0 else x, 0)
    return f"{MINUS}{text} kr." if round(x) < 0 else f"{text} kr."
