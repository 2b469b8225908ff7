"""Danish CPR numbers: validation, birth date, masking and redaction.

Pure functions, no Django. A CPR number is ``DDMMYY-SSSS`` (the hyphen is optional). The
seventh digit together with the two-digit year gives the century, as the CPR office's
table does. The modulus-11 check is not applied: numbers issued since 2007 need not
satisfy it.

    >>> normalize("010203-1234")
    '0102031234'
    >>> birth_date("0102031234")
    datetime.date(2003, 2, 1)
    >>> mask("0102031234")
    '010203-xxxx'
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = ["CPR_PATTERN", "CPRError", "birth_date", "is_valid", "mask", "normalize", "redact"]

# Ten digits, optionally with a hyphen or space after the sixth, not inside a longer number.
CPR_PATTERN = re.compile(r"(?<![\d])(\d{6})[- ]?(\d{4})(?![\d])")


class CPRError(ValueError):
    """A string that is not a valid CPR number. The message never repeats the number."""


def _century(year2: int, digit7: int) -> int:
    if digit7 in (0, 1, 2, 3):
        return 1900
    if digit7 in (4, 9):
        return 2000 if year2 <= 36 else 1900
    if digit7 in (5, 6, 7, 8):
        return 2000 if year2 <= 57 else 1800
    raise CPRError("ugyldigt 7. ciffer")  # pragma: no cover - digits are 0-9


def normalize(value: str) -> str:
    """Return the ten digits of a valid CPR number, or raise :class:`CPRError`."""
    text = str(value).strip()
    match = re.fullmatch(r"([0-9]{6})[- ]?([0-9]{4})", text)
    if not match:
        raise CPRError("CPR-nummeret skal have 10 cifre (DDMMÅÅ-XXXX)")
    digits = match.group(1) + match.group(2)
    birth_date(digits)
    return digits


def birth_date(digits: str) -> _dt.date:
    """The birth date encoded in ten CPR digits, century from the seventh digit."""
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        raise CPRError("CPR-nummeret skal have 10 cifre (DDMMÅÅ-XXXX)")
    day, month, year2 = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    year = _century(year2, int(digits[6])) + year2
    try:
        return _dt.date(year, month, day)
    except ValueError:
        raise CPRError("CPR-nummerets første seks cifre er ikke en gyldig dato") from None


def is_valid(value: str) -> bool:
    try:
        normalize(value)
    except CPRError:
        return False
    return True


def mask(digits: str) -> str:
    """``DDMMYY-xxxx``: the birth date stays readable, the serial number is hidden."""
    return f"{digits[:6]}-xxxx"


def redact(text: str) -> str:
    """Replace everything that looks like a CPR number (a real date) in free text."""

    def _sub(match: re.Match[str]) -> str:
        candidate = match.group(1) + match.group(2)
        try:
            birth_date(candidate)
        except CPRError:
            return match.group(0)
        return "[CPR]"

    return CPR_PATTERN.sub(_sub, text)
