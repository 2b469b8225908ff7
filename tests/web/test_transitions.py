"""Transitions: the receiving unit sees a child's move, and its last position and open
concerns only where a consent or legal basis for the hand-over is recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from spor.audit.models import AccessLogEntry, Action
from spor.registry.models import Child, Enrolment
from spor.screening.models import Consent, Recipient
from spor.web.transitions import default_window
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


def many_moves(world: World, n: int) -> None:
    """n children who moved from the daycare to 3.A on 1 August 2026, surnames A… to Z…."""
    children = []
    for i in range(n):
        child = Child(
            municipality=world.a, first_name=f"Barn{i:03d}", last_name=f"{chr(65 + i % 26)}sen"
        )
        child.set_cpr(f"0101{10 + i // 100:02d}{4000 + i % 100:04d}")
        children.append(child)
    Child.objects.bulk_create(children)
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                municipality=world.a,
                child=child,
                group=group,
                start=start,
                end=end,
            )
            for child in children
            for group, start, end in (
                (world.room_a, dt.date(2023, 8, 1), dt.date(2026, 7, 31)),
                (world.class_a, dt.date(2026, 8, 1), None),
            )
        ]
    )


def test_a_long_list_says_how_many_and_pages_through_all_of_them(world: World) -> None:
    # The list used to stop silently after 200 enrolments (first enrolments included), so
    # 250 moves showed as fewer than 200 lines, all with surnames early in the alphabet.
    many_moves(world, 250)
    client = world.client_for(world.ppr_a)
    first = client.get("/overgange/", WINDOW)
    html = first.content.decode()
    assert "251 overgange fra 01.07.2026 til 01.09.2026; her vises 1–100." in html
    assert len(first.context["lines"]) == 100
    assert "Side 1 af 3" in html
    assert "fra=2026-07-01&amp;til=2026-09-01&amp;side=2" in html  # the next page keeps the window
    seen = []
    for page in (1, 2, 3):
        lines = client.get("/overgange/", {**WINDOW, "side": page}).context["lines"]
        seen += [line.child.pk for line in lines]
    assert len(seen) == len(set(seen)) == 251
    last = client.get("/overgange/", {**WINDOW, "side": 3}).content.decode()
    assert "Zsen" in last and "her vises 201–251." in last
    # only the children on the page shown are logged as listed
    listed = AccessLogEntry.objects.filter(action=Action.LIST, what="Overgangsliste")
    assert listed.count() == 100 + 100 + 100 + 51 + 51


def test_first_enrolments_are_not_moves(world: World) -> None:
    lines = world.client_for(world.ppr_a).get("/overgange/", WINDOW).context["lines"]
    assert world.child_a2 not in [line.child for line in lines]  # Ida: one enrolment only
