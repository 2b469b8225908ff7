"""Trivselsvurdering: queries and server time of the PPR overview and the rating grid,
small municipality against large.

    PYTHONPATH=src .venv/bin/python benchmarks/screening_bench.py [--children 60000]

Creates a fresh SQLite database in a temporary directory, migrates it, generates the demo
municipality (Sporby Kommune, ``--children`` children, with ``manage.py spor_demo``, which
also makes its screening rounds with ``spor.screening.demo.generate``) and a small
baseline municipality (Kommune 101, ``--baseline`` children, screening made the same
way), then requests, with Django's test client, as the PPR-leder: the overview of the
open round, an institution's overview and the follow-up list; as a teacher of a rated
group: the grid (team agreement) and saving one row as you go. Prints the number of SQL
queries and p50/p95 server time per page, and exits with status 1 if a page needs more
queries in the large municipality than in the small one, or if a page's p95 in the large
municipality is over the goal (``--goal-ms``, 100 ms).
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
    parser.add_argument("--requests", type=int, default=40, help="requests per page")
    parser.add_argument("--goal-ms", type=float, default=100.0, help="p95 goal per page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="spor-screening-bench-"))
    db_path = tmp / "bench.sqlite3"
    os.environ["SPOR_DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
    os.environ.setdefault("SPOR_LOG_LEVEL", "WARNING")

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from spor.accounts.models import GroupAssignment, User
    from spor.registry import demo
    from spor.screening import demo as screening_demo
    from spor.screening.models import Assessment, ScreeningRound

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
        small_muni, _ = demo.write_municipality(
            plan, password_hash=User.objects.get(username="leder").password
        )
    t1 = time.perf_counter()
    screening_demo.generate(small_muni, rng=random.Random(args.seed), today=timezone.localdate())
    small_seconds = time.perf_counter() - t0
    print(
        f"Generated {args.children:,} children with screening in {large_seconds:.1f} s; "
        f"{args.baseline:,} children in {small_seconds:.1f} s "
        f"(of which screening {time.perf_counter() - t1:.1f} s).",
        flush=True,
    )

    rng = random.Random(args.seed)
    results: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    failures: list[str] = []

    def measure(client: Client, label: str, page: str, url: str, data=None) -> None:  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            if data is None:
                response = client.get(url)
            else:
                response = client.post(url, data, HTTP_HX_REQUEST="true")
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or (data is not None and b"Gemt" not in response.content):
            failures.append(f"{label} {url}: HTTP {response.status_code}")
        results[(page, label)].append((len(ctx.captured_queries), elapsed))

    sizes = [(f"{args.baseline:,}", "k101-leder", "101"), (f"{args.children:,}", "leder", "999")]
    for label, username, code in sizes:
        lead = Client()
        lead.force_login(User.objects.get(username=username))
        current = ScreeningRound.objects.get(municipality__code=code, status="aaben")
        counts = {
            k: v
            for k, v in Assessment.objects.filter(round__municipality__code=code)
            .values_list("is_agreement")
            .annotate(n=Count("id"))
        }
        print(
            f"  {label} children: {counts.get(True, 0):,} agreed and {counts.get(False, 0):,} "
            f"own ratings in {ScreeningRound.objects.filter(municipality__code=code).count()} "
            "rounds",
            flush=True,
        )
        institutions = list(
            current.groups.values_list("group__institution_id", flat=True).distinct()
        )
        # The biggest rated group of the open round, and a teacher of it.
        group_id = (
            Assessment.objects.filter(round=current, is_agreement=True)
            .values("group_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("group_id", flat=True)
            .first()
        )
        teacher = (
            GroupAssignment.objects.filter(group_id=group_id, membership__role="paedagogisk")
            .select_related("membership__user")
            .first()
        )
        assert teacher is not None
        staff = Client()
        staff.force_login(teacher.membership.user)
        grid = f"/trivsel/{current.pk}/gruppe/{group_id}/"
        child_id, ratings = (
            Assessment.objects.filter(round=current, group_id=group_id, is_agreement=True)
            .values_list("child_id", "ratings")
            .first()
        )  # type: ignore[misc]

        overview = f"/trivsel/{current.pk}/"
        lead.get(overview)  # warm-up: templates, caches
        staff.get(grid)
        for _ in range(args.requests):
            measure(lead, label, "PPR-overblik (runde)", overview)
        for _ in range(args.requests):
            inst = rng.choice(institutions)
            measure(
                lead, label, "institution i runde", f"/trivsel/{current.pk}/institution/{inst}/"
            )
        for _ in range(args.requests):
            measure(lead, label, "opfølgningsliste", f"/trivsel/{current.pk}/opfoelgning/")
        for _ in range(args.requests):
            measure(staff, label, "gitter (fælles vurdering)", grid + "?vurdering=faelles")
        for i in range(args.requests):
            data = {f"r-{child_id}-{k}": v for k, v in ratings.items()}
            data[f"r-{child_id}-trivsel"] = ["groen", "gul"][i % 2]
            data.update({"handling": "raekke", "barn": str(child_id), "vurdering": "faelles"})
            measure(staff, label, "gem en række (htmx)", grid, data)

    small, large = sizes[0][0], sizes[1][0]
    header = f"{'side':<28} {'børn':>8} {'queries':>9} {'p50 ms':>8} {'p95 ms':>8} {'n':>4}"
    print()
    print(header)
    print("-" * len(header))
    grows: list[str] = []
    slow: list[str] = []
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
            p95 = percentile(ms, 95)
            print(
                f"{page:<28} {label:>8} {span:>9} {statistics.median(ms):>8.1f} "
                f"{p95:>8.1f} {len(rows):>4}"
            )
            if label == large and p95 > args.goal_ms:
                slow.append(f"{page}: p95 {p95:.0f} ms")
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
    if slow:
        print(f"OBS: over the goal of p95 ≤ {args.goal_ms:.0f} ms:", *slow, sep="\n  ")
    else:
        print(f"OK: every page has p95 ≤ {args.goal_ms:.0f} ms at {large} children.")
    if not args.keep:
        connection.close()
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return 1 if grows or failures or slow else 0


if __name__ == "__main__":
    sys.exit(main())
