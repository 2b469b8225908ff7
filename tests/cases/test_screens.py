"""Cases as their users meet them: opening, the team, goals, meetings, deliveries, the
timeline and closing — and bad input, which gets a clear Danish message and saves nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from spor.audit.models import AccessLogEntry, Action
from spor.cases.models import (
    Case,
    CaseEvent,
    CaseMember,
    CoordinatorAssignment,
    Delivery,
    DeliveryHours,
    EventKind,
    Goal,
    GoalStatus,
    Intervention,
    Meeting,
    OpenedFrom,
    Status,
)
from spor.screening.models import Assessment
from tests.cases.helpers import days, member, today
from tests.conftest import CPR_A3, World
from tests.screening.world import extend


def counts() -> tuple[int, ...]:
    models = (Case, CaseMember, CoordinatorAssignment, Goal, Meeting, Delivery, DeliveryHours)
    return tuple(m.objects.count() for m in (*models, CaseEvent))


def open_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Angst og bekymringer",
        "level": "foregribende",
        "opened_on": today().isoformat(),
    }
    data.update(changes)
    return data


# --------------------------------------------------------------------------- opening


def test_a_psychologist_opens_a_case_from_a_concern_and_is_its_coordinator(world: World) -> None:
    concern = world.extra["concern_child"]
    client = world.client_for(world.ppr_a)
    url = f"/forloeb/nyt/?bekymring={concern.pk}"
    form = client.get(url).content.decode()
    assert "Oliver Nielsen" in form and "bekymring" in form

    data = open_data(coordinator=member(world, world.ppr_a).pk, start_medication="on")
    response = client.post(url, data)
    case = Case.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == f"/forloeb/{case.pk}/"
    assert case.child == world.child_a1
    assert case.opened_from == OpenedFrom.CONCERN and case.source_concern == concern
    assert case.start_medication is True and case.start_psychiatry is False
    assert case.close_medication is None
    assert [m.membership for m in case.members.all()] == [member(world, world.ppr_a)]
    assert case.coordinators.get().membership == member(world, world.ppr_a)
    assert case.events.get().kind == EventKind.OPENED
    assert AccessLogEntry.objects.filter(child=world.child_a1, action=Action.CREATE).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Forløbet er startet." in page and "Angst og bekymringer" in page


def test_a_case_about_a_class_is_opened_from_the_group_without_the_child_questions(
    world: World,
) -> None:
    client = world.client_for(world.lead_a)
    url = f"/forloeb/nyt/?gruppe={world.class_a.pk}"
    page = client.get(url).content.decode()
    assert "3.A" in page and "Medicin for psykiske vanskeligheder" not in page
    response = client.post(
        url, open_data(title="Uro i klassen", coordinator=member(world, world.ppr_a).pk)
    )
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.group == world.class_a and case.child is None
    # The lead opened it and named the psychologist coordinator: both are on the team.
    assert {m.membership for m in case.members.all()} == {
        member(world, world.lead_a),
        member(world, world.ppr_a),
    }
    assert case.coordinators.get().membership == member(world, world.ppr_a)


def test_a_case_can_be_opened_directly_for_a_child_found_by_cpr(world: World) -> None:
    client = world.client_for(world.ppr_a)
    response = client.post(
        "/forloeb/nyt/",
        open_data(cpr=CPR_A3, coordinator=member(world, world.ppr_a).pk),
    )
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.child == world.child_a3 and case.opened_from == OpenedFrom.DIRECT


def test_the_coordinator_is_a_name_to_type_not_a_list_of_all_staff(world: World) -> None:
    """The new-case page offers the person opening it as coordinator and lists no one
    else (a big municipality has thousands of staff); a typed name picks the person, a name
    of no one in the municipality is refused and nothing is saved."""
    client = world.client_for(world.lead_a)
    url = f"/forloeb/nyt/?barn={world.child_a2.pk}"
    page = client.get(url).content.decode()
    lead = member(world, world.lead_a)
    assert f'name="coordinator" value="{lead.pk}"' in page
    assert world.health_a.get_full_name() not in page  # no select of every person
    assert "person-search.js" in page

    before = counts()
    name = world.ppr_b.get_full_name()  # staff of the other municipality
    response = client.post(url, open_data(coordinator="", coordinator_name=name))
    assert response.status_code == 400
    assert f"Ingen aktiv medarbejder i kommunen passer på »{name}«" in response.content.decode()
    assert counts() == before

    response = client.post(
        url, open_data(coordinator="", coordinator_name=world.health_a.get_full_name())
    )
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.coordinators.get().membership == member(world, world.health_a)


def test_opening_without_a_title_or_in_the_future_is_refused_and_nothing_is_saved(
    world: World,
) -> None:
    before = counts()
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/nyt/?barn={world.child_a2.pk}",
        open_data(
            title="", opened_on=days(3).isoformat(), coordinator=member(world, world.ppr_a).pk
        ),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Skriv en kort titel" in page
    assert "Startdatoen kan ikke ligge i fremtiden." in page
    assert counts() == before


def test_a_child_of_another_municipality_cannot_be_the_subject_of_a_case(world: World) -> None:
    client = world.client_for(world.ppr_a)
    assert client.get(f"/forloeb/nyt/?barn={world.child_b1.pk}").status_code == 404


def test_the_screening_assessment_a_case_comes_from_is_one_the_opener_may_see(
    world: World,
) -> None:
    """``&vurdering=`` is checked through its selector: the agreed position about that child
    is recorded; another municipality's assessment, a teacher's own rating, one about another
    child or an id that does not exist answer 404 and open nothing."""
    extend(world)
    agreement, own = world.extra["agreement"], world.extra["own"]
    elsewhere = Assessment.objects.create(
        municipality=world.b,
        round=world.extra["round_b"],
        child=world.child_b1,
        group=world.class_b,
        is_agreement=True,
        ratings={},
        position="roed",
    )
    client = world.client_for(world.lead_a)
    url = f"/forloeb/nyt/?barn={world.child_a1.pk}&vurdering="
    before = counts()
    for refused in (elsewhere.pk, own.pk, 10**12):
        assert client.get(f"{url}{refused}").status_code == 404
        assert client.post(f"{url}{refused}", open_data()).status_code == 404
    other_child = f"/forloeb/nyt/?barn={world.child_a2.pk}&vurdering={agreement.pk}"
    assert client.post(other_child, open_data()).status_code == 404
    assert counts() == before

    response = client.post(
        f"{url}{agreement.pk}", open_data(coordinator=member(world, world.lead_a).pk)
    )
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.source_assessment_id == agreement.pk
    assert case.opened_from == OpenedFrom.SCREENING


# --------------------------------------------------------------------------- team


def test_a_team_member_from_another_municipality_is_refused_with_a_clear_message(
    world: World,
) -> None:
    case = world.extra["case"]
    before = counts()
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/team/",
        {"membership": member(world, world.ppr_b).pk, "role": "Psykolog"},
    )
    assert response.status_code == 400
    assert "aktiv medarbejder i din kommune" in response.content.decode()
    assert counts() == before


def test_the_team_crosses_professions_and_each_member_has_a_role(world: World) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    client.post(
        f"/forloeb/{case.pk}/team/",
        {
            "membership": member(world, world.social_a).pk,
            "role": "Kontakt til familien",
            "basis": "Hjemmel i lovgivningen",
        },
    )
    page = client.get(f"/forloeb/{case.pk}/").content.decode()
    assert "Kontakt til familien" in page and "Socialrådgiver" in page
    assert CaseEvent.objects.filter(case=case, kind=EventKind.MEMBER_ADDED).exists()


def test_adding_a_health_visitor_asks_for_consent_or_legal_basis_and_says_what_she_sees(
    world: World,
) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    form = client.get(f"/forloeb/{case.pk}/team/").content.decode()
    assert "Samtykke fra forældremyndigheden" in form and "Hjemmel i lovgivningen" in form
    assert "ser hele forløbet" in form
    # the person is a name to type with suggestions, not a list of all staff
    assert 'type="hidden" name="membership"' in form and "Sundhed_A" not in form
    before = counts()
    data = {"membership": member(world, world.health_a).pk, "role": "Sundhedsplejerske"}
    refused = client.post(f"/forloeb/{case.pk}/team/", data)
    assert refused.status_code == 400
    assert "Personen er ikke i PPR: angiv forældremyndighedens samtykke" in (
        refused.content.decode()
    )
    assert counts() == before
    basis = {"basis": "Samtykke fra forældremyndigheden", "basis_note": "Mor, mundtligt"}
    typed = {"membership_name": "sundhed", "role": "Sundhedsplejerske"}
    assert client.post(f"/forloeb/{case.pk}/team/", {**typed, **basis}).status_code == 302
    event = CaseEvent.objects.filter(case=case, kind=EventKind.MEMBER_ADDED).latest("pk")
    assert event.text.endswith("Grundlag: Samtykke fra forældremyndigheden (Mor, mundtligt)")
    # staff of PPR need none
    lead = {"membership": member(world, world.lead_a).pk, "role": "Leder"}
    assert client.post(f"/forloeb/{case.pk}/team/", lead).status_code == 302


def test_a_person_already_on_the_team_is_not_added_twice(world: World) -> None:
    case = world.extra["case"]
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/team/",
        {"membership": member(world, world.teacher_a).pk, "role": "Igen"},
    )
    assert response.status_code == 400
    assert "allerede med i teamet" in response.content.decode()


def test_changing_the_coordinator_keeps_the_history(world: World) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    response = client.post(
        f"/forloeb/{case.pk}/tovholder/",
        {"tovholder-membership": member(world, world.teacher_a).pk},
    )
    assert response.status_code == 302
    history = list(case.coordinators.order_by("pk"))
    assert [a.membership for a in history] == [
        member(world, world.ppr_a),
        member(world, world.teacher_a),
    ]
    assert history[0].to_on == today() and history[1].to_on is None
    page = client.get(f"/forloeb/{case.pk}/").content.decode()
    assert "Ny tovholder" in page and "Laerer_A" in page


def test_the_coordinator_cannot_leave_the_team_before_a_new_one_is_chosen(world: World) -> None:
    case = world.extra["case"]
    coordinator = CaseMember.objects.get(case=case, membership=member(world, world.ppr_a))
    client = world.client_for(world.ppr_a)
    response = client.post(f"/forloeb/team/{coordinator.pk}/stop/", follow=True)
    assert "Vælg først en ny tovholder" in response.content.decode()
    coordinator.refresh_from_db()
    assert coordinator.left_on is None


def test_only_the_coordinator_or_the_lead_stops_someone_else_on_the_team(world: World) -> None:
    case = world.extra["case"]
    teacher = CaseMember.objects.get(case=case, membership=member(world, world.teacher_a))
    psychologist = CaseMember.objects.get(case=case, membership=member(world, world.ppr_a))
    # Teacher A is on the team but not its coordinator: she cannot stop the psychologist,
    # and her page offers her no button for it.
    client = world.client_for(world.teacher_a)
    page = client.get(f"/forloeb/{case.pk}/").content.decode()
    assert f"/forloeb/team/{teacher.pk}/stop/" in page
    assert f"/forloeb/team/{psychologist.pk}/stop/" not in page
    health = member(world, world.health_a)
    other = CaseMember.objects.create(
        municipality=world.a, case=case, membership=health, role="Sundhed", joined_on=today()
    )
    response = client.post(f"/forloeb/team/{other.pk}/stop/")
    assert response.status_code == 403
    assert "Kun forløbets tovholder og PPR-lederen" in response.content.decode()
    other.refresh_from_db()
    assert other.left_on is None
    # A person outside the case gets 404, as for a member that does not exist.
    assert world.client_for(world.ppr_b).post(f"/forloeb/team/{other.pk}/stop/").status_code == 404
    # The coordinator stops the health visitor; the teacher stops herself.
    coordinator = world.client_for(world.ppr_a)
    assert coordinator.post(f"/forloeb/team/{other.pk}/stop/").status_code == 302
    other.refresh_from_db()
    assert other.left_on is not None
    assert client.post(f"/forloeb/team/{teacher.pk}/stop/").status_code == 302
    teacher.refresh_from_db()
    assert teacher.left_on is not None


def test_family_and_network_take_part_without_being_users(world: World) -> None:
    case = world.extra["case"]
    client = world.client_for(world.teacher_a)
    response = client.post(
        f"/forloeb/{case.pk}/deltagere/",
        {"deltager-name": "Hans Nielsen", "deltager-relation": "far", "deltager-contact": ""},
    )
    assert response.status_code == 302
    assert "Hans Nielsen (far)" in client.get(f"/forloeb/{case.pk}/").content.decode()


# --------------------------------------------------------------------------- goals


def goal_data(w: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "maal-text": "Oliver kommer i skole hver dag.",
        "maal-child_words": "Det er nemmere, når far følger mig.",
        "maal-responsible": member(w, w.ppr_a).pk,
        "maal-follow_up_on": days(21).isoformat(),
    }
    data.update(changes)
    return data


def test_a_goal_is_agreed_with_the_childs_own_words(world: World) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    assert client.post(f"/forloeb/{case.pk}/maal/", goal_data(world)).status_code == 302
    goal = Goal.objects.latest("pk")
    assert goal.child_words == "Det er nemmere, når far følger mig."
    assert goal.status == GoalStatus.ACTIVE
    page = client.get(f"/forloeb/{case.pk}/").content.decode()
    assert "»Det er nemmere, når far følger mig.«" in page


def test_a_goal_follow_up_date_in_the_past_is_refused_and_nothing_is_saved(
    world: World,
) -> None:
    case = world.extra["case"]
    before = counts()
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/maal/", goal_data(world, **{"maal-follow_up_on": days(-1).isoformat()})
    )
    assert response.status_code == 400
    assert "Opfølgningsdatoen kan ikke ligge før i dag." in response.content.decode()
    assert counts() == before


def test_a_goal_responsible_must_be_on_the_team(world: World) -> None:
    case = world.extra["case"]
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/maal/",
        goal_data(world, **{"maal-responsible": member(world, world.health_a).pk}),
    )
    assert response.status_code == 400
    assert "skal være med i forløbets team" in response.content.decode()


def test_following_up_a_goal_records_its_status_on_the_timeline(world: World) -> None:
    goal = world.extra["case_goal"]
    client = world.client_for(world.teacher_a)
    response = client.post(
        f"/forloeb/maal/{goal.pk}/",
        {
            f"maal{goal.pk}-status": "naaet",
            f"maal{goal.pk}-follow_up_on": goal.follow_up_on.isoformat(),
            f"maal{goal.pk}-note": "Spiller fodbold hver dag.",
        },
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    event = CaseEvent.objects.filter(kind=EventKind.GOAL_CHANGED).get()
    assert "I gang → Nået" in event.text and "Spiller fodbold" in event.text


# --------------------------------------------------------------------------- meetings, notes


def test_a_meeting_with_decisions_and_next_steps_is_on_the_timeline(world: World) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    response = client.post(
        f"/forloeb/{case.pk}/moeder/",
        {
            "moede-held_on": today().isoformat(),
            "moede-participants": "Mor, far, klasselærer, psykolog",
            "moede-decisions": "Legegruppe i frikvartererne to gange om ugen.",
            "moede-next_steps": "Ny status om tre uger.",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/forloeb/{case.pk}/").content.decode()
    assert "Legegruppe i frikvartererne to gange om ugen." in page


def test_a_meeting_in_the_future_is_refused(world: World) -> None:
    case = world.extra["case"]
    before = counts()
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/moeder/",
        {
            "moede-held_on": days(2).isoformat(),
            "moede-participants": "Mor",
            "moede-decisions": "Noget",
        },
    )
    assert response.status_code == 400
    assert "Mødedatoen kan ikke ligge i fremtiden." in response.content.decode()
    assert counts() == before


# --------------------------------------------------------------------------- deliveries


def delivery_data(w: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "intervention": w.extra["intervention_talks"].pk,
        "start": days(-7).isoformat(),
        "end": "",
        "status": "i_gang",
        "note": "",
        "hours_psykolog": "4,5",
        "hours_laerer": "2",
    }
    data.update(changes)
    return data


def test_a_delivery_records_start_and_hours_by_profession(world: World) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    response = client.post(f"/forloeb/{case.pk}/indsatser/", delivery_data(world))
    assert response.status_code == 302
    delivery = Delivery.objects.latest("pk")
    assert delivery.case == case and delivery.end is None
    assert {h.profession: h.hours for h in delivery.hours.all()} == {
        "psykolog": Decimal("4.5"),
        "laerer": Decimal("2.0"),
    }
    assert CaseEvent.objects.filter(case=case, kind=EventKind.DELIVERY_ADDED).exists()


def test_a_delivery_ending_before_it_starts_is_refused_and_nothing_is_saved(
    world: World,
) -> None:
    case = world.extra["case"]
    before = counts()
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/indsatser/",
        delivery_data(world, start=days(-2).isoformat(), end=days(-5).isoformat()),
    )
    assert response.status_code == 400
    assert "Slutdatoen kan ikke ligge før startdatoen." in response.content.decode()
    assert counts() == before


def test_negative_hours_are_refused_with_a_message_that_says_what_to_write(world: World) -> None:
    case = world.extra["case"]
    before = counts()
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/indsatser/", delivery_data(world, hours_psykolog="-3")
    )
    assert response.status_code == 400
    assert "Timer skal være et tal fra 0 til 2000" in response.content.decode()
    assert counts() == before


def test_changing_a_delivery_replaces_its_hours_and_a_bad_end_date_changes_nothing(
    world: World,
) -> None:
    delivery = world.extra["case_delivery"]
    client = world.client_for(world.ppr_a)
    url = f"/forloeb/indsatser/{delivery.pk}/"
    assert "6,0" in client.get(url).content.decode()
    bad = client.post(
        url,
        {
            "start": delivery.start.isoformat(),
            "end": (delivery.start - (days(1) - today())).isoformat(),
            "status": "afsluttet",
            "hours_psykolog": "9",
        },
    )
    assert bad.status_code == 400
    assert {h.profession for h in delivery.hours.all()} == {"psykolog", "laerer"}
    good = client.post(
        url,
        {
            "start": delivery.start.isoformat(),
            "end": today().isoformat(),
            "status": "afsluttet",
            "hours_psykolog": "9",
        },
    )
    assert good.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "afsluttet" and delivery.end == today()
    assert {h.profession: h.hours for h in delivery.hours.all()} == {"psykolog": Decimal("9.0")}


def test_the_delivery_page_suggests_catalogue_items_that_fit_the_child(world: World) -> None:
    case = world.extra["case"]
    page = world.client_for(world.ppr_a).get(f"/forloeb/{case.pk}/indsatser/").content.decode()
    assert "Samtaleforløb for børn med bekymringer" in page
    assert "Passer til alderen (8 år), målgruppen barn, samme niveau" in page
    suggestions = page.split("Forslag fra indsatsvifte")[1].split("<form")[0]
    assert "Trivselsforløb i klassen" not in suggestions  # a børnefællesskab item
    assert "Forældrekursus" not in suggestions  # for parents


# --------------------------------------------------------------------------- timeline


def test_the_timeline_shows_everything_that_happened_in_order(world: World) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    client.post(f"/forloeb/{case.pk}/maal/", goal_data(world))
    client.post(f"/forloeb/{case.pk}/notat/", {"notat-text": "Ringede til mor."})
    client.post(f"/forloeb/{case.pk}/indsatser/", delivery_data(world))
    page = client.get(f"/forloeb/{case.pk}/").content.decode()
    timeline = page.split('id="tidslinje"')[1]
    for label in ("Forløb startet", "Møde", "Mål aftalt", "Notat", "Indsats iværksat"):
        assert label in timeline, label
    assert timeline.index("Forløb startet") < timeline.index("Møde") < timeline.index("Notat")


# --------------------------------------------------------------------------- closing


def close_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "outcome": "maal_naaet",
        "closed_on": today().isoformat(),
        "close_psychiatry": "nej",
        "close_special_education": "nej",
        "close_social_measures": "nej",
        "close_medication": "nej",
        "note": "Oliver trives i klassen.",
    }
    data.update(changes)
    return data


def test_closing_without_an_outcome_is_refused_and_the_case_stays_open(world: World) -> None:
    case = world.extra["case"]
    before = counts()
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/afslut/", close_data(outcome="")
    )
    assert response.status_code == 400
    assert "Vælg et udfald for at afslutte forløbet." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.OPEN and case.closed_on is None
    assert counts() == before


def test_closing_needs_an_answer_for_each_kind_of_specialised_help(world: World) -> None:
    case = world.extra["case"]
    response = world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/afslut/", close_data(close_medication="")
    )
    assert response.status_code == 400
    assert "medicin for psykiske vanskeligheder" in response.content.decode()
    case.refresh_from_db()
    assert case.is_open


def test_closing_records_outcome_and_specialised_help_and_then_the_case_is_read_only(
    world: World,
) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    response = client.post(f"/forloeb/{case.pk}/afslut/", close_data(close_special_education="ja"))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == "maal_naaet"
    assert case.start_special_education is True and case.close_special_education is True
    assert case.close_medication is False
    page = client.get(f"/forloeb/{case.pk}/").content.decode()
    assert "Forløb afsluttet" in page and "Mål nået" in page

    before = counts()
    refused = client.post(f"/forloeb/{case.pk}/maal/", goal_data(world))
    assert refused.status_code == 400
    assert "Forløbet er afsluttet" in refused.content.decode()
    assert counts() == before
    # A note is still possible.
    assert (
        client.post(f"/forloeb/{case.pk}/notat/", {"notat-text": "Efterskrift."}).status_code == 302
    )


# --------------------------------------------------------------------------- catalogue


def intervention_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Konsultativ sparring med dagtilbud",
        "description": "PPR sparrer med personalet om et barn.",
        "level": "forebyggende",
        "kind": "konsultativ",
        "targets": ["barn", "fagprofessionelle"],
        "min_age": "0",
        "max_age": "6",
        "provider": "PPR",
        "expected_hours": "6",
        "expected_weeks": "6",
        "knowledge_base": "praksis",
        "knowledge_note": "",
        "pejlemaerker": ["2", "3"],
        "active": "on",
    }
    data.update(changes)
    return data


def test_the_lead_adds_an_intervention_to_the_catalogue(world: World) -> None:
    client = world.client_for(world.lead_a)
    response = client.post("/forloeb/indsatsvifte/ny/", intervention_data())
    assert response.status_code == 302
    item = Intervention.objects.get(name="Konsultativ sparring med dagtilbud")
    assert item.targets == ["barn", "fagprofessionelle"] and item.pejlemaerker == [2, 3]
    page = client.get(response["Location"]).content.decode()
    assert "2. Systematisk opmærksomhed" in page and "Erfaringsbaseret" in page


def test_an_intervention_with_ages_the_wrong_way_round_is_refused(world: World) -> None:
    before = Intervention.objects.count()
    response = world.client_for(world.lead_a).post(
        "/forloeb/indsatsvifte/ny/", intervention_data(min_age="12", max_age="6")
    )
    assert response.status_code == 400
    assert "Alderen »fra« kan ikke være højere end alderen »til«." in response.content.decode()
    assert Intervention.objects.count() == before


def test_a_name_already_in_the_catalogue_is_refused(world: World) -> None:
    response = world.client_for(world.lead_a).post(
        "/forloeb/indsatsvifte/ny/", intervention_data(name="forældrekursus")
    )
    assert response.status_code == 400
    assert "allerede en indsats med det navn" in response.content.decode()


def test_a_health_visitor_added_with_consent_sees_the_childs_screening_position(
    world: World,
) -> None:
    """Issue 17, item 5: the basis given when she joins is recorded as the health visitor
    unit's consent, so the position hidden for want of one is shown; before it, not."""
    from spor.screening.models import Consent, Recipient

    case = world.extra["case"]  # Oliver: agreed position "gul" in the world's round
    child_page = f"/trivsel/barn/{case.child_id}/"
    health = world.client_for(world.health_a)
    assert health.get(child_page).status_code == 404  # not on the team yet
    basis = {"basis": "Samtykke fra forældremyndigheden", "basis_note": "Mor, mundtligt"}
    data = {"membership": member(world, world.health_a).pk, "role": "Sundhedsplejerske"}
    client = world.client_for(world.ppr_a)
    assert client.post(f"/forloeb/{case.pk}/team/", {**data, **basis}).status_code == 302
    consent = Consent.objects.get(child=case.child, recipient=Recipient.HEALTH)
    assert consent.kind == Consent.Kind.CONSENT
    assert consent.given_by == "Samtykke fra forældremyndigheden (Mor, mundtligt)"
    assert consent.recorded_by == member(world, world.ppr_a)
    page = health.get(child_page).content.decode()
    assert "Ingen positioner, du kan se" not in page and "Gul" in page
    # Revoked: hidden again.
    Consent.objects.filter(pk=consent.pk).update(revoked_on=consent.valid_from)
    assert "Ingen positioner, du kan se" in health.get(child_page).content.decode()


def test_a_social_worker_added_on_a_legal_basis_gets_it_recorded_too(world: World) -> None:
    from spor.screening.models import Consent, Recipient

    case = world.extra["case"]
    data = {
        "membership": member(world, world.social_a).pk,
        "role": "Socialrådgiver",
        "basis": "Hjemmel i lovgivningen",
        "basis_note": "Barnets lov § 11",
    }
    assert world.client_for(world.ppr_a).post(f"/forloeb/{case.pk}/team/", data).status_code == 302
    consent = Consent.objects.get(child=case.child, recipient=Recipient.SOCIAL)
    assert consent.kind == Consent.Kind.LEGAL
    assert consent.legal_basis == "Hjemmel i lovgivningen (Barnets lov § 11)"
    page = world.client_for(world.social_a).get(f"/trivsel/barn/{case.child_id}/").content.decode()
    assert "Ingen positioner, du kan se" not in page


def _case_page(client: Any, url: str) -> tuple[str, list[str]]:
    """The case page a second time (the first warms the session), and its statements: taken
    at once, since the next request's start empties the connection's log of queries."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def test_the_case_page_names_its_people_in_the_same_number_of_queries_however_many(
    world: World,
) -> None:
    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    url = f"/forloeb/{case.pk}/"
    n_few = len(_case_page(client, url)[1])
    # Two more on the team, and a goal for one of them: more people on every list.
    for person in (world.social_a, world.teacher_a2):
        response = client.post(
            f"/forloeb/{case.pk}/team/",
            {
                "membership": member(world, person).pk,
                "role": "Støtte i hverdagen",
                "basis": "Hjemmel i lovgivningen",
            },
        )
        assert response.status_code == 302
    social = member(world, world.social_a).pk
    response = client.post(
        f"/forloeb/{case.pk}/maal/", goal_data(world, **{"maal-responsible": social})
    )
    assert response.status_code == 302
    page, many = _case_page(client, url)
    assert all(name in page for name in ("Social_A", "Laerer_A2", "Laerer_A", "Psykolog_A"))
    assert len(many) == n_few


def test_the_case_page_links_the_child_for_ppr_without_asking_the_register_again(
    world: World,
) -> None:
    case = world.extra["case"]
    page, asked = _case_page(world.client_for(world.ppr_a), f"/forloeb/{case.pk}/")
    assert f'href="/boern/{case.child_id}/"' in page
    # The case's child was read with the case: PPR sees every child of its municipality.
    assert not any(sql.startswith('SELECT 1 AS "a" FROM "registry_child"') for sql in asked)


def test_the_case_page_suggests_as_the_delivery_page_does_reading_the_deliveries_once(
    world: World,
) -> None:
    import re

    case = world.extra["case"]
    client = world.client_for(world.ppr_a)
    page, sqls = _case_page(client, f"/forloeb/{case.pk}/")
    asked = [sql for sql in sqls if 'FROM "cases_delivery"' in sql]
    others = client.get(f"/forloeb/{case.pk}/indsatser/").content.decode()
    reasons = re.findall(r'<span class="reason">(.*?)</span>', page)
    # The intervention the case already has is marked so on both pages.
    assert any("allerede iværksat i forløbet" in r for r in reasons), reasons
    assert all(r in others for r in reasons)
    assert len(asked) == 1, asked
