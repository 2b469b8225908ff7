"""The row-ordered fast path (``spor.sdq._kernel``) gives what the general path gives.

C-contiguous int8 answers take the kernel; the same answers in column order (Fortran) take the
general path, which ``test_properties`` checks against the plain reference. Sizes straddle the
kernel's blocks, and the impact's one-word-a-row path scores the last row from a padded copy.
"""

from __future__ import annotations

import numpy as np
import pytest

from spor.sdq import SDQError, _kernel, score
from spor.sdq._engine import _plan
from spor.sdq._instrument import load_instrument

FORMS = ("parent-4-17", "self-11-17", "teacher-4-17")
SIZES = (0, 1, 2, 3, 8191, 8192, 8193, 32767, 32768, 32769, 40961)


def _data(form: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    inst = load_instrument(form)
    assert inst.impact is not None
    rng = np.random.default_rng(seed)
    answers = rng.integers(-1, 3, size=(n, len(inst.items)), dtype=np.int8)
    limits = [len(inst.impact.overall.codes), *(len(i.codes) for i in inst.impact.items)]
    impact = np.column_stack([rng.integers(-1, lim, size=n) for lim in limits]).astype(np.int8)
    return answers, impact.reshape(n, len(limits))


def _error(answers: np.ndarray, impact: np.ndarray, form: str) -> str:
    with pytest.raises(SDQError) as err:
        score(answers, impact, form=form)
    return str(err.value)


def test_the_kernels_are_used():
    plan = _plan(load_instrument("parent-4-17"))
    assert plan["item_kernel"] is not None
    assert plan["impact_kernel"] is not None and plan["impact_kernel"].magic is not None
    teacher = _plan(load_instrument("teacher-4-17"))["impact_kernel"]
    assert teacher is not None and teacher.magic is None  # the shift-and-OR path


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("n", SIZES)
def test_row_order_equals_column_order(form, n):
    answers, impact = _data(form, n, seed=n)
    assert answers.flags.c_contiguous and impact.flags.c_contiguous
    fast = score(answers, impact, form=form)
    general = score(np.asfortranarray(answers), np.asfortranarray(impact), form=form)
    assert list(fast) == list(general)
    for name in fast:
        assert np.array_equal(fast[name], general[name]), name


@pytest.mark.parametrize("form", ("parent-4-17", "teacher-4-17"))
@pytest.mark.parametrize(
    ("rows", "bad"),
    [
        ((0,), 3),
        ((8192,), -2),
        ((40960,), 127),  # the last row, in the last block
        ((40960,), -128),
        ((32770, 40000), 5),  # two in the last block: the same one is named
        ((5, 8195), 3),
    ],
)
def test_bad_answers_give_the_same_error(form, rows, bad):
    answers, impact = _data(form, 40961, seed=7)
    for j, r in enumerate(rows):
        answers[r, (3 * j + 24) % answers.shape[1]] = bad
    want = _error(np.asfortranarray(answers), np.asfortranarray(impact), form)
    assert f"række {rows[0]}," in want
    assert _error(answers, impact, form) == want


@pytest.mark.parametrize("form", ("parent-4-17", "teacher-4-17"))
@pytest.mark.parametrize(
    ("cells", "bad"),
    [
        (((0, 0),), 4),
        (((40960, 3),), -2),  # the last row (scored from a padded copy)
        (((40960, 0),), 127),
        (((32768, 2), (40960, 1)), 9),  # the last block: column 1 is checked first
        (((32767, 1),), -128),
    ],
)
def test_bad_impact_gives_the_same_error(form, cells, bad):
    answers, impact = _data(form, 40961, seed=8)
    for r, c in cells:
        impact[r, c % impact.shape[1]] = bad
    want = _error(np.asfortranarray(answers), np.asfortranarray(impact), form)
    assert "impact (" in want
    assert _error(answers, impact, form) == want


def test_composites_from_other_composites():
    """A composite whose scales are those of other composites is summed from them; one that
    counts a scale twice, or overlaps another, is summed as given."""
    rng = np.random.default_rng(1)
    n = 3 * _kernel.BLOCK + 5
    plan = _plan(load_instrument("parent-4-17"))
    kern, _ = plan["item_kernel"]
    answers = rng.integers(-1, 3, size=(n, 25), dtype=np.int8)
    composites = [(0, 1, 2, 3), (1, 2), (0, 3), (0, 0), (6, 1), (1, 2, 3)]
    outs = list(np.empty((5 + len(composites), n), dtype=np.int8))

    def bad(start: int, stop: int) -> None:
        raise AssertionError

    _kernel.score_items(kern, answers, outs, composites, bad)
    for c, parts in enumerate(composites):
        terms = np.array([outs[p] for p in parts], dtype=np.int16)
        want = np.where((terms < 0).any(axis=0), -1, terms.sum(axis=0))
        assert np.array_equal(outs[5 + c], want), parts
