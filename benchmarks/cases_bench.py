"""Case list and case page: queries and server time, small municipality against large.

    PYTHONPATH=src .venv/bin/python benchmarks/cases_bench.py [--children 60000]

Creates a fresh SQLite database in a temporary directory, migrates it, generates the demo
municipality (Sporby Kommune, ``--children`` children, with ``manage.py spor_demo``) and a
small baseline municipality (Kommune 101, ``--baseline`` children) in the same database,
and gives each the demo catalogue and ~300 cases (``spor.cases.demo.generate``, unless the
demo command made them already). Then, logged in as each municipality's first PPR
psychologist (need to know: the cases they are on) and as the PPR-leder (all cases), it
requests the case lists, the case pages and the "iværksæt indsats" page with its
suggestions, and measures the number of SQL queries and the server time of every request.
Prints a table side by side and exits with status 1 if a page needs more queries in the
large municipality than in the small one (a query count that grows with the rows is an N+1).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=60_000, help="the large municipality")
    parser.add_argument("--baseline", type=int, default=2_000, help="the small municipality")
    parser.add_argument("--requests", type=int, default=40, help="case pages per municipality")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="spor-cases-bench-"))
    db_path = tmp / "bench.sqlite3"
    os.environ["SPOR_DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
    os.environ.setdefault("SPOR_LOG_LEVEL", "WARNING")

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from spor.accounts.models import Membership, User
    from spor.cases import demo as cases_demo
    from spor.cases.models import Case, CaseMember
    from spor.registry import demo
    from spor.tenancy.models import Municipality

    settings.ALLOWED_HOSTS.append("testserver")
    print(f"Database: {db_path}", flush=True)
    call_command("migrate", verbosity=0)
    today = timezone.localdate()

    t0 = time.perf_counter()
    call_command(
        "spor_demo", children=args.children, seed=args.seed, stdout=io.StringIO(), verbosity=0
    )
    large_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    spec = demo.MunicipalitySpec("101", "Kommune 101", args.baseline, "k101-")
    with transaction.atomic():
        plan = demo.plan_municipality(spec, seed=args.seed + 1, today=today)
        demo.write_municipality(plan, password_hash=User.objects.get(username="leder").password)
    small_seconds = time.perf_counter() - t0

    case_seconds: dict[str, float] = {}
    for code in ("999", "101"):
        muni = Municipality.objects.get(code=code)
        if Case.objects.filter(municipality=muni).exists():
            continue  # the demo command made them already
        t0 = time.perf_counter()
        with transaction.atomic():
            cases_demo.generate(muni, rng=random.Random(args.seed), today=today)
        case_seconds[code] = time.perf_counter() - t0
    print(
        f"Generated {args.children:,} children in {large_seconds:.1f} s and "
        f"{args.baseline:,} in {small_seconds:.1f} s; catalogue and cases in "
        + ", ".join(f"{code}: {s:.2f} s" for code, s in case_seconds.items()),
        flush=True,
    )

    rng = random.Random(args.seed)
    results: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    failures: list[str] = []

    def measure(client: Client, label: str, page: str, url: str) -> None:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            failures.append(f"{label} {url}: HTTP {response.status_code}")
        results[(page, label)].append((len(ctx.captured_queries), elapsed))

    sizes = [(f"{args.baseline:,}", "k101-", "101"), (f"{args.children:,}", "", "999")]
    for label, prefix, code in sizes:
        worker = User.objects.get(username=f"{prefix}psykolog1")
        lead = User.objects.get(username=f"{prefix}leder")
        membership = Membership.objects.get(user=worker, municipality__code=code)
        mine = list(
            CaseMember.objects.filter(membership=membership, left_on__isnull=True)
            .order_by("case_id")
            .values_list("case_id", flat=True)
        )
        every = list(
            Case.objects.filter(municipality__code=code).order_by("pk").values_list("pk", flat=True)
        )
        if not mine:
            failures.append(f"{label}: {worker.username} is on no case")
            continue
        print(
            f"{label} children: {worker.username} is on {len(mine)} of {len(every)} cases",
            flush=True,
        )
        client = Client()
        client.force_login(worker)
        client.get("/forloeb/")  # warm-up: templates, caches
        client.get(f"/forloeb/{mine[0]}/")
        for _ in range(args.requests // 2):
            measure(client, label, "/forloeb/ (PPR, mine)", "/forloeb/")
            measure(client, label, "/forloeb/?lukkede=1 (PPR)", "/forloeb/?lukkede=1")
        for _ in range(args.requests):
            case_id = rng.choice(mine)
            measure(client, label, "/forloeb/<id>/ (PPR)", f"/forloeb/{case_id}/")
        for _ in range(args.requests // 2):
            case_id = rng.choice(mine)
            measure(client, label, "/forloeb/<id>/indsatser/", f"/forloeb/{case_id}/indsatser/")
        boss = Client()
        boss.force_login(lead)
        boss.get("/forloeb/?vis=alle")
        for _ in range(args.requests // 2):
            side = rng.choice([1, 2, 3])
            measure(
                boss,
                label,
                "/forloeb/?vis=alle&side=N (leder)",
                f"/forloeb/?vis=alle&lukkede=1&side={side}",
            )
        for _ in range(args.requests // 2):
            measure(boss, label, "/forloeb/<id>/ (leder)", f"/forloeb/{rng.choice(every)}/")

    small, large = sizes[0][0], sizes[1][0]
    header = f"{'side':<36} {'børn':>8} {'queries':>9} {'p50 ms':>8} {'p95 ms':>8} {'n':>4}"
    print()
    print(header)
    print("-" * len(header))
    grows: list[str] = []
    for page in dict.fromkeys(p for p, _ in results):
        spans = {}
        for label in (small, large):
            rows = results.get((page, label), [])
            if not rows:
                continue
            queries = [q for q, _ in rows]
            ms = [t for _, t in rows]
            spans[label] = (min(queries), max(queries))
            span = (
                f"{min(queries)}"
                if min(queries) == max(queries)
                else f"{min(queries)}–{max(queries)}"
            )
            print(
                f"{page:<36} {label:>8} {span:>9} {statistics.median(ms):>8.1f} "
                f"{percentile(ms, 95):>8.1f} {len(rows):>4}"
            )
        if small in spans and large in spans and spans[large][1] > spans[small][1]:
            grows.append(f"{page}: {spans[small]} → {spans[large]}")
    print()
    if failures:
        print("FEJL: requests that did not answer 200:", *failures[:10], sep="\n  ")
    if grows:
        print("FEJL: the query count grows with the municipality:", *grows, sep="\n  ")
    else:
        print(
            f"OK: the same number of queries per page for {small} and {large} children "
            "(no query per row)."
        )
    if not args.keep:
        connection.close()
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return 1 if grows or failures else 0


if __name__ == "__main__":
    sys.exit(main())
