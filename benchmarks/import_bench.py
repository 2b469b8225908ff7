"""Import of a whole municipality's children: ``PYTHONPATH=src .venv/bin/python
benchmarks/import_bench.py [--children 60000] [--database-url URL]``.

Writes one CSV file of ``--children`` children (synthetic CPR numbers) in ``--schools``
schools of 10 grades × 3 classes and ``--daycare`` kindergartens of 4 groups, then imports it
with ``manage.py spor_import`` (what a lead runs; the import page calls the same parse and the
same service) into a fresh database: SQLite in a temporary directory, or the EMPTY PostgreSQL
database of ``--database-url`` (run as the app's role, as the server is). Timed in the same
run, best of ``--repeats`` fresh imports each:

- the first import (every child, group, institution and enrolment new), end to end and split
  into reading + checking the file and saving it;
- the same file again (nothing changes; every child is read and logged);
- a file with one bad row in every 1,000, which must fail naming every bad row, saving nothing.

Checks the counts, one access-log entry per child, and that the bad file saved nothing.
Goal (issue #18): the first import of 60,000 children in ≤ 6 s (≥ 10,000 rows/s). Prints the
table and exits 1 if a goal is missed or a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import _results

GOAL_RATE = 10_000.0
HEADER = "cpr;fornavn;efternavn;institution;institutionstype;gruppe;skoleaar;klassetrin;fra;til"
FIRST = ["Alma", "Bo", "Carl", "Dagmar", "Emil", "Freja", "Gustav", "Ida", "Jens", "Karla"]
LAST = ["Holm", "Dahl", "Berg", "Lund", "Skov", "Krog", "Bech", "Vang", "Hald", "Friis"]


def parse_args() -> argparse.Namespace:
    quick = _results.quick()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--children", type=int, default=6_000 if quick else 60_000)
    p.add_argument("--schools", type=int, default=6 if quick else 60)
    p.add_argument("--daycare", type=int, default=10 if quick else 100)
    p.add_argument("--repeats", type=int, default=1 if quick else 2)
    p.add_argument(
        "--database-url",
        default=os.environ.get("SPOR_BENCH_DATABASE_URL", ""),
        help="PostgreSQL instead of SQLite: the app role's URL (postgres://spor:spor@host/db)",
    )
    p.add_argument(
        "--owner-database-url",
        default=os.environ.get("SPOR_BENCH_OWNER_DATABASE_URL", ""),
        help="the owner role's URL of the same database: it is dropped and made again, and "
        "migrated, by the owner; the imports run as the app role",
    )
    args = p.parse_args()
    if bool(args.database_url) != bool(args.owner_database_url):
        p.error("--database-url and --owner-database-url go together")
    return args


def cpr_numbers(n: int) -> list[str]:
    """``n`` distinct synthetic CPR numbers of children born 2009–2025 (7th digit 4: 20xx)."""
    out = []
    day = dt.date(2009, 1, 1)
    serial = 4000
    while len(out) < n:
        out.append(f"{day:%d%m%y}-{serial}")
        day += dt.timedelta(days=1)
        if day.year > 2025:
            day, serial = dt.date(2009, 1, 1), serial + 1
    return out


def make_csv(args: argparse.Namespace, *, bad_every: int = 0) -> tuple[bytes, list[int]]:
    """The file, and the line numbers of its bad rows (``bad_every``: one bad row per so
    many, each with a different fault)."""
    groups = [
        (f"Skole {s + 1}", "skole", f"{grade}.{cls}", str(grade))
        for s in range(args.schools)
        for grade in range(10)
        for cls in "ABC"
    ] + [
        (f"Børnehave {d + 1}", "børnehave", f"Stue {g + 1}", "")
        for d in range(args.daycare)
        for g in range(4)
    ]
    faults = [(0, "3102154001"), (8, "01-08-26"), (7, "13"), (4, "gymnasium"), (0, "")]
    lines = [HEADER]
    bad = []
    for i, number in enumerate(cpr_numbers(args.children)):
        inst, kind, group, grade = groups[i % len(groups)]
        cells = [
            number,
            FIRST[i % 10],
            LAST[(i // 10) % 10],
            inst,
            kind,
            group,
            "2026/27",
            grade,
            "2026-08-01",
            "",
        ]
        if bad_every and i % bad_every == bad_every - 1:
            col, value = faults[(i // bad_every) % len(faults)]
            cells[col] = value
            bad.append(i + 2)
        lines.append(";".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8"), bad


def setup(args: argparse.Namespace) -> Path | None:
    tmp = None
    if args.database_url:
        recreate_postgres(args.owner_database_url)
        os.environ["SPOR_DATABASE_URL"] = args.database_url
        os.environ["SPOR_OWNER_DATABASE_URL"] = args.owner_database_url
    else:
        tmp = Path(tempfile.mkdtemp(prefix="spor-import-bench-"))
        os.environ["SPOR_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        os.environ.pop("SPOR_OWNER_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
    os.environ.setdefault("SPOR_LOG_LEVEL", "WARNING")
    # As in production: no debug cursor (it formats every statement with its values).
    os.environ.setdefault("SPOR_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"Database: {connection.vendor}", flush=True)
    call_command("migrate", verbosity=0)
    return tmp


def recreate_postgres(owner_url: str) -> None:
    """Drop and make the owner URL's database again (the owner role may create databases)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(owner_url)
    name, owner = parts.path.lstrip("/"), parts.username or ""
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(owner)
            )
        )


def fresh_municipality(code: str) -> None:
    """The municipality and its lead, made by the owner (on PostgreSQL the app role may not
    make a membership); the imports then run as the app role, as the server does."""
    from spor.accounts.models import Membership, Role, User
    from spor.tenancy import rls
    from spor.tenancy.models import Municipality

    with rls.owner_connection(), rls.system():
        muni = Municipality.objects.create(name=f"Kommune {code}", code=code)
        user = User.objects.create_user(username=f"leder{code}", password="x")
        Membership.objects.create(user=user, municipality=muni, role=Role.LEAD)


CPU: list[float] = []  # CPU seconds of each run_import, in order


def run_import(path: Path, code: str) -> tuple[float, str, str]:
    """``spor_import`` end to end: (seconds, stdout, stderr); its CPU time goes to ``CPU``
    (in this process: the database's work on PostgreSQL is not counted)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out, err = io.StringIO(), io.StringIO()
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        call_command(
            "spor_import", str(path), municipality=code, user=f"leder{code}", stdout=out, stderr=err
        )
    except CommandError as exc:
        err.write(str(exc))
    CPU.append(time.process_time() - c0)
    return time.perf_counter() - t0, out.getvalue(), err.getvalue()


def main() -> int:
    args = parse_args()
    tmp = setup(args)
    from spor.audit.models import AccessLogEntry
    from spor.registry import importing
    from spor.registry.models import Child, Enrolment, Group, Institution
    from spor.tenancy import rls
    from spor.tenancy.models import Municipality

    n = args.children
    good, _ = make_csv(args)
    bad_data, bad_lines = make_csv(args, bad_every=1000)
    work = Path(tempfile.mkdtemp(prefix="spor-import-file-"))
    good_path, bad_path = work / "boern.csv", work / "fejl.csv"
    good_path.write_bytes(good)
    bad_path.write_bytes(bad_data)
    print(f"File: {n:,} children, {len(good) / 1e6:.1f} MB", flush=True)

    problems: list[str] = []
    first, again, parse, bad_s = [], [], [], []
    for k in range(args.repeats):
        code = str(500 + k)
        fresh_municipality(code)
        t0 = time.perf_counter()
        parsed = importing.parse_file(good_path.name, good)
        parse.append(time.perf_counter() - t0)
        assert not parsed.errors, parsed.errors[:3]
        seconds, out, err = run_import(good_path, code)
        first.append(seconds)
        if err:
            problems.append(f"first import: {err[:300]}")
        seconds, out, err = run_import(good_path, code)
        again.append(seconds)
        if "0 oprettet, 0 opdateret, " not in out:
            problems.append(f"second import changed something: {out[:300]}")
        seconds, out, err = run_import(bad_path, code)
        bad_s.append(seconds)
        named = [line for line in err.splitlines() if line.startswith("række ")]
        if len(named) < len(bad_lines) or not all(f"række {ln}," in err for ln in bad_lines):
            problems.append(
                f"bad file: {len(named)} rows named, want {len(bad_lines)}: {err[:300]}"
            )
        muni = Municipality.objects.get(code=code)
        with rls.job(muni.pk):
            got = (
                Child.objects.filter(municipality=muni).count(),
                Enrolment.objects.filter(municipality=muni).count(),
                Group.objects.filter(municipality=muni).count(),
                Institution.objects.filter(municipality=muni).count(),
                AccessLogEntry.objects.filter(municipality=muni).count(),
            )
        groups = min(n, args.schools * 30 + args.daycare * 4)
        institutions = len({g // 30 for g in range(min(n, args.schools * 30))}) + len(
            {g // 4 for g in range(max(0, min(n, groups) - args.schools * 30))}
        )
        want = (n, n, groups, institutions, 2 * n)
        if got != want:
            problems.append(
                f"counts (children, enrolments, groups, institutions, log) {got}, want {want}"
            )

    best, best_again, best_parse = min(first), min(again), min(parse)
    rate_again = n / best_again
    rate = n / best
    print()
    print(f"{'import of ' + format(n, ',') + ' children':40} {'best s':>8} {'rows/s':>10}")
    print(f"{'  first import, end to end':40} {best:>8.2f} {rate:>10,.0f}")
    cpu_first = min(CPU[0::3])
    print(f"{'    counted in CPU time':40} {cpu_first:>8.2f} {n / cpu_first:>10,.0f}")
    print(f"{'    of which reading and checking':40} {best_parse:>8.2f} {n / best_parse:>10,.0f}")
    print(f"{'  the same file again (nothing changes)':40} {best_again:>8.2f} {rate_again:>10,.0f}")
    print(
        f"{'  a file with ' + str(len(bad_lines)) + ' bad rows (all named)':40} {min(bad_s):>8.2f}"
    )
    ok = rate >= GOAL_RATE and not problems
    _results.record(
        f"import of {n:,} children (first, end to end)",
        "≥ 10,000 rows/s (60k in ≤ 6 s)",
        rate,
        "rows/s",
        ratio=rate / GOAL_RATE,
        ok=rate >= GOAL_RATE,
    )
    _results.record(
        f"import of the same {n:,} again",
        "≥ 10,000 rows/s",
        rate_again,
        "rows/s",
        ratio=rate_again / GOAL_RATE,
        ok=rate_again >= GOAL_RATE,
    )
    _results.record(
        "bad file: rows named, nothing saved",
        "every bad row named",
        0 if problems else len(bad_lines),
        "rows",
        ok=not problems,
    )
    for p in problems:
        print("FEJL:", p)
    print(f"Goal: ≥ {GOAL_RATE:,.0f} rows/s ({'met' if rate >= GOAL_RATE else 'NOT met'}).")
    if tmp is not None:
        from django.db import connection

        connection.close()
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    for f in work.iterdir():
        f.unlink()
    work.rmdir()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
