"""The rules of trivselsvurdering, tested on the services and selectors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from spor.screening import selectors as sel
from spor.screening import services
from spor.screening.models import Assessment, Consent, ParentNotice, Recipient, ScreeningRound
from spor.screening.services import RowInput, ScreeningError
from tests import factories as f
from tests.conftest import World
from tests.screening.helpers import ALL_GREEN, actor_for, screening_log
from tests.screening.world import open_round

TODAY = timezone.localdate()


def rate(w: World, user, child, ratings, *, group=None, agreement=False, focus=None, round=None):  # type: ignore[no-untyped-def]
    return services.assessment_save_rows(
        actor=actor_for(user, w.a),
        round=round or w.extra["round"],
        group=group or w.class_a,
        rows={child.pk: RowInput(ratings=ratings, focus=focus or {})},
        agreement=agreement,
    )


# ---------------------------------------------------------------------------- rounds


def test_a_lead_opens_a_round_for_every_group_that_has_children_now(world: World) -> None:
    r = services.round_open(
        actor=actor_for(world.lead_a, world.a),
        name="Forår",
        starts=TODAY,
        ends=TODAY + dt.timedelta(days=30),
    )
    assert set(r.groups.values_list("group_id", flat=True)) == {
        world.class_a.pk,
        world.class_a2.pk,
    }
    assert r.area_keys() == ["trivsel", "udvikling", "laering", "relationer"]
    assert r.opened_by.user == world.lead_a


def test_a_round_for_chosen_institutions_covers_only_their_groups(world: World) -> None:
    other = f.institution(world.a, "Skovly", "skole")
    g = f.group(other, "1.A", grade=1)
    f.child(world.a, "010120-4001", "Ella", "Berg", groups=[g])
    r = services.round_open(
        actor=actor_for(world.lead_a, world.a),
        name="Skovly",
        starts=TODAY,
        ends=TODAY,
        institution_ids=[other.pk],
    )
    assert list(r.groups.values_list("group_id", flat=True)) == [g.pk]


def test_a_round_that_ends_before_it_starts_is_refused_and_nothing_is_saved(world: World) -> None:
    before = ScreeningRound.objects.count()
    with pytest.raises(ScreeningError, match="Slutdatoen ligger før startdatoen"):
        services.round_open(
            actor=actor_for(world.lead_a, world.a),
            name="Baglæns",
            starts=TODAY,
            ends=TODAY - dt.timedelta(days=1),
        )
    assert ScreeningRound.objects.count() == before


def test_only_the_lead_opens_a_round(world: World) -> None:
    for user in (world.ppr_a, world.teacher_a):
        with pytest.raises(ScreeningError, match="Kun PPR-lederen"):
            services.round_open(actor=actor_for(user, world.a), name="X", starts=TODAY, ends=TODAY)


def test_an_institution_of_another_municipality_cannot_be_chosen(world: World) -> None:
    with pytest.raises(ScreeningError, match="findes ikke"):
        services.round_open(
            actor=actor_for(world.lead_a, world.a),
            name="X",
            starts=TODAY,
            ends=TODAY,
            institution_ids=[world.school_b.pk],
        )


# ---------------------------------------------------------------------------- rating


def test_a_teacher_rates_a_child_of_her_group_and_the_position_is_the_worst_colour(
    world: World,
) -> None:
    child = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    (a,) = rate(world, world.teacher_a, child, {**ALL_GREEN, "laering": "roed"})
    assert a.position == "roed"
    assert a.rater.user == world.teacher_a
    assert not a.is_agreement
    (a,) = rate(world, world.teacher_a, child, ALL_GREEN)
    assert Assessment.objects.get(pk=a.pk).position == "groen"


def test_a_rating_outside_the_scale_is_refused_and_nothing_of_the_save_is_kept(
    world: World,
) -> None:
    child = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    before = Assessment.objects.count()
    with pytest.raises(
        ScreeningError, match=r"»lilla« er ikke på skalaen\. Vælg grøn, gul eller rød"
    ):
        services.assessment_save_rows(
            actor=actor_for(world.teacher_a, world.a),
            round=world.extra["round"],
            group=world.class_a,
            rows={
                world.child_a1.pk: RowInput(ratings={"trivsel": "roed"}),
                child.pk: RowInput(ratings={"trivsel": "lilla"}),
            },
            agreement=False,
        )
    assert Assessment.objects.count() == before
    assert Assessment.objects.get(pk=world.extra["own"].pk).ratings["trivsel"] == "gul"


def test_an_unknown_area_or_focus_point_is_refused(world: World) -> None:
    with pytest.raises(ScreeningError, match="Ukendt område"):
        rate(world, world.teacher_a, world.child_a1, {"humoer": "gul"})
    with pytest.raises(ScreeningError, match="ukendt fokuspunkt"):
        rate(world, world.teacher_a, world.child_a1, {"trivsel": "gul"}, focus={"trivsel": ["x"]})


def test_rating_a_child_not_in_your_group_is_refused(world: World) -> None:
    # Ida is in 4.B; a child from Bby is not even in the municipality.
    for child in (world.child_a2, world.child_b1, world.child_a3):
        with pytest.raises(ScreeningError, match="kun vurdere børn i din egen gruppe"):
            rate(world, world.teacher_a, child, ALL_GREEN)
    assert not Assessment.objects.filter(child=world.child_a2).exists()


def test_rating_in_a_group_that_is_not_yours_is_refused(world: World) -> None:
    with pytest.raises(ScreeningError, match="kun vurdere børn i dine egne grupper"):
        rate(world, world.teacher_a, world.child_a2, ALL_GREEN, group=world.class_a2)
    for user in (world.lead_a, world.ppr_a):
        with pytest.raises(ScreeningError, match="dine egne grupper"):
            rate(world, user, world.child_a1, ALL_GREEN)


def test_rating_before_the_parents_are_informed_is_refused_until_it_is_recorded(
    world: World,
) -> None:
    r = world.extra["round"]
    with pytest.raises(ScreeningError, match="Forældrene er ikke registreret som informeret"):
        rate(world, world.teacher_a2, world.child_a2, ALL_GREEN, group=world.class_a2)
    assert not Assessment.objects.filter(child=world.child_a2).exists()

    services.parent_notice_record(
        actor=actor_for(world.teacher_a2, world.a),
        round=r,
        group=world.class_a2,
        informed_on=TODAY,
        how=ParentNotice.How.LETTER,
    )
    (a,) = rate(world, world.teacher_a2, world.child_a2, ALL_GREEN, group=world.class_a2)
    assert a.position == "groen"


def test_a_notice_for_the_whole_institution_covers_its_groups(world: World) -> None:
    services.parent_notice_record(
        actor=actor_for(world.lead_a, world.a),
        round=world.extra["round"],
        institution=world.school_a,
        informed_on=TODAY,
        how=ParentNotice.How.MEETING,
    )
    assert sel.parents_informed(world.extra["round"], world.class_a2) is not None


def test_a_notice_dated_in_the_future_or_for_a_group_outside_the_round_is_refused(
    world: World,
) -> None:
    actor = actor_for(world.lead_a, world.a)
    with pytest.raises(ScreeningError, match="fremtiden"):
        services.parent_notice_record(
            actor=actor,
            round=world.extra["round"],
            group=world.class_a,
            informed_on=TODAY + dt.timedelta(days=1),
            how="brev",
        )
    with pytest.raises(ScreeningError, match="ikke med i runden"):
        services.parent_notice_record(
            actor=actor,
            round=world.extra["round"],
            group=world.room_a,
            informed_on=TODAY,
            how="brev",
        )
    with pytest.raises(ScreeningError, match="dine egne grupper"):
        services.parent_notice_record(
            actor=actor_for(world.teacher_a, world.a),
            round=world.extra["round"],
            group=world.class_a2,
            informed_on=TODAY,
            how="brev",
        )


def test_a_closed_round_or_one_not_begun_refuses_ratings(world: World) -> None:
    r = world.extra["round"]
    services.round_close(actor=actor_for(world.lead_a, world.a), round=r)
    with pytest.raises(ScreeningError, match="Runden er lukket"):
        rate(world, world.teacher_a, world.child_a1, ALL_GREEN)
    later = open_round(world.a, [world.class_a], world.lead_a, name="Senere", days_ago=-5)
    with pytest.raises(ScreeningError, match="Runden begynder"):
        rate(world, world.teacher_a, world.child_a1, ALL_GREEN, round=later)


def test_focus_points_are_kept_only_for_yellow_and_red_areas(world: World) -> None:
    (a,) = rate(
        world,
        world.teacher_a,
        world.child_a1,
        {**ALL_GREEN, "relationer": "roed"},
        focus={"relationer": ["alene", "drilleri"], "trivsel": ["ked_af_det"]},
    )
    assert a.focus == {"relationer": ["alene", "drilleri"]}


def test_ratings_write_the_access_log_for_screening(world: World) -> None:
    before = len(screening_log(world.child_a1))
    rate(world, world.teacher_a, world.child_a1, {**ALL_GREEN, "trivsel": "roed"})
    entries = screening_log(world.child_a1)
    assert len(entries) == before + 1
    assert entries[-1].action == "aendr"
    assert "egen vurdering" in entries[-1].what


def test_the_agreement_starts_from_the_most_concerned_of_the_own_ratings(world: World) -> None:
    f.assign(world.teacher_a2, world.class_a)
    child = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    rate(world, world.teacher_a, child, {**ALL_GREEN, "trivsel": "gul"}, focus={"trivsel": ["uro"]})
    rate(world, world.teacher_a2, child, {**ALL_GREEN, "laering": "roed"})
    n = services.agreement_from_own(
        actor=actor_for(world.teacher_a2, world.a), round=world.extra["round"], group=world.class_a
    )
    assert n == 1  # Oliver already has an agreement: it is left alone
    agreed = Assessment.objects.get(child=child, is_agreement=True)
    assert agreed.ratings == {**ALL_GREEN, "trivsel": "gul", "laering": "roed"}
    assert agreed.focus == {"trivsel": ["uro"]}
    assert agreed.position == "roed"
    assert Assessment.objects.get(pk=world.extra["agreement"].pk).position == "gul"


# ---------------------------------------------------------------------------- consent


def test_sharing_is_allowed_only_under_a_consent_in_force(world: World) -> None:
    child = world.child_a1
    assert sel.sharing_allowed(child=child, recipient=Recipient.PPR)
    assert not sel.sharing_allowed(child=child, recipient=Recipient.SOCIAL)
    assert not sel.sharing_allowed(
        child=child, recipient=Recipient.PPR, on=TODAY - dt.timedelta(days=31)
    )
    services.consent_revoke(actor=actor_for(world.ppr_a, world.a), consent=world.extra["consent"])
    assert not sel.sharing_allowed(child=child, recipient=Recipient.PPR)


def test_a_consent_for_a_named_institution_covers_that_institution_only(world: World) -> None:
    services.consent_record(
        actor=actor_for(world.teacher_a, world.a),
        child=world.child_a1,
        kind=Consent.Kind.LEGAL,
        legal_basis="Barnets lov § 11",
        recipient=Recipient.INSTITUTION,
        institution=world.daycare_a,
        valid_from=TODAY,
        valid_to=TODAY + dt.timedelta(days=365),
    )
    assert sel.sharing_allowed(
        child=world.child_a1, recipient=Recipient.INSTITUTION, institution=world.daycare_a
    )
    assert not sel.sharing_allowed(
        child=world.child_a1, recipient=Recipient.INSTITUTION, institution=world.school_a
    )


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"kind": "samtykke", "given_by": ""}, "hvem der gav samtykket"),
        ({"kind": "lovhjemmel", "legal_basis": " "}, "Skriv lovhjemlen"),
        ({"valid_to": TODAY - dt.timedelta(days=1)}, "Slutdatoen ligger før startdatoen"),
        ({"recipient": "naboen"}, "hvem oplysningerne må deles med"),
        ({"recipient": "institution"}, "modtagende institution"),
    ],
)
def test_a_consent_with_bad_input_is_refused_and_nothing_is_saved(
    world: World, changes, message
) -> None:  # type: ignore[no-untyped-def]
    data = {
        "kind": "samtykke",
        "recipient": "ppr",
        "given_by": "Far",
        "legal_basis": "",
        "valid_from": TODAY,
        **changes,
    }
    before = Consent.objects.count()
    with pytest.raises(ScreeningError, match=message):
        services.consent_record(actor=actor_for(world.ppr_a, world.a), child=world.child_a1, **data)
    assert Consent.objects.count() == before


# ---------------------------------------------------------------------------- who sees


def test_the_latest_position_is_seen_by_the_group_staff_and_by_ppr_under_consent(
    world: World,
) -> None:
    agreed = world.extra["agreement"]
    assert sel.latest_position(actor_for(world.teacher_a, world.a), world.child_a1) == agreed
    assert sel.latest_position(actor_for(world.ppr_a, world.a), world.child_a1) == agreed
    assert sel.latest_position(actor_for(world.teacher_a2, world.a), world.child_a1) is None
    assert sel.latest_position(actor_for(world.health_a, world.a), world.child_a1) is None
    services.consent_revoke(actor=actor_for(world.ppr_a, world.a), consent=world.extra["consent"])
    assert sel.latest_position(actor_for(world.ppr_a, world.a), world.child_a1) is None


def test_follow_up_names_children_with_consent_and_counts_the_others(world: World) -> None:
    lead = actor_for(world.lead_a, world.a)
    r = world.extra["round"]
    earlier = open_round(world.a, [world.class_a], world.lead_a, name="Forår", days_ago=200)
    services.round_close(actor=lead, round=earlier)
    Assessment.objects.create(
        municipality=world.a,
        round=earlier,
        child=world.child_a1,
        group=world.class_a,
        is_agreement=True,
        ratings={"trivsel": "roed"},
        position="roed",
    )
    services.round_refresh(earlier)  # loaded without the services
    # Alma: red now, no consent. Emil: green now.
    alma = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    emil = f.child(world.a, "060519-4011", "Emil", "Juul", groups=[world.class_a])
    rate(world, world.teacher_a, alma, {**ALL_GREEN, "trivsel": "roed"}, agreement=True)
    rate(world, world.teacher_a, emil, ALL_GREEN, agreement=True)

    result = sel.follow_up(lead, r)
    assert [a.child for a in result.named] == [world.child_a1]  # yellow after red
    assert result.named[0].previous_position == "roed"
    assert sel.reasons(result.named[0]) == ["Gul eller rød to gange i træk"]
    assert result.awaiting_consent == 1  # Alma


def test_the_overview_counts_by_colour_per_institution_and_lists_unrated_groups(
    world: World,
) -> None:
    overview = sel.round_overview(actor_for(world.ppr_a, world.a), world.extra["round"])
    (line,) = overview.institutions
    assert line.institution.pk == world.school_a.pk
    assert (line.counts.groen, line.counts.gul, line.counts.roed) == (0, 1, 0)
    assert line.counts.enrolled == 2
    assert overview.groups == 2 and overview.groups_done == 1 and overview.groups_informed == 1
    r = world.extra["round"]
    not_done = list(sel.groups_not_done(actor_for(world.ppr_a, world.a), r, overview))
    assert [rg.group for rg in not_done] == [world.class_a2]
    assert sel.groups_not_done(actor_for(world.teacher_a, world.a), r, overview).count() == 0


def test_a_notice_for_the_whole_institution_counts_every_group_of_it_informed_once(
    world: World,
) -> None:
    r = world.extra["round"]
    ParentNotice.objects.create(
        municipality=world.a,
        round=r,
        institution=world.school_a,
        informed_on=timezone.localdate(),
        how=ParentNotice.How.LETTER,
    )
    overview = sel.round_overview(actor_for(world.ppr_a, world.a), r)
    # 3.A has its own notice too; it is counted once.
    assert overview.groups == 2 and overview.groups_informed == 2


def test_a_teacher_sees_only_the_rounds_of_her_own_groups(world: World) -> None:
    assert list(sel.rounds_for(actor_for(world.teacher_a, world.a))) == [world.extra["round"]]
    g = f.group(world.daycare_a, "Blå stue")
    other = open_round(world.a, [g], world.lead_a, name="Kun Solsikken")
    assert other not in sel.rounds_for(actor_for(world.teacher_a, world.a))
    assert not sel.rounds_for(actor_for(world.health_a, world.a)).exists()


def test_the_stored_counts_and_follow_up_flags_follow_every_save(world: World) -> None:
    r = world.extra["round"]
    teacher = actor_for(world.teacher_a, world.a)
    later = open_round(world.a, [world.class_a], world.lead_a, name="Senere", days_ago=1)
    services.parent_notice_record(
        actor=teacher, round=later, group=world.class_a, informed_on=TODAY, how="aula"
    )
    (now,) = rate(
        world, world.teacher_a, world.child_a1, {"trivsel": "gul"}, agreement=True, round=later
    )
    assert (now.previous_position, now.follow_up) == ("gul", True)  # yellow twice in a row

    # The earlier round's agreement is changed to green: the later flag follows.
    rate(world, world.teacher_a, world.child_a1, ALL_GREEN, agreement=True, round=r)
    now.refresh_from_db()
    assert (now.previous_position, now.follow_up) == ("groen", False)
    stored = r.groups.get(group=world.class_a)
    assert (stored.groen, stored.gul, stored.roed, stored.own_only) == (1, 0, 0, 0)
