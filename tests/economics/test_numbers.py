"""Danish numbers in the economics forms: what a person types is read as meant, and what the
form shows comes back as the same number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spor.economics.forms import parse_number, show_number


@pytest.mark.parametrize(
    "typed,value",
    [
        ("520000", "520000"),
        ("520.000", "520000"),
        ("1.234.567", "1234567"),
        ("3,5", "3.5"),
        ("1.234,50", "1234.50"),
        ("3.5", "3.5"),
        ("45 000 kr.", "45000"),
        ("−10", "-10"),
        ("25 %", "25"),
    ],
)
def test_typed_numbers_are_read_as_meant(typed: str, value: str) -> None:
    assert Decimal(parse_number(typed)) == Decimal(value)


@pytest.mark.parametrize(
    "value", [Decimal("3.50"), Decimal("45000.00"), 1038433.0, 79, 3.5, Decimal(0), 12.345]
)
def test_shown_numbers_come_back_unchanged(value: object) -> None:
    shown = show_number(value)
    assert "." not in shown
    assert Decimal(parse_number(shown)) == Decimal(str(value))
