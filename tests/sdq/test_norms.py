"""Every band boundary, on both sides, against the published ranges transcribed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spor import sdq
from spor.sdq import MISSING, SDQError, band, score

# Published ranges, band by band (sdqinfo.org 'Scoring the SDQ'); see docs/sdq.md.
PUBLISHED = {
    ("uk-3band", "parent"): {
        "total": "0-13 14-16 17-40", "emotional": "0-3 4 5-10", "conduct": "0-2 3 4-10",
        "hyperactivity": "0-5 6 7-10", "peer": "0-2 3 4-10", "prosocial": "6-10 5 0-4",
        "impact": "0 1 2-10",
    },
    ("uk-3band", "teacher"): {
        "total": "0-11 12-15 16-40", "emotional": "0-4 5 6-10", "conduct": "0-2 3 4-10",
        "hyperactivity": "0-5 6 7-10", "peer": "0-3 4 5-10", "prosocial": "6-10 5 0-4",
        "impact": "0 1 2-6",
    },
    ("uk-3band", "self"): {
        "total": "0-15 16-19 20-40", "emotional": "0-5 6 7-10", "conduct": "0-3 4 5-10",
        "hyperactivity": "0-5 6 7-10", "peer": "0-3 4-5 6-10", "prosocial": "6-10 5 0-4",
        "impact": "0 1 2-10",
    },
    ("uk-4band", "parent"): {
        "total": "0-13 14-16 17-19 20-40", "emotional": "0-3 4 5-6 7-10",
        "conduct": "0-2 3 4-5 6-10", "hyperactivity": "0-5 6-7 8 9-10", "peer": "0-2 3 4 5-10",
        "prosocial": "8-10 7 6 0-5", "impact": "0 1 2 3-10",
    },
    ("uk-4band", "teacher"): {
        "total": "0-11 12-15 16-18 19-40", "emotional": "0-3 4 5 6-10", "conduct": "0-2 3 4 5-10",
        "hyperactivity": "0-5 6-7 8 9-10", "peer": "0-2 3-4 5 6-10", "prosocial": "6-10 5 4 0-3",
        "impact": "0 1 2 3-6",
    },
    ("uk-4band", "self"): {
        "total": "0-14 15-17 18-19 20-40", "emotional": "0-4 5 6 7-10", "conduct": "0-3 4 5 6-10",
        "hyperactivity": "0-5 6 7 8-10", "peer": "0-2 3 4 5-10", "prosocial": "7-10 6 5 0-4",
        "impact": "0 1 2 3-10",
    },
    ("uk-2-4-provisional", "parent"): {
        "total": "0-12 13-15 16-40", "emotional": "0-2 3 4-10", "conduct": "0-3 4 5-10",
        "hyperactivity": "0-5 6 7-10", "peer": "0-2 3 4-10", "prosocial": "7-10 6 0-5",
    },
}  # fmt: skip

CASES = [
    (ns, inf, scale, i, lo, hi)
    for (ns, inf), scales in PUBLISHED.items()
    for scale, text in scales.items()
    for i, rng in enumerate(text.split())
    for lo, hi in [tuple(int(x) for x in (rng.split("-") * 2)[:2])]
]


@pytest.mark.parametrize(("norm_set", "informant", "scale", "band_index", "lo", "hi"), CASES)
def test_boundaries_both_sides(norm_set, informant, scale, band_index, lo, hi):
    lo, hi = min(lo, hi), max(lo, hi)
    got = band(np.array([lo, hi]), norm_set, informant=informant, scale=scale)
    assert got.tolist() == [band_index, band_index]
    # one step outside the range is a neighbouring band (or off the scale)
    down = band(np.array([lo - 1]), norm_set, informant=informant, scale=scale)[0] if lo else None
    reverse = scale == "prosocial"
    if down is not None:
        assert down == (band_index + 1 if reverse else band_index - 1)


def test_missing_scores_are_not_banded():
    assert band(np.array([-1, 5]), "uk-3band", informant="parent", scale="total").tolist() == [
        MISSING, 0]  # fmt: skip


def test_band_result_records_norm_set_and_labels():
    res = score(np.zeros((2, 25), dtype=np.int8), form="teacher-4-17")
    b = band(res, "uk-4band")
    assert b.norm_set.ref == "uk-4band@1"
    assert "externalising" not in b  # no published bands
    assert b.labels("total").tolist() == ["close_to_average"] * 2
    assert b.labels("total", "da").tolist() == ["Tæt på gennemsnittet"] * 2
    assert b.in_normal_range("total").all()
    assert b.labels("prosocial").tolist() == ["very_high"] * 2  # prosocial 0: 'very low'


def test_form_and_norm_set_must_fit():
    res = score(np.zeros((1, 25), dtype=np.int8), form="parent-2-4")
    with pytest.raises(SDQError, match="gælder ikke"):
        band(res, "uk-3band")
    assert band(res).norm_set.id == "uk-2-4-provisional"  # the form's default
    teacher24 = score(np.zeros((1, 25), dtype=np.int8), form="teacher-2-4")
    with pytest.raises(SDQError, match="intet standardnormsæt"):
        band(teacher24)


def test_listing():
    assert {"parent-2-4", "parent-4-17", "teacher-2-4", "teacher-4-17", "self-11-17",
            "parent-4-17-followup", "teacher-4-17-followup", "self-11-17-followup"} <= set(
        sdq.list_forms())  # fmt: skip
    assert {"uk-3band", "uk-4band", "uk-2-4-provisional"} <= set(sdq.list_norm_sets())


EXAMPLE = Path(__file__).parent / "data" / "example-dk-norms.json"


def test_stratified_norms_from_file():
    ns = sdq.load_norm_set(EXAMPLE)
    assert ns.ref.startswith("eksempel-dk")
    res = score(np.zeros((4, 25), dtype=np.int8), form="parent-4-17")
    res["total"][:] = [9, 9, 9, 9]
    b = band(res, EXAMPLE, sex=["f", "m", "f", "m"], age=[6, 6, 12, 3])
    # girls 5-7: borderline from 8; boys 5-7: from 10; 12-year-old girl: from 9; age 3: no stratum
    assert b["total"].tolist() == [1, 0, 1, MISSING]
    with pytest.raises(SDQError, match="køn og alder"):
        band(res, EXAMPLE)


def test_bad_norm_files(tmp_path):
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["strata"][0]["cutoffs"]["parent"]["total"] = {"ge": [12, 10]}
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SDQError, match="ordnede"):
        sdq.load_norm_set(p)
    with pytest.raises(SDQError, match="ukendt normsæt"):
        sdq.load_norm_set("uk-9band")


@pytest.mark.parametrize("name", sdq.list_norm_sets())
def test_every_shipped_number_names_its_source(name):
    """Every cut-off and every RCI number of every shipped norm set has a source in the data,
    and says how far it was checked."""
    ns = sdq.load_norm_set(name)
    assert len(ns.source) > 40 or (ns.strata and all(len(s.source) > 40 for s in ns.strata))
    if ns.strata:
        assert all("Table" in s.source for s in ns.strata)
    for informant, scales in ns.rci.items():
        for scale, p in scales.items():
            numbers = [k for k in ("sd", "mean", "reliability", "internal_consistency") if k in p]
            assert {"sd", "reliability"} <= set(numbers)
            for key in numbers:
                assert len(ns.rci_number_source(informant, scale, key)) > 40, (informant, key)
            # the default reliability's short citation, shown next to every RCI figure
            assert sdq.rci_details(informant, scale, ns).reliability_source_da
    if name.startswith("dk-"):
        assert "not checked against the primary" in ns.verification.replace("Not", "not")
        assert ns.rci == {}  # no Danish means or SDs were found: no RCI from a Danish set


def _write(tmp_path, data):
    p = tmp_path / "normer.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def test_a_norm_set_with_a_number_without_source_is_refused(tmp_path):
    good = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert sdq.load_norm_set(_write(tmp_path, good)).rci_number_source("parent", "total", "sd")
    no_sd_source = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    del no_sd_source["rci"]["parent"]["total"]["sources"]["sd"]
    with pytest.raises(SDQError, match=r"rci.parent.total.sd: tallet har ingen kilde"):
        sdq.load_norm_set(_write(tmp_path, no_sd_source))
    # a source for all informants is enough
    no_sd_source["rci_sources"] = {"sd": "Invented for tests."}
    assert sdq.load_norm_set(_write(tmp_path, no_sd_source)).rci["parent"]["total"]["sd"] == 5.0
    no_source = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    no_source["source"] = " "
    with pytest.raises(SDQError, match="ingen kilde"):
        sdq.load_norm_set(_write(tmp_path, no_source))
    # unless every stratum names its own
    for st in no_source["strata"]:
        st["source"] = "Table 9, invented"
    assert sdq.load_norm_set(_write(tmp_path, no_source)).strata[0].source == "Table 9, invented"
    bad_r = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    bad_r["rci"]["parent"]["total"]["reliability"] = 1.2
    with pytest.raises(SDQError, match="uden for gyldigt område"):
        sdq.load_norm_set(_write(tmp_path, bad_r))
    bad_kind = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    bad_kind["rci"]["parent"]["total"]["reliability_kind"] = "gæt"
    with pytest.raises(SDQError, match="ukendt reliability_kind"):
        sdq.load_norm_set(_write(tmp_path, bad_kind))
