"""Trivselsvurdering: queries and server time of the PPR overview and the rating grid,
small municipality against large.

    PYTHONPATH=src .venv/bin/python benchmarks/screening_bench.py [--children 60000]

Creates a fresh SQLite database in a temporary directory, migrates it, generates the demo
municipality (Sporby Kommune, ``--children`` children, with ``manage.py spor_demo``, which
also makes its screening rounds with ``spor.demo.screening.generate``) and a small
baseline municipality (Kommune 101, ``--baseline`` children, screening made the same
way), then requests, with Django's test client, as the PPR-leder: the overview of the
open round, an institution's overview and the follow-up list; as a teacher of a rated
class of 22: the grid (team agreement) and saving one row as you go. Prints the number of SQL
queries and p50/p95 server time per page, and exits with status 1 if a page needs more
queries in the large municipality than in the small one, or if a page's p95 in the large
municipality is over the goal (``--goal-ms``, 100 ms).
"""

from __future__ import annotations

import random
import sys
from typing import Any

import _harness


def main() -> int:
    args = _harness.parse_args(__doc__, requests=40, requests_help="requests per page")
    tmp = _harness.start("spor-screening-bench-", args)

    from django.db.models import Count
    from django.test import Client

    from spor.accounts.models import GroupAssignment, User
    from spor.screening.models import Assessment, ScreeningRound

    large_seconds, _, small_seconds = _harness.generate(args)
    print(
        f"Generated {args.children:,} children with screening in {large_seconds:.1f} s; "
        f"{args.baseline:,} children in {small_seconds:.1f} s.",
        flush=True,
    )

    rng = random.Random(args.seed)
    recorder = _harness.Recorder()
    measure = recorder.measure

    # Each size's requests are drawn first, then sent in turn (one in the small
    # municipality, one in the large), so that neither side gets the fresher process or the
    # quieter minute.
    sizes = _harness.sizes(args)
    plans: list[list[tuple[Client, str, str, dict[str, Any]]]] = []
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
        # A rated group of the open round of a class's size (22: the same in both
        # municipalities, so the grid measures the municipality's size, not the group's),
        # and a teacher of it.
        sizes_of = (
            Assessment.objects.filter(round=current, is_agreement=True)
            .values("group_id")
            .annotate(n=Count("id"))
            .order_by("group_id")
            .values_list("group_id", "n")
        )
        group_id = min(sizes_of, key=lambda gn: (abs(gn[1] - 22), gn[0]))[0]
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
        plan: list[tuple[Client, str, str, dict[str, Any]]] = []
        for _ in range(args.requests):
            plan.append((lead, "PPR-overblik (runde)", overview, {}))
        for _ in range(args.requests):
            inst = rng.choice(institutions)
            plan.append(
                (lead, "institution i runde", f"/trivsel/{current.pk}/institution/{inst}/", {})
            )
        for _ in range(args.requests):
            plan.append((lead, "opfølgningsliste", f"/trivsel/{current.pk}/opfoelgning/", {}))
        for _ in range(args.requests):
            plan.append((staff, "gitter (fælles vurdering)", grid + "?vurdering=faelles", {}))
        for i in range(args.requests):
            data = {f"r-{child_id}-{k}": v for k, v in ratings.items()}
            data[f"r-{child_id}-trivsel"] = ["groen", "gul"][i % 2]
            data.update({"handling": "raekke", "barn": str(child_id), "vurdering": "faelles"})
            plan.append(
                (
                    staff,
                    "gem en række (htmx)",
                    grid,
                    {"data": data, "headers": {"HX-Request": "true"}, "expect": b"Gemt"},
                )
            )
        plans.append(plan)
    for steps in zip(*plans, strict=True):
        for (label, _, _), (who, page, url, extra) in zip(sizes, steps, strict=True):
            measure(who, label, page, url, **extra)

    ok = recorder.report(
        sizes[0][0],
        sizes[1][0],
        width=28,
        goal_ms=args.goal_ms,
        goal_ratio=args.goal_ratio,
        database=_harness.database_label(),
    )
    _harness.finish(tmp, keep=args.keep)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
