# ruff: noqa: S603  (runs our own venv's programs with fixed arguments)
"""`make load`: the screening week against a real server on 127.0.0.1.

    .venv/bin/python loadtest/run.py [--children 60000] [--seconds 60] [--max-requests 60000]
                                     [--requests-each N]

Uses PostgreSQL if SPOR_DATABASE_URL is set, else a cached SQLite file
(loadtest/.cache/spor-<children>.sqlite3, made once with ``spor_demo``: about a minute for
60,000 children). Starts gunicorn (``--workers``) on a free port on 127.0.0.1 and runs
locust headless (a subprocess: locust patches the standard library with gevent) twice
against it, in both orders (bare, week, week, bare), so that neither gets the fresh server:
the bare Django endpoint (/drift/ping/aktoer/: the teachers' own POST, cookies and
middleware, a view that answers "ok") alone, and the screening week
(teachers saving ratings with no pause while PPR staff open the overview, each one every
``--ppr-pause`` seconds), each phase bounded by its seconds and ``--max-requests``; with
``--requests-each N`` a phase ends as soon as each of its endpoints has had N requests (a
run of fixed size, whatever the machine's speed: the suite's check that the command works
uses it). Then it prints requests/s, p50/p95/p99 and errors per endpoint for each order and
each order's share. The last lines say whether the goals were met (0 errors; the screening
save at least 30 % of the bare endpoint's throughput, the mean of the two orders); the exit
status is 1 if not.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SAVE = "gem trivselsvurdering (række)"
OVERVIEW = "PPR-overblik (runde)"
PING = "bart Django-endpoint (/drift/ping/aktoer/)"
GOAL_SHARE = 0.30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=60_000)
    parser.add_argument("--seconds", type=int, default=60, help="the screening week's duration")
    parser.add_argument(
        "--bare-seconds", type=int, default=20, help="the bare endpoint's phase, before it"
    )
    parser.add_argument("--max-requests", type=int, default=60_000, help="stop a phase after these")
    parser.add_argument(
        "--requests-each",
        type=int,
        default=0,
        help="end a phase once each of its endpoints has had this many requests (0: off)",
    )
    parser.add_argument("--teachers", type=int, default=20, help="teachers saving at once")
    parser.add_argument("--ppr", type=int, default=4, help="PPR staff opening overviews")
    parser.add_argument(
        "--ppr-pause",
        type=float,
        default=2.0,
        help="seconds from one PPR user's overview to the next (0: none)",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    db_url = os.environ.get("SPOR_DATABASE_URL", "")
    if not db_url:
        cache = ROOT / "loadtest" / ".cache"
        cache.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{cache / f'spor-{args.children}.sqlite3'}"
    env.update(
        {
            "SPOR_DATABASE_URL": db_url,
            "PYTHONPATH": str(ROOT / "src"),
            "SPOR_DEBUG": "0",
            "SPOR_LOG_LEVEL": "WARNING",
            "SPOR_ALLOWED_HOSTS": "127.0.0.1",
            # Persistent connections, as in production (docker-compose.yml).
            "SPOR_DB_CONN_MAX_AGE": os.environ.get("SPOR_DB_CONN_MAX_AGE", "60"),
        }
    )
    tmp = Path(tempfile.mkdtemp(prefix="spor-load-"))
    print(f"Database: {db_url.split('@')[-1]}", flush=True)
    subprocess.run([sys.executable, "-m", "spor.manage", "migrate", "-v0"], env=env, check=True)
    facts = tmp / "facts.json"
    with facts.open("w") as out:
        subprocess.run(
            [sys.executable, str(ROOT / "loadtest" / "prepare.py"), "--children",
             str(args.children), "--teachers", str(max(args.teachers * 5, 50))],
            env=env, stdout=out, check=True,
        )  # fmt: skip

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "spor.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--log-level", "warning", "--timeout", "120"],
        env=env, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/drift/ping/", timeout=20) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print("Serveren startede ikke.", file=sys.stderr)
                return 1
            time.sleep(0.3)
        print(
            f"Fase A: det bare endpoint alene, {args.teachers} brugere, højst "
            f"{args.bare_seconds} s. Fase B: trivselsugen, {args.teachers} lærere gemmer og "
            f"{args.ppr} PPR-medarbejdere åbner overblik på samme tid, højst {args.seconds} s. "
            "Rækkefølgen A, B, B, A, så ingen af dem altid får den friske server. "
            f"Højst {args.max_requests:,} forespørgsler pr. fase; gunicorn med {args.workers} "
            "workers. Lærerne og det bare endpoint uden tænkepauser; hver PPR-medarbejder "
            + (
                f"åbner et overblik hvert {args.ppr_pause:g}. sekund."
                if args.ppr_pause
                else "uden tænkepauser."
            ),
            flush=True,
        )
        if args.requests_each:
            print(
                f"Hver fase slutter, når hvert af dens endpoints har haft {args.requests_each} "
                "forespørgsler (tiden er kun en øvre grænse).",
                flush=True,
            )
        load_env = env | {
            "SPOR_LOAD_FACTS": str(facts),
            "SPOR_LOAD_MAX_REQUESTS": str(args.max_requests),
            "SPOR_LOAD_REQUESTS_EACH": str(args.requests_each),
            "SPOR_LOAD_TEACHER_USERS": str(args.teachers),
            "SPOR_LOAD_PPR_USERS": str(args.ppr),
            "SPOR_LOAD_PPR_PAUSE": str(args.ppr_pause),
        }
        # Two phases against the same server: each endpoint's throughput is then its own,
        # not the share of a queue it stands in behind the others. Run in both orders, ABBA
        # (bare, week, week, bare), so that neither phase always gets the fresh server: a
        # server that warms up or wears down over the run moves the two orders' shares
        # apart, and their mean cancels a steady drift.
        bare = ("bare", ["Ping"], args.teachers, args.bare_seconds)
        week = ("week", ["Teacher", "Ppr"], args.teachers + args.ppr, args.seconds)
        for run, (phase, classes, users, seconds) in enumerate((bare, week, week, bare)):
            name = f"{phase}-{1 if run < 2 else 2}"
            subprocess.run(
                [str(BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"),
                 "--headless", "--host", url, "-u", str(users), "-r", str(users),
                 "-t", f"{seconds}s", "--only-summary",
                 "--stop-timeout", "10", "--loglevel", "WARNING", *classes],
                env=load_env | {"SPOR_LOAD_STATS": str(tmp / f"{name}.csv")}, check=False,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    return report(
        [
            ("det bare endpoint først", [tmp / "bare-1.csv", tmp / "week-1.csv"]),
            ("trivselsugen først", [tmp / "week-2.csv", tmp / "bare-2.csv"]),
        ],
        _children(facts),
    )
    return report([tmp / "bare.csv", tmp / "week.csv"], _children(facts))


def _children(facts: Path) -> int:
    import json

    return int(json.loads(facts.read_text())["children"])


def _read(stats: list[Path]) -> tuple[dict[str, dict[str, str]], int]:
    """Locust's rows per endpoint and the number of errors of one order's two phases."""
    rows: dict[str, dict[str, str]] = {}
    errors = 0
    for path in stats:
        if not path.exists():  # locust did not get as far as writing its figures
            errors += 1
            continue
        for r in csv.DictReader(path.open()):
            if r["Name"] == "Aggregated":
                errors += int(r["Failure Count"])
            else:
                rows[r["Name"]] = r
    if not all(name in rows for name in (SAVE, OVERVIEW, PING)):
        errors = max(errors, 1)  # an endpoint that was never reached is a failure too
    return rows, errors


def report(orders: list[tuple[str, list[Path]]], children: int) -> int:
    """One table per order of the phases, each order's share, and the verdicts: 0 errors
    in all, and the mean of the orders' shares at least the goal."""
    print()
    print(f"Trivselsugen på en kommune med {children:,} børn")
    errors = 0
    shares = []
    for label, stats in orders:
        rows, order_errors = _read(stats)
        errors += order_errors
        print()
        print(f"Rækkefølge: {label}")
        head = f"{'endpoint':<44} {'forespørgsler':>13} {'fejl':>6} {'req/s':>8} "
        print(head + f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
        for name in (SAVE, OVERVIEW, PING):
            r = rows.get(name)
            if r is None:
                print(f"{name:<44} (ingen forespørgsler)")
                continue
            print(
                f"{name:<44} {int(r['Request Count']):>13,} {int(r['Failure Count']):>6} "
                f"{float(r['Requests/s']):>8.1f} {r['50%']:>7} {r['95%']:>7} {r['99%']:>7}"
            )
        save = float(rows[SAVE]["Requests/s"]) if SAVE in rows else 0.0
        ping = float(rows[PING]["Requests/s"]) if PING in rows else 0.0
        share = save / ping if ping else 0.0
        shares.append(share)
        print(
            f"At gemme i forhold til det bare endpoint: {save:.1f} / {ping:.1f} req/s = {share:.0%}"
        )
    share = sum(shares) / len(shares)
    errors_ok = errors == 0
    share_ok = share >= GOAL_SHARE
    print()
    print(f"Mål: 0 fejl — {errors} fejl: {'NÅET' if errors_ok else 'IKKE NÅET'}")
    both = " og ".join(f"{s:.0%}" for s in shares)
    print(
        f"Mål: at gemme trivselsvurderinger ≥ {GOAL_SHARE:.0%} af det bare endpoints "
        f"gennemløb — i de to rækkefølger {both}, i gennemsnit = {share:.0%}: "
        f"{'NÅET' if share_ok else 'IKKE NÅET'}"
    )
    return 0 if errors_ok and share_ok else 1


if __name__ == "__main__":
    sys.exit(main())
