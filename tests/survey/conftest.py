from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limit():  # type: ignore[no-untyped-def]
    # The guessing counter lives in Django's cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()
