"""What the page benchmarks share: options, a fresh database, the demo data, measuring and
the side-by-side table.

The benchmarks are run as scripts (``PYTHONPATH=src .venv/bin/python benchmarks/x.py``), so
this directory is first on ``sys.path`` and they import this module as ``import _harness``.
Nothing here imports Django at module level: ``SPOR_DATABASE_URL`` must be set before
``django.setup()`` (see :func:`start`).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.test import Client

    from spor.tenancy.models import Municipality

LARGE_CODE = "999"  # Sporby Kommune, made by ``manage.py spor_demo``
SMALL_CODE = "101"  # Kommune 101, the baseline
SMALL_PREFIX = "k101-"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def parse_args(
    doc: str,
    *,
    requests: int,
    requests_help: str,
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """``--children``, ``--baseline``, ``--requests``, the script's own options (``extra``),
    ``--seed`` and ``--keep``; the description is the first paragraph of ``doc``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=60_000, help="the large municipality")
    parser.add_argument("--baseline", type=int, default=2_000, help="the small municipality")
    parser.add_argument("--requests", type=int, default=requests, help=requests_help)
    if extra is not None:
        extra(parser)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    return parser.parse_args()


def start(prefix: str) -> Path:
    """Point Spor at a new SQLite database in a temporary directory, set Django up and
    migrate. Returns the directory (for :func:`finish`)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    db_path = tmp / "bench.sqlite3"
    os.environ["SPOR_DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
    os.environ.setdefault("SPOR_LOG_LEVEL", "WARNING")

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS.append("testserver")
    print(f"Database: {db_path}", flush=True)
    call_command("migrate", verbosity=0)
    return tmp


def generate(args: argparse.Namespace) -> tuple[float, Municipality, float]:
    """The demo municipality (``--children``, with ``manage.py spor_demo``) and the baseline
    (``--baseline`` children, same password hash). Returns (seconds for the large one, the
    baseline municipality, seconds for the baseline)."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from spor.accounts.models import User
    from spor.demo import registry as demo

    t0 = time.perf_counter()
    call_command(
        "spor_demo", children=args.children, seed=args.seed, stdout=io.StringIO(), verbosity=0
    )
    large_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    spec = demo.MunicipalitySpec(SMALL_CODE, "Kommune 101", args.baseline, SMALL_PREFIX)
    with transaction.atomic():
        plan = demo.plan_municipality(spec, seed=args.seed + 1, today=timezone.localdate())
        small_muni, _ = demo.write_municipality(
            plan, password_hash=User.objects.get(username="leder").password
        )
    return large_seconds, small_muni, time.perf_counter() - t0


def sizes(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """(label, username prefix, municipality code): the baseline first, then the large one."""
    return [
        (f"{args.baseline:,}", SMALL_PREFIX, SMALL_CODE),
        (f"{args.children:,}", "", LARGE_CODE),
    ]


@dataclass
class Recorder:
    """Number of SQL queries and server time (ms) per (page, municipality label)."""

    results: dict[tuple[str, str], list[tuple[int, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    failures: list[str] = field(default_factory=list)

    def measure(
        self,
        client: Client,
        label: str,
        page: str,
        url: str,
        data: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        expect: bytes | None = None,
    ) -> None:
        """GET ``url`` (POST ``data`` with ``headers`` if given); a failure unless it answers
        200 and, if ``expect``, its body contains it."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url) if data is None else client.post(url, data, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or (expect is not None and expect not in response.content):
            self.failures.append(f"{label} {url}: HTTP {response.status_code}")
        self.results[(page, label)].append((len(ctx.captured_queries), elapsed))

    def report(
        self,
        small: str,
        large: str,
        *,
        width: int,
        grows_with: str = "the number of children",
        goal_ms: float | None = None,
    ) -> bool:
        """Print the table (per page: the small, then the large municipality) and the
        verdicts. True if all is well: every request answered, no page needs more queries
        in the large municipality, and (with ``goal_ms``) every page's p95 there is within
        the goal."""
        header = (
            f"{'side':<{width}} {'børn':>8} {'queries':>9} {'p50 ms':>8} {'p95 ms':>8} {'n':>4}"
        )
        print()
        print(header)
        print("-" * len(header))
        grows: list[str] = []
        slow: list[str] = []
        for page in dict.fromkeys(p for p, _ in self.results):
            spans = {}
            for label in (small, large):
                rows = self.results.get((page, label), [])
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
                p95 = percentile(ms, 95)
                print(
                    f"{page:<{width}} {label:>8} {span:>9} {statistics.median(ms):>8.1f} "
                    f"{p95:>8.1f} {len(rows):>4}"
                )
                if goal_ms is not None and label == large and p95 > goal_ms:
                    slow.append(f"{page}: p95 {p95:.0f} ms")
            if small in spans and large in spans and spans[large][1] > spans[small][1]:
                grows.append(f"{page}: {spans[small]} → {spans[large]}")
        print()
        if self.failures:
            print("FEJL: requests that did not answer 200:", *self.failures[:10], sep="\n  ")
        if grows:
            print(f"FEJL: the query count grows with {grows_with}:", *grows, sep="\n  ")
        else:
            print(
                f"OK: the same number of queries per page for {small} and {large} children "
                "(no query per row)."
            )
        if goal_ms is not None:
            if slow:
                print(f"OBS: over the goal of p95 ≤ {goal_ms:.0f} ms:", *slow, sep="\n  ")
            else:
                print(f"OK: every page has p95 ≤ {goal_ms:.0f} ms at {large} children.")
        return not (grows or self.failures or slow)


def finish(tmp: Path, *, keep: bool) -> None:
    """Close the connection and remove the database directory, unless ``keep``."""
    if keep:
        return
    from django.db import connection

    connection.close()
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
