"""The vectorised engine agrees with the plain per-item implementation in reference.py."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from spor.sdq import MISSING, score
from tests.sdq.reference import reference_score

answer = st.one_of(st.none(), st.integers(0, 2))
impact_answer = st.one_of(st.none(), st.integers(0, 3))
response = st.tuples(
    st.lists(answer, min_size=25, max_size=25),
    impact_answer,
    st.lists(impact_answer, min_size=5, max_size=5),
)


def _enc(v: int | None) -> int:
    return MISSING if v is None else v


@settings(max_examples=300, deadline=None)
@given(st.lists(response, min_size=1, max_size=40))
def test_engine_matches_reference(responses):
    items = np.array([[_enc(v) for v in r[0]] for r in responses], dtype=np.int8)
    impact = np.array([[_enc(r[1])] + [_enc(v) for v in r[2]] for r in responses], dtype=np.int8)
    got = score(items, impact, form="parent-4-17")
    for i, (its, overall, imp) in enumerate(responses):
        want = reference_score(its, overall, imp)
        for name, value in want.items():
            assert int(got[name][i]) == (MISSING if value is None else value), (name, its)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(answer, min_size=25, max_size=25), min_size=1, max_size=20))
def test_layout_and_dtype_do_not_matter(rows):
    a = np.array([[_enc(v) for v in r] for r in rows], dtype=np.int8)
    base = score(a)
    for variant in (np.asfortranarray(a), a.astype(np.int64), a.astype(np.float64)):
        other = score(variant)
        for k in base:
            assert np.array_equal(base[k], other[k])
    # one response at a time gives the same as the batch
    for i in range(len(rows)):
        single = score(a[i])
        assert all(int(single[k][0]) == int(base[k][i]) for k in base)


def test_blocks_larger_than_one_chunk():
    rng = np.random.default_rng(3)
    n = 70_000  # more than one internal block
    a = rng.integers(-1, 3, size=(n, 25), dtype=np.int8)
    res = score(a)
    for i in rng.integers(0, n, size=200):
        want = reference_score([None if v < 0 else int(v) for v in a[i]])
        assert all(int(res[k][i]) == (MISSING if v is None else v) for k, v in want.items()
                   if k != "impact")  # fmt: skip
