"""Text in a spreadsheet cell that must stay text (no Django, no dependencies).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV injection). This is the one guard: the exports
(:mod:`spor.lib.spreadsheets`) and ``spor sdq score`` (:mod:`spor.sdq`, which lies below the
platform and so cannot import it) both take it from here.

>>> csv_value("=HYPERLINK(1)")
"'=HYPERLINK(1)"
>>> csv_value("Aby") , csv_value(-5)
('Aby', -5)
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["FORMULA_START", "csv_value"]

FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: Any) -> Any:
    """``value`` for a CSV file: text that would run as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
