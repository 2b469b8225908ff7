"""`make load`'s verdict (loadtest/run.py's report): the figures per endpoint, and the goals
met only with no errors and the screening save at 30 % of the bare endpoint or more."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
HEADER = "Type,Name,Request Count,Failure Count,Requests/s,50%,95%,99%\n"


def _run_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("loadtest_run", ROOT / "loadtest" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _csv(path: Path, rows: list[tuple[str, str, int, int, float]]) -> Path:
    lines = [HEADER]
    for kind, name, n, failed, rps in rows:
        lines.append(f"{kind},{name},{n},{failed},{rps},10,20,30\n")
    total = sum(r[2] for r in rows), sum(r[3] for r in rows)
    lines.append(f",Aggregated,{total[0]},{total[1]},0,10,20,30\n")
    path.write_text("".join(lines))
    return path


@pytest.mark.parametrize(
    ("save_rps", "failed", "met"), [(300.0, 0, True), (299.0, 0, False), (400.0, 1, False)]
)
def test_the_last_lines_say_whether_the_goals_were_met(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], save_rps: float, failed: int, met: bool
) -> None:
    run = _run_module()
    bare = _csv(tmp_path / "bare.csv", [("GET", run.PING, 10000, 0, 1000.0)])
    week = _csv(
        tmp_path / "week.csv",
        [("POST", run.SAVE, 3000, failed, save_rps), ("GET", run.OVERVIEW, 300, 0, 30.0)],
    )
    orders = [("det bare endpoint først", [bare, week]), ("trivselsugen først", [week, bare])]
    assert run.report(orders, 60000) == (0 if met else 1)
    out = capsys.readouterr().out.strip().splitlines()
    assert "60,000 børn" in "\n".join(out)
    assert out[-2].startswith(f"Mål: 0 fejl — {2 * failed} fejl")  # the week runs twice
    assert out[-1].endswith("NÅET") and ("IKKE NÅET" not in out[-1]) == (save_rps >= 300)
    assert any(line.startswith(run.SAVE) and f"{save_rps:.1f}" in line for line in out)


def test_an_endpoint_never_reached_fails_the_run(tmp_path: Path) -> None:
    run = _run_module()
    bare = _csv(tmp_path / "bare.csv", [("GET", run.PING, 10000, 0, 1000.0)])
    week = _csv(tmp_path / "week.csv", [("POST", run.SAVE, 3000, 0, 900.0)])
    full = _csv(
        tmp_path / "full.csv",
        [("POST", run.SAVE, 3000, 0, 900.0), ("GET", run.OVERVIEW, 300, 0, 30.0)],
    )
    # Never reached in one of the two orders is enough to fail.
    assert run.report([("a", [bare, full]), ("b", [week, bare])], 60000) == 1


def test_both_orders_are_reported_and_their_mean_decides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _run_module()
    bare_first = _csv(tmp_path / "bare-1.csv", [("GET", run.PING, 10000, 0, 1000.0)])
    week_first = _csv(
        tmp_path / "week-1.csv",
        [("POST", run.SAVE, 3000, 0, 200.0), ("GET", run.OVERVIEW, 300, 0, 30.0)],
    )
    week_second = _csv(
        tmp_path / "week-2.csv",
        [("POST", run.SAVE, 3000, 0, 450.0), ("GET", run.OVERVIEW, 300, 0, 30.0)],
    )
    bare_second = _csv(tmp_path / "bare-2.csv", [("GET", run.PING, 10000, 0, 1000.0)])
    orders = [
        ("det bare endpoint først", [bare_first, week_first]),
        ("trivselsugen først", [week_second, bare_second]),
    ]
    assert run.report(orders, 60000) == 0  # 20 % and 45 %: a mean of 32.5 %
    out = capsys.readouterr().out
    assert "Rækkefølge: det bare endpoint først" in out and "Rækkefølge: trivselsugen først" in out
    assert "200.0 / 1000.0 req/s = 20%" in out and "450.0 / 1000.0 req/s = 45%" in out
    assert (
        out.strip()
        .splitlines()[-1]
        .endswith("i de to rækkefølger 20% og 45%, i gennemsnit = 32%: NÅET")
    )
