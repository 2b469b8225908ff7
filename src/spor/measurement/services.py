"""Writes of the SDQ before/after measurement. Each service checks its input again (the
screens check first), makes the change and writes the access log, in one transaction:
everything is saved or nothing is.

Bad input raises :class:`django.core.exceptions.ValidationError` with a Danish message that
says what to fix; someone who may not make the change gets
:class:`django.core.exceptions.PermissionDenied`. A link that can no longer be answered
raises :class:`LinkClosed` with the message for the respondent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from spor import sdq
from spor.accounts.access import Actor
from spor.accounts.models import Membership
from spor.audit.models import AccessLogEntry, Action, Purpose
from spor.audit.services import access_log_record
from spor.cases import selectors as case_selectors
from spor.cases.models import Delivery, DeliveryStatus
from spor.lib.context import RequestContext
from spor.lib.forms import raise_errors
from spor.lib.links import new_token
from spor.measurement import links, questionnaire
from spor.measurement.models import (
    Informant,
    LicensedWording,
    MeasurementRequest,
    Phase,
    RequestStatus,
    Response,
)
from spor.notifications.services import notify_questionnaire_answered

LINK_DAYS = 21

MSG_NOT_ALLOWED = "Kun forløbets team og PPR-lederen kan sende og indtaste SDQ-skemaer."
MSG_NOT_CHILD = "SDQ-måling gælder ét barn. Dette forløb handler om et børnefællesskab."
MSG_NO_INFORMANT = "Vælg mindst én informant."
MSG_PHASE = "Vælg førmåling eller eftermåling."
MSG_INFORMANT = "Vælg en informant: forælder, lærer/pædagog, PPR-fagperson eller barnet selv."
MSG_BEFORE_ENDED = (
    "Indsatsen er afsluttet. Førmålingen sendes, før eller mens indsatsen står på. "
    "Har I et udfyldt papirskema fra starten, kan du indtaste det."
)
MSG_AFTER_NOT_ENDED = (
    "Eftermålingen sendes, når indsatsen slutter. Sæt en slutdato på indsatsen først."
)
MSG_EMAIL = "Skriv en gyldig e-mailadresse til {who}, fx navn@eksempel.dk."
MSG_NAME = "Skriv navnet på {who}."
MSG_MEMBER = "Vælg den PPR-fagperson fra forløbets team, der kender barnet bedst."
MSG_MEMBER_EMAIL = "{name} har ingen e-mailadresse i Spor. Indtast skemaet på papir i stedet."
MSG_OPEN_EXISTS = (
    "Der er allerede sendt et link til {who} ({phase}), som ikke er besvaret. "
    "Tilbagekald det først, hvis du vil sende et nyt."
)
MSG_ANSWERED = "{who} har allerede besvaret {phase}."
MSG_SEND_FAILED = "E-mailen kunne ikke sendes ({error}). Intet er gemt; prøv igen senere."
MSG_REVOKE_CLOSED = "Linket kan ikke tilbagekaldes: det er {status}."
MSG_PAPER_DATE = "Angiv en dato for besvarelsen, ikke i fremtiden."
MSG_ANSWERS = "Skemaet er ikke udfyldt rigtigt. Ret de markerede spørgsmål."

# What the respondent reads when a link cannot be used (the public page shows it, 410).
LINK_USED = "Skemaet er allerede besvaret. Tak for dit svar – du behøver ikke gøre mere."
LINK_EXPIRED = "Linket er udløbet. Kontakt den, der sendte dig skemaet, hvis du stadig vil svare."
LINK_REVOKED = "Linket er trukket tilbage og kan ikke bruges. Kontakt den, der sendte dig skemaet."

WHO = {
    Informant.PARENT: "forælderen",
    Informant.TEACHER: "læreren/pædagogen",
    Informant.PROFESSIONAL: "PPR-fagpersonen",
    Informant.SELF: "barnet",
}


class LinkClosed(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def closed_message(status: str) -> str:
    return {
        RequestStatus.ANSWERED: LINK_USED,
        RequestStatus.EXPIRED: LINK_EXPIRED,
        RequestStatus.REVOKED: LINK_REVOKED,
    }.get(RequestStatus(status), LINK_USED)


def link_days() -> int:
    return int(getattr(settings, "SPOR_MEASUREMENT_LINK_DAYS", LINK_DAYS))


def _phase_label(phase: str) -> str:
    return str(Phase(phase).label).lower()


def _check_work(actor: Actor, delivery: Delivery) -> None:
    case = delivery.case
    if not case_selectors.may_work_on(actor, case):
        raise PermissionDenied(MSG_NOT_ALLOWED)
    if case.child_id is None:
        raise ValidationError(MSG_NOT_CHILD)


def _log(actor: Actor, delivery: Delivery, what: str, context: RequestContext | None) -> None:
    if delivery.case.child_id is not None:
        access_log_record(
            actor=actor,
            child_ids=[delivery.case.child_id],
            action=Action.CHANGE,
            purpose=Purpose.CASEWORK,
            what=what,
            context=context,
        )


def _age(delivery: Delivery, today: dt.date) -> int:
    child = delivery.case.child
    assert child is not None
    return child.age_on(today)


def _person(m: Membership) -> str:
    return m.user.get_full_name() or m.user.get_username()


# --------------------------------------------------------------------------- sending


@dataclass
class Recipient:
    informant: str
    name: str = ""
    email: str = ""
    membership: Membership | None = None


def _mail(req: MeasurementRequest, token: str, *, reminder: bool = False) -> None:
    """The e-mail with the link: the child's first name, nothing more about the child."""
    child = req.delivery.case.child
    assert child is not None
    first = child.first_name
    greeting = f"Kære {req.recipient_name}" if req.recipient_name else "Hej"
    about = "dig selv" if req.informant == Informant.SELF else first
    subject = ("Påmindelse: " if reminder else "") + f"Spørgeskema om {about} (SDQ)"
    intro = (
        "Vi mangler stadig dit svar på spørgeskemaet."
        if reminder
        else "PPR beder dig besvare et kort spørgeskema (SDQ)."
    )
    expires = timezone.localtime(req.expires_at).strftime("%d.%m.%Y")
    body = (
        f"{greeting}\n\n{intro} Det handler om {about}, "
        f"og du svarer {questionnaire.ROLE_TEXT[Informant(req.informant)]}.\n\n"
        f"Åbn linket og svar – det tager omkring 5 minutter:\n{links.link_for(token)}\n\n"
        f"Linket kan bruges én gang og udløber {expires}. Du skal ikke logge ind. "
        "Del ikke linket med andre.\n"
        + ("Et tidligere link til samme skema virker ikke længere.\n" if reminder else "")
        + "\nVenlig hilsen\nPPR\n"
    )
    send_mail(
        subject, body, settings.DEFAULT_FROM_EMAIL, [req.recipient_email], fail_silently=False
    )


def _check_recipient(
    actor: Actor, delivery: Delivery, r: Recipient, errors: dict[str, str]
) -> None:
    who = WHO.get(Informant(r.informant), "modtageren") if r.informant in Informant.values else ""
    if r.informant not in Informant.values:
        errors["informant"] = MSG_INFORMANT
        return
    if r.informant == Informant.PROFESSIONAL:
        m = r.membership
        team = case_selectors.team_memberships(actor, delivery.case)
        if m is None or not team.filter(pk=m.pk).exists():
            errors[f"member_{r.informant}"] = MSG_MEMBER
            return
        if not m.user.email:
            errors[f"member_{r.informant}"] = MSG_MEMBER_EMAIL.format(name=_person(m))
            return
        r.name, r.email = _person(m), m.user.email
        return
    r.name, r.email = r.name.strip(), r.email.strip()
    if not r.name:
        errors[f"name_{r.informant}"] = MSG_NAME.format(who=who)
    try:
        validate_email(r.email)
    except ValidationError:
        errors[f"email_{r.informant}"] = MSG_EMAIL.format(who=who)


def _check_free(delivery: Delivery, phase: str, informant: str, errors: dict[str, str]) -> None:
    """One answer per delivery, phase and informant; one open link at a time."""
    who = WHO[Informant(informant)]
    if Response.objects.filter(
        municipality_id=delivery.municipality_id,
        delivery=delivery,
        phase=phase,
        informant=informant,
    ).exists():
        errors[f"informant_{informant}"] = MSG_ANSWERED.format(
            who=who.capitalize(), phase=_phase_label(phase)
        )
        return
    open_links = MeasurementRequest.objects.filter(
        municipality_id=delivery.municipality_id,
        delivery=delivery,
        phase=phase,
        informant=informant,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if open_links.exists():
        errors[f"informant_{informant}"] = MSG_OPEN_EXISTS.format(
            who=who, phase=_phase_label(phase)
        )


@transaction.atomic
def send_requests(
    *,
    actor: Actor,
    delivery: Delivery,
    phase: str,
    recipients: Sequence[Recipient],
    context: RequestContext | None = None,
    today: dt.date | None = None,
) -> list[MeasurementRequest]:
    """Send the før- or eftermåling to the chosen informants: one one-time link each, by
    e-mail. The PPR professional's link goes to a team member's e-mail address."""
    _check_work(actor, delivery)
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if phase not in Phase.values:
        raise ValidationError(MSG_PHASE)
    if phase == Phase.BEFORE and (
        delivery.status == DeliveryStatus.FINISHED or (delivery.end and delivery.end < today)
    ):
        raise ValidationError(MSG_BEFORE_ENDED)
    if phase == Phase.AFTER and delivery.end is None:
        raise ValidationError(MSG_AFTER_NOT_ENDED)
    if not recipients:
        raise ValidationError({"informant": MSG_NO_INFORMANT})
    age = _age(delivery, today)
    forms: dict[str, str] = {}
    for r in recipients:
        _check_recipient(actor, delivery, r, errors)
        if r.informant in Informant.values:
            try:
                forms[r.informant] = questionnaire.form_for(r.informant, phase, age)
            except questionnaire.FormChoiceError as exc:
                errors[f"informant_{r.informant}"] = str(exc)
                continue
            _check_free(delivery, phase, r.informant, errors)
    raise_errors(errors)
    now = timezone.now()
    made: list[MeasurementRequest] = []
    for r in recipients:
        token, token_hash = new_token()
        req = MeasurementRequest.objects.create(
            municipality_id=actor.municipality_id,
            delivery=delivery,
            phase=phase,
            informant=r.informant,
            form=forms[r.informant],
            recipient_name=r.name[:150],
            recipient_email=r.email,
            recipient_membership=r.membership if r.informant == Informant.PROFESSIONAL else None,
            token_hash=token_hash,
            expires_at=now + dt.timedelta(days=link_days()),
            sent_at=now,
            created_by=actor.membership,
        )
        try:
            _mail(req, token)
        except Exception as exc:  # SMTP, DNS …: nothing is kept
            raise ValidationError(MSG_SEND_FAILED.format(error=type(exc).__name__)) from exc
        made.append(req)
    names = ", ".join(str(Informant(r.informant).label).lower() for r in recipients)
    _log(actor, delivery, f"SDQ-{_phase_label(phase)} sendt til {names}", context)
    return made


@transaction.atomic
def revoke(
    *, actor: Actor, req: MeasurementRequest, context: RequestContext | None = None
) -> MeasurementRequest:
    """Withdraw an unanswered link; it then answers »trukket tilbage«."""
    delivery = req.delivery
    _check_work(actor, delivery)
    changed = MeasurementRequest.objects.filter(
        pk=req.pk,
        municipality_id=actor.municipality_id,
        used_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    req.refresh_from_db()
    if not changed:
        raise ValidationError(MSG_REVOKE_CLOSED.format(status=req.status_label.lower()))
    _log(actor, delivery, "SDQ-link tilbagekaldt", context)
    return req


# --------------------------------------------------------------------------- answering


def _response(
    *,
    municipality_id: int,
    delivery: Delivery,
    phase: str,
    informant: str,
    form: str,
    answers: Mapping[str, int | None],
    impact: Mapping[str, int | None],
    **extra: Any,
) -> Response:
    # The child's sex and age on the day of answering, for norm sets by sex and age.
    child = delivery.case.child
    sex = age = None
    if child is not None:
        answered = extra.get("answered_at") or timezone.now()
        sex = questionnaire.SDQ_SEX.get(child.sex)
        age = child.age_on(timezone.localtime(answered).date())
    scores = questionnaire.score(form, answers, impact, sex=sex, age=age)
    return Response.objects.create(
        municipality_id=municipality_id,
        delivery=delivery,
        phase=phase,
        informant=informant,
        form=form,
        answers=dict(answers),
        impact={k: v for k, v in impact.items() if v is not None},
        scores=scores,
        norm_set=scores.get("norm_set") or "",
        **extra,
    )


def answer_by_link(
    *,
    req: MeasurementRequest,
    answers: Mapping[str, int | None],
    impact: Mapping[str, int | None],
    context: RequestContext | None = None,
) -> Response:
    """Save a respondent's answers. The link is used up by one conditional UPDATE (only an
    open link is changed), in the same transaction as the answer: of two submissions at once
    exactly one wins; the other gets :class:`LinkClosed` and nothing changes."""
    now = timezone.now()
    with transaction.atomic():
        used = MeasurementRequest.objects.filter(
            pk=req.pk,
            municipality_id=req.municipality_id,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(used_at=now)
        if not used:
            fresh = MeasurementRequest.objects.get(pk=req.pk, municipality_id=req.municipality_id)
            status = fresh.status_at(now)
            raise LinkClosed(status, closed_message(status))
        try:
            with transaction.atomic():
                response = _response(
                    municipality_id=req.municipality_id,
                    delivery=req.delivery,
                    phase=req.phase,
                    informant=req.informant,
                    form=req.form,
                    answers=answers,
                    impact=impact,
                    request=req,
                    respondent_name=req.recipient_name,
                    answered_at=now,
                )
        except IntegrityError:
            # Someone typed in a paper form for the same informant meanwhile.
            raise LinkClosed(RequestStatus.ANSWERED, LINK_USED) from None
        child_id = req.delivery.case.child_id
        if child_id is not None:
            AccessLogEntry.objects.create(
                municipality_id=req.municipality_id,
                actor=None,
                actor_role=f"{Informant(req.informant).label} (via engangslink)",
                child_id=child_id,
                action=Action.CREATE,
                purpose=Purpose.CASEWORK,
                what=f"SDQ-{_phase_label(req.phase)} besvaret via engangslink",
                source=context.address if context is not None else None,
            )
        sender = req.created_by
        notify_questionnaire_answered(
            municipality_id=req.municipality_id,
            case_id=req.delivery.case_id,
            recipient=sender.user if sender is not None and sender.active else None,
            phase_label=_phase_label(req.phase),
        )
    return response


@transaction.atomic
def enter_paper(
    *,
    actor: Actor,
    delivery: Delivery,
    phase: str,
    informant: str,
    answers: Mapping[str, int | None],
    impact: Mapping[str, int | None],
    answered_on: dt.date | None,
    respondent_name: str = "",
    context: RequestContext | None = None,
    today: dt.date | None = None,
) -> Response:
    """Type in a paper form. An open link for the same phase and informant is withdrawn in
    the same transaction, so the two cannot both be answered."""
    _check_work(actor, delivery)
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if phase not in Phase.values:
        errors["phase"] = MSG_PHASE
    if informant not in Informant.values:
        errors["informant"] = MSG_INFORMANT
    if answered_on is None or answered_on > today:
        errors["answered_on"] = MSG_PAPER_DATE
    raise_errors(errors)
    assert answered_on is not None
    try:
        form = questionnaire.form_for(informant, phase, _age(delivery, answered_on))
    except questionnaire.FormChoiceError as exc:
        raise ValidationError({"informant": str(exc)}) from None
    who = WHO[Informant(informant)]
    if Response.objects.filter(
        municipality_id=actor.municipality_id,
        delivery=delivery,
        phase=phase,
        informant=informant,
    ).exists():
        raise ValidationError(
            {"informant": MSG_ANSWERED.format(who=who.capitalize(), phase=_phase_label(phase))}
        )
    q = questionnaire.build(form, informant, actor.municipality_id)
    q_data = {f"q-{k}": v for k, v in {**answers, **impact}.items() if v is not None}
    if not questionnaire.read(q, q_data, paper=True):
        raise ValidationError({"answers": [m for _, m in q.errors] or [MSG_ANSWERS]})
    MeasurementRequest.objects.filter(
        municipality_id=actor.municipality_id,
        delivery=delivery,
        phase=phase,
        informant=informant,
        used_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    local = timezone.get_current_timezone()
    response = _response(
        municipality_id=actor.municipality_id,
        delivery=delivery,
        phase=phase,
        informant=informant,
        form=form,
        answers=q.answers(),
        impact=q.impact_answers(),
        entered_by=actor.membership,
        respondent_name=respondent_name.strip()[:150],
        answered_at=dt.datetime.combine(answered_on, dt.time(12), tzinfo=local),
    )
    _log(actor, delivery, f"SDQ-{_phase_label(phase)} indtastet fra papir ({who})", context)
    return response


# --------------------------------------------------------------------------- reminders


def send_reminders(*, older_than_days: int = 7, now: dt.datetime | None = None) -> int:
    """Remind once: every open link sent more than ``older_than_days`` ago and not reminded
    gets a new link by e-mail (the token is not stored, so a reminder carries a fresh one;
    the old link stops working). Runs in the system context (a management command). Two
    runs at the same time send one reminder per link: :func:`reminder_send` claims each."""
    now = now or timezone.now()
    count = 0
    for pk in reminders_due(older_than_days=older_than_days, now=now):
        count += reminder_send(request_id=pk, now=now)
    return count


def _remindable(now: dt.datetime) -> Any:
    return MeasurementRequest.objects.filter(
        used_at__isnull=True,
        revoked_at__isnull=True,
        reminded_at__isnull=True,
        expires_at__gt=now,
    ).exclude(recipient_email="")


def reminders_due(*, older_than_days: int, now: dt.datetime) -> list[int]:
    """The links to remind about now (their ids); another run may take some of them first."""
    since = now - dt.timedelta(days=older_than_days)
    return list(_remindable(now).filter(sent_at__lte=since).values_list("pk", flat=True))


@transaction.atomic
def reminder_send(*, request_id: int, now: dt.datetime) -> bool:
    """Remind about one link, if no one has yet: the new token and the reminder's time are
    set by one conditional UPDATE, which only one of two concurrent runs can make (on
    PostgreSQL the other waits for the row and then finds it reminded; SQLite lets one
    writer at a time). The e-mail goes inside the transaction: if it cannot be sent,
    nothing is changed and the old link still works. False if there was nothing to do."""
    token, token_hash = new_token()
    if not _remindable(now).filter(pk=request_id).update(token_hash=token_hash, reminded_at=now):
        return False
    req = MeasurementRequest.objects.select_related("delivery__case__child").get(pk=request_id)
    _mail(req, token, reminder=True)
    return True


# --------------------------------------------------------------------------- licensed wording

MSG_WORDING_LEAD = "Kun PPR-lederen kan indlæse kommunens licenserede SDQ-ordlyd."
MSG_WORDING_FORM = "Vælg et af Spors SDQ-skemaer."
MSG_WORDING_LICENCE = (
    "Skriv, hvilken licens fra youthinmind kommunen har (fx aftalens nummer og dato). "
    "Spor viser kun den officielle ordlyd for en kommune, der har licens til den."
)
MSG_WORDING_FILE = "Vælg filen med ordlyden: JSON eller CSV (kolonnerne key og text), højst 200 kB."
WORDING_MAX_BYTES = 200_000


def wording_forms() -> list[str]:
    """The SDQ forms a municipality can load wording for: every instrument Spor ships."""
    return sorted(sdq.list_forms())


@transaction.atomic
def wording_load(
    *,
    actor: Actor,
    form: str,
    filename: str,
    content: bytes,
    licence_note: str,
) -> LicensedWording:
    """Load (or replace) the municipality's licensed wording of one form from the file it
    holds, checked against the form's instrument definition by
    :func:`spor.sdq.load_item_wording` (every item key with a text, no unknown key, the
    declared instrument the right one). PPR-leder only. Nothing is saved on any error."""
    import tempfile
    from pathlib import Path

    if not actor.is_lead:
        raise PermissionDenied(MSG_WORDING_LEAD)
    errors: dict[str, str] = {}
    if form not in wording_forms():
        errors["form"] = MSG_WORDING_FORM
    if not licence_note.strip():
        errors["licence_note"] = MSG_WORDING_LICENCE
    suffix = Path(filename).suffix.lower()
    if suffix not in (".json", ".csv") or not content or len(content) > WORDING_MAX_BYTES:
        errors["file"] = MSG_WORDING_FILE
    raise_errors(errors)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"ordlyd{suffix}"
        path.write_bytes(content)
        try:
            texts = sdq.load_item_wording(path, form)
        except sdq.SDQError as exc:
            # The engine's message names the temporary path; the person knows the file by
            # its own name.
            message = str(exc).replace(str(path), filename).split(" / ", 1)[0]
            raise ValidationError({"file": f"Filen kan ikke bruges: {message}"}) from None
    wording, _ = LicensedWording.objects.update_or_create(
        municipality_id=actor.municipality_id,
        form=form,
        defaults={
            "texts": texts,
            "licence_note": licence_note.strip()[:200],
            "source_name": Path(filename).name[:200],
            "loaded_by": actor.membership,
            "loaded_at": timezone.now(),
        },
    )
    return wording


@transaction.atomic
def wording_remove(*, actor: Actor, form: str) -> int:
    """Remove the municipality's wording of one form (back to Spor's short labels)."""
    if not actor.is_lead:
        raise PermissionDenied(MSG_WORDING_LEAD)
    deleted, _ = LicensedWording.objects.filter(
        municipality_id=actor.municipality_id, form=form
    ).delete()
    return deleted
