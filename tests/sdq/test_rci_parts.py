"""The reliable change index in two parts (session 13): the change (``score_change``), the
same at every SD and reliability, and its index at one of them (``rci_of_change``), so that
the evaluation's sensitivity works the change out once for its five reliabilities. Together
they are ``reliable_change`` to the last bit, as it was computed in one expression before
(kept here as the reference): missing scores (-1, NaN) give NaN, the parameters are checked."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spor import sdq


def _reliable_change_before(
    before: np.ndarray, after: np.ndarray, sd: float, r: float
) -> np.ndarray:
    def as_float(x: np.ndarray) -> np.ndarray:
        a = np.asarray(x, dtype=np.float64)
        return np.where(a < 0, np.nan, a)

    s_diff = math.sqrt(2.0) * sd * math.sqrt(1.0 - r)
    return (as_float(after) - as_float(before)) / s_diff


@pytest.mark.parametrize("seed", range(20))
def test_the_parts_are_the_index_to_the_last_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    before = rng.integers(-1, 41, n).astype(np.float64)
    after = rng.integers(-1, 41, n).astype(np.float64)
    if seed % 3 == 0:  # prorated scores and missing values
        before = before + rng.random(n) * 0.9
        after[rng.random(n) < 0.1] = np.nan
    change = sdq.score_change(before, after)
    for sd, r in ((5.8, 0.8), (4.9, 0.72), (6.1, 0.0), (1e-3, 0.999), (5.2, 0.85)):
        expected = _reliable_change_before(before, after, sd, r)
        got = sdq.rci_of_change(change, sd=sd, reliability=r)
        assert got.tobytes() == expected.tobytes()
        whole = sdq.reliable_change(before, after, informant="teacher", sd=sd, reliability=r)
        assert whole.tobytes() == expected.tobytes()
    if n:
        # One bit of one score is another index.
        base = before.copy()
        base[0], after[0] = 10.0, 20.0
        moved = after.copy()
        moved[0] = np.nextafter(20.0, 0.0)
        one = sdq.rci_of_change(sdq.score_change(base, after), sd=5.8, reliability=0.8)
        other = sdq.rci_of_change(sdq.score_change(base, moved), sd=5.8, reliability=0.8)
        assert other.tobytes() != one.tobytes()


@pytest.mark.parametrize(
    ("sd", "r"), [(0.0, 0.8), (-1.0, 0.8), (5.0, 1.0), (5.0, -0.1), (math.nan, 0.5)]
)
def test_the_parameters_are_checked(sd: float, r: float) -> None:
    with pytest.raises(sdq.SDQError):
        sdq.rci_of_change(np.zeros(3), sd=sd, reliability=r)
