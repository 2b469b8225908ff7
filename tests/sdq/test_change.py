from __future__ import annotations

import math

import numpy as np
import pytest

from spor.sdq import (
    CHANGE_CATEGORIES,
    MISSING,
    SDQError,
    added_value,
    change_category,
    rci_details,
    rci_parameters,
    reliable_change,
    score,
)


def test_the_default_reliability_is_test_retest_and_internal_consistency_is_kept():
    p = rci_details("teacher", "total", "uk-3band")
    assert (p.sd, p.mean, p.reliability, p.reliability_kind) == (6.0, 6.6, 0.62, "retest")
    assert p.internal_consistency == 0.87
    assert p.norm_set == "uk-3band@1"
    assert "Goodman" in p.sources["reliability"] and "retest" in p.sources["reliability"]
    assert p.critical_change == pytest.approx(1.96 * math.sqrt(2) * 6.0 * math.sqrt(0.38))
    assert p.label_da() == (
        "SD 6,0 og reliabilitet r = 0,62 (test-retest), normsæt uk-3band@1; kilde til r: "
        "Goodman 2001: gennemsnitlig retest-stabilitet (4–6 måneder) over alle SDQ-skalaer; "
        "et tal for lærerskemaets samlede score er ikke fundet"
    )
    # Another reliability drops the citation: it is not about that number.
    assert "kilde" not in p.with_reliability(0.8).label_da()
    alpha = p.with_reliability(0.87, "internal_consistency")
    assert alpha.label_da().endswith(
        "r = 0,87 (intern konsistens (Cronbachs α)), normsæt uk-3band@1"
    )
    assert rci_parameters("parent", "total", "uk-4band") == (5.8, 0.62)
    assert rci_details("parent", "total", "uk-4band").internal_consistency == 0.82
    # The default reliability is the one reliable_change uses.
    got = reliable_change([20], [10], informant="teacher")
    assert got[0] == pytest.approx(-10 / (math.sqrt(2) * 6.0 * math.sqrt(0.38)))
    with pytest.raises(SDQError, match="ugyldige"):
        p.with_reliability(1.0)
    with pytest.raises(SDQError):
        rci_details("parent", "total", "uk-2-4-provisional")


def test_rci_formula_by_hand():
    # parent total, uk-3band, with internal consistency r .82 (the sensitivity row):
    # S_diff = sqrt(2) * 5.8 * sqrt(.18) = 3.48
    sd, _ = rci_parameters("parent", "total", "uk-3band")
    assert sd == 5.8
    s_diff = math.sqrt(2) * 5.8 * math.sqrt(0.18)
    got = reliable_change([20, 10, -1], [10, 10, 5], informant="parent", reliability=0.82)
    assert got[0] == pytest.approx(-10 / s_diff)
    assert got[1] == 0
    assert math.isnan(got[2])
    assert reliable_change([0], [4], informant="x", sd=2.0, reliability=0.5)[0] == pytest.approx(
        2.0
    )
    with pytest.raises(SDQError, match="angiver ikke"):
        reliable_change([1], [2], informant="parent", scale="peer")
    with pytest.raises(SDQError):
        reliable_change([1], [2], informant="parent", sd=1.0, reliability=1.0)


def cat(*names: str) -> list[int]:
    return [CHANGE_CATEGORIES.index(n) for n in names]


def test_categories_parent_total():
    # parent uk-3band total: normal 0-13; with r .82 |change| must exceed 1.96 * 3.48 = 6.82
    before = np.array([20, 20, 15, 20, 10, 16, 30, -1])
    after = np.array([10, 15, 12, 25, 18, 5, 20, 4])
    got = change_category(before, after, informant="parent", scale="total", reliability=0.82)
    assert got.tolist() == [
        *cat("reliable_recovery", "no_reliable_change", "moved_into_normal_range",
             "no_reliable_change", "reliable_deterioration", "reliable_recovery",
             "reliable_improvement"),
        MISSING,
    ]  # fmt: skip


def test_categories_prosocial_runs_the_other_way():
    got = change_category([2, 9], [9, 2], informant="teacher", scale="prosocial",
                          sd=2.4, reliability=0.84)  # fmt: skip
    assert got.tolist() == cat("reliable_recovery", "reliable_deterioration")


def test_added_value_by_hand():
    t1 = {"total": np.array([20, 10]), "impact": np.array([5, -1]), "emotional": np.array([4, 2])}
    t2 = {"total": np.array([12, 8])}
    got = added_value(t1, t2)
    assert got[0] == pytest.approx(2.3 + 0.8 * 20 + 0.2 * 5 - 0.3 * 4 - 12)  # 6.1
    assert math.isnan(got[1])


def test_added_value_parent_only():
    teacher = score(np.zeros((1, 25), dtype=np.int8), np.zeros((1, 4), dtype=np.int8),
                    form="teacher-4-17")  # fmt: skip
    with pytest.raises(SDQError, match="forældreskemaer"):
        added_value(teacher, teacher)
    parent = score(np.zeros((1, 25), dtype=np.int8), np.zeros((1, 6), dtype=np.int8))
    assert added_value(parent, parent)[0] == pytest.approx(2.3 + 0.8 * 10 - 10)
