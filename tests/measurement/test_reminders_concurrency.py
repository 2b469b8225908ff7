"""Reminders are idempotent under concurrency: two runs of ``spor_measurement_reminders`` at
the same moment (two workers, a cron run beside the worker) send one e-mail per due link,
and every link in those e-mails works. (Before: two runs sent 31 e-mails for 16 links and
left 1 of them working, because each run re-keyed links the other had just mailed.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from spor.accounts.models import Membership
from spor.lib.links import new_token
from spor.measurement import links, services
from spor.measurement.models import Informant, MeasurementRequest, Phase
from tests.conftest import World
from tests.measurement.helpers import LINK_RE, tokens_in_outbox
from tests.ops.threads import at_once


def due_links(w: World, n: int) -> dict[str, str]:
    """``n`` open parent links sent 8 days ago, not reminded: {e-mail: its old token}."""
    ppr = Membership.objects.get(user=w.ppr_a, municipality=w.a)
    sent = timezone.now() - dt.timedelta(days=8)
    old = {}
    for i in range(n):
        token, token_hash = new_token()
        email = f"forælder{i}@example.org"
        MeasurementRequest.objects.create(
            municipality=w.a,
            delivery=w.extra["case_delivery"],
            phase=Phase.BEFORE,
            informant=Informant.PARENT,
            form="parent-4-17",
            recipient_name=f"Forælder {i}",
            recipient_email=email,
            token_hash=token_hash,
            expires_at=sent + dt.timedelta(days=21),
            sent_at=sent,
            created_by=ppr,
        )
        old[email] = token
    return old


def assert_one_working_link_each(old: dict[str, str]) -> None:
    assert sorted(m.to[0] for m in mail.outbox) == sorted(old)
    client = Client()
    for message in mail.outbox:
        (token,) = LINK_RE.findall(message.body)
        with transaction.atomic():  # as in a request (find_request's precondition)
            req = links.find_request(token)
        assert req is not None and req.recipient_email == message.to[0]
        assert client.get(f"/svar/{token}/").status_code == 200
        # The link from the first e-mail no longer works: one link per informant.
        with transaction.atomic():
            assert links.find_request(old[message.to[0]]) is None


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_one_mail_per_due_link_and_the_links_work(
    world: World,
) -> None:
    old = due_links(world, 16)
    sent = at_once(lambda: services.send_reminders(older_than_days=7))
    assert sum(sent) == 16 and len(mail.outbox) == 16
    assert len(set(tokens_in_outbox())) == 16
    assert_one_working_link_each(old)
    assert MeasurementRequest.objects.filter(reminded_at__isnull=False).count() == 16


def test_a_run_working_from_a_stale_list_reminds_no_link_twice(world: World) -> None:
    # The race made deterministic: the second run read the due links before the first
    # reminded them, and only then gets to send.
    old = due_links(world, 3)
    now = timezone.now()
    stale = services.reminders_due(older_than_days=7, now=now)
    assert len(stale) == 3
    assert services.send_reminders(older_than_days=7, now=now) == 3
    assert [services.reminder_send(request_id=pk, now=now) for pk in stale] == [False] * 3
    assert len(mail.outbox) == 3
    assert_one_working_link_each(old)


def test_a_reminder_that_cannot_be_sent_changes_nothing(world: World, settings: object) -> None:
    old = due_links(world, 1)
    settings.EMAIL_BACKEND = "tests.measurement.test_reminders_concurrency.BrokenBackend"  # type: ignore[attr-defined]
    with pytest.raises(ConnectionRefusedError):
        services.send_reminders(older_than_days=7)
    (token,) = old.values()
    with transaction.atomic():  # as in a request (find_request's precondition)
        req = links.find_request(token)
    assert req is not None and req.reminded_at is None  # the old link still works
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
    assert services.send_reminders(older_than_days=7) == 1  # and the next run reminds


class BrokenBackend:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise ConnectionRefusedError("no mail server")
