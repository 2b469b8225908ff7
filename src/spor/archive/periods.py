"""Calendar arithmetic for retention periods (no Django)."""

from __future__ import annotations

import calendar
import datetime as dt


def months_before(day: dt.date, months: int) -> dt.date:
    """``day`` moved back ``months`` calendar months; the 31st becomes the month's last day."""
    index = day.year * 12 + (day.month - 1) - months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def has_expired(reference: dt.date, months: int, today: dt.date) -> bool:
    """Whether a record dated ``reference`` and kept ``months`` months is due on ``today``."""
    return reference <= months_before(today, months)
