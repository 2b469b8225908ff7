"""Concerns as their users meet them: raising one, following it up, closing it."""

from __future__ import annotations

from django.test import Client

from spor.audit.models import AccessLogEntry, Action, Purpose
from spor.concerns.models import Concern, ConcernEvent, EventKind, Outcome, State
from spor.notifications.models import Notification
from tests import factories as f
from tests.concerns.helpers import days, member
from tests.conftest import CPR_A3, CPR_B1, World, cpr_forms


def new_concern_data(w: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "description": "Virker trist og holder sig for sig selv.",
        "category": "trivsel",
        "responsible": member(w, w.ppr_a).pk,
        "follow_up_on": days(14).isoformat(),
    }
    data.update(changes)
    return data


def counts() -> tuple[int, int]:
    return Concern.objects.count(), ConcernEvent.objects.count()


# --------------------------------------------------------------------------- raising


def test_a_teacher_raises_a_concern_about_a_child_in_her_class_and_lands_on_its_page(
    world: World,
) -> None:
    client = world.client_for(world.teacher_a)
    url = f"/bekymringer/ny/?barn={world.child_a1.pk}"
    form = client.get(url)
    assert form.status_code == 200
    assert "Oliver Nielsen" in form.content.decode()

    response = client.post(url, new_concern_data(world))
    concern = Concern.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == f"/bekymringer/{concern.pk}/"
    assert concern.child == world.child_a1
    assert concern.raised_by == member(world, world.teacher_a)
    assert concern.responsible == member(world, world.ppr_a)
    assert concern.state == State.NEW
    assert concern.events.get().kind == EventKind.CREATED
    assert AccessLogEntry.objects.filter(
        child=world.child_a1, action=Action.CREATE, purpose=Purpose.CASEWORK
    ).exists()

    page = client.get(response["Location"]).content.decode()
    assert "Bekymringen er oprettet." in page
    assert "Virker trist og holder sig for sig selv." in page
    assert "Oprettet" in page  # the first line of the follow-up log


def test_a_concern_form_sent_twice_makes_one_concern(world: World) -> None:
    import re

    client = world.client_for(world.teacher_a)
    url = f"/bekymringer/ny/?barn={world.child_a1.pk}"
    form = client.get(url).content.decode()
    key = re.search(r'name="submission" value="([0-9a-f-]{36})"', form)
    assert key is not None, "the form carries its one-time key"
    # Every showing of the empty form has its own key.
    assert key.group(1) not in client.get(url).content.decode()
    data = {**new_concern_data(world), "submission": key.group(1)}
    before = Concern.objects.count()
    first = client.post(url, data)
    again = client.post(url, data)  # a double click, or a resend after a timeout
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Concern.objects.count() == before + 1
    concern = Concern.objects.latest("pk")
    assert concern.events.count() == 1
    # Someone else sending the same key makes nothing and learns nothing of the concern.
    other = world.client_for(world.ppr_a).post(url, data)
    assert other.status_code == 400
    assert "Formularen er allerede brugt" in other.content.decode()
    assert Concern.objects.count() == before + 1
    # A new form (a new key) makes a new concern.
    page = client.get(url).content.decode()
    fresh = re.search(r'name="submission" value="([0-9a-f-]{36})"', page)
    assert fresh is not None
    client.post(url, {**data, "submission": fresh.group(1)})
    assert Concern.objects.count() == before + 2


def test_a_concern_about_a_group_is_raised_from_the_group(world: World) -> None:
    client = world.client_for(world.teacher_a)
    url = f"/bekymringer/ny/?gruppe={world.class_a.pk}"
    assert "3.A" in client.get(url).content.decode()
    response = client.post(url, new_concern_data(world, category="sociale_relationer"))
    assert response.status_code == 302
    concern = Concern.objects.latest("pk")
    assert concern.group == world.class_a and concern.child is None


def test_a_red_screening_position_leads_to_a_concern_in_one_step(world: World) -> None:
    client = world.client_for(world.teacher_a)
    url = f"/bekymringer/ny/?barn={world.child_a1.pk}&vurdering=42"
    page = client.get(url).content.decode()
    assert "trivselsvurdering" in page
    assert 'value="trivsel" selected' in page
    client.post(url, new_concern_data(world))
    assert Concern.objects.latest("pk").source_assessment_id == 42


def test_a_follow_up_date_in_the_past_is_refused_and_nothing_is_saved(world: World) -> None:
    before = counts()
    response = world.client_for(world.teacher_a).post(
        f"/bekymringer/ny/?barn={world.child_a1.pk}",
        new_concern_data(world, follow_up_on=days(-1).isoformat()),
    )
    assert response.status_code == 400
    assert "Opfølgningsdatoen kan ikke ligge før i dag" in response.content.decode()
    assert counts() == before


def test_missing_fields_get_clear_danish_errors(world: World) -> None:
    response = world.client_for(world.teacher_a).post(
        f"/bekymringer/ny/?barn={world.child_a1.pk}", {}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Beskriv kort, hvad bekymringen går ud på." in html
    assert "Vælg en kategori." in html
    assert "Angiv en opfølgningsdato." in html


def test_a_child_of_another_municipality_cannot_be_chosen(world: World) -> None:
    client = world.client_for(world.teacher_a)
    assert client.get(f"/bekymringer/ny/?barn={world.child_b1.pk}").status_code == 404
    before = counts()
    response = client.post(f"/bekymringer/ny/?barn={world.child_b1.pk}", new_concern_data(world))
    assert response.status_code == 404
    # Found by CPR (PPR): only within the municipality, and the number is never shown again.
    response = world.client_for(world.ppr_a).post(
        "/bekymringer/ny/", new_concern_data(world, cpr=CPR_B1)
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Der er intet barn med dette CPR-nummer i kommunen" in html
    assert not any(form in html for form in cpr_forms(CPR_B1))
    assert counts() == before


def test_a_teacher_cannot_pick_a_child_outside_her_groups_by_id(world: World) -> None:
    response = world.client_for(world.teacher_a).get(f"/bekymringer/ny/?barn={world.child_a2.pk}")
    assert response.status_code == 404


def test_a_responsible_person_from_another_municipality_is_refused(world: World) -> None:
    before = counts()
    response = world.client_for(world.teacher_a).post(
        f"/bekymringer/ny/?barn={world.child_a1.pk}",
        new_concern_data(world, responsible=member(world, world.ppr_b).pk),
    )
    assert response.status_code == 400
    assert "Den ansvarlige skal være en aktiv medarbejder i din kommune." in (
        response.content.decode()
    )
    assert counts() == before


def test_the_responsible_field_searches_instead_of_listing_everyone(world: World) -> None:
    # The field used to be a select of every member of staff (~250 names in a real office).
    client = world.client_for(world.teacher_a)
    text = client.get(f"/bekymringer/ny/?barn={world.child_a1.pk}").content.decode()
    assert (
        'value="Laerer_A (laerer_a)"' in text
        and 'data-person-search="/bekymringer/personer/"' in text
    )
    assert "Psykolog_A" not in text and "Leder_A" not in text and "<optgroup" not in text
    found = client.get("/bekymringer/personer/", {"q": "psyk"}).json()["results"]
    assert [p["label"] for p in found] == ["Psykolog_A (psykolog_a)"]
    assert found[0]["id"] == member(world, world.ppr_a).pk
    assert client.get("/bekymringer/personer/", {"q": "leder_b"}).json() == {"results": []}
    assert client.get("/bekymringer/personer/", {"q": "p"}).json() == {"results": []}
    # Bby's staff search Bby only; no role, no answer; not logged in: the login page.
    other = world.client_for(world.teacher_b).get("/bekymringer/personer/", {"q": "psykolog"})
    assert [p["label"] for p in other.json()["results"]] == ["Psykolog_B (psykolog_b)"]
    nobody = f.user("ingen_rolle")
    assert world.client_for(nobody).get("/bekymringer/personer/", {"q": "psyk"}).status_code == 404
    assert Client().get("/bekymringer/personer/", {"q": "psyk"}).status_code == 302


def test_a_typed_name_finds_the_responsible_person_without_javascript(world: World) -> None:
    client = world.client_for(world.teacher_a)
    url = f"/bekymringer/ny/?barn={world.child_a1.pk}"
    data = new_concern_data(world, responsible="", responsible_name="psykolog")
    assert client.post(url, data).status_code == 302
    assert Concern.objects.latest("pk").responsible == member(world, world.ppr_a)
    before = counts()
    several = client.post(url, {**data, "responsible_name": "_a"})
    html = several.content.decode()
    assert several.status_code == 400
    assert "Flere medarbejdere passer på »_a«" in html and "Psykolog_A (psykolog_a)" in html
    nobody = client.post(url, {**data, "responsible_name": "Psykolog_B"})
    assert nobody.status_code == 400
    assert "Ingen aktiv medarbejder i kommunen passer på »Psykolog_B«" in nobody.content.decode()
    # a name that no longer reads as the chosen person's is searched again
    chosen = {**data, "responsible": member(world, world.lead_a).pk}
    assert client.post(url, {**chosen, "responsible_name": "Psykolog_B"}).status_code == 400
    assert counts() == before


def test_the_person_made_responsible_is_notified(world: World) -> None:
    client = world.client_for(world.teacher_a)
    client.post(f"/bekymringer/ny/?barn={world.child_a1.pk}", new_concern_data(world))
    concern = Concern.objects.latest("pk")
    [note] = Notification.objects.filter(recipient=world.ppr_a, kind="bekymring")
    assert note.link == f"/bekymringer/{concern.pk}/"
    assert "Oliver" not in note.text and f"#{concern.pk}" in note.text
    # handing it on tells the new person; choosing oneself tells nobody
    ppr = world.client_for(world.ppr_a)
    ppr.post(
        f"/bekymringer/{concern.pk}/ansvarlig/",
        {"ansvarlig-responsible_name": "Leder_A (leder_a)"},
    )
    assert Notification.objects.filter(recipient=world.lead_a, kind="bekymring").count() == 1
    ppr.post(
        f"/bekymringer/{concern.pk}/ansvarlig/",
        {"ansvarlig-responsible_name": "Psykolog_A (psykolog_a)"},
    )
    assert Notification.objects.filter(recipient=world.ppr_a, kind="bekymring").count() == 1
    page = world.client_for(world.lead_a).get("/notifikationer/").content.decode()
    assert f"bekymring #{concern.pk}" in page


def test_a_teacher_chooses_the_child_from_her_own_groups_never_by_cpr(world: World) -> None:
    client = world.client_for(world.teacher_a)
    page = client.get("/bekymringer/ny/").content.decode()
    assert 'name="cpr"' not in page and "CPR-nummer" not in page
    assert f'value="barn-{world.child_a1.pk}"' in page and "Oliver Nielsen" in page
    assert f'value="gruppe-{world.class_a.pk}"' in page
    assert "Ida" not in page and "Noah" not in page  # other classes, other municipalities
    response = client.post(
        "/bekymringer/ny/", new_concern_data(world, subject=f"barn-{world.child_a1.pk}")
    )
    assert response.status_code == 302
    assert Concern.objects.latest("pk").child == world.child_a1
    group = client.post(
        "/bekymringer/ny/", new_concern_data(world, subject=f"gruppe-{world.class_a.pk}")
    )
    assert group.status_code == 302 and Concern.objects.latest("pk").group == world.class_a
    before = counts()
    for subject in (f"barn-{world.child_a2.pk}", f"barn-{world.child_b1.pk}", ""):
        refused = client.post("/bekymringer/ny/", new_concern_data(world, subject=subject))
        assert refused.status_code == 400
        assert "Vælg barnet eller gruppen, bekymringen handler om." in refused.content.decode()
    # a CPR number sent anyway is not looked up
    by_cpr = client.post("/bekymringer/ny/", new_concern_data(world, cpr=CPR_A3))
    assert by_cpr.status_code == 400 and counts() == before


def test_a_health_visitor_raises_a_concern_about_a_child_found_by_cpr(world: World) -> None:
    client = world.client_for(world.health_a)
    response = client.post("/bekymringer/ny/", new_concern_data(world, cpr=CPR_A3))
    assert response.status_code == 302
    concern = Concern.objects.latest("pk")
    assert concern.child == world.child_a3
    assert concern.raised_by == member(world, world.health_a)
    # She sees what she raised, though not the child's page in the registry.
    page = client.get(response["Location"]).content.decode()
    assert "William Larsen" in page
    assert f'href="/boern/{world.child_a3.pk}/"' not in page
    assert not any(form in page for form in cpr_forms(CPR_A3))
    assert "William Larsen" in client.get("/bekymringer/").content.decode()


def test_a_cpr_number_is_not_shown_back_when_the_form_has_other_errors(world: World) -> None:
    response = world.client_for(world.health_a).post(
        "/bekymringer/ny/", new_concern_data(world, cpr=CPR_A3, description="")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert not any(form in html for form in cpr_forms(CPR_A3))
    assert "William" not in html
    assert not Concern.objects.filter(child=world.child_a3).exists()


def test_a_malformed_cpr_number_gets_the_validators_danish_message(world: World) -> None:
    response = world.client_for(world.health_a).post(
        "/bekymringer/ny/", new_concern_data(world, cpr="12345")
    )
    assert response.status_code == 400
    assert "10 cifre" in response.content.decode()


# --------------------------------------------------------------------------- who sees what


def test_each_role_sees_the_concerns_its_rule_allows(world: World) -> None:
    url = f"/bekymringer/{world.extra['concern_child'].pk}/"
    expected = {
        world.lead_a: 200,  # PPR: the whole municipality
        world.ppr_a: 200,
        world.teacher_a: 200,  # raised it; the child is also in her class
        world.teacher_a2: 404,  # another class
        world.health_a: 404,  # neither raised it nor responsible
        world.social_a: 404,
        world.lead_b: 404,  # another municipality
    }
    got = {user: world.client_for(user).get(url).status_code for user in expected}
    assert got == expected


def test_a_teacher_sees_concerns_about_children_now_in_her_class(world: World) -> None:
    other = Concern.objects.create(
        municipality=world.a,
        child=world.child_a1,
        description="PPR's egen bekymring.",
        category="sprog",
        raised_by=member(world, world.ppr_a),
        responsible=member(world, world.ppr_a),
        follow_up_on=days(3),
    )
    html = world.client_for(world.teacher_a).get("/bekymringer/?vis=alle").content.decode()
    assert f"/bekymringer/{other.pk}/" in html
    mine = world.client_for(world.teacher_a).get("/bekymringer/").content.decode()
    assert f"/bekymringer/{other.pk}/" not in mine


def test_my_concerns_lists_what_i_raised_or_follow_up_and_hides_closed_ones(world: World) -> None:
    client = world.client_for(world.ppr_a)
    concern = world.extra["concern_child"]
    assert f"/bekymringer/{concern.pk}/" in client.get("/bekymringer/").content.decode()
    client.post(f"/bekymringer/{concern.pk}/luk/", {"luk-outcome": Outcome.NO_ACTION})
    assert f"/bekymringer/{concern.pk}/" not in client.get("/bekymringer/").content.decode()
    with_closed = client.get("/bekymringer/?lukkede=1").content.decode()
    assert f"/bekymringer/{concern.pk}/" in with_closed
    assert "Ingen yderligere handling" in with_closed


# --------------------------------------------------------------------------- access log


def test_every_read_of_a_childs_concern_is_in_the_access_log(world: World) -> None:
    concern = world.extra["concern_child"]
    client = world.client_for(world.ppr_a)
    start = AccessLogEntry.objects.count()
    client.get(f"/bekymringer/{concern.pk}/")
    client.get("/bekymringer/")
    client.get(f"/bekymringer/barn/{world.child_a1.pk}/")
    entries = list(AccessLogEntry.objects.order_by("pk")[start:])
    assert [(e.child_id, e.action, e.purpose) for e in entries] == [
        (world.child_a1.pk, Action.VIEW, Purpose.CASEWORK),
        (world.child_a1.pk, Action.LIST, Purpose.CASEWORK),
        (world.child_a1.pk, Action.VIEW, Purpose.CASEWORK),
    ]
    assert entries[0].actor == world.ppr_a


def test_a_group_concern_names_no_child_in_the_access_log(world: World) -> None:
    start = AccessLogEntry.objects.count()
    world.client_for(world.teacher_a).get(f"/bekymringer/{world.extra['concern_group'].pk}/")
    assert AccessLogEntry.objects.count() == start


# --------------------------------------------------------------------------- follow-up


def test_a_note_is_appended_to_the_follow_up_log(world: World) -> None:
    concern = world.extra["concern_child"]
    client = world.client_for(world.teacher_a)
    response = client.post(f"/bekymringer/{concern.pk}/notat/", {"note-text": "Mor ringede."})
    assert response.status_code == 302
    page = client.get(f"/bekymringer/{concern.pk}/").content.decode()
    assert "Mor ringede." in page and "Notatet er gemt." in page
    assert AccessLogEntry.objects.filter(child=world.child_a1, action=Action.CHANGE).exists()


def test_an_empty_note_is_refused(world: World) -> None:
    concern = world.extra["concern_child"]
    before = counts()
    response = world.client_for(world.teacher_a).post(
        f"/bekymringer/{concern.pk}/notat/", {"note-text": "  "}
    )
    assert response.status_code == 400
    assert "Skriv notatet, før du gemmer det." in response.content.decode()
    assert counts() == before


def test_the_state_changes_and_the_log_says_from_what_to_what(world: World) -> None:
    concern = world.extra["concern_child"]
    client = world.client_for(world.ppr_a)
    client.post(f"/bekymringer/{concern.pk}/status/", {"status-state": State.WAITING})
    concern.refresh_from_db()
    assert concern.state == State.WAITING
    event = concern.events.latest("pk")
    assert (event.kind, event.from_value, event.to_value) == (
        EventKind.STATE,
        "Under opfølgning",
        "Afventer",
    )


def test_closing_by_changing_state_is_refused(world: World) -> None:
    concern = world.extra["concern_child"]
    response = world.client_for(world.ppr_a).post(
        f"/bekymringer/{concern.pk}/status/", {"status-state": State.CLOSED}
    )
    assert response.status_code == 400
    concern.refresh_from_db()
    assert concern.state == State.FOLLOWING_UP


def test_the_follow_up_date_moves_forward_but_not_into_the_past(world: World) -> None:
    concern = world.extra["concern_child"]
    client = world.client_for(world.ppr_a)
    bad = client.post(
        f"/bekymringer/{concern.pk}/opfoelgning/", {"opf-follow_up_on": days(-3).isoformat()}
    )
    assert bad.status_code == 400
    assert "Opfølgningsdatoen kan ikke ligge før i dag" in bad.content.decode()
    concern.refresh_from_db()
    assert concern.follow_up_on == days(7)

    good = client.post(
        f"/bekymringer/{concern.pk}/opfoelgning/",
        {"opf-follow_up_on": days(30).strftime("%d.%m.%Y"), "opf-text": "Afventer PPR."},
    )
    assert good.status_code == 302
    concern.refresh_from_db()
    assert concern.follow_up_on == days(30)
    event = concern.events.latest("pk")
    assert event.kind == EventKind.FOLLOW_UP
    assert event.to_value == days(30).strftime("%d.%m.%Y")
    assert event.text == "Afventer PPR."


def test_the_responsible_person_changes_within_the_municipality_only(world: World) -> None:
    concern = world.extra["concern_child"]
    client = world.client_for(world.ppr_a)
    bad = client.post(
        f"/bekymringer/{concern.pk}/ansvarlig/",
        {"ansvarlig-responsible": member(world, world.ppr_b).pk},
    )
    assert bad.status_code == 400
    assert "aktiv medarbejder i din kommune" in bad.content.decode()
    concern.refresh_from_db()
    assert concern.responsible == member(world, world.ppr_a)

    good = client.post(
        f"/bekymringer/{concern.pk}/ansvarlig/",
        {"ansvarlig-responsible": member(world, world.lead_a).pk},
    )
    assert good.status_code == 302
    concern.refresh_from_db()
    assert concern.responsible == member(world, world.lead_a)
    assert concern.events.latest("pk").from_value == "Psykolog_A"


def test_closing_without_an_outcome_is_refused_and_nothing_changes(world: World) -> None:
    concern = world.extra["concern_child"]
    before = counts()
    response = world.client_for(world.ppr_a).post(f"/bekymringer/{concern.pk}/luk/", {})
    assert response.status_code == 400
    assert "Vælg et udfald for at lukke bekymringen." in response.content.decode()
    concern.refresh_from_db()
    assert concern.state == State.FOLLOWING_UP and concern.outcome == ""
    assert counts() == before


def test_an_underretning_without_its_date_is_refused(world: World) -> None:
    concern = world.extra["concern_child"]
    before = counts()
    response = world.client_for(world.ppr_a).post(
        f"/bekymringer/{concern.pk}/luk/", {"luk-outcome": Outcome.NOTIFICATION}
    )
    assert response.status_code == 400
    assert "Angiv datoen, underretningen blev sendt" in response.content.decode()
    concern.refresh_from_db()
    assert concern.is_open
    assert counts() == before


def test_an_underretning_is_recorded_with_its_date(world: World) -> None:
    concern = world.extra["concern_child"]
    client = world.client_for(world.ppr_a)
    response = client.post(
        f"/bekymringer/{concern.pk}/luk/",
        {"luk-outcome": Outcome.NOTIFICATION, "luk-underretning_on": days(0).isoformat()},
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert (concern.state, concern.outcome, concern.underretning_on) == (
        State.CLOSED,
        Outcome.NOTIFICATION,
        days(0),
    )
    assert concern.closed_at is not None
    page = client.get(f"/bekymringer/{concern.pk}/").content.decode()
    assert "Underretning til socialforvaltningen" in page
    assert "Luk bekymringen</button>" not in page  # a closed concern offers no changes


def test_a_closed_concern_cannot_be_changed_but_takes_notes(world: World) -> None:
    concern = world.extra["concern_child"]
    client = world.client_for(world.ppr_a)
    client.post(f"/bekymringer/{concern.pk}/luk/", {"luk-outcome": Outcome.ADVICE})
    again = client.post(f"/bekymringer/{concern.pk}/status/", {"status-state": State.NEW})
    assert again.status_code == 400
    assert "Bekymringen er lukket" in again.content.decode()
    note = client.post(f"/bekymringer/{concern.pk}/notat/", {"note-text": "Forældre orienteret."})
    assert note.status_code == 302


def test_a_teacher_who_only_sees_the_concern_may_add_a_note_but_not_close_it(
    world: World,
) -> None:
    concern = Concern.objects.create(
        municipality=world.a,
        child=world.child_a1,
        description="PPR's egen bekymring.",
        category="sprog",
        raised_by=member(world, world.ppr_a),
        responsible=member(world, world.ppr_a),
        follow_up_on=days(3),
    )
    client = world.client_for(world.teacher_a)
    page = client.get(f"/bekymringer/{concern.pk}/").content.decode()
    assert "Tilføj notat" in page and "Luk bekymringen" not in page
    response = client.post(f"/bekymringer/{concern.pk}/luk/", {"luk-outcome": Outcome.ADVICE})
    assert response.status_code == 403
    assert "Kun PPR, den der oprettede bekymringen, og den ansvarlige" in (
        response.content.decode()
    )
    concern.refresh_from_db()
    assert concern.is_open


def test_an_action_address_opened_directly_goes_to_the_concern(world: World) -> None:
    concern = world.extra["concern_child"]
    response = world.client_for(world.ppr_a).get(f"/bekymringer/{concern.pk}/luk/")
    assert response.status_code == 302
    assert response["Location"] == f"/bekymringer/{concern.pk}/#close_form"


# --------------------------------------------------------------------------- overdue


def make_overdue(concern: Concern, days_late: int = 2) -> None:
    Concern.objects.filter(pk=concern.pk).update(follow_up_on=days(-days_late))


def test_my_overdue_list_shows_what_i_must_follow_up(world: World) -> None:
    make_overdue(world.extra["concern_child"])
    html = world.client_for(world.ppr_a).get("/bekymringer/forfaldne/").content.decode()
    assert "Oliver Nielsen" in html and "forfalden" in html
    teacher = world.client_for(world.teacher_a).get("/bekymringer/forfaldne/").content.decode()
    assert "Oliver Nielsen" not in teacher  # she raised it; PPR follows it up
    assert "Ingen forfaldne bekymringer." in teacher


def test_a_concern_due_today_is_listed_as_due_not_overdue(world: World) -> None:
    Concern.objects.filter(pk=world.extra["concern_child"].pk).update(follow_up_on=days(0))
    html = world.client_for(world.ppr_a).get("/bekymringer/forfaldne/").content.decode()
    assert "Til opfølgning i dag (1)" in html
    assert "Opfølgningsdatoen er overskredet (0)" in html


def test_the_lead_sees_overdue_concerns_per_person_and_per_unit(world: World) -> None:
    make_overdue(world.extra["concern_child"])
    make_overdue(world.extra["concern_group"])
    client = world.client_for(world.lead_a)
    people = client.get("/bekymringer/forfaldne/personer/").content.decode()
    ppr = member(world, world.ppr_a)
    assert f"/bekymringer/forfaldne/personer/{ppr.pk}/" in people
    assert "Psykolog_A" in people and "Laerer_A" in people
    person = client.get(f"/bekymringer/forfaldne/personer/{ppr.pk}/").content.decode()
    assert "Oliver Nielsen" in person

    units = client.get("/bekymringer/forfaldne/enheder/").content.decode()
    assert "Aby Skole" in units
    assert f"/bekymringer/forfaldne/enheder/{world.school_a.pk}/" in units
    unit = client.get(f"/bekymringer/forfaldne/enheder/{world.school_a.pk}/").content.decode()
    assert "Oliver Nielsen" in unit and "3.A" in unit


def test_only_ppr_gets_the_overviews_across_people_and_units(world: World) -> None:
    client = world.client_for(world.teacher_a)
    assert client.get("/bekymringer/forfaldne/personer/").status_code == 404
    assert client.get("/bekymringer/forfaldne/enheder/").status_code == 404
    others = member(world, world.ppr_a).pk
    assert client.get(f"/bekymringer/forfaldne/personer/{others}/").status_code == 404
    mine = member(world, world.teacher_a).pk
    assert client.get(f"/bekymringer/forfaldne/personer/{mine}/").status_code == 200


def test_the_childs_concern_page_lists_open_and_closed_concerns(world: World) -> None:
    client = world.client_for(world.ppr_a)
    html = client.get(f"/bekymringer/barn/{world.child_a1.pk}/").content.decode()
    assert f"/bekymringer/{world.extra['concern_child'].pk}/" in html
    assert f"/bekymringer/ny/?barn={world.child_a1.pk}" in html


def test_the_list_of_concerns_takes_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    teacher, ppr = member(world, world.teacher_a), member(world, world.ppr_a)
    Concern.objects.bulk_create(
        Concern(
            municipality=world.a,
            child=world.child_a2 if n % 2 else None,
            group=None if n % 2 else world.class_a2,
            description=f"Bekymring {n}",
            category="andet",
            raised_by=teacher,
            responsible=ppr,
            follow_up_on=days(n - 10),
        )
        for n in range(40)
    )
    client = world.client_for(world.lead_a)
    # A session's first request also remembers where its person acts (a write of the
    # session): the pages after it are what the person waits for.
    client.get("/")
    # On PostgreSQL one of them sets the tenant (and the suite's app role,
    # SPOR_DATABASE_SET_ROLE).
    with django_assert_max_num_queries(12):
        html = client.get("/bekymringer/?vis=alle").content.decode()
    assert "42 bekymringer" in html
    with django_assert_max_num_queries(13):
        client.get("/bekymringer/forfaldne/enheder/")


def test_a_row_the_teacher_rates_red_offers_a_concern_at_once(world: World) -> None:
    # The link used to appear only on a red *agreed* position: a teacher who rated a child
    # red in her own grid went through five pages to raise the concern.
    client = world.client_for(world.teacher_a)
    grid = f"/trivsel/{world.extra['round'].pk}/gruppe/{world.class_a.pk}/"
    child = world.child_a1.pk
    red = {f"r-{child}-trivsel": "roed", f"r-{child}-udvikling": "groen"}
    red.update({f"r-{child}-laering": "groen", f"r-{child}-relationer": "groen"})
    saved = client.post(grid, {**red, "handling": "raekke", "barn": child}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert f'href="/bekymringer/ny/?barn={child}"' in saved.content.decode()
    page = client.get(grid).content.decode()
    own = world.extra["own"]
    link = f"/bekymringer/ny/?barn={child}&amp;vurdering={own.pk}"
    assert link in page
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert "Oliver Nielsen" in form and 'value="trivsel" selected' in form
    # a row that is not red offers none
    green = {k: "groen" for k in red}
    calm = client.post(grid, {**green, "handling": "raekke", "barn": child}, HTTP_HX_REQUEST="true")
    assert "/bekymringer/ny/" not in calm.content.decode()
    assert "/bekymringer/ny/" not in client.get(grid).content.decode()


def test_a_concern_a_forloeb_starts_from_says_so_and_leaves_the_overdue_lists(
    world: World,
) -> None:
    concern = world.extra["concern_child"]
    Concern.objects.filter(pk=concern.pk).update(follow_up_on=days(-3))
    ppr = world.client_for(world.ppr_a)
    assert f"/bekymringer/{concern.pk}/" in ppr.get("/bekymringer/forfaldne/").content.decode()
    response = ppr.post(
        f"/forloeb/nyt/?bekymring={concern.pk}",
        {
            "title": "Angst",
            "level": "foregribende",
            "opened_on": days(0).isoformat(),
            "coordinator": member(world, world.ppr_a).pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case_id = int(response["Location"].strip("/").split("/")[-1])
    concern.refresh_from_db()
    assert concern.state == State.CLOSED and concern.outcome == Outcome.CASE
    page = ppr.get(f"/bekymringer/{concern.pk}/").content.decode()
    assert "Forløb startet" in page
    assert f'href="/forloeb/{case_id}/"' in page and "er startet ud fra bekymringen" in page
    assert f"/bekymringer/{concern.pk}/" not in ppr.get("/bekymringer/forfaldne/").content.decode()
    assert concern.events.latest("pk").text == f"Forløb #{case_id} er startet ud fra bekymringen."
