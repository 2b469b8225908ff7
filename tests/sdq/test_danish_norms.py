"""The Danish parent norms for 5–7-year-olds from a secondary source (BMC Pediatrics 2023
Table 2): typed in here independently of the JSON, and banded by sex and age."""

from __future__ import annotations

import numpy as np

from spor import sdq

# (sex, scale): (start of borderline, start of abnormal); prosocial: at or below
TABLE = {
    ("m", "total"): (10, 14), ("f", "total"): (9, 12),
    ("m", "emotional"): (4, 5), ("f", "emotional"): (4, 5),
    ("m", "conduct"): (3, 4), ("f", "conduct"): (3, 4),
    ("m", "hyperactivity"): (5, 7), ("f", "hyperactivity"): (4, 6),
    ("m", "peer"): (2, 3), ("f", "peer"): (2, 3),
    ("m", "prosocial"): (6, 5), ("f", "prosocial"): (7, 6),
}  # fmt: skip


def test_the_danish_secondary_norm_set_bands_by_sex_and_age() -> None:
    ns = sdq.load_norm_set("dk-parent-5-7-secondary")
    assert (
        ns.ref == "dk-parent-5-7-secondary@1" and "dk-parent-5-7-secondary" in sdq.list_norm_sets()
    )
    assert "BMC Pediatrics 2023" in ns.source and "not verified" in ns.title_en
    for (sex, scale), (border, abnormal) in TABLE.items():
        top = 40 if scale == "total" else 10
        scores = np.arange(top + 1)
        got = sdq.band(scores, ns, informant="parent", scale=scale, sex=sex, age=6)
        if scale == "prosocial":
            want = np.where(scores <= abnormal, 2, np.where(scores <= border, 1, 0))
        else:
            want = np.where(scores >= abnormal, 2, np.where(scores >= border, 1, 0))
        assert got.tolist() == want.tolist(), (sex, scale)
    # outside 5–7 years: not banded
    assert sdq.band(np.array([20]), ns, informant="parent", scale="total", sex="m",
                    age=9).tolist() == [sdq.MISSING]  # fmt: skip
    # only the parent forms
    assert ns.forms == ("parent-4-17", "parent-4-17-followup")
