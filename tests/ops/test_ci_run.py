"""CI (`.ci/run`) runs every stage even when one before it fails, prints a summary with each
stage's result and time, and fails at the end if any stage failed. The stage runner
(`.ci/stages.sh`) is run here for real in bash; `.ci/run` itself needs root and apt, so its
list of stages is read from the file."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _run_stages(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    stages = ROOT / ".ci" / "stages.sh"
    script = f"set -euo pipefail\ncd {tmp_path}\n. {stages}\n{body}\nstage_summary\n"
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_failing_stage_does_not_stop_the_later_ones_and_the_run_fails_at_the_end(
    tmp_path: Path,
) -> None:
    result = _run_stages(
        tmp_path,
        """
two_steps() { false; touch after-false; }
stage "first" touch first
stage "breaks" two_steps
stage "exit 3" bash -c 'exit 3'
stage "last" touch last
""",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    # Every stage ran, but inside a stage the first failing command ends it.
    assert (tmp_path / "first").exists() and (tmp_path / "last").exists()
    assert not (tmp_path / "after-false").exists()
    summary = result.stdout.split("== Summary", 1)[1]
    rows = {
        m.group(1).strip(): m.group(2)
        for m in re.finditer(r"^(.+?)\s+(ok|FAILED\(\d+\))\s+\d+$", summary, re.M)
    }
    assert rows == {"first": "ok", "breaks": "FAILED(1)", "exit 3": "FAILED(3)", "last": "ok"}
    assert "2 of 4 stages failed" in summary


def test_a_run_where_every_stage_passes_exits_zero(tmp_path: Path) -> None:
    result = _run_stages(tmp_path, 'stage "one" true\nstage "two" touch two')
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 2 stages passed" in result.stdout
    assert (tmp_path / "two").exists()


def test_two_stages_run_side_by_side_keep_their_output_apart_and_their_results(
    tmp_path: Path,
) -> None:
    result = _run_stages(
        tmp_path,
        """
stage_together "left" bash -c 'echo from-left; touch left' -- \\
  "right" bash -c 'echo from-right; exit 4'
stage "after" touch after
""",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert (tmp_path / "left").exists() and (tmp_path / "after").exists()
    out = result.stdout
    # Each stage's output is printed under its own heading, once both have ended.
    assert out.index("== left ==") < out.index("from-left") < out.index("== right ==")
    assert out.index("== right ==") < out.index("from-right")
    summary = out.split("== Summary", 1)[1]
    assert re.search(r"^left\s+ok\s+\d+$", summary, re.M)
    assert re.search(r"^right\s+FAILED\(4\)\s+\d+$", summary, re.M)
    assert "1 of 3 stages failed" in summary


def _stages_of_ci_run(text: str) -> list[tuple[str, str]]:
    """(name, command) of every stage in .ci/run: `stage "NAME" CMD` lines and the
    `"NAME" CMD [--]` parts of a `stage_together` block."""
    joined = text.replace("\\\n", " ")
    stages = re.findall(r'^stage "([^"]+)" (.+)$', joined, re.M)
    for block in re.findall(r"^stage_together (.+)$", joined, re.M):
        for part in block.split(" -- "):
            m = re.match(r'\s*"([^"]+)" (.+?)\s*$', part)
            assert m, part
            stages.append((m.group(1), re.sub(r"\s+", " ", m.group(2))))
    return stages


def test_ci_runs_each_required_stage_through_the_stage_runner() -> None:
    text = (ROOT / ".ci" / "run").read_text()
    assert ". .ci/stages.sh" in text
    assert text.rstrip().endswith("stage_summary")
    stages = _stages_of_ci_run(text)
    names = [name for name, _ in stages]
    for wanted in (
        "make test on SQLite",
        "make faults on SQLite",
        "make test on PostgreSQL",
        "make faults on PostgreSQL",
        "deploy/smoke.sh",
    ):
        assert any(name.startswith(wanted) for name in names), (wanted, names)
    # No suite command outside a stage: a bare one would stop the run at its first failure.
    in_block = False
    for line in text.splitlines():
        if line.startswith("stage_together"):
            in_block = True
        if not in_block and re.search(r"\bmake (test|faults)\b|deploy/smoke\.sh", line):
            assert line.startswith(("stage ", "#")), f"runs outside a stage: {line}"
        if in_block and not line.rstrip().endswith("\\"):
            in_block = False
    # The PostgreSQL stages get the PostgreSQL environment; the SQLite ones do not.
    commands = dict(stages)
    assert commands["make test on SQLite"].endswith("make test")
    assert "PG_ENV" not in commands["make test on SQLite"]
    assert any("PG_ENV" in cmd for name, cmd in stages if name.startswith("make test on Postgre"))
    # Side by side, the two suites must not share a Redis database or a mypy cache.
    pg = next(cmd for name, cmd in stages if name.startswith("make test on Postgre"))
    sqlite_redis = re.search(r"SPOR_TEST_REDIS_URL=\S+", commands["make test on SQLite"])
    pg_redis = re.search(r"SPOR_TEST_REDIS_URL=\S+", pg)
    assert sqlite_redis and pg_redis and sqlite_redis.group() != pg_redis.group()
    assert "MYPY_CACHE_DIR=" in pg


def test_no_test_depends_on_the_machines_speed() -> None:
    """CI is a busy 2-core box: a test may wait for something with a generous deadline, but it
    may not measure how long something took, nor run load for a number of seconds and
    count what got done (speed lives in benchmarks/)."""
    offences = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path == Path(__file__):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            if "perf_counter" in line or "process_time" in line:
                offences.append(where)  # measures a duration
            if re.search(r'"--(bare-)?seconds"', line) and '"--requests-each"' not in line:
                # A load run of fixed duration counts what it got done; one of fixed size
                # (--requests-each) has its seconds as an upper bound only.
                offences.append(where)
            # A deadline (time.monotonic() + N) or a wait(timeout=N) is a bound, not a
            # measure, but only if it is generous.
            for m in re.finditer(r"time\.monotonic\(\) \+ (\d+)", line):
                if int(m.group(1)) < 120:
                    offences.append(where)
    assert offences == [], "\n".join(offences)
