"""The organisational survey through its pages and the public link."""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from django.db import models
from django.test import Client
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership, Profession, Role
from spor.survey import items, selectors
from spor.survey.models import (
    BenchmarkSelfAssessment,
    SurveyAnswerSet,
    SurveyInvitation,
    SurveyRound,
)
from tests import factories as f
from tests.conftest import World

CODES = items.codes(items.shipped())


def _staff(w: World, n: int = 5) -> None:
    w.lead_a.email = "leder@aby.dk"
    w.lead_a.save()
    w.ppr_a.email = "psykolog@aby.dk"
    w.ppr_a.save()
    for i in range(n - 2):
        f.user(f"ppr_a{i}", w.a, Role.PPR, Profession.PSYCHOLOGIST, email=f"p{i}@aby.dk")


def _open(w: World, name: str = "Forår 2026") -> tuple[Client, SurveyRound, list[str]]:
    lead = w.client_for(w.lead_a)
    mail.outbox.clear()
    closes = timezone.localdate() + dt.timedelta(days=14)
    r = lead.post("/organisation/aabn/", {"name": name, "closes_on": closes.isoformat()})
    assert r.status_code == 302, r.content.decode()
    rnd = SurveyRound.objects.get(municipality=w.a, name=name)
    paths = [
        re.search(r"/organisation/svar/[A-Za-z0-9_-]{43}/", m.body).group(0) for m in mail.outbox
    ]  # type: ignore[union-attr]
    return lead, rnd, paths


def _answers(value: int | str) -> dict[str, str]:
    return {code: str(value) for code in CODES}


def test_opening_a_round_mails_one_link_per_ppr_staff_member(world: World) -> None:
    _staff(world)
    _, rnd, paths = _open(world)
    assert len(mail.outbox) == 5 and len(set(paths)) == 5
    assert {m.to[0] for m in mail.outbox} >= {"leder@aby.dk", "psykolog@aby.dk"}
    assert SurveyInvitation.objects.filter(round=rnd).count() == 5
    assert rnd.items["benchmarks"][0]["number"] == 1
    # Teachers and other municipalities are not invited.
    assert not SurveyInvitation.objects.filter(round=rnd).exclude(
        membership__role__in=["ppr", "leder"]
    )


def test_too_few_recipients_is_refused_in_danish(world: World) -> None:
    lead = world.client_for(world.lead_a)
    closes = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    r = lead.post("/organisation/aabn/", {"name": "X", "closes_on": closes})
    assert r.status_code == 400
    assert "mindst 5 modtagere" in r.content.decode()
    assert not SurveyRound.objects.filter(name="X").exists()


def test_answer_once_reuse_refused_forged_404(world: World) -> None:
    _staff(world)
    _, rnd, paths = _open(world)
    anon = Client()
    page = anon.get(paths[0])
    assert page.status_code == 200 and "Helt enig" in page.content.decode()
    assert page["Cache-Control"].startswith("no-store") or "no-store" in page["Cache-Control"]
    r = anon.post(paths[0], _answers(4))
    assert r.status_code == 302 and r["Location"] == "/organisation/svar/tak/"
    assert SurveyAnswerSet.objects.filter(round=rnd).count() == 1
    again = anon.post(paths[0], _answers(1))
    assert again.status_code == 410
    assert "allerede besvaret" in again.content.decode()
    assert SurveyAnswerSet.objects.filter(round=rnd).count() == 1
    assert anon.get("/organisation/svar/" + "x" * 43 + "/").status_code == 404


def test_out_of_scale_answer_is_refused_and_nothing_saved(world: World) -> None:
    _staff(world)
    _, rnd, paths = _open(world)
    anon = Client()
    bad = _answers(3)
    bad[CODES[0]] = "6"
    r = anon.post(paths[0], bad)
    assert r.status_code == 400
    assert "skal være et tal fra 1 til 5 eller »Ved ikke«" in r.content.decode()
    missing = _answers(3)
    del missing[CODES[1]]
    r = anon.post(paths[0], missing)
    assert r.status_code == 400 and "Du mangler at svare" in r.content.decode()
    assert not SurveyAnswerSet.objects.filter(round=rnd).exists()
    assert not SurveyInvitation.objects.filter(round=rnd, used=True).exists()
    # The link still works afterwards; »Ved ikke« is stored as null.
    ok = _answers(5)
    ok[CODES[0]] = items.DONT_KNOW
    assert anon.post(paths[0], ok).status_code == 302
    stored = SurveyAnswerSet.objects.get(round=rnd).answers
    assert stored[CODES[0]] is None and stored[CODES[1]] == 5


def test_answers_cannot_be_traced_to_a_person(world: World) -> None:
    fields = SurveyAnswerSet._meta.get_fields()
    relations = {fl.name for fl in fields if fl.is_relation}
    assert relations == {"municipality", "round"}
    assert not any(isinstance(fl, models.DateTimeField) for fl in fields)
    inv_fields = {fl.name for fl in SurveyInvitation._meta.get_fields()}
    assert not any(
        isinstance(fl, models.DateTimeField | models.DateField) and fl.name != "expires_on"
        for fl in SurveyInvitation._meta.get_fields()
    )
    assert "used" in inv_fields and not {"used_at", "used_on", "answer_set"} & inv_fields
    _staff(world)
    _, rnd, paths = _open(world)
    Client().post(paths[0], _answers(2))
    stored = SurveyAnswerSet.objects.get(round=rnd)
    assert set(stored.answers) == set(CODES)  # nothing but the answers
    assert stored.answered_on == timezone.localdate()


def test_results_hidden_below_five_then_shown_with_change(world: World) -> None:
    _staff(world, n=6)
    lead, first, paths = _open(world, "Runde 1")
    for p in paths[:4]:
        Client().post(p, _answers(2))
    lead.post(f"/organisation/{first.pk}/luk/")
    page = lead.get(f"/organisation/{first.pk}/").content.decode()
    assert "Færre end 5 svar" in page and "4 af 6" in page
    assert "Gennemsnit" not in page and "<svg" not in page

    # A closed round refuses answers; a fifth answer set (made directly) makes it count.
    SurveyRound.objects.filter(pk=first.pk).update(
        opened_on=timezone.localdate() - dt.timedelta(days=30)
    )
    first.refresh_from_db()
    Client().post(paths[4], _answers(2))  # closed round: refused
    assert SurveyAnswerSet.objects.filter(round=first).count() == 4
    SurveyAnswerSet.objects.create(
        municipality=world.a,
        round=first,
        answered_on=first.opened_on,
        answers=dict.fromkeys(CODES, 2),
    )
    lead, second, paths = _open(world, "Runde 2")
    for p in paths[:5]:
        Client().post(p, _answers(4))
    page = lead.get(f"/organisation/{second.pk}/").content.decode()
    assert "vises, når runden er lukket" in page and "<svg" not in page
    lead.post(f"/organisation/{second.pk}/luk/")
    page = lead.get(f"/organisation/{second.pk}/").content.decode()
    assert "5 af 6" in page and "<svg" in page
    assert "4,00" in page or "4.00" in page
    assert "+2,00" in page or "+2.00" in page  # change from Runde 1 (mean 2)
    assert "Høj" in page


def test_self_assessment_is_saved_and_offered_to_the_plan(world: World) -> None:
    rnd = world.extra["survey_round"]
    for _ in range(4):
        SurveyAnswerSet.objects.create(
            municipality=world.a,
            round=rnd,
            answered_on=rnd.opened_on,
            answers={c: 1 for c in CODES},
        )
    lead = world.client_for(world.lead_a)
    url = f"/organisation/{rnd.pk}/selvvurdering/"
    bad = lead.post(url, {"benchmark": "7", "level": "lav"})
    assert bad.status_code == 400 and "pejlemærke fra 1 til 5" in bad.content.decode()
    r = lead.post(url, {"benchmark": "2", "level": "lav", "note": "Opfølgning halter."})
    assert r.status_code == 302
    actor = Actor(world.ppr_a, Membership.objects.get(user=world.ppr_a))
    latest = selectors.latest_self_assessment(actor)
    assert [(a.benchmark_number, a.level) for a in latest] == [(1, "middel"), (2, "lav")]
    teacher = Actor(world.teacher_a, Membership.objects.get(user=world.teacher_a))
    assert selectors.latest_self_assessment(teacher) == []
    assert BenchmarkSelfAssessment.objects.filter(municipality=world.b).count() == 0


def test_only_the_lead_sees_the_survey(world: World) -> None:
    assert world.client_for(world.lead_a).get("/organisation/").status_code == 200
    for user in (world.ppr_a, world.teacher_a, world.lead_b):
        client = world.client_for(user)
        assert client.get("/organisation/").status_code == 404 or user == world.lead_b
        assert client.get(f"/organisation/{world.extra['survey_round'].pk}/").status_code == 404
