"""Shared constants and the one domain exception of :mod:`spor.sdq`."""

from __future__ import annotations

from typing import Final

MISSING: Final = -1
"""Code for "not answered" in answer arrays and "not scored" in score and band arrays."""


class SDQError(ValueError):
    """Bad input, a bad definition file or a rule that cannot be applied.

    The message says what is wrong and where (row, column, key), Danish first.
    """
