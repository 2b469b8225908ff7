"""The scheduled reminder job: one e-mail per responsible person per day, without CPR
numbers or surnames."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from spor.audit.models import AccessLogEntry, Action
from spor.concerns.models import Concern, ReminderSent
from tests.concerns.helpers import days, member
from tests.conftest import ALL_CPR, World, cpr_forms


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("spor_concern_reminders", *args, "--base-url", "https://spor.example", stdout=out)
    return out.getvalue()


@pytest.fixture
def due(world: World) -> World:
    """Oliver's concern (PPR) overdue, the class's concern (the teacher) due tomorrow."""
    for user in (world.ppr_a, world.teacher_a, world.ppr_b):
        user.email = f"{user.username}@example.org"
        user.save()
    Concern.objects.filter(pk=world.extra["concern_child"].pk).update(follow_up_on=days(-3))
    Concern.objects.filter(pk=world.extra["concern_group"].pk).update(follow_up_on=days(1))
    return world


def test_each_responsible_person_gets_one_digest_of_overdue_and_tomorrows_concerns(
    due: World, mailoutbox
) -> None:  # type: ignore[no-untyped-def]
    summary = run()
    assert "2 sendt om 2 bekymringer" in summary
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {"psykolog_a@example.org", "laerer_a@example.org"}

    ppr_mail = by_recipient["psykolog_a@example.org"]
    assert ppr_mail.subject == "Spor: 1 bekymring til opfølgning"
    assert "Opfølgningsdatoen er overskredet (1)" in ppr_mail.body
    assert "Oliver N. (trivsel)" in ppr_mail.body
    concern_pk = due.extra["concern_child"].pk
    assert f"https://spor.example/bekymringer/{concern_pk}/" in ppr_mail.body

    teacher_mail = by_recipient["laerer_a@example.org"]
    assert "Til opfølgning i morgen (1)" in teacher_mail.body
    assert "gruppen 3.A, Aby Skole" in teacher_mail.body


def test_the_e_mail_holds_no_cpr_number_surname_or_description(due: World, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    run()
    text = " ".join(m.subject + m.body for m in mailoutbox)
    assert "Nielsen" not in text
    assert "trækker sig fra legen" not in text
    assert not any(form in text for value in ALL_CPR for form in cpr_forms(value))


def test_running_twice_a_day_sends_once(due: World, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    run()
    second = run()
    assert len(mailoutbox) == 2
    assert "0 sendt" in second and "2 allerede sendt i dag" in second
    assert ReminderSent.objects.filter(on=days(0)).count() == 2


def test_a_dry_run_sends_and_records_nothing(due: World, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    summary = run("--dry-run")
    assert "2 ville blive sendt (prøvekørsel)" in summary
    assert mailoutbox == []
    assert not ReminderSent.objects.exists()


def test_closed_and_later_concerns_are_left_out(due: World, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    Concern.objects.filter(pk=due.extra["concern_group"].pk).update(follow_up_on=days(2))
    run()
    assert [m.to[0] for m in mailoutbox] == ["psykolog_a@example.org"]


def test_a_person_without_an_e_mail_address_is_reported(due: World, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    due.teacher_a.email = ""
    due.teacher_a.save()
    summary = run()
    assert "laerer_a (Aby Kommune): ingen e-mailadresse" in summary
    assert "1 uden e-mailadresse" in summary
    assert len(mailoutbox) == 1


def test_the_reminder_is_in_the_childs_access_log(due: World, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    run()
    entry = AccessLogEntry.objects.filter(child=due.child_a1, action=Action.LIST).latest("pk")
    assert entry.actor == due.ppr_a
    assert "e-mail" in entry.what


def test_each_municipality_reminds_its_own_people(due: World, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    Concern.objects.create(
        municipality=due.b,
        child=due.child_b1,
        description="x",
        category="andet",
        raised_by=member(due, due.teacher_b),
        responsible=member(due, due.ppr_b),
        follow_up_on=days(0),
    )
    run()
    b_mail = next(m for m in mailoutbox if m.to == ["psykolog_b@example.org"])
    assert "Noah P." in b_mail.body and "Oliver" not in b_mail.body


def test_a_bad_date_option_is_refused_in_danish(db: None) -> None:
    with pytest.raises(CommandError, match="ÅÅÅÅ-MM-DD"):
        run("--date", "23.11.2026")


def test_the_date_option_runs_the_job_as_of_another_day(due: World, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    run("--date", days(-10).isoformat())
    assert mailoutbox == []
