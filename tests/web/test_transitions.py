"""Transitions: the receiving unit sees a child's move, and its last position and open
concerns only where a consent or legal basis for the hand-over is recorded."""

from __future__ import annotations

import datetime as dt

from spor.audit.models import AccessLogEntry, Action
from spor.screening.models import Consent, Recipient
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
