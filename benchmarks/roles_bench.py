"""Every role's lists and start page: queries and server time, small municipality against
large, requested in turn (one request in the small, one in the large) so that both see the
same machine.

    PYTHONPATH=src .venv/bin/python benchmarks/roles_bench.py [--children 60000]
        [--baseline 1000] [--database-url postgres://spor:spor@host/db
        --owner-database-url postgres://spor_owner:spor_owner@host/db] [--reuse]

Generates the demo municipality (Sporby Kommune, ``--children`` children, with ``manage.py
spor_demo`` and its whole loop: screening rounds, concerns, cases, measurements) and a small
baseline municipality (Kommune 101, ``--baseline`` children, the same loop) in one database,
then logs in as each role's first demo user with an open case and an open concern, in both
(PPR-leder, psykolog, tale-hørekonsulent, lærer, pædagog, sundhedsplejerske,
socialrådgiver), and requests the pages that person works from: the start page, the child
list, the concern lists, a concern's page, the new-concern page, the case lists, the
new-case page, the screening rounds, the institutions and the transitions. Prints queries
and p50/p95 per page and municipality, and the large one's p50 as a multiple of the small
one's.

Goals (issue #18): every page's p95 in the large municipality ≤ 100 ms (``--goal-ms``), its
p50 ≤ 1.5× the small one's (``--goal-ratio``), and the same number of queries in both. Exits
with status 1 if one is missed. With ``SPOR_BENCH_RESULTS`` set, reports one figure per page
(``_results.py``).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import _harness

if TYPE_CHECKING:
    from spor.accounts.models import User

# (role label, demo username stem, pages). The stems are the registry demo's (leder,
# psykolog1 …); the small municipality's have the prefix k101-.
ROLES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "leder",
        "leder",
        [
            ("start", "/"),
            ("børn", "/boern/"),
            ("børn side 40", "/boern/?side=40"),
            ("bekymringer (mine)", "/bekymringer/"),
            ("bekymringer (alle)", "/bekymringer/?vis=alle"),
            ("bekymringer (alle, lukkede)", "/bekymringer/?vis=alle&lukkede=1"),
            ("forfaldne bekymringer", "/bekymringer/forfaldne/"),
            ("forfaldne pr. person", "/bekymringer/forfaldne/personer/"),
            ("forfaldne pr. enhed", "/bekymringer/forfaldne/enheder/"),
            ("bekymring (side)", "{concern}"),
            ("forløb (mine)", "/forloeb/"),
            ("forløb (alle)", "/forloeb/?vis=alle"),
            ("nyt forløb", "/forloeb/nyt/"),
            ("forløb (alle, lukkede)", "/forloeb/?vis=alle&lukkede=1"),
            ("trivselsrunder", "/trivsel/"),
            ("institutioner", "/institutioner/"),
            ("overgange", "/overgange/"),
            ("notifikationer", "/notifikationer/"),
        ],
    ),
    (
        "psykolog",
        "psykolog1",
        [
            ("start", "/"),
            ("børn", "/boern/"),
            ("bekymringer (mine)", "/bekymringer/"),
            ("bekymring (side)", "{concern}"),
            ("forløb (mine)", "/forloeb/"),
            ("forløb (mine, lukkede)", "/forloeb/?lukkede=1"),
            ("nyt forløb", "/forloeb/nyt/"),
            ("trivselsrunder", "/trivsel/"),
        ],
    ),
    (
        "talehørekonsulent",
        "talehoere1",
        [
            ("start", "/"),
            ("forløb (mine)", "/forloeb/"),
            ("bekymringer (mine)", "/bekymringer/"),
        ],
    ),
    (
        "lærer",
        "laerer1",
        [
            ("start", "/"),
            ("børn", "/boern/"),
            ("børn, søgning", "/boern/?q=a"),
            ("bekymringer (mine)", "/bekymringer/"),
            ("bekymringer (alle)", "/bekymringer/?vis=alle&lukkede=1"),
            ("bekymring (side)", "{concern}"),
            ("ny bekymring", "/bekymringer/ny/"),
            ("forløb (mine)", "/forloeb/"),
            ("trivselsrunder", "/trivsel/"),
            ("institutioner", "/institutioner/"),
        ],
    ),
    (
        "pædagog",
        "paedagog1",
        [
            ("start", "/"),
            ("børn", "/boern/"),
            ("bekymringer (alle)", "/bekymringer/?vis=alle&lukkede=1"),
            ("trivselsrunder", "/trivsel/"),
        ],
    ),
    (
        "sundhedsplejerske",
        "sundhedsplejerske1",
        [
            ("start", "/"),
            ("børn", "/boern/"),
            ("bekymringer (mine)", "/bekymringer/"),
            ("forløb (mine)", "/forloeb/"),
            ("forløb (mine, lukkede)", "/forloeb/?lukkede=1"),
        ],
    ),
    (
        "socialrådgiver",
        "socialraadgiver1",
        [
            ("start", "/"),
            ("børn", "/boern/"),
            ("bekymringer (mine)", "/bekymringer/"),
            ("forløb (mine)", "/forloeb/"),
        ],
    ),
]


def _person(username: str) -> User:
    """The demo user ``username`` (``psykolog1``), or, if that one has no open case or no
    open concern to see, the first of the same kind (``psykolog2`` …) who has both: a page
    with rows in both municipalities, so that an empty list (fewer queries) on one side
    does not pass for a difference of size."""
    import re

    from spor.accounts.access import Actor
    from spor.accounts.models import Membership, User
    from spor.cases import selectors as cases
    from spor.concerns import selectors as concerns

    stem = re.sub(r"\d+$", "", username)
    if stem == username:
        return User.objects.get(username=username)
    candidates = sorted(
        User.objects.filter(username__regex=rf"^{re.escape(stem)}[0-9]+$"),
        key=lambda u: (u.username != username, int(u.username[len(stem) :])),
    )
    for user in candidates[:200]:
        membership = Membership.objects.select_related("municipality").get(user=user)
        actor = Actor(user=user, membership=membership)
        if (
            concerns.open_concerns(concerns.concerns_for(actor)).exists()
            and cases.case_list(cases.cases_for(actor)).exists()
        ):
            return user
    return User.objects.get(username=username)


def main() -> int:
    args = _harness.parse_args(
        __doc__,
        requests=30,
        requests_help="requests per page and size",
        extra=lambda parser: parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="TEXT",
            help="measure only the pages whose 'role: page' name contains TEXT (repeatable)",
        ),
    )
    tmp = _harness.start("spor-roles-bench-", args)

    from django.db.models import Case, Q, When
    from django.test import Client

    from spor.accounts.models import Membership
    from spor.concerns.models import Concern, State

    large_seconds, _, small_seconds = _harness.generate(args)
    print(
        f"Generated {args.children:,} children with the loop in {large_seconds:.1f} s; "
        f"{args.baseline:,} in {small_seconds:.1f} s.",
        flush=True,
    )
    database = _harness.database_label()
    recorder = _harness.Recorder()
    sizes = _harness.sizes(args)
    started = time.perf_counter()
    for role, stem, all_pages in ROLES:
        pages = [
            (page, url)
            for page, url in all_pages
            if not args.only or any(text in f"{role}: {page}" for text in args.only)
        ]
        if not pages:
            continue
        clients = []
        for label, prefix, _code in sizes:
            user = _person(f"{prefix}{stem}")
            membership = Membership.objects.get(user=user)
            # "{concern}": the newest open concern about a child that the person raised or
            # follows up (else the newest of any kind), so that both sizes show the same kind
            # of page: a closed concern's page has no forms, a group's no access log.
            concern = (
                Concern.objects.filter(
                    Q(raised_by=membership) | Q(responsible=membership),
                    municipality_id=membership.municipality_id,
                )
                .order_by(
                    Case(When(state=State.CLOSED, then=1), default=0),
                    Case(When(child__isnull=True, then=1), default=0),
                    "-pk",
                )
                .values_list("pk", flat=True)
                .first()
            )
            urls = [
                (page, url.format(concern=f"/bekymringer/{concern}/"))
                for page, url in pages
                if concern is not None or "{concern}" not in url
            ]
            client = Client()
            client.force_login(user)
            for _, url in urls:  # warm-up: templates, caches
                client.get(url)
            clients.append((label, client, dict(urls)))
        for _ in range(args.requests):
            for page, _ in pages:
                for label, client, urls in clients:
                    if page in urls:
                        recorder.measure(client, label, f"{role}: {page}", urls[page])
    print(f"Measured in {time.perf_counter() - started:.0f} s on {database}.", flush=True)

    ok = recorder.report(
        sizes[0][0],
        sizes[1][0],
        width=44,
        grows_with="the municipality",
        goal_ms=args.goal_ms,
        goal_ratio=args.goal_ratio,
        database=database,
    )
    _harness.finish(tmp, keep=args.keep)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
