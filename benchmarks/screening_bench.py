"""Trivselsvurdering: queries and server time of the PPR overview and the rating grid,
small municipality against large.

    PYTHONPATH=src .venv/bin/python benchmarks/screening_bench.py [--children 60000]

Creates a fresh SQLite database in a temporary directory, migrates it, generates the demo
municipality (Sporby Kommune, ``--children`` children, with ``manage.py spor_demo``, which
also makes its screening rounds with ``spor.demo.screening.generate``) and a small
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
import random
import sys
import time

import _harness


def _goal_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--goal-ms", type=float, default=100.0, help="p95 goal per page")


def main() -> int:
    args = _harness.parse_args(
        __doc__, requests=40, requests_help="requests per page", extra=_goal_option
    )
    tmp = _harness.start("spor-screening-bench-")

    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from spor.accounts.models import GroupAssignment, User
    from spor.demo import screening as screening_demo
    from spor.screening.models import Assessment, ScreeningRound

    large_seconds, small_muni, small_seconds = _harness.generate(args)
    t1 = time.perf_counter()
    screening_demo.generate(small_muni, rng=random.Random(args.seed), today=timezone.localdate())
    screening_seconds = time.perf_counter() - t1
    print(
        f"Generated {args.children:,} children with screening in {large_seconds:.1f} s; "
        f"{args.baseline:,} children in {small_seconds + screening_seconds:.1f} s "
        f"(of which screening {screening_seconds:.1f} s).",
        flush=True,
    )

    rng = random.Random(args.seed)
    recorder = _harness.Recorder()
    measure = recorder.measure

    sizes = _harness.sizes(args)
    for label, prefix, code in sizes:
        lead = Client()
        lead.force_login(User.objects.get(username=f"{prefix}leder"))
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
            measure(
                staff,
                label,
                "gem en række (htmx)",
                grid,
                data,
                headers={"HX-Request": "true"},
                expect=b"Gemt",
            )

    ok = recorder.report(sizes[0][0], sizes[1][0], width=28, goal_ms=args.goal_ms)
    _harness.finish(tmp, keep=args.keep)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
