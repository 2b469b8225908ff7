"""Each institution's figures in a round (``RoundInstitution``), which the round's overview
reads, are kept by database triggers on the groups' stored figures and the parents'
notices (screening migration 0004). After every kind of write they equal a recount from
the groups and notices, and the overview shows them."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import defaultdict

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from spor.accounts.models import Membership
from spor.registry.models import Enrolment
from spor.screening import services
from spor.screening.models import (
    Assessment,
    ParentNotice,
    RoundGroup,
    RoundInstitution,
    ScreeningRound,
)
from tests import factories as f
from tests.conftest import World
from tests.screening.helpers import ALL_GREEN, actor_for

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()
FIGURES = ("groen", "gul", "roed", "own_only", "enrolled")


def recount(round: ScreeningRound) -> dict[int, tuple[int, ...]]:
    """Each institution's figures counted from the round's groups and notices."""
    notices = ParentNotice.objects.filter(round=round)
    informed_groups = set(notices.exclude(group=None).values_list("group_id", flat=True))
    informed_insts = set(notices.exclude(institution=None).values_list("institution_id", flat=True))
    sums: dict[int, list[int]] = defaultdict(lambda: [0] * 8)
    for rg in RoundGroup.objects.filter(round=round).select_related("group"):
        s = sums[rg.group.institution_id]
        for n, name in enumerate(FIGURES):
            s[n] += getattr(rg, name)
        s[5] += 1
        s[6] += rg.enrolled > 0 and rg.enrolled <= rg.groen + rg.gul + rg.roed
        s[7] += rg.group_id in informed_groups or rg.group.institution_id in informed_insts
    return {i: tuple(s) for i, s in sums.items()}


def stored(round: ScreeningRound) -> dict[int, tuple[int, ...]]:
    names = (*FIGURES, "groups", "groups_done", "groups_informed")
    return {
        row[0]: tuple(row[1:])
        for row in RoundInstitution.objects.filter(round=round).values_list(
            "institution_id", *names
        )
    }


def assert_kept(round: ScreeningRound) -> None:
    assert stored(round) == recount(round)


def row(child, ratings, **extra):  # type: ignore[no-untyped-def]
    data = {f"r-{child.pk}-{k}": v for k, v in ratings.items()}
    data.update({"handling": "raekke", "barn": str(child.pk), **extra})
    return data


def test_every_write_through_the_pages_keeps_each_institutions_figures(world: World) -> None:
    # A second school, so that a round has two institutions.
    other = f.institution(world.a, "Bakkeskolen")
    klasse = f.group(other, "5.C", grade=5)
    emma = f.child(world.a, "070519-4007", "Emma", "Holm", groups=[klasse])
    f.assign(world.teacher_a, klasse)
    lead = world.client_for(world.lead_a)
    teacher = world.client_for(world.teacher_a)

    # The lead opens a round for the whole municipality through the form.
    response = lead.post(
        "/trivsel/ny/",
        {
            "name": "Trivsel vinter",
            "starts": (TODAY - dt.timedelta(days=1)).isoformat(),
            "ends": (TODAY + dt.timedelta(days=30)).isoformat(),
            "scope": "alle",
        },
    )
    assert response.status_code == 302
    r = ScreeningRound.objects.get(name="Trivsel vinter")
    assert_kept(r)
    assert set(stored(r)) == {world.school_a.pk, other.pk}
    notices = f"/trivsel/{r.pk}/foraeldre/"
    grid = f"/trivsel/{r.pk}/gruppe/{world.class_a.pk}/"

    # The teacher records the parents of her group informed, then rates as she goes.
    data = {"group": world.class_a.pk, "informed_on": TODAY.isoformat(), "how": "aula"}
    assert teacher.post(notices, data).status_code == 302
    assert_kept(r)
    teacher.post(grid, row(world.child_a1, {**ALL_GREEN, "trivsel": "gul"}), **HTMX)
    assert_kept(r)
    assert stored(r)[world.school_a.pk][3] == 1  # own rating only
    # The team's agreement from her own ratings, then a change of one row.
    teacher.post(grid + "?vurdering=faelles", {"handling": "fra-egne", "vurdering": "faelles"})
    assert Assessment.objects.filter(round=r, is_agreement=True).count() == 1
    assert_kept(r)
    teacher.post(grid, row(world.child_a1, ALL_GREEN, vurdering="faelles"), **HTMX)
    assert_kept(r)
    assert stored(r)[world.school_a.pk][:4] == (1, 0, 0, 0)

    # The lead informs the parents of the whole other school; its class is rated with the
    # save button (the whole grid).
    data = {"institution": other.pk, "informed_on": TODAY.isoformat(), "how": "brev"}
    assert lead.post(notices, data).status_code == 302
    assert_kept(r)
    assert stored(r)[other.pk][7] == 1
    other_grid = f"/trivsel/{r.pk}/gruppe/{klasse.pk}/?vurdering=faelles"
    save = {f"r-{emma.pk}-{k}": v for k, v in {**ALL_GREEN, "relationer": "roed"}.items()}
    save.update({"boern": [str(emma.pk)], "vurdering": "faelles"})
    assert teacher.post(other_grid, save).status_code == 302
    assert_kept(r)
    assert stored(r)[other.pk][:3] == (0, 0, 1) and stored(r)[other.pk][6] == 1

    # The overview shows the kept figures: Bakkeskolen's row, and the round's totals.
    html = re.sub(r">\s+<", "><", lead.get(f"/trivsel/{r.pk}/").content.decode())
    assert (
        'Bakkeskolen</a></th><td class="num">0</td><td class="num">0</td>'
        '<td class="num">1</td><td class="num">0</td><td class="num">1 / 1</td></tr>'
    ) in html
    groups, done, informed = (sum(v[i] for v in recount(r).values()) for i in (5, 6, 7))
    assert (
        f"{done} af {groups} grupper er færdigvurderet; forældrene er informeret i {informed} "
        "grupper."
    ) in html
    assert (informed, groups) == (2, 3)  # 3.A and 5.C by notices; 4.B is not informed

    # Data loaded by other means, then the round's refresh (as after an import).
    Assessment.objects.create(
        municipality=world.a,
        round=r,
        child=world.child_a2,
        group=world.class_a2,
        is_agreement=True,
        ratings={**ALL_GREEN, "trivsel": "gul"},
        position="gul",
    )
    services.round_refresh(r)
    assert_kept(r)
    assert stored(r)[world.school_a.pk][:3] == (1, 1, 0)

    # Retention deletes notices as a queryset (spor.archive.services._parent_notices).
    ParentNotice.objects.filter(pk__in=ParentNotice.objects.filter(round=r).values("pk")).delete()
    assert_kept(r)
    assert all(v[7] == 0 for v in stored(r).values())

    # A round deleted takes its institutions' rows with it.
    r.delete()
    assert not RoundInstitution.objects.filter(round_id__isnull=True).exists()
    assert not RoundInstitution.objects.filter(
        Q(institution=other) | Q(institution=world.school_a), round__name="Trivsel vinter"
    ).exists()


def test_groups_of_two_rounds_and_institutions_added_in_one_statement_after_the_notices_count(
    world: World,
) -> None:
    # As the demo and a bulk load write them: the rounds and the parents' notices first,
    # then every group row of both rounds in one INSERT (one statement-level recount on
    # PostgreSQL), with figures already in the rows.
    other = f.institution(world.a, "Bakkeskolen")
    klasser = [f.group(other, f"{n}.C", grade=n) for n in (4, 5, 6)]
    lead = Membership.objects.get(user=world.lead_a, municipality=world.a)
    rounds = [
        ScreeningRound.objects.create(
            municipality=world.a,
            name=name,
            starts=TODAY - dt.timedelta(days=days),
            ends=TODAY + dt.timedelta(days=30),
            areas={},
            opened_by=lead,
        )
        for name, days in (("Forår", 200), ("Efterår", 10))
    ]
    ParentNotice.objects.create(
        municipality=world.a, round=rounds[0], institution=other, informed_on=TODAY, how="brev"
    )
    ParentNotice.objects.create(
        municipality=world.a, round=rounds[1], group=klasser[1], informed_on=TODAY, how="aula"
    )
    groups = [world.class_a, world.class_a2, *klasser]
    RoundGroup.objects.bulk_create(
        RoundGroup(
            municipality=world.a,
            round=r,
            group=g,
            groen=n,
            gul=k,
            roed=1,
            own_only=k % 2,
            enrolled=n + k + 1 + (n == 2),
        )
        for n, r in enumerate(rounds, start=1)
        for k, g in enumerate(groups)
    )
    for r in rounds:
        assert_kept(r)
    # Bakkeskolen: informed as a whole in the spring round, one class in the autumn's.
    assert stored(rounds[0])[other.pk][5:] == (3, 3, 3)
    assert stored(rounds[1])[other.pk][5:] == (3, 0, 1)
    assert stored(rounds[1])[world.school_a.pk][:5] == (4, 1, 2, 1, 9)
    # One more group in a round already counted, then one taken out.
    extra = f.group(other, "7.C", grade=7)
    RoundGroup.objects.create(municipality=world.a, round=rounds[1], group=extra, enrolled=3)
    assert_kept(rounds[1])
    assert stored(rounds[1])[other.pk][5] == 4
    RoundGroup.objects.filter(round=rounds[1], group=extra).delete()
    assert_kept(rounds[1])
    assert stored(rounds[1])[other.pk][5] == 3


def test_a_childs_row_saved_in_another_institution_moves_the_count_there(
    world: World,
) -> None:
    r = world.extra["round"]
    other = f.institution(world.a, "Bakkeskolen")
    klasse = f.group(other, "5.C", grade=5)
    RoundGroup.objects.create(municipality=world.a, round=r, group=klasse)
    f.assign(world.teacher_a, klasse)
    lead = world.client_for(world.lead_a)
    data = {"institution": other.pk, "informed_on": TODAY.isoformat(), "how": "brev"}
    assert lead.post(f"/trivsel/{r.pk}/foraeldre/", data).status_code == 302
    # Oliver (agreed yellow in 3.A) moves to 5.C at Bakkeskolen and is rated there.
    Enrolment.objects.filter(child=world.child_a1, group=world.class_a).update(
        end=TODAY - dt.timedelta(days=1)
    )
    Enrolment.objects.create(municipality=world.a, child=world.child_a1, group=klasse, start=TODAY)
    client = world.client_for(world.teacher_a)
    data = row(world.child_a1, ALL_GREEN, vurdering="faelles")
    client.post(f"/trivsel/{r.pk}/gruppe/{klasse.pk}/", data, **HTMX)
    assert Assessment.objects.get(pk=world.extra["agreement"].pk).group_id == klasse.pk
    assert_kept(r)
    assert stored(r)[other.pk][:3] == (1, 0, 0) and stored(r)[world.school_a.pk][:3] == (0, 0, 0)


def test_each_municipality_reads_only_its_own_institutions_figures(world: World) -> None:
    r, r_b = world.extra["round"], world.extra["round_b"]
    assert_kept(r)
    assert_kept(r_b)
    # Bby's lead: Aby's round is not there; her own overview has Bby's school only.
    lead_b = world.client_for(world.lead_b)
    assert lead_b.get(f"/trivsel/{r.pk}/").status_code == 404
    html = lead_b.get(f"/trivsel/{r_b.pk}/").content.decode()
    assert world.school_b.name in html and world.school_a.name not in html


def test_the_groups_not_done_page_by_page_across_institutions_by_name(world: World) -> None:
    # Three schools made in another order than their names', with groups not done: the
    # pages (of 50) span the schools by name, and each school's groups by name.
    r = world.extra["round"]
    made = []
    for name, n in (("Cirkelskolen", 30), ("Agerskolen", 30), ("Bøgeskolen", 20)):
        inst = f.institution(world.a, name)
        for k in range(n):
            g = f.group(inst, f"Hold {n - k:02d}", grade=1)
            RoundGroup.objects.create(municipality=world.a, round=r, group=g, enrolled=1)
            made.append((name, g.name, g.pk))
    assert_kept(r)
    # 4.B (Aby Skole) is not done either; 3.A is.
    made.append((world.school_a.name, world.class_a2.name, world.class_a2.pk))
    expected = [pk for _, _, pk in sorted(made)]
    ppr = world.client_for(world.ppr_a)
    shown = []
    for page in (1, 2):
        html = ppr.get(f"/trivsel/{r.pk}/?side={page}").content.decode()
        assert "Grupper, der ikke er færdigvurderet (81)" in html
        assert f"Side {page} af 2" in html
        shown += [int(pk) for pk in re.findall(rf'href="/trivsel/{r.pk}/gruppe/(\d+)/"', html)]
    assert shown == expected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["save_in_another_group", "notice_for_the_institution"])
def test_two_writers_in_one_institution_at_once_both_count(world: World, second: str) -> None:
    # A colleague's save in 3.A holds its transaction open; a save in 4.B of the same
    # school, or the lead's notice for the whole school, waits for it and then counts it
    # too (PostgreSQL: the institution's row is locked, the recount has a new snapshot).
    r = world.extra["round"]
    ParentNotice.objects.create(
        municipality=world.a, round=r, group=world.class_a2, informed_on=TODAY, how="brev"
    )
    f.assign(world.teacher_a2, world.class_a)
    locked, release, done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def colleague() -> None:
        try:
            with transaction.atomic():
                services.assessment_save_row(
                    actor=actor_for(world.teacher_a2, world.a),
                    screeninground_id=r.pk,
                    group_id=world.class_a.pk,
                    child_id=world.child_a1.pk,
                    row=services.RowInput(ratings={**ALL_GREEN, "relationer": "roed"}),
                    agreement=True,
                )
                locked.set()
                release.wait(timeout=120)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
            locked.set()
        finally:
            connection.close()

    def other() -> None:
        try:
            if second == "save_in_another_group":
                client = world.client_for(world.teacher_a2)
                url = f"/trivsel/{r.pk}/gruppe/{world.class_a2.pk}/"
                data = row(world.child_a2, ALL_GREEN, vurdering="faelles")
                response = client.post(url, data, **HTMX)
                assert response.content.decode().strip().startswith("Gemt "), response.content
            else:
                client = world.client_for(world.lead_a)
                data = {
                    "institution": world.school_a.pk,
                    "informed_on": TODAY.isoformat(),
                    "how": "aula",
                }
                assert client.post(f"/trivsel/{r.pk}/foraeldre/", data).status_code == 302
            done.set()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=colleague)
    first.start()
    assert locked.wait(timeout=120) and not errors, errors
    then = threading.Thread(target=other)
    then.start()
    assert not done.wait(timeout=1.5)  # waits for the colleague's transaction
    release.set()
    first.join(timeout=120)
    then.join(timeout=120)
    assert not errors, errors
    assert done.is_set()
    assert_kept(r)
    figures = stored(r)[world.school_a.pk]
    assert figures[:3] == ((1, 0, 1) if second == "save_in_another_group" else (0, 0, 1))
    assert figures[7] == 2
