"""The local outcomes on the "iværksæt indsats" page come from counts the database keeps on
every write (spor.measurement.outcomes, issue #18): after a new response, a deleted one, a
changed one, a delivery moved to another intervention, a deleted case, and in another
municipality, the page shows exactly what the earlier computation (every before/after pair
of the municipality, grouped in SQL: ``reference_pairs`` below) shows."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q
from django.utils import timezone

from spor import sdq
from spor.accounts.models import Membership
from spor.cases import matching
from spor.cases.models import Case, CaseMember, Delivery, DeliveryStatus, Intervention, Level
from spor.measurement import needs, outcomes, questionnaire, services
from spor.measurement.models import (
    Informant,
    OutcomeCount,
    OutcomePair,
    Phase,
    Response,
    ScoreKey,
)
from tests.cases.test_suggestions_page import (
    NEUTRAL,
    SAD_AND_ALONE,
    past,
    response,
    setup,
)
from tests.conftest import World
from tests.measurement.helpers import actor


def reference_pairs(actor: Any, intervention_ids: set[int]) -> list[matching.PastPair]:
    """The computation the page used before the counts (session 7): every earlier pair of
    the municipality, grouped in SQL."""
    if not intervention_ids:
        return []
    after = "delivery__measurement_responses"
    pairs = (
        Response.objects.filter(
            municipality_id=actor.municipality_id,
            informant=Informant.PROFESSIONAL,
            phase=Phase.BEFORE,
            delivery__case__child__isnull=False,
            delivery__intervention_id__in=intervention_ids,
            score_total__isnull=False,
        )
        .alias(
            after=FilteredRelation(
                after,
                condition=Q(
                    **{
                        f"{after}__municipality_id": actor.municipality_id,
                        f"{after}__phase": Phase.AFTER,
                        f"{after}__informant": Informant.PROFESSIONAL,
                    }
                ),
            ),
        )
        .filter(after__score_total__isnull=False)
    )
    subscales = tuple(matching.SDQ_NEEDS)
    bands = {f"band_{s}": ScoreKey(f"{s}_band", numeric=False) for s in subscales}
    rows = (
        pairs.annotate(change=F("score_total") - F("after__score_total"), **bands)
        .order_by()
        .values("delivery__intervention_id", "form", "norm_set", "change", *bands)
        .annotate(n=Count("pk"))
        .values_list("delivery__intervention_id", "form", "norm_set", "change", "n", *bands)
    )
    out = []
    for intervention_id, form, norm_set, change, n, *baseline in rows:
        try:
            limit = sdq.rci_details(
                questionnaire.sdq_informant(form), "total", norm_set.split("@", 1)[0]
            ).critical_change
        except sdq.SDQError:
            continue
        if not math.isfinite(limit):
            continue
        found = frozenset(
            matching.sdq_needs({s: b or None for s, b in zip(subscales, baseline, strict=True)})
        )
        out.extend([matching.PastPair(intervention_id, found, float(change) > limit)] * n)
    return out


def tally(pairs: list[matching.PastPair]) -> Counter[tuple[int, frozenset[str], bool]]:
    out: Counter[tuple[int, frozenset[str], bool]] = Counter()
    for p in pairs:
        out[(p.intervention_id, p.baseline_needs, p.improved)] += p.n
    return out


def outcome_table(html: str) -> dict[str, str]:
    if '<table class="local-outcomes">' not in html:
        return {}
    table = html.split('<table class="local-outcomes">', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>(.*?)</td></tr>', table))


def page_and_reference(w: World, user: Any, case: Case, monkeypatch: Any) -> dict[str, str]:
    """The page's local outcomes; the same page with the earlier computation must show the
    same, and so must the counts for every intervention of the municipality."""
    url = f"/forloeb/{case.pk}/indsatser/"
    kept = outcome_table(w.client_for(user).get(url).content.decode())
    with monkeypatch.context() as m:
        m.setattr(needs, "past_pairs", reference_pairs)
        earlier = outcome_table(w.client_for(user).get(url).content.decode())
    assert kept == earlier
    a = actor(w, user)
    every = set(
        Intervention.objects.filter(municipality_id=a.municipality_id).values_list("pk", flat=True)
    )
    assert tally(needs.past_pairs(a, every)) == tally(reference_pairs(a, every))
    return kept


def outcome(w: World, item: Intervention) -> tuple[int, int]:
    """(children with a pair, of them reliably better) for an intervention, as counted."""
    pairs = needs.past_pairs(actor(w, w.lead_a), {item.pk})
    return sum(p.n for p in pairs), sum(p.n for p in pairs if p.improved)


def earlier_case(w: World, muni: Any, child: Any, user: Any) -> Case:
    return Case.objects.create(
        municipality=muni,
        child=child,
        title="Tidligere forløb",
        level=Level.ANTICIPATORY,
        opened_on=timezone.localdate() - dt.timedelta(days=200),
        opened_by=Membership.objects.get(user=user, municipality=muni),
    )


def test_a_new_response_typed_in_counts_at_once_as_before(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    case = setup(world)
    rows = page_and_reference(world, world.ppr_a, case, monkeypatch)
    assert rows["Legegrupper"] == "12</td><td>6 af 12 (50 %)"
    play = Intervention.objects.get(municipality=world.a, name="Legegrupper")
    old = earlier_case(world, world.a, world.child_a3, world.ppr_a)
    lead = actor(world, world.lead_a)
    d = Delivery.objects.create(
        municipality=world.a,
        case=old,
        intervention=play,
        start=timezone.localdate() - dt.timedelta(days=120),
        end=timezone.localdate() - dt.timedelta(days=5),
        status=DeliveryStatus.FINISHED,
    )
    for phase, items in ((Phase.BEFORE, SAD_AND_ALONE), (Phase.AFTER, NEUTRAL)):
        services.enter_paper(
            actor=lead,
            delivery=d,
            phase=phase,
            informant=Informant.PROFESSIONAL,
            answers=items,
            impact={"ebddiff": 0},
            answered_on=timezone.localdate() - dt.timedelta(days=3),
        )
        rows = page_and_reference(world, world.ppr_a, case, monkeypatch)
        if phase == Phase.BEFORE:  # a baseline alone is no pair
            assert rows["Legegrupper"] == "12</td><td>6 af 12 (50 %)"
    assert rows["Legegrupper"] == "13</td><td>7 af 13 (54 %)"


def test_a_deleted_and_a_changed_response_and_a_moved_delivery_count_as_before(
    world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    case = setup(world)
    play = Intervention.objects.get(municipality=world.a, name="Legegrupper")
    anxiety = Intervention.objects.get(municipality=world.a, name="Angstgruppe")
    pairs = Response.objects.filter(
        delivery__intervention=play, informant=Informant.PROFESSIONAL, phase=Phase.AFTER
    ).order_by("pk")
    # Deleted (as retention deletes): one improved child fewer.
    pairs.first().delete()  # type: ignore[union-attr]
    rows = page_and_reference(world, world.ppr_a, case, monkeypatch)
    assert rows["Legegrupper"].startswith("11</td>")
    assert outcome(world, play) == (11, 5)
    # Changed (as a rescoring rewrites the scores): a child who improved did not.
    improved = pairs.first()
    assert improved is not None
    worse = questionnaire.score("teacher-4-17", SAD_AND_ALONE, {})
    Response.objects.filter(pk=improved.pk).update(scores=worse, answers=SAD_AND_ALONE)
    rows = page_and_reference(world, world.ppr_a, case, monkeypatch)
    assert rows["Legegrupper"].startswith("11</td>")
    assert outcome(world, play) == (11, 4)
    # Anonymised by retention: the scores stay, and so does the pair.
    Response.objects.filter(delivery__intervention=play).update(answers={}, respondent_name="")
    assert page_and_reference(world, world.ppr_a, case, monkeypatch) == rows
    # A delivery given another intervention takes its pair along.
    moved = Delivery.objects.filter(intervention=play).order_by("pk").last()
    assert moved is not None
    moved.intervention = anxiety
    moved.save()
    rows = page_and_reference(world, world.ppr_a, case, monkeypatch)
    assert rows["Legegrupper"].startswith("10</td>")
    assert rows["Angstgruppe"].startswith("12</td>")
    # A case deleted as retention deletes it (responses first, then the case's cascade).
    old = moved.case
    Response.objects.filter(delivery__case=old).delete()
    old.delete()
    rows = page_and_reference(world, world.ppr_a, case, monkeypatch)
    assert "Legegrupper" not in rows and "Angstgruppe" not in rows
    assert not OutcomePair.objects.filter(municipality=world.a).exists()
    assert not OutcomeCount.objects.filter(municipality=world.a, n__gt=0).exists()


def test_another_municipalitys_pairs_are_its_own(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    case = setup(world)
    before = page_and_reference(world, world.ppr_a, case, monkeypatch)
    # Municipality B: the same kind of intervention, with pairs of its own children.
    play_b = Intervention.objects.create(
        **{
            k: v
            for k, v in Intervention.objects.filter(municipality=world.a, name="Legegrupper")
            .values()
            .get()
            .items()
            if k not in ("id", "municipality_id")
        }
        | {"municipality": world.b}
    )
    lead_b = Membership.objects.get(user=world.lead_b, municipality=world.b)
    old_b = earlier_case(world, world.b, world.child_b1, world.lead_b)
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                municipality=world.b,
                case=old_b,
                intervention=play_b,
                start=timezone.localdate() - dt.timedelta(days=120),
                status=DeliveryStatus.RUNNING,
            )
            for _ in range(7)
        ]
    )
    rows = []
    for d in deliveries:
        for phase, items in ((Phase.BEFORE, SAD_AND_ALONE), (Phase.AFTER, NEUTRAL)):
            r = response(world, d, phase, "teacher-4-17", items)
            r.municipality, r.entered_by = world.b, lead_b
            rows.append(r)
    Response.objects.bulk_create(rows)
    # A's page is as it was; B's counts are B's alone.
    assert page_and_reference(world, world.ppr_a, case, monkeypatch) == before
    b = actor(world, world.lead_b)
    assert tally(needs.past_pairs(b, {play_b.pk})) == tally(reference_pairs(b, {play_b.pk}))
    assert sum(p.n for p in needs.past_pairs(b, {play_b.pk})) == 7
    a = actor(world, world.lead_a)
    assert needs.past_pairs(a, {play_b.pk}) == []
    assert set(
        OutcomePair.objects.filter(intervention_id=play_b.pk).values_list(
            "municipality_id", flat=True
        )
    ) == {world.b.pk}
    # B's page: its own case, with a baseline, shows B's seven children only.
    case_b = earlier_case(world, world.b, world.child_b1, world.lead_b)
    CaseMember.objects.create(
        municipality=world.b,
        case=case_b,
        membership=Membership.objects.get(user=world.ppr_b, municipality=world.b),
        role="Psykolog",
        joined_on=timezone.localdate(),
    )
    running = Delivery.objects.create(
        municipality=world.b,
        case=case_b,
        intervention=play_b,
        start=timezone.localdate(),
        status=DeliveryStatus.RUNNING,
    )
    baseline = response(world, running, Phase.BEFORE, "parent-4-17", SAD_AND_ALONE)
    baseline.municipality, baseline.entered_by = world.b, lead_b
    baseline.save()
    rows_b = page_and_reference(world, world.ppr_b, case_b, monkeypatch)
    assert rows_b == {"Legegrupper": "7</td><td>7 af 7 (100 %)"}


def test_the_counts_are_rebuilt_when_the_triggers_were_lost(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A later migration that rebuilds a SQLite table drops its triggers: ``migrate`` then
    installs them again and counts everything anew (``outcomes.ensure``)."""
    case = setup(world)
    before = page_and_reference(world, world.ppr_a, case, monkeypatch)
    assert outcomes.ensure(connection) is False  # installed as this code makes them
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER spor_outcome_response ON measurement_response")
        else:
            cursor.execute("DROP TRIGGER spor_outcome_response_insert")
    past(
        world,
        Case.objects.get(title="Tidligere forløb"),
        Intervention.objects.get(municipality=world.a, name="Legegrupper"),
        SAD_AND_ALONE,
        2,
        0,
    )
    assert outcomes.ensure(connection) is True
    rows = page_and_reference(world, world.ppr_a, case, monkeypatch)
    assert rows != before and rows["Legegrupper"] == "14</td><td>8 af 14 (57 %)"


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(outcomes.change_limits()))
def test_the_limits_written_into_the_sql_are_the_engines(key: tuple[str, str]) -> None:
    limit = outcomes.change_limits()[key]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {limit!r} = %s", [limit])
        assert bool(cursor.fetchone()[0])
    form, norm_set = key
    p = sdq.rci_details(questionnaire.sdq_informant(form), "total", norm_set)
    assert p.critical_change == limit


def test_a_case_that_is_no_longer_about_one_child_takes_its_pairs_away(
    world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    case = setup(world)
    play = Intervention.objects.get(municipality=world.a, name="Legegrupper")
    assert outcome(world, play) == (12, 6)
    # The earlier children's case becomes a child community's (no child): its deliveries'
    # pairs are no child's outcome any more, as the earlier computation read it.
    Case.objects.filter(title="Tidligere forløb").update(child=None, group=world.class_a)
    rows = page_and_reference(world, world.ppr_a, case, monkeypatch)
    assert "Legegrupper" not in rows and outcome(world, play) == (0, 0)
    Case.objects.filter(title="Tidligere forløb").update(child=world.child_a3, group=None)
    rows = page_and_reference(world, world.ppr_a, case, monkeypatch)
    assert rows["Legegrupper"] == "12</td><td>6 af 12 (50 %)"


def test_a_follow_up_answered_through_the_link_counts(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The PPR professional answers the eftermåling through the one-time link, with no
    login: the public page writes as the app role in the link's municipality (PostgreSQL's
    walls hold the trigger's writes too)."""
    from django.test import Client

    from tests.measurement.helpers import post_data, tokens_in_outbox

    case = setup(world)
    play = Intervention.objects.get(municipality=world.a, name="Legegrupper")
    lead = actor(world, world.lead_a)
    world.ppr_a.email = "psykolog@aby.example.org"
    world.ppr_a.save()
    old = Case.objects.get(title="Tidligere forløb")
    CaseMember.objects.create(
        municipality=world.a,
        case=old,
        membership=actor(world, world.ppr_a).membership,
        role="Psykolog",
        joined_on=timezone.localdate() - dt.timedelta(days=150),
    )
    d = Delivery.objects.create(
        municipality=world.a,
        case=old,
        intervention=play,
        start=timezone.localdate() - dt.timedelta(days=120),
        end=timezone.localdate() - dt.timedelta(days=5),
        status=DeliveryStatus.FINISHED,
    )
    services.enter_paper(
        actor=lead,
        delivery=d,
        phase=Phase.BEFORE,
        informant=Informant.PROFESSIONAL,
        answers=SAD_AND_ALONE,
        impact={"ebddiff": 0},
        answered_on=timezone.localdate() - dt.timedelta(days=100),
    )
    services.send_requests(
        actor=lead,
        delivery=d,
        phase=Phase.AFTER,
        recipients=[
            services.Recipient(
                Informant.PROFESSIONAL, membership=actor(world, world.ppr_a).membership
            )
        ],
    )
    answered = Client().post(f"/svar/{tokens_in_outbox()[-1]}/", post_data(NEUTRAL, {"ebddiff": 0}))
    assert answered.status_code == 302, answered.content.decode()[:2000]
    rows = page_and_reference(world, world.ppr_a, case, monkeypatch)
    assert rows["Legegrupper"] == "13</td><td>7 af 13 (54 %)"
