"""Child list and child page: queries and server time, small municipality against large.

    PYTHONPATH=src .venv/bin/python benchmarks/children_bench.py [--children 60000]

Creates a fresh SQLite database in a temporary directory, migrates it, generates the demo
municipality (Sporby Kommune, ``--children`` children, with ``manage.py spor_demo``) and a
small baseline municipality (Kommune 101, ``--baseline`` children) in the same database,
then, logged in as each municipality's PPR-leder with Django's test client, requests the
child list (several pages), a name search and ~50 child pages, and measures the number of
SQL queries and the server time of every request. Prints a table side by side and exits
with status 1 if a page needs more queries in the large municipality than in the small one
(a query count that grows with the rows is an N+1).
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
    parser.add_argument("--requests", type=int, default=50, help="child pages per municipality")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="spor-bench-"))
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

    from spor.accounts.models import User
    from spor.registry import demo
    from spor.registry.models import Child

    settings.ALLOWED_HOSTS.append("testserver")
    print(f"Database: {db_path}", flush=True)
    call_command("migrate", verbosity=0)

    t0 = time.perf_counter()
    call_command(
        "spor_demo", children=args.children, seed=args.seed, stdout=io.StringIO(), verbosity=0
    )
    large_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    spec = demo.MunicipalitySpec("101", "Kommune 101", args.baseline, "k101-")
    with transaction.atomic():
        plan = demo.plan_municipality(spec, seed=args.seed + 1, today=timezone.localdate())
        demo.write_municipality(plan, password_hash=User.objects.get(username="leder").password)
    small_seconds = time.perf_counter() - t0
    print(
        f"Generated {args.children:,} children in {large_seconds:.1f} s "
        f"({args.children / large_seconds:,.0f}/s, incl. the 'admin' password hash); "
        f"{args.baseline:,} children in {small_seconds:.1f} s.",
        flush=True,
    )

    rng = random.Random(args.seed)
    # (page, municipality label) -> list of (queries, ms)
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

    sizes = [(f"{args.baseline:,}", "k101-leder", "101"), (f"{args.children:,}", "leder", "999")]
    for label, username, code in sizes:
        client = Client()
        client.force_login(User.objects.get(username=username))
        children = list(
            Child.objects.filter(municipality__code=code).values_list(
                "id", "first_name", "last_name"
            )
        )
        pages = -(-len(children) // 50)
        client.get("/boern/")  # warm-up: templates, caches
        client.get(f"/boern/{children[0][0]}/")
        for _ in range(args.requests // 2):
            measure(client, label, "/boern/ (side 1)", "/boern/")
        for _ in range(args.requests):
            side = rng.choice([2, 3, pages // 2, pages - 1, pages])
            measure(client, label, "/boern/?side=N", f"/boern/?side={max(side, 1)}")
        for _ in range(args.requests // 2):
            _, first, last = rng.choice(children)
            measure(client, label, "/boern/?q=fornavn efternavn", f"/boern/?q={first} {last}")
        for _ in range(args.requests // 2):
            _, _, last = rng.choice(children)
            measure(client, label, "/boern/?q=efternavn", f"/boern/?q={last.split()[-1]}")
        for child_id, _, _ in rng.sample(children, min(args.requests, len(children))):
            measure(client, label, "/boern/<id>/", f"/boern/{child_id}/")

    small, large = sizes[0][0], sizes[1][0]
    header = f"{'side':<30} {'børn':>8} {'queries':>9} {'p50 ms':>8} {'p95 ms':>8} {'n':>4}"
    print()
    print(header)
    print("-" * len(header))
    grows: list[str] = []
    for page in dict.fromkeys(p for p, _ in results):
        spans = {}
        for label in (small, large):
            rows = results[(page, label)]
            queries = [q for q, _ in rows]
            ms = [t for _, t in rows]
            spans[label] = (min(queries), max(queries))
            span = (
                f"{min(queries)}"
                if min(queries) == max(queries)
                else f"{min(queries)}–{max(queries)}"
            )
            print(
                f"{page:<30} {label:>8} {span:>9} {statistics.median(ms):>8.1f} "
                f"{percentile(ms, 95):>8.1f} {len(rows):>4}"
            )
        if spans[large][1] > spans[small][1]:
            grows.append(f"{page}: {spans[small]} → {spans[large]}")
    print()
    if failures:
        print("FEJL: requests that did not answer 200:", *failures[:10], sep="\n  ")
    if grows:
        print("FEJL: the query count grows with the number of children:", *grows, sep="\n  ")
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
