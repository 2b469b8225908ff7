"""The measurement's services: which form, sending links, withdrawing them, answering once,
typing in paper forms, reminders — and bad input, which says what to fix and saves nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from spor import sdq
from spor.audit.models import AccessLogEntry, Action
from spor.cases.models import DeliveryStatus
from spor.lib.links import new_token
from spor.measurement import links, questionnaire, services
from spor.measurement.models import Informant, MeasurementRequest, Phase, Response
from spor.measurement.services import Recipient
from tests.conftest import World
from tests.measurement.helpers import actor, answers, tokens_in_outbox


def counts() -> tuple[int, int]:
    return MeasurementRequest.objects.count(), Response.objects.count()


def parent(email: str = "mor@example.org") -> Recipient:
    return Recipient(Informant.PARENT, name="Mette Nielsen", email=email)


def teacher() -> Recipient:
    return Recipient(Informant.TEACHER, name="Lone Lærer", email="lone@skole.example.org")


def finish(delivery, end: dt.date | None = None) -> None:  # type: ignore[no-untyped-def]
    delivery.end = end or timezone.localdate()
    delivery.status = DeliveryStatus.FINISHED
    delivery.save()


# --------------------------------------------------------------------------- forms


@pytest.mark.parametrize(
    "informant,phase,age,form",
    [
        ("foraelder", "foer", 8, "parent-4-17"),
        ("foraelder", "efter", 8, "parent-4-17-followup"),
        ("foraelder", "foer", 3, "parent-2-4"),
        ("foraelder", "efter", 3, "parent-2-4"),  # no 2–4 follow-up form
        ("laerer", "foer", 2, "teacher-2-4"),
        ("laerer", "efter", 17, "teacher-4-17-followup"),
        ("ppr_fagperson", "foer", 9, "teacher-4-17"),  # as in the national evaluation
        ("barnet_selv", "foer", 11, "self-11-17"),
        ("barnet_selv", "efter", 15, "self-11-17-followup"),
    ],
)
def test_the_form_follows_the_informant_the_phase_and_the_childs_age(
    informant: str, phase: str, age: int, form: str
) -> None:
    assert questionnaire.form_for(informant, phase, age) == form


@pytest.mark.parametrize(
    "informant,age,message",
    [
        ("barnet_selv", 10, "fra 11 år"),
        ("foraelder", 1, "fra 2 til og med 17"),
        ("laerer", 18, "17"),
    ],
)
def test_ages_outside_the_forms_are_refused_in_danish(informant: str, age: int, message: str):
    with pytest.raises(questionnaire.FormChoiceError, match=message):
        questionnaire.form_for(informant, "foer", age)


def test_the_norm_set_is_the_municipalitys_where_it_fits_the_form(settings) -> None:  # type: ignore[no-untyped-def]
    assert questionnaire.norms_for("teacher-4-17") == "uk-3band"
    settings.SPOR_SDQ_NORMS = "uk-4band"
    assert questionnaire.norms_for("parent-4-17-followup") == "uk-4band"
    assert questionnaire.norms_for("parent-2-4") == "uk-2-4-provisional"
    assert questionnaire.norms_for("teacher-2-4") is None


def test_a_norm_set_by_sex_and_age_is_chosen_only_where_it_covers_the_child(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SPOR_SDQ_NORMS = "dk-parent-5-7-secondary"
    assert questionnaire.norms_for("parent-4-17", sex="m", age=7) == "dk-parent-5-7-secondary"
    assert questionnaire.norms_for("parent-4-17-followup", sex="f", age=5) == (
        "dk-parent-5-7-secondary"
    )
    # outside 5–7 years, without sex or age, or another informant's form: the form's default
    assert questionnaire.norms_for("parent-4-17", sex="m", age=8) == "uk-3band"
    assert questionnaire.norms_for("parent-4-17") == "uk-3band"
    assert questionnaire.norms_for("teacher-4-17", sex="m", age=6) == "uk-3band"
    settings.SPOR_SDQ_NORMS = "no-such-set"
    assert questionnaire.norms_for("parent-4-17", sex="m", age=6) == "uk-3band"


def test_the_danish_norms_band_a_paper_form_by_the_childs_sex_and_age(world: World, settings):  # type: ignore[no-untyped-def]
    """Through the service a PPR worker uses: Oliver (a boy, born 15 March 2018) was 7 on
    1 June 2025, so the Danish boys' 5–7 cut-offs band that answer; at 8 (today, 2 December
    2026 or later) no Danish stratum covers him, and the form's default bands it, named so."""
    settings.SPOR_SDQ_NORMS = "dk-parent-5-7-secondary"
    delivery = world.extra["case_delivery"]
    ppr = actor(world, world.ppr_a)
    assert delivery.case.child.sex == "dreng"
    at7 = services.enter_paper(
        actor=ppr, delivery=delivery, phase=Phase.BEFORE, informant=Informant.PARENT,
        answers=answers(1), impact={}, answered_on=dt.date(2025, 6, 1),
    )  # fmt: skip
    assert at7.norm_set == "dk-parent-5-7-secondary@1"
    # Every item 1: every scale 5, total 20. By hand from BMC Pediatrics 2023 Table 2
    # (boys 5–7): total 20 ≥ 14 abnormal; hyperactivity 5 in 5–6 borderline; prosocial 5 ≤ 5
    # abnormal; emotional 5 ≥ 5, conduct 5 ≥ 4, peer 5 ≥ 3 abnormal.
    bands = {k: at7.scores[f"{k}_band"] for k in
             ("total", "hyperactivity", "prosocial", "emotional", "conduct", "peer")}  # fmt: skip
    assert bands == {
        "total": "abnormal", "hyperactivity": "borderline", "prosocial": "abnormal",
        "emotional": "abnormal", "conduct": "abnormal", "peer": "abnormal",
    }  # fmt: skip
    at8 = services.enter_paper(
        actor=ppr, delivery=delivery, phase=Phase.AFTER, informant=Informant.PARENT,
        answers=answers(1), impact={}, answered_on=dt.date(2026, 12, 2),
    )  # fmt: skip
    # UK three bands, parent: hyperactivity 5 is normal (0–5)
    assert at8.norm_set == "uk-3band@1" and at8.scores["hyperactivity_band"] == "normal"
    page = world.client_for(world.ppr_a).get(f"/forloeb/{delivery.case_id}/")
    text = page.content.decode()
    assert "Danske normer, forældre, 5–7 år, efter køn (sekundær kilde, ikke efterprøvet)" in text
    assert "Før og efter er båndet med forskellige normsæt; ændringen vurderes ikke." in text


# --------------------------------------------------------------------------- sending


def test_sending_the_baseline_mails_one_unguessable_single_link_per_informant(world: World):
    delivery = world.extra["case_delivery"]
    ppr = actor(world, world.ppr_a)
    world.ppr_a.email = "psykolog@aby.example.org"
    world.ppr_a.save()
    Response.objects.all().delete()  # the world's paper teacher form
    prof = Recipient(Informant.PROFESSIONAL, membership=ppr.membership)
    made = services.send_requests(
        actor=ppr, delivery=delivery, phase=Phase.BEFORE, recipients=[teacher(), prof]
    )
    assert [r.form for r in made] == ["teacher-4-17", "teacher-4-17"]
    assert {m.to[0] for m in mail.outbox} == {"lone@skole.example.org", "psykolog@aby.example.org"}
    tokens = tokens_in_outbox()
    assert len(tokens) == 2 and len(set(tokens)) == 2
    for token, req in zip(tokens, made, strict=True):
        assert len(token) == 43  # token_urlsafe(32): 256 random bits
        assert req.token_hash == hashlib.sha256(token.encode()).hexdigest()
        stored = MeasurementRequest.objects.get(pk=req.pk)
        assert token not in str(stored.__dict__)  # only the hash is kept
        assert stored.expires_at > timezone.now() + dt.timedelta(days=20)
    body = mail.outbox[0].body
    assert "Oliver" in body and "Nielsen" not in body  # the first name and nothing more
    assert made[1].recipient_name == "Psykolog_A"
    entry = AccessLogEntry.objects.filter(action=Action.CHANGE).latest("pk")
    assert entry.child_id == world.child_a1.pk and "førmåling sendt" in entry.what


def test_bad_recipients_get_danish_messages_and_nothing_is_sent(world: World) -> None:
    delivery = world.extra["case_delivery"]
    ppr = actor(world, world.ppr_a)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.send_requests(
            actor=ppr,
            delivery=delivery,
            phase=Phase.BEFORE,
            recipients=[
                Recipient(Informant.TEACHER, name="", email="ikke-en-adresse"),
                Recipient(Informant.SELF, name="Oliver", email="oliver@example.org"),
                Recipient(Informant.PROFESSIONAL, membership=actor(world, world.lead_a).membership),
            ],
        )
    errors = exc.value.message_dict
    assert errors["email_laerer"] == [
        "Skriv en gyldig e-mailadresse til læreren/pædagogen, fx navn@eksempel.dk."
    ]
    assert "Skriv navnet" in errors["name_laerer"][0]
    assert "fra 11 år" in errors["informant_barnet_selv"][0]
    assert "fra forløbets team" in errors["member_ppr_fagperson"][0]
    assert counts() == before and mail.outbox == []


def test_one_open_link_per_informant_and_never_after_an_answer(world: World) -> None:
    delivery = world.extra["case_delivery"]
    ppr = actor(world, world.ppr_a)
    # The world already has an open parent link and a paper teacher form (before).
    with pytest.raises(ValidationError) as exc:
        services.send_requests(
            actor=ppr, delivery=delivery, phase=Phase.BEFORE, recipients=[parent(), teacher()]
        )
    errors = exc.value.message_dict
    assert "Tilbagekald det først" in errors["informant_foraelder"][0]
    assert "allerede besvaret" in errors["informant_laerer"][0]


def test_the_follow_up_waits_for_the_end_and_the_baseline_not_after_it(world: World) -> None:
    delivery = world.extra["case_delivery"]
    Response.objects.all().delete()
    ppr = actor(world, world.ppr_a)
    with pytest.raises(ValidationError, match="Sæt en slutdato"):
        services.send_requests(
            actor=ppr, delivery=delivery, phase=Phase.AFTER, recipients=[teacher()]
        )
    finish(delivery, timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="Indsatsen er afsluttet"):
        services.send_requests(
            actor=ppr, delivery=delivery, phase=Phase.BEFORE, recipients=[teacher()]
        )
    made = services.send_requests(
        actor=ppr, delivery=delivery, phase=Phase.AFTER, recipients=[teacher()]
    )
    assert made[0].form == "teacher-4-17-followup"


def test_only_the_team_and_the_lead_send(world: World) -> None:
    from spor.cases.models import CaseMember

    delivery = world.extra["case_delivery"]
    Response.objects.all().delete()
    former = actor(world, world.ppr_a)
    CaseMember.objects.filter(membership=former.membership).update(left_on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.send_requests(
            actor=former, delivery=delivery, phase=Phase.BEFORE, recipients=[teacher()]
        )
    made = services.send_requests(
        actor=actor(world, world.lead_a),
        delivery=delivery,
        phase=Phase.BEFORE,
        recipients=[teacher()],
    )
    assert len(made) == 1


def test_a_failed_e_mail_saves_nothing(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "tests.measurement.test_services.BrokenBackend"
    Response.objects.all().delete()
    before = counts()
    with pytest.raises(ValidationError, match="E-mailen kunne ikke sendes"):
        services.send_requests(
            actor=actor(world, world.ppr_a),
            delivery=world.extra["case_delivery"],
            phase=Phase.BEFORE,
            recipients=[teacher()],
        )
    assert counts() == before


class BrokenBackend:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise OSError("no route to host")


# --------------------------------------------------------------------------- answering


def open_link(world: World, **fields: object) -> tuple[MeasurementRequest, str]:
    token, token_hash = new_token()
    values: dict[str, object] = {
        "municipality": world.a,
        "delivery": world.extra["case_delivery"],
        "phase": Phase.BEFORE,
        "informant": Informant.TEACHER,
        "form": "teacher-4-17",
        "recipient_email": "lone@skole.example.org",
        "token_hash": token_hash,
        "expires_at": timezone.now() + dt.timedelta(days=5),
        "sent_at": timezone.now(),
    }
    values.update(fields)
    Response.objects.filter(informant=values["informant"]).delete()
    return MeasurementRequest.objects.create(**values), token


def test_an_answer_is_scored_with_the_norm_set_and_uses_the_link_up(world: World) -> None:
    req, token = open_link(world)
    items = answers(1)
    response = services.answer_by_link(req=req, answers=items, impact={"ebddiff": 0})
    expected = sdq.score_one({**items, "ebddiff": 0}, form="teacher-4-17", norms="uk-3band")
    assert response.scores["total"] == expected["total"] == 20  # 4 scales × 5
    assert response.scores["total_band"] == "abnormal"  # teacher, uk-3band: 16–40
    assert response.norm_set == "uk-3band@1" and response.scores["instrument"].endswith("@1")
    req.refresh_from_db()
    assert req.used_at is not None and req.status == "besvaret"
    assert links.find_request(token) == req
    entry = AccessLogEntry.objects.latest("pk")
    assert entry.actor_id is None and entry.actor_role == "Lærer/pædagog (via engangslink)"


def test_a_second_submission_changes_nothing(world: World) -> None:
    req, _ = open_link(world)
    services.answer_by_link(req=req, answers=answers(0), impact={"ebddiff": 0})
    with pytest.raises(services.LinkClosed) as exc:
        services.answer_by_link(req=req, answers=answers(2), impact={"ebddiff": 3})
    assert exc.value.status == "besvaret" and "allerede besvaret" in exc.value.message
    assert Response.objects.get(request=req).answers == answers(0)


@pytest.mark.parametrize(
    "fields,status",
    [
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "udloebet"),
        ({"revoked_at": timezone.now()}, "tilbagekaldt"),
    ],
)
def test_expired_and_revoked_links_take_no_answer(world: World, fields, status) -> None:  # type: ignore[no-untyped-def]
    req, _ = open_link(world, **fields)
    before = counts()
    with pytest.raises(services.LinkClosed) as exc:
        services.answer_by_link(req=req, answers=answers(1), impact={"ebddiff": 0})
    assert exc.value.status == status
    assert counts() == before
    req.refresh_from_db()
    assert req.used_at is None


def test_a_paper_form_meanwhile_closes_the_link_without_half_saving(world: World) -> None:
    req, _ = open_link(world)
    Response.objects.create(
        municipality=world.a,
        delivery=req.delivery,
        phase=req.phase,
        informant=req.informant,
        form=req.form,
        entered_by=actor(world, world.ppr_a).membership,
    )
    with pytest.raises(services.LinkClosed):
        services.answer_by_link(req=req, answers=answers(1), impact={"ebddiff": 0})
    req.refresh_from_db()
    assert req.used_at is None  # the UPDATE was rolled back with the failed INSERT


def test_revoking_closes_an_open_link_once(world: World) -> None:
    req = world.extra["measurement_request"]
    ppr = actor(world, world.ppr_a)
    services.revoke(actor=ppr, req=req)
    assert MeasurementRequest.objects.get(pk=req.pk).status == "tilbagekaldt"
    with pytest.raises(ValidationError, match="tilbagekaldt"):
        services.revoke(actor=ppr, req=req)


# --------------------------------------------------------------------------- paper


def test_a_paper_form_may_leave_blanks_as_the_sdq_permits(world: World) -> None:
    delivery = world.extra["case_delivery"]
    ppr = actor(world, world.ppr_a)
    # Two blanks in hyperactivity (2, 10), one in emotional: every scale has ≥ 3 answers.
    items = answers(1, sdq2=None, sdq10=None, sdq3=None)
    response = services.enter_paper(
        actor=ppr,
        delivery=delivery,
        phase=Phase.BEFORE,
        informant=Informant.PARENT,
        answers=items,
        impact={},
        answered_on=timezone.localdate(),
        respondent_name="Mette Nielsen",
    )
    assert response.on_paper and response.entered_by == ppr.membership
    assert response.scores["hyperactivity"] == 5  # prorated: 3 answers of 1 point → 1 × 5
    assert (
        response.scores["hyperactivity"]
        == sdq.score_one(items, form="parent-4-17")["hyperactivity"]
    )
    # The open parent link of the world was withdrawn in the same transaction.
    assert MeasurementRequest.objects.get(pk=world.extra["measurement_request"].pk).status == (
        "tilbagekaldt"
    )


def test_a_paper_form_with_too_few_answers_in_a_scale_is_refused(world: World) -> None:
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.enter_paper(
            actor=actor(world, world.ppr_a),
            delivery=world.extra["case_delivery"],
            phase=Phase.BEFORE,
            informant=Informant.PARENT,
            answers=answers(1, sdq2=None, sdq10=None, sdq15=None),
            impact={},
            answered_on=timezone.localdate(),
        )
    message = exc.value.message_dict["answers"][0]
    assert "mindst 3 af de 5 spørgsmål om hyperaktivitet/opmærksomhed" in message
    assert "2, 10, 15" in message
    assert counts() == before


def test_a_paper_form_cannot_be_dated_in_the_future_or_entered_twice(world: World) -> None:
    ppr = actor(world, world.ppr_a)
    kwargs = {
        "actor": ppr,
        "delivery": world.extra["case_delivery"],
        "phase": Phase.BEFORE,
        "answers": answers(1),
        "impact": {},
    }
    with pytest.raises(ValidationError) as exc:
        services.enter_paper(
            informant=Informant.PARENT,
            answered_on=timezone.localdate() + dt.timedelta(days=1),
            **kwargs,  # type: ignore[arg-type]
        )
    assert "ikke i fremtiden" in exc.value.message_dict["answered_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.enter_paper(
            informant=Informant.TEACHER,
            answered_on=timezone.localdate(),
            **kwargs,  # type: ignore[arg-type]
        )
    assert "allerede besvaret" in exc.value.message_dict["informant"][0]


# --------------------------------------------------------------------------- reminders


def test_the_reminder_command_resends_once_with_a_fresh_link(world: World) -> None:
    req = world.extra["measurement_request"]
    MeasurementRequest.objects.filter(pk=req.pk).update(
        sent_at=timezone.now() - dt.timedelta(days=8)
    )
    old_hash = req.token_hash
    call_command("spor_measurement_reminders", "--days", "7")
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Påmindelse")
    (token,) = tokens_in_outbox()
    req.refresh_from_db()
    assert req.reminded_at is not None and req.token_hash != old_hash
    assert links.find_request(token) == req
    call_command("spor_measurement_reminders", "--days", "7")
    assert len(mail.outbox) == 1  # once


def test_check_refuses_a_norm_set_spor_does_not_know(settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.checks import run_checks

    def ids() -> set[str]:
        return {m.id for m in run_checks() if m.id and m.id.startswith("spor.E30")}

    assert ids() == set()
    settings.SPOR_SDQ_NORMS = "dk-parent-5-7-secondary"
    assert ids() == set()
    settings.SPOR_SDQ_NORMS = "dk-norms"  # a typo would have banded everything with uk-3band
    assert ids() == {"spor.E301"}
