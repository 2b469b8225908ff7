"""Reminders of concerns to follow up: one e-mail per responsible person per day.

The digest lists the person's open concerns whose follow-up date has passed, is today or
is tomorrow. It names a child by first name and the initial of the surname only, never a
CPR number and never the description (which may hold anything), and links to the concern
in Spor, where the person logs in to read it. Sending is recorded in
:class:`~spor.concerns.models.ReminderSent`, so the job can run several times a day and
still send each person one e-mail per day.

Runs in the system context (all municipalities); ``manage.py spor_concern_reminders``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from spor.accounts.access import Actor
from spor.accounts.models import Membership
from spor.audit.models import Action, Purpose
from spor.audit.services import access_log_record
from spor.concerns.models import OPEN_STATES, Concern, ReminderSent


@dataclass
class ReminderResult:
    sent: int = 0
    concerns: int = 0
    already_sent: int = 0
    no_email: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def short_name(concern: Concern) -> str:
    """First name and the surname's initial, or the group: what an e-mail may say."""
    child, group = concern.child, concern.group
    if child is not None:
        initial = f" {child.last_name[:1]}." if child.last_name else ""
        return f"{child.first_name}{initial}"
    if group is not None:
        return f"gruppen {group.name}, {group.institution.name}"
    return "en bekymring"


def _line(concern: Concern, base_url: str) -> str:
    url = base_url.rstrip("/") + reverse(
        "concerns:concern_detail", kwargs={"concern_id": concern.pk}
    )
    return (
        f"- {short_name(concern)} ({concern.get_category_display().lower()}), "
        f"opfølgning {concern.follow_up_on:%d.%m.%Y}: {url}"
    )


def compose(
    membership: Membership, concerns: list[Concern], today: dt.date, base_url: str
) -> tuple[str, str]:
    """Subject and body of one person's digest."""
    tomorrow = today + dt.timedelta(days=1)
    sections = [
        ("Opfølgningsdatoen er overskredet", [c for c in concerns if c.follow_up_on < today]),
        ("Til opfølgning i dag", [c for c in concerns if c.follow_up_on == today]),
        ("Til opfølgning i morgen", [c for c in concerns if c.follow_up_on == tomorrow]),
    ]
    n = len(concerns)
    noun = "bekymring" if n == 1 else "bekymringer"
    subject = f"Spor: {n} {noun} til opfølgning"
    name = membership.user.first_name or membership.user.get_username()
    parts = [
        f"Kære {name}",
        "",
        f"Du er ansvarlig for {n} {noun} i Spor, der skal følges op:",
    ]
    for title, items in sections:
        if items:
            parts += ["", f"{title} ({len(items)}):"]
            parts += [_line(c, base_url) for c in items]
    parts += [
        "",
        "Log ind i Spor for at læse bekymringerne, skrive et notat, flytte datoen eller lukke "
        "dem. Alle dine forfaldne bekymringer: "
        + base_url.rstrip("/")
        + reverse("concerns:overdue_list"),
        "",
        "Denne e-mail er sendt automatisk af Spor. Den indeholder med vilje ikke CPR-numre, "
        "efternavne eller beskrivelser.",
    ]
    return subject, "\n".join(parts)


def due_concerns(today: dt.date) -> dict[int, list[Concern]]:
    """Open concerns due up to tomorrow, per responsible membership (all municipalities)."""
    tomorrow = today + dt.timedelta(days=1)
    per_person: dict[int, list[Concern]] = defaultdict(list)
    qs = (
        Concern.objects.filter(
            state__in=OPEN_STATES,
            follow_up_on__lte=tomorrow,
            responsible__active=True,
        )
        .select_related("child", "group__institution")
        .order_by("responsible_id", "follow_up_on", "pk")
    )
    for concern in qs:
        per_person[concern.responsible_id].append(concern)
    return per_person


def send_reminders(
    *, today: dt.date, base_url: str, dry_run: bool = False, from_email: str | None = None
) -> ReminderResult:
    result = ReminderResult()
    per_person = due_concerns(today)
    if not per_person:
        return result
    people = {
        m.pk: m
        for m in Membership.objects.filter(pk__in=per_person).select_related("user", "municipality")
    }
    done = set(
        ReminderSent.objects.filter(membership_id__in=per_person, on=today).values_list(
            "membership_id", flat=True
        )
    )
    for membership_id, concerns in per_person.items():
        m = people[membership_id]
        who = f"{m.user.get_username()} ({m.municipality.name})"
        if membership_id in done:
            result.already_sent += 1
            continue
        if not m.user.email:
            result.no_email.append(who)
            continue
        subject, body = compose(m, concerns, today, base_url)
        if dry_run:
            result.lines.append(f"{who}: {len(concerns)} (ikke sendt: prøvekørsel)")
            result.sent += 1
            result.concerns += len(concerns)
            continue
        try:
            with transaction.atomic():
                ReminderSent.objects.create(
                    municipality_id=m.municipality_id, membership=m, on=today, count=len(concerns)
                )
                access_log_record(
                    actor=Actor(user=m.user, membership=m),
                    child_ids=[c.child_id for c in concerns if c.child_id is not None],
                    action=Action.LIST,
                    purpose=Purpose.CASEWORK,
                    what="Påmindelse om opfølgning af bekymringer (e-mail)",
                )
                # Inside the transaction: if sending fails, nothing is recorded and the
                # next run tries again.
                send_mail(subject, body, from_email, [m.user.email])
        except IntegrityError:
            result.already_sent += 1  # another run got there first
            continue
        except Exception as exc:  # one failing address must not stop the others
            result.failed.append(f"{who}: {type(exc).__name__}")
            continue
        result.sent += 1
        result.concerns += len(concerns)
        result.lines.append(f"{who}: {len(concerns)}")
    return result
