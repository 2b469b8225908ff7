"""The examples in the modules' docstrings run."""

from __future__ import annotations

import doctest

import pytest

from spor.evaluation import disclosure, economics, stats


@pytest.mark.parametrize("module", [stats, disclosure, economics], ids=lambda m: m.__name__)
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0
