"""Evaluation figures on the national synthetic set, against the bare SQL aggregate.

    PYTHONPATH=src .venv/bin/python benchmarks/evaluation_bench.py \
        [--children 1100000] [--municipalities 98] [--pairs 300000] [--database-url URL]
        [--reuse]

Builds the national synthetic set in a fresh database (SQLite in a temporary directory, or
the empty PostgreSQL database of ``--database-url``; with ``--reuse``, a set built before is
used again: SQLite keeps it in ``benchmarks/.cache/``, PostgreSQL in the database):
``manage.py spor_demo`` makes
``--municipalities`` municipalities with ``--children`` children in all, then every
municipality gets the three intervention types and, for a sample of its children in
proportion to its size, a case, a delivery and an SDQ baseline; about four in five get a
follow-up, so that there are about ``--pairs`` before/after pairs.

It then builds the programme's stored evaluation cells (``manage.py spor_outcome_cells``,
``--all`` with ``--build-all``: each municipality's cells kept apart by informant,
intervention, age group and half-year, the job that keeps them; timed) and times, in the
same run and alternating, the evaluation's figures (``figures.compute_cells``: n started and
paired, means, change with its interval, effect sizes, reliable-change categories, band
transitions, subscales, attrition, both charts) against one bare SQL statement over the join
of baselines and follow-ups that computes the sums behind the same numbers (counts, sums and
sums of squares of totals and subscales, grouped by the band transition). For the whole
country (the programme's view) the figures read the stored cells
(``selectors.pooled_cells``: added up in the database, no join); for the largest
municipality (its own page) they read the responses (``selectors.pair_cells_across``), as
that page does. For the whole country it also times the programme evaluator's whole
publication computed afresh (``tables.build`` over the stored cells,
``selectors.programme_cells``, as the evaluator's page reads them: every table protected
together by the disclosure engine, and each row's figures), against 1 s. Prints both medians
and their ratio; the goal is a ratio of at most 2, and for the whole country at most 1 s
(issue #18, goal 5: on PostgreSQL). Exits with status 1 if a goal is missed or the figures
disagree with the aggregate. With ``SPOR_BENCH_RESULTS`` set, reports both figures per scope
(``_results.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import _results

SUBSCALES = ("emotional", "conduct", "hyperactivity", "peer", "prosocial")
PAIRED_SHARE = 0.8
GOAL_RATIO = 2.0
GOAL_NATIONAL_S = 1.0
CACHE = Path(__file__).resolve().parent / ".cache"


def parse_args() -> argparse.Namespace:
    quick = _results.quick()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--children", type=int, default=20_000 if quick else 1_100_000)
    p.add_argument("--municipalities", type=int, default=10 if quick else 98)
    p.add_argument(
        "--pairs", type=int, default=5_000 if quick else 300_000, help="before/after pairs, about"
    )
    p.add_argument("--repeat", type=int, default=5, help="timed runs of each")
    p.add_argument("--database-url", default="", help="an EMPTY PostgreSQL database")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the SQLite file")
    p.add_argument("--reuse", action="store_true", help="use a set built before again")
    p.add_argument(
        "--fast",
        action="store_true",
        help="build in minutes: spor_demo makes the municipalities and their staff with "
        "--demo-children children, and only the measured children (about --pairs / 0.8, "
        "shared out as the demo's municipalities' sizes) are added, directly, with their "
        "cases, deliveries and responses; the unmeasured children of --children are left out "
        "(the figures never read them)",
    )
    p.add_argument("--demo-children", type=int, default=0, help="with --fast (200 each)")
    p.add_argument(
        "--build-all",
        action="store_true",
        help="time the nightly job that builds every municipality's stored cells (without it, "
        "the job for those changed since or never built: all of them in a new set)",
    )
    return p.parse_args()


def setup(args: argparse.Namespace) -> Path | None:
    tmp = None
    if args.database_url:
        os.environ["SPOR_DATABASE_URL"] = args.database_url
    elif args.reuse:
        CACHE.mkdir(exist_ok=True)
        name = f"evaluation-{args.children}-{args.municipalities}-{args.pairs}-{args.seed}"
        name += "-fast" if args.fast else ""
        os.environ["SPOR_DATABASE_URL"] = f"sqlite:///{CACHE / name}.sqlite3"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="spor-evaluation-bench-"))
        os.environ["SPOR_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"Database: {connection.vendor} {os.environ['SPOR_DATABASE_URL']}", flush=True)
    if connection.vendor == "postgresql":
        # The benchmark reads across municipalities, as the system does for the programme:
        # the owner's system switch (docs/tenancy.md), on every connection (spor_demo's
        # owner connection closes the first one).
        from django.db.backends.signals import connection_created

        def system_on(sender: Any, connection: Any, **kwargs: Any) -> None:
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("SET spor.system = 'on'")

        connection_created.connect(system_on, weak=False)
        connection.close()
    call_command("migrate", verbosity=0)
    return tmp


# ----------------------------------------------------------------------------- the data


def _scores(
    total: np.ndarray, rng: np.random.Generator, informant: str
) -> tuple[list[dict[str, Any]], str]:
    """Scores and bands of a vector of totals: the total split over the four difficulty
    subscales (each 0–10), a prosocial score, bands of the default norm set."""
    from spor import sdq

    n = total.size
    parts = rng.dirichlet([2, 2, 3, 1.5], size=n) * total[:, None]
    sub = np.floor(parts).astype(int)
    # Hand out what flooring lost, then move any excess over 10 to the others.
    rest = total - sub.sum(axis=1)
    for i in np.nonzero(rest)[0]:
        for _ in range(int(rest[i])):
            j = int(np.argmin(sub[i]))
            sub[i, j] += 1
    sub = np.minimum(sub, 10)
    total = sub.sum(axis=1)
    prosocial = np.clip(rng.normal(7, 2, n).round(), 0, 10).astype(int)
    ns = sdq.load_norm_set("uk-3band")
    bands: dict[str, np.ndarray] = {}
    values = {"total": total, "prosocial": prosocial}
    values |= {name: sub[:, k] for k, name in enumerate(SUBSCALES[:4])}
    for name, v in values.items():
        idx = sdq.band(v.astype(np.int8), ns, informant=informant, scale=name)
        bands[name] = np.array([ns.codes[i] if i >= 0 else None for i in idx.tolist()])
    out = []
    for i in range(n):
        d: dict[str, Any] = {name: int(values[name][i]) for name in values}
        d |= {f"{name}_band": bands[name][i] for name in values}
        d["norm_set"] = ns.ref
        out.append(d)
    return out, ns.ref


def generate(args: argparse.Namespace) -> tuple[list[int], int]:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from spor.accounts.models import Membership, Role
    from spor.cases.models import (
        Case,
        Delivery,
        DeliveryStatus,
        Intervention,
        InterventionType,
        Level,
        OpenedFrom,
    )
    from spor.evaluation.web.services import outcome_cells_mark_stale
    from spor.measurement.models import Informant, Phase, Response
    from spor.registry.models import Child
    from spor.tenancy.models import Municipality

    # The demo municipality's own loop has some responses: the set is there when the
    # benchmark's own follow-ups are (about --pairs of them).
    if args.reuse and Response.objects.filter(phase=Phase.AFTER).count() >= args.pairs // 2:
        print("Reusing the national set built before.", flush=True)
        ids = list(Municipality.objects.order_by("code").values_list("pk", flat=True))
        return ids, Response.objects.filter(phase=Phase.AFTER).count()
    t0 = time.perf_counter()
    demo_children = args.children
    if args.fast:
        demo_children = args.demo_children or 200 * args.municipalities
    call_command(
        "spor_demo",
        children=demo_children,
        municipalities=args.municipalities,
        seed=args.seed,
        no_progress=True,
        stdout=io.StringIO(),
        verbosity=0,
    )
    print(f"spor_demo: {demo_children:,} children in {time.perf_counter() - t0:.0f} s", flush=True)

    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    today = timezone.localdate()
    started_total = round(args.pairs / PAIRED_SHARE)
    n_pairs = 0
    ids = []
    # Children of an age to be measured (3–17), the pool the sample is drawn from.
    eligible = Child.objects.filter(
        birth_date__lte=today - dt.timedelta(days=3 * 365),
        birth_date__gte=today - dt.timedelta(days=17 * 365),
    )
    pool = eligible.count()
    for muni in Municipality.objects.order_by("code"):
        ids.append(muni.pk)
        children = list(eligible.filter(municipality=muni).values_list("pk", "birth_date"))
        if not children:
            continue
        want = round(started_total * len(children) / pool)
        if args.fast:
            children = _measured_children(muni, want, rng, today)
        want = min(len(children), want)
        chosen = rng.choice(len(children), size=want, replace=False)
        ppr = (
            Membership.objects.filter(municipality=muni, role=Role.PPR).order_by("pk").first()
            or Membership.objects.filter(municipality=muni).order_by("pk").first()
        )
        assert ppr is not None
        with transaction.atomic():
            catalogue = Intervention.objects.filter(municipality=muni)
            ivs = list(catalogue)
            if not ivs:
                ivs = Intervention.objects.bulk_create(
                    Intervention(
                        municipality=muni,
                        name=label,
                        description=label,
                        level=Level.ANTICIPATORY,
                        kind=kind,
                        targets=["barn"],
                        expected_hours=10,
                        expected_weeks=12,
                    )
                    for kind, label in InterventionType.choices
                )
            baseline_days = rng.integers(90, 700, want)
            cases = Case.objects.bulk_create(
                (
                    Case(
                        municipality=muni,
                        child_id=children[j][0],
                        title="Forløb",
                        level=Level.ANTICIPATORY,
                        opened_from=OpenedFrom.DIRECT,
                        opened_on=today - dt.timedelta(days=int(d)),
                        opened_by=ppr,
                    )
                    for j, d in zip(chosen.tolist(), baseline_days.tolist(), strict=True)
                ),
                batch_size=2000,
            )
            deliveries = Delivery.objects.bulk_create(
                (
                    Delivery(
                        municipality=muni,
                        case=c,
                        intervention=ivs[int(k)],
                        start=c.opened_on,
                        status=DeliveryStatus.RUNNING,
                    )
                    for c, k in zip(cases, rng.integers(0, len(ivs), want).tolist(), strict=True)
                ),
                batch_size=2000,
            )
            before = np.clip(rng.normal(17, 6, want).round(), 0, 40).astype(int)
            after = np.clip((before - rng.normal(3.5, 5, want)).round(), 0, 40).astype(int)
            paired = rng.random(want) < PAIRED_SHARE
            n_pairs += int(paired.sum())
            is_parent = rng.random(want) < 0.3
            responses = []
            for phase, totals in ((Phase.BEFORE, before), (Phase.AFTER, after)):
                for parent in (False, True):
                    sel = np.nonzero(is_parent == parent)[0]
                    if phase == Phase.AFTER:
                        sel = sel[paired[sel]]
                    if not sel.size:
                        continue
                    informant = Informant.PARENT if parent else Informant.PROFESSIONAL
                    sdq_informant = "parent" if parent else "teacher"
                    scores, ref = _scores(totals[sel], rng, sdq_informant)
                    for i, sc in zip(sel.tolist(), scores, strict=True):
                        delivery = deliveries[i]
                        born = children[int(chosen[i])][1]
                        age = (delivery.start - born).days // 365
                        form = f"{sdq_informant}-{'2-4' if age < 4 else '4-17'}"
                        day = delivery.start + dt.timedelta(
                            days=0 if phase == Phase.BEFORE else 120
                        )
                        responses.append(
                            Response(
                                municipality=muni,
                                delivery=delivery,
                                phase=phase,
                                informant=informant,
                                form=form,
                                scores=sc,
                                norm_set=ref,
                                entered_by=ppr,
                                answered_at=timezone.make_aware(
                                    dt.datetime.combine(min(day, today), dt.time(12))
                                ),
                            )
                        )
            Response.objects.bulk_create(responses, batch_size=2000)
            # bulk_create goes past the services that mark the stored cells as changed, and
            # spor_demo has built them for its own loop already: marked as a save marks them,
            # or the job would keep the demo's cells and the figures miss these children.
            outcome_cells_mark_stale(municipality_id=muni.pk)
    print(
        f"Measurements: {n_pairs:,} before/after pairs in {len(ids)} municipalities "
        f"in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    return ids, n_pairs


def _measured_children(
    muni: Any, n: int, rng: np.random.Generator, today: dt.date
) -> list[tuple[int, dt.date]]:
    """``--fast``: ``n`` children of 3 to 17 years, written directly (no enrolment, no
    screening): what the figures read of a child is its municipality and birth date. No CPR
    number: a placeholder that is none, and a lookup key unique per child."""
    from spor.registry.models import Child

    ages = rng.integers(3 * 365 + 1, 17 * 365, n).tolist()
    rows = Child.objects.bulk_create(
        (
            Child(
                municipality=muni,
                first_name="Målt",
                last_name=f"Barn {i}",
                birth_date=today - dt.timedelta(days=int(d)),
                sex=Child.Sex.choices[i % 2][0],
                cpr_encrypted="syntetisk",
                cpr_hash=f"syntetisk-{muni.pk}-{i}",
            )
            for i, d in enumerate(ages)
        ),
        batch_size=2000,
    )
    return [(c.pk, c.birth_date) for c in rows]


# ----------------------------------------------------------------------------- the two ways


def bare_sql(municipality_ids: list[int], informant: str) -> list[tuple[Any, ...]]:
    """The sums behind the figures, in one statement over the same join, reading the
    stored score columns the figures read (``measurement_response.score_total`` …)."""
    from django.db import connection

    inner = ["r.score_total AS tb", "p.score_total AS ta"]
    inner += ["r.band_total AS bb", "p.band_total AS ba"]
    for s in SUBSCALES:
        inner += [f"r.score_{s} AS b_{s}", f"p.score_{s} AS a_{s}"]
    outer = [
        "bb",
        "ba",
        "COUNT(*)",
        "COUNT(ta)",
        "SUM(CASE WHEN ta IS NOT NULL THEN tb END)",
        "SUM(ta)",
        "SUM(ta - tb)",
        "SUM((ta - tb) * (ta - tb))",
        "SUM(CASE WHEN ta IS NOT NULL THEN tb * tb END)",
        "SUM(ta * ta)",
    ]
    for s in SUBSCALES:
        both = f"ta IS NOT NULL AND b_{s} IS NOT NULL AND a_{s} IS NOT NULL"
        d = f"(a_{s} - b_{s})"
        outer += [
            f"SUM(CASE WHEN {both} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {both} THEN b_{s} END)",
            f"SUM(CASE WHEN {both} THEN a_{s} END)",
            f"SUM(CASE WHEN {both} THEN {d} END)",
            f"SUM(CASE WHEN {both} THEN {d} * {d} END)",
        ]
    marks = ", ".join(["%s"] * len(municipality_ids))
    sql = f"""
        SELECT {", ".join(outer)} FROM (
            SELECT {", ".join(inner)}
            FROM measurement_response r
            JOIN cases_delivery d ON d.id = r.delivery_id
            JOIN cases_case c ON c.id = d.case_id
            LEFT JOIN measurement_response p
                ON p.delivery_id = r.delivery_id AND p.phase = 'efter' AND p.informant = %s
            WHERE r.municipality_id IN ({marks}) AND r.phase = 'foer' AND r.informant = %s
                AND c.child_id IS NOT NULL
        ) x WHERE tb IS NOT NULL GROUP BY bb, ba
    """  # noqa: S608 - the only interpolated text is this script's own constants
    with connection.cursor() as cur:
        cur.execute(sql, [informant, *municipality_ids, informant])
        return cur.fetchall()


def figures_for(municipality_ids: list[int], *, stored: bool) -> Any:
    """The pooled figures: from the stored cells (the programme's read) or the responses."""
    from spor.evaluation.web import figures, selectors
    from spor.evaluation.web.forms import Filters

    filters = Filters()
    if stored:
        cells = selectors.pooled_cells(municipality_ids, filters.informant).cells
    else:
        cells = selectors.pair_cells_across(municipality_ids, filters)
    return figures.compute_cells(cells, filters)


def build_cells(every: bool) -> float:
    """The job that builds the stored cells of the municipalities changed since (or, with
    ``every``, of all: ``spor_outcome_cells --all``), its seconds."""
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("spor_outcome_cells", *(["--all"] if every else []))
    return time.perf_counter() - t0


def publication_for(municipality_ids: list[int]) -> Any:
    """The evaluator's whole publication over these municipalities, computed afresh: the
    grouped read kept apart by municipality, intervention, age and half-year, every table
    protected together, and the figures of every row (``tables.build``). Afresh as after a
    change to the data: nothing kept in the process, nor the t quantiles it remembers
    (``stats.t_ppf``), since new data give the rows new numbers of pairs."""
    from spor.evaluation import stats
    from spor.evaluation.national import tables
    from spor.evaluation.national.selectors import ProgrammeData
    from spor.evaluation.web import selectors
    from spor.evaluation.web.forms import Filters
    from spor.lib import memo

    memo.clear()
    stats.t_ppf.cache_clear()
    filters = Filters()
    cells = selectors.programme_cells(list(municipality_ids), filters.informant).cells
    data = ProgrammeData(list(municipality_ids), cells, {}, [])
    return tables.build(data, 0, filters), len(cells)


def check(fig: Any, rows: list[tuple[Any, ...]]) -> list[str]:
    """The figures agree with the aggregate: n, means and the change."""
    from spor.evaluation.web.figures import num

    started = sum(r[2] for r in rows)
    paired = sum(r[3] for r in rows)
    problems = []
    if (fig.n_started, fig.n_paired) != (started, paired):
        problems.append(f"n: {fig.n_started}/{fig.n_paired} vs {started}/{paired}")
    if paired and fig.total is not None:
        mean_before = sum(r[4] or 0 for r in rows) / paired
        mean_change = sum(r[6] or 0 for r in rows) / paired
        if fig.total.before != num(mean_before) or fig.total.change != num(mean_change):
            problems.append(
                f"means: {fig.total.before}, {fig.total.change} vs "
                f"{num(mean_before)}, {num(mean_change)}"
            )
    return problems


def time_both(
    ids: list[int], repeat: int, *, stored: bool
) -> tuple[list[float], list[float], Any, Any]:
    from spor.measurement.models import Informant

    fig_times, sql_times = [], []
    fig = rows = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = bare_sql(ids, Informant.PROFESSIONAL)
        sql_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        fig = figures_for(ids, stored=stored)
        fig_times.append(time.perf_counter() - t0)
    return fig_times, sql_times, fig, rows


def main() -> int:
    args = parse_args()
    tmp = setup(args)
    from django.db import connection
    from django.db.models import Count

    from spor.measurement.models import Response

    ids, n_pairs = generate(args)
    largest = (
        Response.objects.values("municipality_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("municipality_id", flat=True)[0]
    )
    ok = True
    built_s = build_cells(args.build_all)
    job = "spor_outcome_cells" + (" --all" if args.build_all else "")
    print(f"{job} (the stored cells): {built_s:.1f} s")
    _results.record(
        f"{job}, {connection.vendor}",
        "informational",
        round(built_s, 1),
        "s",
        ok=True,
    )
    print()
    # The page shows one informant at a time: the default, the PPR professional (70 % here).
    header = f"{'omfang':<22} {'par':>9} {'figurer s':>10} {'bar SQL s':>10} {'forhold':>8}"
    print(header)
    print("-" * len(header))
    for label, scope in (("hele landet", ids), ("største kommune", [largest])):
        stored = label == "hele landet"
        time_both(scope, 1, stored=stored)  # warm the caches alike
        fig_t, sql_t, fig, rows = time_both(scope, args.repeat, stored=stored)
        f, s = statistics.median(fig_t), statistics.median(sql_t)
        print(f"{label:<22} {fig.n_paired:>9,} {f:>10.3f} {s:>10.3f} {f / s:>8.2f}")
        problems = check(fig, rows)
        if problems:
            ok = False
            print("FEJL: figures and aggregate disagree:", *problems, sep="\n  ")
        ratio_ok = f / s <= GOAL_RATIO and not problems
        ok = ok and ratio_ok
        where = f"{label}, {fig.n_paired:,} par, {connection.vendor}"
        _results.record(
            f"figures ÷ bare SQL aggregate, {where}",
            f"≤ {GOAL_RATIO:g}× the aggregate, figures equal",
            round(f / s, 2),
            "×",
            ratio=round(f / s / GOAL_RATIO, 2),
            ok=ratio_ok,
        )
        if label == "hele landet":
            publication_for(scope)  # the solver's first import, as a running server has it
            times, cpu = [], []
            for _ in range(args.repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                _, n_cells = publication_for(scope)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            pub_s = statistics.median(times)
            print(
                f"{'hele landet, evaluator':<22} {fig.n_paired:>9,} {pub_s:>10.3f} "
                f"{'':>10} {'':>8}  (the whole publication: {n_cells:,} cells, protected "
                f"together, every row's figures; {statistics.median(cpu):.3f} s CPU in this "
                "process)"
            )
            pub_ok = pub_s <= GOAL_NATIONAL_S
            _results.record(
                f"the evaluator's national publication, {where}",
                f"≤ {GOAL_NATIONAL_S:g} s",
                round(pub_s, 3),
                "s",
                ratio=round(pub_s / GOAL_NATIONAL_S, 2),
                ok=pub_ok,
            )
            ok = ok and pub_ok
            fast = f <= GOAL_NATIONAL_S
            ok = ok and fast
            _results.record(
                f"national figures, {where}",
                f"≤ {GOAL_NATIONAL_S:g} s",
                round(f, 3),
                "s",
                ratio=round(f / GOAL_NATIONAL_S, 2),
                ok=fast,
            )
    print()
    print(
        f"Goals: the figures take at most {GOAL_RATIO:.0f}× the bare SQL aggregate, and at "
        f"most {GOAL_NATIONAL_S:g} s for the whole country ({'met' if ok else 'NOT met'}). "
        f"National pairs: {n_pairs:,}; load average {os.getloadavg()[0]:.1f}."
    )
    if tmp is not None and not args.keep:
        connection.close()
        for f_ in tmp.iterdir():
            f_.unlink()
        tmp.rmdir()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
