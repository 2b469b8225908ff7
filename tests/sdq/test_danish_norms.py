"""The Danish parent norms for 5–7-year-olds from a secondary source (BMC Pediatrics 2023
Table 2): typed in here independently of the JSON, and banded by sex and age."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from spor import sdq
from spor.sdq import cli

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


def _answers(**two: list[int]) -> list[str]:
    """Answers to items 1-25: the reversed items (7, 11, 14, 21, 25) ticked 2 so that they
    score 0, the items in ``two['items']`` ticked 2, every other item 0."""
    ticked = {7, 11, 14, 21, 25, *two["items"]}
    return ["2" if n in ticked else "0" for n in range(1, 26)]


def test_spor_sdq_score_bands_with_the_danish_set_as_computed_by_hand(tmp_path: Path) -> None:
    """Through the command a user runs: the bands follow BMC Pediatrics 2023 Table 2,
    'Denmark 5-7 years', worked out by hand below."""
    # emotional 3, 8, 13, 16, 24 all 2 -> emotional 10; item 2 -> hyperactivity 2;
    # prosocial 1, 4, 9 -> prosocial 6; total = 10 + 0 + 2 + 0 = 12.
    twelve = _answers(items=[3, 8, 13, 16, 24, 2, 1, 4, 9])
    # emotional 3, 8, 13, 16 -> emotional 8 = total 8; prosocial all five -> 10.
    eight = _answers(items=[3, 8, 13, 16, 1, 4, 9, 17, 20])
    rows = [
        ["dreng6", "dreng", "6", *twelve],
        ["pige6", "pige", "6", *twelve],
        ["dreng9", "m", "9", *twelve],
        ["pige5", "f", "5", *eight],
    ]
    inp = tmp_path / "ind.csv"
    with inp.open("w", encoding="utf-8", newline="") as fh:
        header = ["id", "køn", "alder", *[f"sdq{n}" for n in range(1, 26)]]
        csv.writer(fh).writerows([header, *rows])
    out = tmp_path / "ud.csv"
    res = CliRunner().invoke(
        cli.sdq,
        ["score", str(inp), "--form", "parent-4-17", "--norms", "dk-parent-5-7-secondary",
         "-o", str(out)],
        catch_exceptions=False,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8", newline="") as fh:
        got = {r["id"]: r for r in csv.DictReader(fh)}
    cols = ("total", "emotional", "hyperactivity", "prosocial", "conduct", "peer")
    bands = {k: tuple(r[f"{c}_band"] for c in cols) for k, r in got.items()}
    scores = {k: tuple(r[c] for c in cols) for k, r in got.items()}
    assert scores["dreng6"] == scores["pige6"] == scores["dreng9"]
    assert scores["dreng6"] == ("12", "10", "2", "6", "0", "0")
    assert scores["pige5"] == ("8", "8", "0", "10", "0", "0")
    # boys: total 12 is in 10-13 (borderline); emotional 10 >= 5; hyperactivity 2 < 5;
    # prosocial 6 is <= 6 but > 5 (borderline); conduct 0 < 3; peer 0 < 2.
    assert bands["dreng6"] == ("borderline", "abnormal", "normal", "borderline", "normal", "normal")
    # girls: total 12 >= 12 (abnormal); hyperactivity 2 < 4; prosocial 6 <= 6 (abnormal).
    assert bands["pige6"] == ("abnormal", "abnormal", "normal", "abnormal", "normal", "normal")
    # 9 years: no stratum, so scored but not banded.
    assert bands["dreng9"] == ("",) * 6
    # girl, 5: total 8 < 9 is normal although emotional 8 >= 5 is abnormal.
    assert bands["pige5"] == ("normal", "abnormal", "normal", "normal", "normal", "normal")
    assert {r["norm_set"] for r in got.values()} == {"dk-parent-5-7-secondary@1"}


def test_a_norm_file_without_sources_is_refused_by_the_command(tmp_path: Path) -> None:
    data = json.loads(
        (Path(__file__).parent / "data" / "example-dk-norms.json").read_text(encoding="utf-8")
    )
    data["source"] = ""
    norms = tmp_path / "uden-kilde.json"
    norms.write_text(json.dumps(data), encoding="utf-8")
    inp = tmp_path / "ind.csv"
    inp.write_text("id,køn,alder," + ",".join(f"sdq{n}" for n in range(1, 26)) + "\n"
                   + "a,f,6," + ",".join(["0"] * 25) + "\n", encoding="utf-8")  # fmt: skip
    res = CliRunner().invoke(
        cli.sdq, ["score", str(inp), "--form", "parent-4-17", "--norms", str(norms)]
    )
    assert res.exit_code == 2 and "ingen kilde ('source')" in res.output
