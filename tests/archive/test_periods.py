"""Retention periods in calendar months (pure, no database)."""

from __future__ import annotations

import datetime as dt

from spor.archive.periods import has_expired, months_before


def test_months_are_counted_back_in_the_calendar_and_the_31st_becomes_the_last_day() -> None:
    assert months_before(dt.date(2026, 11, 30), 60) == dt.date(2021, 11, 30)
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2028, 3, 31), 1) == dt.date(2028, 2, 29)
    assert months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)


def test_a_record_expires_on_the_day_its_period_has_run_and_not_before() -> None:
    closed = dt.date(2021, 11, 30)
    assert not has_expired(closed, 60, dt.date(2026, 11, 29))
    assert has_expired(closed, 60, dt.date(2026, 11, 30))
