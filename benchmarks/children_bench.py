"""Child list and child page: queries and server time, small municipality against large.

    PYTHONPATH=src .venv/bin/python benchmarks/children_bench.py [--children 60000]

Creates a fresh SQLite database in a temporary directory, migrates it, generates the demo
municipality (Sporby Kommune, ``--children`` children, with ``manage.py spor_demo``) and a
small baseline municipality (Kommune 101, ``--baseline`` children) in the same database,
then, logged in as each municipality's PPR-leder with Django's test client, requests the
child list (the first page, and deep ones by the key their "Næste" links carry), a name
search and ~50 child pages, the two municipalities' requests alternating, and measures the
number of SQL queries and the server time of every request. Prints a table side by side and
exits with status 1 if a page needs more queries in the large municipality than in the small
one (a query count that grows with the rows is an N+1).
"""

from __future__ import annotations

import random
import sys

import _harness


def main() -> int:
    args = _harness.parse_args(__doc__, requests=50, requests_help="child pages per municipality")
    tmp = _harness.start("spor-bench-", args)

    from django.test import Client

    from spor.accounts.models import User
    from spor.registry.models import Child

    large_seconds, _, small_seconds = _harness.generate(args)
    if large_seconds:
        print(
            f"Generated {args.children:,} children in {large_seconds:.1f} s "
            f"({args.children / large_seconds:,.0f}/s, incl. the 'admin' password hash); "
            f"{args.baseline:,} children in {small_seconds:.1f} s.",
            flush=True,
        )

    rng = random.Random(args.seed)
    recorder = _harness.Recorder()
    measure = recorder.measure

    sizes = _harness.sizes(args)
    # Each size's requests are drawn first, then sent alternately (one of the small
    # municipality, one of the large, page by page), so that both sizes meet the same
    # machine: measured one size after the other, a change in the machine's other work
    # between the halves moved a page's ratio by +-0.4 (docs/scaling.md).
    todo: dict[str, tuple[Client, list[tuple[str, str]]]] = {}
    for label, prefix, code in sizes:
        client = Client()
        client.force_login(User.objects.get(username=f"{prefix}leder"))
        children = list(
            Child.objects.filter(municipality__code=code).values_list(
                "id", "first_name", "last_name"
            )
        )
        pages = -(-len(children) // 50)
        client.get("/boern/")  # warm-up: templates, caches
        client.get(f"/boern/{children[0][0]}/")
        wanted: list[tuple[str, str]] = []
        for _ in range(args.requests // 2):
            wanted.append(("/boern/ (side 1)", "/boern/"))
        # A deep page as the list's "Næste" link gives it: the key of the previous page's
        # last child (registry.selectors.children_page), read from there along the index.
        ordered = list(
            Child.objects.filter(municipality__code=code)
            .order_by("last_name", "first_name", "id")
            .values_list("id", flat=True)
        )
        for _ in range(args.requests):
            side = max(2, rng.choice([2, 3, pages // 2, pages - 1, pages]))
            key = ordered[(side - 1) * 50 - 1]
            wanted.append(("/boern/?efter=…&side=N", f"/boern/?efter={key}&side={side}"))
        for _ in range(args.requests // 2):
            _, first, last = rng.choice(children)
            wanted.append(("/boern/?q=fornavn efternavn", f"/boern/?q={first} {last}"))
        for _ in range(args.requests // 2):
            _, _, last = rng.choice(children)
            wanted.append(("/boern/?q=efternavn", f"/boern/?q={last.split()[-1]}"))
        for child_id, _, _ in rng.sample(children, min(args.requests, len(children))):
            wanted.append(("/boern/<id>/", f"/boern/{child_id}/"))
        todo[label] = (client, wanted)
    by_page: dict[str, dict[str, list[str]]] = {}
    for label, (_, wanted) in todo.items():
        for page, url in wanted:
            by_page.setdefault(page, {}).setdefault(label, []).append(url)
    for page, urls in by_page.items():
        for i in range(max(len(u) for u in urls.values())):
            for label, (client, _) in todo.items():
                if i < len(urls.get(label, [])):
                    measure(client, label, page, urls[label][i])

    ok = recorder.report(
        sizes[0][0],
        sizes[1][0],
        width=30,
        goal_ms=args.goal_ms,
        goal_ratio=args.goal_ratio,
        database=_harness.database_label(),
    )
    _harness.finish(tmp, keep=args.keep)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
