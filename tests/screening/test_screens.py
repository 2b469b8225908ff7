"""Trivselsvurdering through the screens: the user's path with Django's test client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spor.audit.models import AccessLogEntry, Purpose
from spor.lib import paging
from spor.screening import services, views
from spor.screening.models import (
    Assessment,
    Consent,
    ParentNotice,
    RoundGroup,
    ScreeningRound,
)
from tests import factories as f
from tests.conftest import World
from tests.screening.helpers import ALL_GREEN, screening_log

TODAY = timezone.localdate()
HTMX = {"HTTP_HX_REQUEST": "true"}


def grid_url(w: World, group=None) -> str:  # type: ignore[no-untyped-def]
    return f"/trivsel/{w.extra['round'].pk}/gruppe/{(group or w.class_a).pk}/"


def row(child, ratings, **extra):  # type: ignore[no-untyped-def]
    data = {f"r-{child.pk}-{k}": v for k, v in ratings.items()}
    data.update({"handling": "raekke", "barn": str(child.pk), **extra})
    return data


def test_a_teacher_finds_her_group_in_the_open_round_and_opens_the_grid(world: World) -> None:
    client = world.client_for(world.teacher_a)
    page = client.get("/trivsel/").content.decode()
    assert "Mine grupper i åbne runder" in page
    assert grid_url(world) in page
    assert f"/trivsel/{world.extra['round_b'].pk}/" not in page

    response = client.get(grid_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Oliver Nielsen" in html
    assert "Ida Hansen" not in html  # 4.B
    assert f'type="radio" name="r-{world.child_a1.pk}-trivsel" value="gul" checked' in html
    assert "Forældrene blev informeret" in html


def test_opening_the_grid_writes_the_access_log_for_every_child_shown(world: World) -> None:
    client = world.client_for(world.teacher_a)
    client.get(grid_url(world))
    (entry,) = screening_log(world.child_a1)
    assert entry.action == "liste" and entry.purpose == Purpose.SCREENING
    assert entry.actor_id == world.teacher_a.pk


def test_saving_as_you_go_saves_one_row_and_answers_a_small_status(world: World) -> None:
    client = world.client_for(world.teacher_a)
    response = client.post(
        grid_url(world), row(world.child_a1, {**ALL_GREEN, "relationer": "roed"}), **HTMX
    )
    assert response.status_code == 200
    assert response.content.decode().strip().startswith("Gemt ")
    own = Assessment.objects.get(pk=world.extra["own"].pk)
    assert own.ratings["relationer"] == "roed" and own.position == "roed"
    assert screening_log(world.child_a1)[-1].action == "aendr"


def test_saving_focus_points_and_a_note_as_you_go(world: World) -> None:
    client = world.client_for(world.teacher_a)
    pk = world.child_a1.pk
    data = row(world.child_a1, {**ALL_GREEN, "trivsel": "gul"})
    data.update({f"f-{pk}-trivsel": ["uro", "utryg"], f"n-{pk}": "Mere uro efter jul."})
    client.post(grid_url(world), data, **HTMX)
    own = Assessment.objects.get(pk=world.extra["own"].pk)
    assert own.focus == {"trivsel": ["uro", "utryg"]}
    assert own.note == "Mere uro efter jul."


def test_a_colour_outside_the_scale_gets_a_clear_message_and_nothing_is_saved(
    world: World,
) -> None:
    client = world.client_for(world.teacher_a)
    response = client.post(grid_url(world), row(world.child_a1, {"trivsel": "blaa"}), **HTMX)
    assert "»blaa« er ikke på skalaen. Vælg grøn, gul eller rød." in response.content.decode()
    assert Assessment.objects.get(pk=world.extra["own"].pk).ratings["trivsel"] == "gul"
    # Without htmx the answer says it is an error.
    response = client.post(grid_url(world), row(world.child_a1, {"trivsel": "blaa"}))
    assert response.status_code == 400


def test_rating_a_child_from_another_group_through_the_grid_is_refused(world: World) -> None:
    client = world.client_for(world.teacher_a)
    response = client.post(grid_url(world), row(world.child_a2, ALL_GREEN), **HTMX)
    assert "kun vurdere børn i din egen gruppe" in response.content.decode()
    assert not Assessment.objects.filter(child=world.child_a2).exists()


def test_the_save_button_saves_the_whole_grid_without_javascript(world: World) -> None:
    alma = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    client = world.client_for(world.teacher_a)
    data = {"handling": "gem", "boern": [str(world.child_a1.pk), str(alma.pk)]}
    for child, colour in ((world.child_a1, "groen"), (alma, "gul")):
        data.update({f"r-{child.pk}-{area}": colour for area in ALL_GREEN})
    response = client.post(grid_url(world), data)
    assert response.status_code == 302
    assert Assessment.objects.get(child=alma, is_agreement=False).position == "gul"
    assert Assessment.objects.get(pk=world.extra["own"].pk).position == "groen"
    assert "Gemt kl." in client.get(response["Location"]).content.decode()


def test_a_bad_value_in_the_whole_grid_saves_nothing_and_keeps_what_was_typed(
    world: World,
) -> None:
    alma = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    client = world.client_for(world.teacher_a)
    data = {
        "handling": "gem",
        "boern": [str(world.child_a1.pk), str(alma.pk)],
        f"r-{world.child_a1.pk}-trivsel": "roed",
        f"r-{alma.pk}-trivsel": "sort",
    }
    response = client.post(grid_url(world), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Intet er gemt" in html and "»sort« er ikke på skalaen" in html
    assert f'name="r-{world.child_a1.pk}-trivsel" value="roed" checked' in html
    assert Assessment.objects.get(pk=world.extra["own"].pk).ratings["trivsel"] == "gul"
    assert not Assessment.objects.filter(child=alma).exists()


def test_before_parents_are_informed_the_grid_asks_for_it_and_refuses_ratings(
    world: World,
) -> None:
    client = world.client_for(world.teacher_a2)
    url = grid_url(world, world.class_a2)
    html = client.get(url).content.decode()
    assert "Forældrene skal informeres, før der vurderes" in html
    assert f'name="r-{world.child_a2.pk}-trivsel" value="groen" disabled' in html

    response = client.post(url, row(world.child_a2, ALL_GREEN), **HTMX)
    assert "Forældrene er ikke registreret som informeret" in response.content.decode()
    assert not Assessment.objects.filter(child=world.child_a2).exists()

    response = client.post(
        f"/trivsel/{world.extra['round'].pk}/foraeldre/",
        {
            "group": world.class_a2.pk,
            "next": "gitter",
            "informed_on": TODAY.isoformat(),
            "how": "aula",
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    assert ParentNotice.objects.filter(group=world.class_a2).exists()
    client.post(url, row(world.child_a2, ALL_GREEN), **HTMX)
    assert Assessment.objects.get(child=world.child_a2).position == "groen"


def test_the_team_agreement_shows_colleagues_own_ratings_and_starts_from_them(
    world: World,
) -> None:
    f.assign(world.teacher_a2, world.class_a)
    alma = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    client = world.client_for(world.teacher_a)
    client.post(grid_url(world), row(alma, {**ALL_GREEN, "udvikling": "gul"}), **HTMX)
    colleague = world.client_for(world.teacher_a2)
    html = colleague.get(grid_url(world) + "?vurdering=faelles").content.decode()
    assert "Egne: Laerer_A: Gul" in html

    response = colleague.post(grid_url(world), {"handling": "fra-egne", "vurdering": "faelles"})
    assert response.status_code == 302
    agreed = Assessment.objects.get(child=alma, is_agreement=True)
    assert agreed.position == "gul" and agreed.updated_by.user == world.teacher_a2

    # The agreement is then adjusted cell by cell.
    colleague.post(grid_url(world), row(alma, ALL_GREEN, vurdering="faelles"), **HTMX)
    assert Assessment.objects.get(pk=agreed.pk).position == "groen"


def test_another_teacher_or_an_outsider_cannot_open_the_grid(world: World) -> None:
    for user in (world.teacher_a2, world.health_a, world.teacher_b):
        assert world.client_for(user).get(grid_url(world)).status_code == 404


def test_the_ppr_lead_sees_a_groups_counts_but_no_children(world: World) -> None:
    client = world.client_for(world.lead_a)
    response = client.get(grid_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Oliver" not in html and "Gul</dt><dd>1" in html.replace("\n", "").replace("  ", "")
    assert client.post(grid_url(world), row(world.child_a1, ALL_GREEN), **HTMX).status_code == 404


def test_the_lead_opens_a_round_through_the_form(world: World) -> None:
    client = world.client_for(world.lead_a)
    assert client.get("/trivsel/ny/").status_code == 200
    response = client.post(
        "/trivsel/ny/",
        {
            "name": "Trivsel forår 2027",
            "starts": "2027-03-01",
            "ends": "2027-04-01",
            "scope": "valgte",
            "institutions": [world.school_a.pk],
        },
    )
    r = ScreeningRound.objects.get(name="Trivsel forår 2027")
    assert response["Location"] == f"/trivsel/{r.pk}/"
    assert r.groups.count() == 2


def test_a_round_ending_before_it_starts_is_refused_on_the_form(world: World) -> None:
    client = world.client_for(world.lead_a)
    before = ScreeningRound.objects.count()
    response = client.post(
        "/trivsel/ny/",
        {"name": "Baglæns", "starts": "2027-03-01", "ends": "2027-02-01", "scope": "alle"},
    )
    assert response.status_code == 400
    assert "Slutdatoen ligger før startdatoen" in response.content.decode()
    assert ScreeningRound.objects.count() == before
    assert world.client_for(world.ppr_a).get("/trivsel/ny/").status_code == 404


def test_the_ppr_overview_counts_per_institution_without_children(world: World) -> None:
    client = world.client_for(world.ppr_a)
    html = client.get(f"/trivsel/{world.extra['round'].pk}/").content.decode()
    assert "Aby Skole" in html
    assert "Oliver" not in html and "Ida" not in html
    assert "Grupper, der ikke er færdigvurderet" in html and "4.B" in html
    assert "<svg" in html and "Kommunen: position pr. runde" in html
    assert not AccessLogEntry.objects.filter(purpose=Purpose.SCREENING).exists()

    inst = client.get(
        f"/trivsel/{world.extra['round'].pk}/institution/{world.school_a.pk}/"
    ).content.decode()
    assert "3.A" in inst and "4.B" in inst and "Oliver" not in inst
    teacher = world.client_for(world.teacher_a)
    assert (
        teacher.get(
            f"/trivsel/{world.extra['round'].pk}/institution/{world.school_a.pk}/"
        ).status_code
        == 404
    )


def _squash(html: str) -> str:
    return " ".join(html.split()).replace("> <", "><")


def test_the_overviews_institution_row_links_and_counts_and_escapes_the_name(
    world: World,
) -> None:
    round = world.extra["round"]
    world.school_a.name = "Aby Skole <Syd> & Co"
    world.school_a.save(update_fields=["name"])
    client = world.client_for(world.ppr_a)
    html = _squash(client.get(f"/trivsel/{round.pk}/").content.decode())
    link = f'<a href="/trivsel/{round.pk}/institution/{world.school_a.pk}/">'
    # Oliver is agreed yellow; Ida (4.B) has no rating; no group is done.
    assert (
        f'<tr><th scope="row">{link}Aby Skole &lt;Syd&gt; &amp; Co</a></th>'
        '<td class="num">0</td><td class="num">1</td><td class="num">0</td>'
        '<td class="num">1</td><td class="num">1 / 2</td></tr>'
    ) in html
    # A closed round has no column of children missing a position.
    assert world.client_for(world.lead_a).post(f"/trivsel/{round.pk}/luk/").status_code == 302
    html = _squash(client.get(f"/trivsel/{round.pk}/").content.decode())
    assert (
        f'{link}Aby Skole &lt;Syd&gt; &amp; Co</a></th><td class="num">0</td>'
        '<td class="num">1</td><td class="num">0</td><td class="num">1 / 2</td></tr>'
    ) in html


def test_the_overviews_list_of_groups_not_done_comes_in_pages_of_fifty(world: World) -> None:
    round = world.extra["round"]
    for n in range(55):
        g = f.group(world.school_a, f"Gruppe {n:02d}", grade=1)
        f.child(world.a, f"{(n % 28) + 1:02d}0618-4{n:03d}", "Barn", f"Nr{n}", groups=[g])
        RoundGroup.objects.create(municipality=world.a, round=round, group=g)
    services.round_refresh(round)
    client = world.client_for(world.ppr_a)
    first = client.get(f"/trivsel/{round.pk}/").content.decode()
    # 4.B and the 55 new groups are not done; 3.A is.
    assert "Grupper, der ikke er færdigvurderet (56)" in first and "Side 1 af 2" in first
    assert first.count(f'href="/trivsel/{round.pk}/gruppe/') == 50
    # By institution and name: 4.B first, then Gruppe 00 … 48.
    assert "4.B" in first and "Gruppe 48" in first and "Gruppe 49" not in first
    second = client.get(f"/trivsel/{round.pk}/?side=2").content.decode()
    assert "Side 2 af 2" in second and "Gruppe 49" in second and "Gruppe 54" in second
    assert second.count(f'href="/trivsel/{round.pk}/gruppe/') == 6
    assert f'href="/trivsel/{round.pk}/gruppe/{world.class_a.pk}/"' not in first + second


def test_the_follow_up_list_names_only_children_with_consent_and_links_to_a_concern(
    world: World,
) -> None:
    r = world.extra["round"]
    alma = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    client = world.client_for(world.teacher_a)
    for child in (world.child_a1, alma):
        client.post(
            grid_url(world),
            row(child, {**ALL_GREEN, "trivsel": "roed"}, vurdering="faelles"),
            **HTMX,
        )
    ppr = world.client_for(world.ppr_a)
    html = ppr.get(f"/trivsel/{r.pk}/opfoelgning/").content.decode()
    assert "Oliver Nielsen" in html and "Alma" not in html
    assert "1 barn afventer samtykke" in html
    agreed = Assessment.objects.get(child=world.child_a1, is_agreement=True)
    assert f"/bekymringer/ny/?barn={world.child_a1.pk}&amp;vurdering={agreed.pk}" in html
    assert [e.what for e in screening_log(world.child_a1)][-1].startswith("Opfølgningsliste")
    assert not AccessLogEntry.objects.filter(child_id=alma.pk, actor=world.ppr_a).exists()


def test_the_follow_up_count_takes_each_child_once_whatever_its_consents(world: World) -> None:
    """The count asks each flagged child's consents one child at a time (a subquery that
    stops at the first): a child with two consents in force is one child with consent, a
    child whose only consent is revoked awaits one, and the count reads no EXISTS (which
    PostgreSQL hashed over every consent of the municipality)."""
    r = world.extra["round"]
    alma = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    for child in (world.child_a1, world.child_a2, alma):
        group = world.class_a2 if child == world.child_a2 else world.class_a
        Assessment.objects.update_or_create(
            municipality=world.a,
            round=r,
            child=child,
            is_agreement=True,
            defaults={
                "group": group,
                "ratings": {**ALL_GREEN, "trivsel": "roed"},
                "position": "roed",
            },
        )
    recorded_by = world.extra["consent"].recorded_by
    for child, revoked in ((world.child_a1, None), (world.child_a2, TODAY), (alma, None)):
        Consent.objects.create(
            municipality=world.a,
            child=child,
            kind=Consent.Kind.CONSENT,
            recipient="ppr",
            given_by="Mor",
            valid_from=TODAY - dt.timedelta(days=10),
            revoked_on=revoked,
            recorded_by=recorded_by,
        )
    services.round_refresh(r)
    ppr = world.client_for(world.ppr_a)
    with CaptureQueriesContext(connection) as queries:
        html = ppr.get(f"/trivsel/{r.pk}/opfoelgning/").content.decode()
    # Oliver: the world's consent and one more; Ida: hers revoked today; Alma: one.
    assert "1 barn afventer samtykke" in html
    assert html.count("Oliver Nielsen</a>") == 1 and html.count("Alma Dahl</a>") == 1
    assert "Ida Hansen" not in html
    counts = [q["sql"] for q in queries.captured_queries if "FILTER" in q["sql"].upper()]
    assert len(counts) == 1 and "EXISTS" not in counts[0].upper()


def test_a_long_follow_up_list_says_over_the_cap_and_pages_group_by_group(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cap of 2 and pages of 1 stand for 1.000 and 50.
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    r = world.extra["round"]
    red = {**ALL_GREEN, "trivsel": "roed"}
    others = [
        f.child(world.a, f"0{n}0519-4003", "Uden", f"Samtykke{n}", groups=[world.class_a])
        for n in (1, 2)
    ]
    for child, group in [(world.child_a1, world.class_a), (world.child_a2, world.class_a2)] + [
        (c, world.class_a) for c in others
    ]:
        Assessment.objects.update_or_create(
            municipality=world.a,
            round=r,
            child=child,
            is_agreement=True,
            defaults={"group": group, "ratings": red, "position": "roed"},
        )
    Consent.objects.create(
        municipality=world.a,
        child=world.child_a2,
        kind=Consent.Kind.CONSENT,
        recipient="ppr",
        given_by="Far",
        valid_from=TODAY,
        recorded_by=world.extra["consent"].recorded_by,
    )
    services.round_refresh(r)
    ppr = world.client_for(world.ppr_a)
    first = ppr.get(f"/trivsel/{r.pk}/opfoelgning/").content.decode()
    # Four flagged, over the cap: said so, and the children awaiting consent as at least.
    assert "Over 2 børn skal følges op i runden" in first
    assert "Mindst 2 børn afventer samtykke" in first or "Mindst 1 barn" in first
    # By group, then child: 3.A's Oliver first, 4.B's Ida next; the pager knows no total.
    assert "Oliver Nielsen" in first and "Ida Hansen" not in first and "Samtykke" not in first
    assert "Side 1</span>" in first and "side=2" in first
    second = ppr.get(f"/trivsel/{r.pk}/opfoelgning/?side=2").content.decode()
    assert "Ida Hansen" in second and "Oliver Nielsen" not in second
    assert "Side 2</span>" in second and "side=3" not in second
    assert screening_log(world.child_a2)[-1].what.startswith("Opfølgningsliste")


def test_a_childs_page_records_and_revokes_consent(world: World) -> None:
    client = world.client_for(world.ppr_a)
    url = f"/trivsel/barn/{world.child_a1.pk}/"
    html = client.get(url).content.decode()
    assert "Gul" in html  # PPR sees the position: consent for PPR is recorded
    response = client.post(
        url,
        {
            "kind": "lovhjemmel",
            "recipient": "socialforvaltning",
            "legal_basis": "Serviceloven § 49 b",
            "valid_from": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(recipient="socialforvaltning")
    assert consent.recorded_by.user == world.ppr_a

    response = client.post(url, {"kind": "samtykke", "recipient": "ppr", "valid_from": ""})
    assert response.status_code == 400
    assert "Angiv en dato." in response.content.decode()

    client.post(f"/trivsel/samtykke/{world.extra['consent'].pk}/tilbagekald/")
    assert Consent.objects.get(pk=world.extra["consent"].pk).revoked_on == TODAY
    html = client.get(url).content.decode()
    assert "Ingen positioner, du kan se" in html


def test_a_child_page_without_consent_shows_ppr_no_position(world: World) -> None:
    Consent.objects.filter(child=world.child_a1).delete()
    html = world.client_for(world.lead_a).get(f"/trivsel/barn/{world.child_a1.pk}/").content
    assert "Ingen positioner, du kan se" in html.decode()
    html = world.client_for(world.teacher_a).get(f"/trivsel/barn/{world.child_a1.pk}/").content
    assert "Gul" in html.decode()


def test_the_lead_closes_a_round_and_its_grid_becomes_read_only(world: World) -> None:
    r = world.extra["round"]
    assert world.client_for(world.lead_a).post(f"/trivsel/{r.pk}/luk/").status_code == 302
    client = world.client_for(world.teacher_a)
    html = client.get(grid_url(world)).content.decode()
    assert "Runden er lukket" in html
    response = client.post(grid_url(world), row(world.child_a1, ALL_GREEN), **HTMX)
    assert "Runden er lukket" in response.content.decode()


def test_the_grid_and_overview_use_a_constant_number_of_queries(world: World) -> None:
    def count(user, url):  # type: ignore[no-untyped-def]
        client = world.client_for(user)
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    overview = f"/trivsel/{world.extra['round'].pk}/"
    small = (count(world.teacher_a, grid_url(world)), count(world.lead_a, overview))
    for n in range(10):
        child = f.child(world.a, f"{n + 10}0619-40{n}1", "Barn", f"Nr{n}", groups=[world.class_a])
        Assessment.objects.create(
            municipality=world.a,
            round=world.extra["round"],
            child=child,
            group=world.class_a,
            is_agreement=True,
            ratings=ALL_GREEN,
            position="groen",
        )
    g = f.group(world.school_a, "5.C", grade=5)
    f.assign(world.teacher_a, g)
    large = (count(world.teacher_a, grid_url(world)), count(world.lead_a, overview))
    assert small == large


def test_dates_in_the_past_and_school_years_do_not_confuse_the_round_list(world: World) -> None:
    r = world.extra["round"]
    r.starts = TODAY - dt.timedelta(days=400)
    r.save()
    assert "Trivsel efterår" in world.client_for(world.ppr_a).get("/trivsel/").content.decode()
