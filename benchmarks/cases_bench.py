"""Case list and case page: queries and server time, small municipality against large.

    PYTHONPATH=src .venv/bin/python benchmarks/cases_bench.py [--children 60000]

Creates a fresh SQLite database in a temporary directory, migrates it, generates the demo
municipality (Sporby Kommune, ``--children`` children, with ``manage.py spor_demo``) and a
small baseline municipality (Kommune 101, ``--baseline`` children) in the same database,
and gives each the demo catalogue and ~300 cases (``spor.demo.cases.generate``, unless the
demo command made them already). Then, logged in as each municipality's first PPR
psychologist (need to know: the cases they are on) and as the PPR-leder (all cases), it
requests the case lists, the case pages and the "iværksæt indsats" page with its
suggestions, the two municipalities' requests in turn (one in the small, one in the large),
and measures the number of SQL queries and the server time of every request.
Prints a table side by side and exits with status 1 if a page needs more queries in the
large municipality than in the small one (a query count that grows with the rows is an N+1).
"""

from __future__ import annotations

import random
import sys
import time

import _harness


def main() -> int:
    args = _harness.parse_args(
        __doc__, requests=20, requests_help="requests of each page per municipality"
    )
    tmp = _harness.start("spor-cases-bench-", args)

    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from spor.accounts.models import Membership, User
    from spor.cases.models import Case, CaseMember
    from spor.demo import cases as cases_demo
    from spor.tenancy.models import Municipality

    today = timezone.localdate()
    large_seconds, _, small_seconds = _harness.generate(args)

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
    recorder = _harness.Recorder()
    measure = recorder.measure

    # Each size's requests are drawn first, then sent in turn (one in the small
    # municipality, one in the large), so that neither side gets the fresher process or the
    # quieter minute.
    sizes = _harness.sizes(args)
    plans: list[list[tuple[Client, str, str]]] = []
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
            recorder.failures.append(f"{label}: {worker.username} is on no case")
            continue
        print(
            f"{label} children: {worker.username} is on {len(mine)} of {len(every)} cases",
            flush=True,
        )
        client = Client()
        client.force_login(worker)
        client.get("/forloeb/")  # warm-up: templates, caches
        client.get(f"/forloeb/{mine[0]}/")
        boss = Client()
        boss.force_login(lead)
        boss.get("/forloeb/?vis=alle&lukkede=1")  # warm-up, as the PPR's lists above
        plan: list[tuple[Client, str, str]] = []
        for _ in range(args.requests):
            plan.append((client, "/forloeb/ (PPR, mine)", "/forloeb/"))
            plan.append((client, "/forloeb/?lukkede=1 (PPR)", "/forloeb/?lukkede=1"))
        for _ in range(args.requests):
            plan.append((client, "/forloeb/<id>/ (PPR)", f"/forloeb/{rng.choice(mine)}/"))
        for _ in range(args.requests):
            case_id = rng.choice(mine)
            plan.append((client, "/forloeb/<id>/indsatser/", f"/forloeb/{case_id}/indsatser/"))
        for _ in range(args.requests):
            side = rng.choice([1, 2, 3])
            plan.append(
                (
                    boss,
                    "/forloeb/?vis=alle&side=N (leder)",
                    f"/forloeb/?vis=alle&lukkede=1&side={side}",
                )
            )
        for _ in range(args.requests):
            # The last page: OFFSET over all of the municipality's cases (get_page gives
            # the last for a number past it).
            plan.append(
                (
                    boss,
                    "/forloeb/?vis=alle&side=sidste (leder)",
                    "/forloeb/?vis=alle&lukkede=1&side=99999",
                )
            )
        for _ in range(args.requests):
            plan.append((boss, "/forloeb/<id>/ (leder)", f"/forloeb/{rng.choice(every)}/"))
        plans.append(plan)
    if len(plans) == len(sizes):
        for steps in zip(*plans, strict=True):
            for (label, _, _), (who, page, url) in zip(sizes, steps, strict=True):
                measure(who, label, page, url)

    ok = recorder.report(
        sizes[0][0],
        sizes[1][0],
        width=36,
        grows_with="the municipality",
        goal_ms=args.goal_ms,
        goal_ratio=args.goal_ratio,
        database=_harness.database_label(),
    )
    _harness.finish(tmp, keep=args.keep)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
