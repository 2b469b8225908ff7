"""Writes of the organisational survey. Bad input raises :class:`SurveyError` with a Danish
message, and nothing is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership, Role
from spor.lib.ids import parse_small_int
from spor.lib.links import new_token
from spor.survey import items, links
from spor.survey.models import (
    BenchmarkSelfAssessment,
    Level,
    SurveyAnswerSet,
    SurveyInvitation,
    SurveyRound,
)
from spor.survey.results import MIN_ANSWERS

INVITED_ROLES = (Role.PPR, Role.LEAD)
MAX_DAYS_OPEN = 90
MAX_NAME = 120  # SurveyRound.name


class SurveyError(ValueError):
    pass


class LinkClosed(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def closed_message(status: str) -> str:
    if status == "besvaret":
        return "Skemaet er allerede besvaret. Tak for dit svar."
    return "Runden er lukket, så linket kan ikke længere bruges."


def recipients(actor: Actor) -> tuple[list[Membership], list[Membership]]:
    """(invitable, without e-mail): the municipality's active PPR staff and leads."""
    members = list(
        Membership.objects.filter(
            municipality_id=actor.municipality_id, active=True, role__in=INVITED_ROLES
        )
        .select_related("user")
        .order_by("pk")
    )
    with_mail = [m for m in members if m.user.email]
    return with_mail, [m for m in members if not m.user.email]


def open_round(
    actor: Actor, *, name: str, closes_on: dt.date | None, today: dt.date | None = None
) -> tuple[SurveyRound, int]:
    """Open a round and e-mail a one-time link to each of the municipality's PPR staff."""
    today = today or timezone.localdate()
    name = name.strip()
    if not actor.is_lead:
        raise SurveyError("Kun PPR-lederen kan åbne en måling.")
    if not name:
        raise SurveyError("Giv runden et navn, fx »Forår 2026«.")
    if len(name) > MAX_NAME or "\x00" in name:
        raise SurveyError(f"Rundens navn må højst være {MAX_NAME} tegn (og kun almindelig tekst).")
    if closes_on is None:
        raise SurveyError("Angiv, hvornår runden lukker.")
    if not today < closes_on <= today + dt.timedelta(days=MAX_DAYS_OPEN):
        raise SurveyError(
            f"Runden skal lukke efter i dag og højst {MAX_DAYS_OPEN} dage frem "
            f"(senest {(today + dt.timedelta(days=MAX_DAYS_OPEN)):%d.%m.%Y})."
        )
    invitable, _ = recipients(actor)
    if len(invitable) < MIN_ANSWERS:
        raise SurveyError(
            f"Målingen er anonym og kræver mindst {MIN_ANSWERS} modtagere med e-mailadresse; "
            f"der er {len(invitable)}."
        )
    with transaction.atomic():
        open_rounds = SurveyRound.objects.select_for_update().filter(
            municipality_id=actor.municipality_id, closed_on__isnull=True, closes_on__gte=today
        )
        if open_rounds.exists():
            raise SurveyError("Der er allerede en åben runde. Luk den, før du åbner en ny.")
        rnd = SurveyRound.objects.create(
            municipality_id=actor.municipality_id,
            name=name,
            opened_on=today,
            closes_on=closes_on,
            items=items.shipped(),
            opened_by=actor.membership,
        )
        for member in invitable:
            token, token_hash = new_token()
            SurveyInvitation.objects.create(
                municipality_id=actor.municipality_id,
                round=rnd,
                membership=member,
                token_hash=token_hash,
                expires_on=closes_on,
            )
            send_mail(
                subject=f"Organisationsmåling i PPR: {name}",
                message=(
                    "Hej\n\n"
                    "PPR måler, hvordan vi arbejder med de faglige pejlemærker. Svar på "
                    f"spørgeskemaet her (tager ca. 5 minutter):\n\n{links.link_for(token)}\n\n"
                    "Dine svar er anonyme: de gemmes uden forbindelse til dig eller linket, og "
                    f"resultaterne vises først, når mindst {MIN_ANSWERS} har svaret. Linket kan "
                    f"bruges én gang og lukker {closes_on:%d.%m.%Y}.\n"
                ),
                from_email=None,
                recipient_list=[member.user.email],
            )
    return rnd, len(invitable)


def close_round(actor: Actor, rnd: SurveyRound, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    if rnd.closed_on is None:
        rnd.closed_on = today
        rnd.save(update_fields=["closed_on"])


def invitation_status(inv: SurveyInvitation, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if inv.used:
        return "besvaret"
    if inv.round.is_closed(today) or inv.expires_on < today:
        return "udloebet"
    return "sendt"


def answer_by_link(
    inv: SurveyInvitation, answers: dict[str, Any], today: dt.date | None = None
) -> None:
    """Use up the link and store the answers, in one transaction, without linking them."""
    today = today or timezone.localdate()
    with transaction.atomic():
        used = SurveyInvitation.objects.filter(
            pk=inv.pk,
            used=False,
            expires_on__gte=today,
            round__closed_on__isnull=True,
            round__closes_on__gte=today,
        ).update(used=True)
        if used != 1:
            answered = SurveyInvitation.objects.filter(pk=inv.pk, used=True).exists()
            status = "besvaret" if answered else "udloebet"
            raise LinkClosed(status, closed_message(status))
        SurveyAnswerSet.objects.create(
            municipality_id=inv.municipality_id,
            round_id=inv.round_id,
            answered_on=today,
            answers=answers,
        )


def save_self_assessment(
    actor: Actor, rnd: SurveyRound, *, number: str, level: str, note: str
) -> BenchmarkSelfAssessment:
    if not actor.is_lead:
        raise SurveyError("Kun PPR-lederen kan gemme selvvurderingen.")
    benchmark = parse_small_int(number)
    if benchmark is None or not 1 <= benchmark <= 5:
        raise SurveyError("Vælg et pejlemærke fra 1 til 5.")
    if level not in Level.values:
        raise SurveyError("Vælg niveauet lav, middel eller høj.")
    if len(note) > 2000:
        raise SurveyError("Noten må højst være 2000 tegn.")
    obj, _ = BenchmarkSelfAssessment.objects.update_or_create(
        municipality_id=actor.municipality_id,
        round=rnd,
        benchmark_number=benchmark,
        defaults={"level": level, "note": note.strip(), "saved_by": actor.membership},
    )
    return obj
