from __future__ import annotations

import json

import numpy as np
import pytest

from spor import sdq
from spor.sdq import SDQError, load_instrument, load_item_wording

OFFICIAL_FRAGMENTS = ("considerate of other people", "restless, overactive", "often lies or cheats")


def test_shipped_labels_are_our_own_words():
    for form in sdq.list_forms():
        inst = load_instrument(form)
        assert len(inst.items) == 25
        for it in inst.items:
            assert len(it.label_da) <= 40 and len(it.label_en) <= 40
            assert not any(f in it.label_en.lower() for f in OFFICIAL_FRAGMENTS)


def test_item_wording_loader(tmp_path):
    wording = {f"sdq{n}": f"Tekst {n} fra kommunens licens" for n in range(1, 26)}
    p = tmp_path / "wording.json"
    p.write_text(json.dumps({"instrument": "sdq-parent-4-17", "items": wording}), "utf-8")
    assert load_item_wording(p, "parent-4-17")["sdq7"] == "Tekst 7 fra kommunens licens"
    with pytest.raises(SDQError, match="er til"):
        load_item_wording(p, "teacher-4-17")
    csvp = tmp_path / "wording.csv"
    csvp.write_text("key,text\n" + "".join(f"sdq{n},T{n}\n" for n in range(1, 25)), "utf-8")
    with pytest.raises(SDQError, match=r"mangler tekst for \['sdq25'\]"):
        load_item_wording(csvp, "parent-4-17")
    p.write_text(json.dumps({**wording, "sdq26": "x"}), "utf-8")
    with pytest.raises(SDQError, match="ukendte nøgler"):
        load_item_wording(p, "parent-4-17")


def test_custom_instrument_from_file(tmp_path):
    """A municipality's own questionnaire, no code: 4 items 0-3, one scale, sum when complete."""
    definition = {
        "format": "spor-instrument/1", "name": "trivsel-4", "informant": "parent",
        "response_codes": [0, 1, 2, 3],
        "items": [{"key": f"q{n}", "reverse": n == 4} for n in range(1, 5)],
        "scales": {"trivsel": {"items": ["q1", "q2", "q3", "q4"], "method": "sum"},
                   "kort": {"items": ["q1", "q2"], "min_answered": 1}},
    }  # fmt: skip
    p = tmp_path / "trivsel.json"
    p.write_text(json.dumps(definition), "utf-8")
    res = sdq.score(np.array([[3, 3, 3, 0], [3, -1, 3, 3], [1, 2, 0, 0]]), form=str(p))
    assert res["trivsel"].tolist() == [12, -1, 6]
    assert res["kort"].tolist() == [6, 6, 3]
    definition["scales"]["trivsel"]["items"] = ["q1", "q9"]
    p.write_text(json.dumps(definition), "utf-8")
    with pytest.raises(SDQError, match="ukendte items"):
        sdq.load_instrument(p)
