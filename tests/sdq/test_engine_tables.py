"""The engine's tables, filled for every index at once with NumPy (``_engine._build_lut`` and
``_build_impact_lut``), hold what the plain rules (:func:`scale_score`,
:func:`impact_items_score`) give for the answers each index codes, entry by entry: for every
shipped form, and for a form of one's own with other points, a sum scale and ``min_answered``
below the number of items."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spor.sdq import MISSING, load_instrument
from spor.sdq._engine import (
    _bits_for,
    _build_impact_lut,
    _build_lut,
    impact_items_score,
    scale_score,
)
from spor.sdq._instrument import Instrument, list_forms


def fields(code: int, bits: int, width: int) -> list[int]:
    return [(code >> (bits * j)) & ((1 << bits) - 1) for j in range(width)]


def check_scales(inst: Instrument) -> int:
    m = len(inst.response_codes)
    checked = 0
    for scale in inst.scales:
        built = _build_lut(inst, scale)
        assert built is not None
        lut, bits = built
        k = len(scale.items)
        assert bits == _bits_for(m + 1) and lut.dtype == np.int8 and len(lut) == 1 << (bits * k)
        for code, got in enumerate(lut.tolist()):
            t = fields(code, bits, k)
            if any(v > m for v in t):
                want = MISSING  # no answers code this index
            else:
                pairs = zip(t, scale.items, strict=True)
                pts = [None if v == 0 else inst.items[i].points[v - 1] for v, i in pairs]
                want = scale_score(pts, k, scale.min_answered, scale.method)
            assert got == want, (inst.form, scale.name, code, t)
            checked += 1
    return checked


def check_impact(inst: Instrument) -> None:
    spec = inst.impact
    assert spec is not None
    built = _build_impact_lut(inst)
    assert built is not None
    lut, bits = built
    j = len(spec.items)
    for code, got in enumerate(lut.tolist()):
        t = fields(code, bits, j)
        if any(v > len(item.codes) for v, item in zip(t, spec.items, strict=True)):
            want = MISSING
        else:
            want = impact_items_score([None if v == 0 else v - 1 for v in t], spec.recode)
        assert got == want, (inst.form, code, t)


@pytest.mark.parametrize("form", list_forms())
def test_shipped_forms_tables_are_the_plain_rules(form: str) -> None:
    inst = load_instrument(form)
    assert check_scales(inst) > 0
    check_impact(inst)


def test_a_form_of_ones_own_with_a_sum_scale_and_other_points(tmp_path: Path) -> None:
    definition = {
        "format": "spor-instrument/1", "name": "trivsel-5", "informant": "parent",
        "response_codes": [0, 1, 2, 3, 4],
        "items": [{"key": "q1", "points": [0, 1, 3, 6, 9]}, {"key": "q2", "reverse": True},
                  {"key": "q3"}, {"key": "q4", "points": [5, 0, 0, 1, 2]}, {"key": "q5"}],
        "scales": {"hel": {"items": ["q1", "q2", "q3", "q4", "q5"], "method": "sum"},
                   "kort": {"items": ["q1", "q2", "q4"], "min_answered": 1},
                   "midt": {"items": ["q2", "q3", "q4", "q5"], "min_answered": 2}},
    }  # fmt: skip
    p = tmp_path / "trivsel.json"
    p.write_text(json.dumps(definition), "utf-8")
    inst = load_instrument(p)
    # 3 bits an item: indices that code a value above 5 are no answers (left missing)
    assert check_scales(inst) == (1 << 15) + (1 << 9) + (1 << 12)
