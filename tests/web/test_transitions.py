"""Transitions: the receiving unit sees a child's move, and its last position and open
concerns only where a consent or legal basis for the hand-over is recorded."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spor.audit.models import AccessLogEntry, Action
from spor.registry.models import Child, Enrolment, Group
from spor.screening.models import Consent, Recipient
from spor.tenancy.models import Municipality
from spor.web import transitions
from spor.web.transitions import TransitionLine, default_window
from tests.conftest import World

# Oliver moved from the daycare Solsikken to 3.A at Aby Skole on 1 August 2026.
WINDOW = {"fra": "2026-07-01", "til": "2026-09-01"}


def consent_for_school(world: World) -> Consent:
    return Consent.objects.create(
        municipality=world.a,
        child=world.child_a1,
        kind=Consent.Kind.CONSENT,
        recipient=Recipient.INSTITUTION,
        institution=world.school_a,
        given_by="Far",
        valid_from=dt.date(2026, 6, 1),
    )


def test_the_receiving_teacher_sees_the_move_but_nothing_more_without_consent(
    world: World,
) -> None:
    html = world.client_for(world.teacher_a).get("/overgange/", WINDOW).content.decode()
    assert "Oliver Nielsen" in html
    assert "Dagtilbud → skole" in html
    assert "Solsikken, Rød stue" in html
    assert "Intet samtykke eller hjemmel til overlevering" in html
    assert "Gul" not in html


def test_with_a_consent_for_the_school_the_teacher_sees_position_and_open_concerns(
    world: World,
) -> None:
    consent_for_school(world)
    response = world.client_for(world.teacher_a).get("/overgange/", WINDOW)
    line = response.context["lines"][0]
    assert line.shared
    assert line.position is not None and line.position.position == "gul"
    assert line.open_concerns >= 1
    assert "Intet samtykke" not in response.content.decode()
    shown = AccessLogEntry.objects.filter(child_id=world.child_a1.pk, action=Action.VIEW)
    assert shown.filter(purpose="trivselsvurdering").count() == 1


def test_a_revoked_consent_shares_nothing(world: World) -> None:
    consent = consent_for_school(world)
    consent.revoked_on = dt.date(2026, 7, 15)
    consent.save()
    line = world.client_for(world.teacher_a).get("/overgange/", WINDOW).context["lines"][0]
    assert not line.shared and line.position is None and line.open_concerns == 0


def test_a_consent_for_another_institution_does_not_count(world: World) -> None:
    Consent.objects.create(
        municipality=world.a,
        child=world.child_a1,
        kind=Consent.Kind.LEGAL,
        legal_basis="Overlevering til dagtilbud",
        recipient=Recipient.INSTITUTION,
        institution=world.daycare_a,
        valid_from=dt.date(2026, 6, 1),
    )
    line = world.client_for(world.teacher_a).get("/overgange/", WINDOW).context["lines"][0]
    assert not line.shared


def test_teachers_of_other_groups_and_other_municipalities_see_no_such_move(
    world: World,
) -> None:
    for person in (world.teacher_a2, world.lead_b, world.teacher_b, world.health_a):
        html = world.client_for(person).get("/overgange/", WINDOW).content.decode()
        assert "Oliver" not in html
        assert "Ingen overgange i perioden" in html


def test_ppr_sees_every_move_and_what_the_ppr_consent_allows(world: World) -> None:
    lines = world.client_for(world.ppr_a).get("/overgange/", WINDOW).context["lines"]
    assert [line.child for line in lines] == [world.child_a1]
    # the personas' world records a consent for PPR for Oliver when screening is present
    has_ppr_consent = Consent.objects.filter(child=world.child_a1, recipient=Recipient.PPR).exists()
    assert lines[0].shared == has_ppr_consent


def test_a_window_that_ends_before_it_starts_is_refused_in_danish(world: World) -> None:
    response = world.client_for(world.teacher_a).get(
        "/overgange/", {"fra": "2026-09-01", "til": "2026-07-01"}
    )
    assert response.status_code == 400
    assert "Til-datoen skal ligge efter fra-datoen" in response.content.decode()


def test_the_list_is_logged_for_every_child_on_it(world: World) -> None:
    world.client_for(world.teacher_a).get("/overgange/", WINDOW)
    assert AccessLogEntry.objects.filter(
        child_id=world.child_a1.pk, action=Action.LIST, what="Overgangsliste"
    ).exists()


def pretend_today(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def test_without_a_window_the_page_shows_this_school_years_moves(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In December the moves of 1 August are four months old; the default window used to
    # end 60 days back and showed "Ingen overgange i perioden".
    pretend_today(monkeypatch, dt.date(2026, 12, 1))
    response = world.client_for(world.teacher_a).get("/overgange/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Oliver Nielsen" in html and "Dagtilbud → skole" in html
    assert "1 overgang fra 01.08.2026 til 01.08.2027." in html
    assert 'value="2026-08-01"' in html and 'value="2027-08-01"' in html  # the window shown


def test_the_default_window_runs_from_one_school_start_to_the_next() -> None:
    assert default_window(dt.date(2026, 12, 1)) == (dt.date(2026, 8, 1), dt.date(2027, 8, 1))
    assert default_window(dt.date(2027, 7, 31)) == (dt.date(2026, 8, 1), dt.date(2027, 8, 1))
    assert default_window(dt.date(2027, 8, 1)) == (dt.date(2027, 8, 1), dt.date(2028, 8, 1))


def many_moves(
    world: World,
    n: int,
    *,
    municipality: Municipality | None = None,
    groups: tuple[Group, Group] | None = None,
) -> list[Child]:
    """n children who moved from the daycare to 3.A on 1 August 2026 (or between ``groups``
    in ``municipality``), surnames A… to Z…; the last ten of them on 15 August."""
    municipality = municipality or world.a
    before, after = groups or (world.room_a, world.class_a)
    children = []
    for i in range(n):
        child = Child(
            municipality=municipality, first_name=f"Barn{i:03d}", last_name=f"{chr(65 + i % 26)}sen"
        )
        child.set_cpr(f"0101{10 + i // 100:02d}{4000 + i % 100:04d}")
        children.append(child)
    Child.objects.bulk_create(children)
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                municipality=municipality,
                child=child,
                group=group,
                start=start,
                end=end,
            )
            for i, child in enumerate(children)
            for group, start, end in (
                (before, dt.date(2023, 8, 1), dt.date(2026, 7, 31)),
                (after, dt.date(2026, 8, 15 if i >= n - 10 else 1), None),
            )
        ]
    )
    return children


def link(html: str, label: str) -> str | None:
    """The query string of the pager link ``label`` ("Ældre", "Nyere"), as the browser
    would follow it."""
    found = re.search(rf'<a href="(\?[^"]*)">(?:← )?{label}', html)
    return unescape(found.group(1)) if found else None


def follow(client: Client, query: str) -> tuple[str, list[TransitionLine]]:
    response = client.get("/overgange/" + query)
    assert response.status_code == 200
    return response.content.decode(), response.context["lines"]


def test_a_long_list_says_how_many_and_pages_through_all_of_them(world: World) -> None:
    # The list used to stop silently after 200 enrolments (first enrolments included), so
    # 250 moves showed as fewer than 200 lines, all with surnames early in the alphabet.
    many_moves(world, 250)
    client = world.client_for(world.ppr_a)
    first = client.get("/overgange/", WINDOW)
    html = first.content.decode()
    assert "251 overgange fra 01.07.2026 til 01.09.2026, nyeste først; her vises 50." in html
    assert len(first.context["lines"]) == 50
    assert link(html, "Nyere") is None
    older = link(html, "Ældre")
    assert older is not None and "fra=2026-07-01&til=2026-09-01&efter=" in older  # keeps the window
    # Following "Ældre" to the end shows every move once, newest first.
    pages = [first.context["lines"]]
    query: str | None = older
    while query is not None:
        html, lines = follow(client, query)
        pages.append(lines)
        query = link(html, "Ældre")
    assert [len(lines) for lines in pages] == [50, 50, 50, 50, 50, 1]
    seen = [line for lines in pages for line in lines]
    assert len({line.child.pk for line in seen}) == 251
    assert [line.on for line in seen[:10]] == [dt.date(2026, 8, 15)] * 10
    assert [line.on for line in seen[10:]] == [dt.date(2026, 8, 1)] * 241
    assert "her vises 1." in html
    # ... and "Nyere" goes back the same way, page by page, to the first.
    back = []
    query = link(html, "Nyere")
    while query is not None:
        html, lines = follow(client, query)
        back.append([line.child.pk for line in lines])
        query = link(html, "Nyere")
    assert back == [[line.child.pk for line in lines] for lines in reversed(pages[:-1])]
    # only the children on the page shown are logged as listed
    listed = AccessLogEntry.objects.filter(action=Action.LIST, what="Overgangsliste")
    assert listed.count() == 251 + 250


def test_a_page_reads_its_childrens_enrolments_in_one_statement(world: World) -> None:
    """The arrivals and the enrolments they follow, with their groups, institutions and the
    children's names: one statement for the page (it was two, of four and three relations
    made into four model instances a row), beside the count and the page's keys."""
    children = many_moves(world, 30)
    client = world.client_for(world.ppr_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/overgange/", WINDOW)
    lines = response.context["lines"]
    assert {line.child.pk for line in lines} >= {c.pk for c in children}
    html = response.content.decode()
    from_text = f"{world.room_a.institution.name}, {world.room_a.name}"
    to_text = f"{world.class_a.institution.name}, {world.class_a.name}"
    assert html.count(from_text) >= 30 and html.count(to_text) >= 30
    assert f"{children[0].first_name} {children[0].last_name}" in html
    enrolment_reads = [
        q["sql"] for q in queries.captured_queries if 'FROM "registry_enrolment"' in q["sql"]
    ]
    assert len(enrolment_reads) == 3  # the count, the keys, the page's children's


def test_past_the_count_cap_the_list_says_over_and_still_pages(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A big municipality's school start has thousands of moves: the count stops at the cap.
    monkeypatch.setattr(transitions, "COUNT_CAP", 120)
    many_moves(world, 250)
    html, lines = follow(world.client_for(world.ppr_a), "?fra=2026-07-01&til=2026-09-01")
    assert "Over 120 overgange fra 01.07.2026 til 01.09.2026, nyeste først; her vises 50." in html
    assert len(lines) == 50 and link(html, "Ældre") is not None


def test_paging_never_shows_another_municipalitys_moves(world: World) -> None:
    mine = {c.pk for c in many_moves(world, 30)}
    other_group = Group.objects.create(
        municipality=world.b, institution=world.school_b, name="4.B", school_year=2026, grade=4
    )
    theirs = many_moves(world, 30, municipality=world.b, groups=(world.class_b, other_group))
    their_move = Enrolment.objects.get(child=theirs[0], group=other_group)
    client = world.client_for(world.ppr_a)
    shown: set[int] = set()
    for query in (
        "?fra=2026-07-01&til=2026-09-01",
        # a key taken from the other municipality's list selects by position only
        f"?fra=2026-07-01&til=2026-09-01&efter=2026-08-15.{their_move.pk + 1}",
        f"?fra=2026-07-01&til=2026-09-01&foer=2026-07-01.{their_move.pk}",
    ):
        _, lines = follow(client, query)
        shown |= {line.child.pk for line in lines}
    assert shown and shown <= mine | {world.child_a1.pk}
    assert not shown & {c.pk for c in theirs}
    # and their lead sees theirs and none of ours
    _, lines = follow(world.client_for(world.lead_b), "?fra=2026-07-01&til=2026-09-01")
    assert {line.child.pk for line in lines} == {c.pk for c in theirs}


def test_a_teacher_pages_through_her_own_groups_moves_only(world: World) -> None:
    many_moves(world, 30)
    for person, expected in ((world.teacher_a, 31), (world.teacher_a2, 0)):
        _, lines = follow(
            world.client_for(person), "?fra=2026-07-01&til=2026-09-01&efter=2026-09-01.0"
        )
        assert len(lines) == expected


def test_a_page_key_that_is_not_one_is_refused(world: World) -> None:
    for key in ("efter=2026-08-01", "efter=x.1", "foer=2026-13-01.5", "efter=2026-08-01.-3"):
        response = world.client_for(world.ppr_a).get(f"/overgange/?{key}")
        assert response.status_code == 400
        assert "Ugyldig side" in response.content.decode()


def test_first_enrolments_are_not_moves(world: World) -> None:
    lines = world.client_for(world.ppr_a).get("/overgange/", WINDOW).context["lines"]
    assert world.child_a2 not in [line.child for line in lines]  # Ida: one enrolment only
