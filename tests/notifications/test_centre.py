"""The notification centre as its users meet it: what makes a notification (a new team
member, an answered one-time link, an overdue follow-up), the badge, marking read, the
e-mail choice – and that a notification never leaks a child or someone else's notice."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from spor.accounts.models import Membership
from spor.cases.models import Goal
from spor.concerns.models import Concern
from spor.notifications.models import Kind, Notification
from tests.conftest import ALL_CPR, World, cpr_forms
from tests.measurement.helpers import answers, post_data
from tests.measurement.world import WORLD_TOKEN


def member(w: World, user) -> Membership:
    return Membership.objects.get(user=user, municipality__in=[w.a, w.b])


def notes(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def no_child_data(text: str, w: World) -> None:
    for name in ("Oliver", "Nielsen", "Ida", "Hansen", "William", "Larsen"):
        assert name not in text
    for number in ALL_CPR:
        for form in cpr_forms(number):
            assert form not in text


# --------------------------------------------------------------------------- what makes one


def test_someone_added_to_a_case_team_gets_a_notification_with_the_case_number(
    world: World,
) -> None:
    case = world.extra["case"]
    world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/team/",
        {
            "membership": member(world, world.social_a).pk,
            "role": "Kontakt til familien",
            "basis": "Hjemmel i lovgivningen",
        },
    )
    [note] = notes(world.social_a)
    assert note.kind == Kind.CASE_MEMBER
    assert note.text == f"Du er tilføjet teamet i forløb #{case.pk}."
    assert notes(world.ppr_a) == []  # the one who added gets nothing

    page = world.client_for(world.social_a).get("/notifikationer/")
    assert f"forløb #{case.pk}" in page.content.decode()
    # The new member can now follow the link to the case.
    opened = world.client_for(world.social_a).get(f"/notifikationer/{note.pk}/", follow=True)
    assert opened.status_code == 200
    assert opened.redirect_chain[-1][0] == f"/forloeb/{case.pk}/"


def test_an_answered_one_time_link_tells_the_sender_without_the_childs_name(
    world: World, django_capture_on_commit_callbacks
) -> None:
    case = world.extra["case"]
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(f"/svar/{WORLD_TOKEN}/", post_data(answers(1)))
    assert response.status_code == 302
    [note] = notes(world.ppr_a)
    assert note.kind == Kind.ANSWERED
    assert f"besvaret i forløb #{case.pk}" in note.text
    no_child_data(note.text, world)
    assert mail.outbox == []  # no e-mail unless chosen


def test_overdue_follow_ups_are_notified_once_per_item_by_the_daily_command(
    world: World, capsys
) -> None:
    concern: Concern = world.extra["concern_child"]
    goal: Goal = world.extra["case_goal"]
    later = max(concern.follow_up_on, goal.follow_up_on) + dt.timedelta(days=1)

    before = Notification.objects.count()
    call_command("spor_notify_due", "--date", later.isoformat())
    made = Notification.objects.count() - before
    assert f"Nye notifikationer: {made} (" in capsys.readouterr().out
    concern_notes = [n for n in notes(concern.responsible.user) if f"#{concern.pk}" in n.text]
    assert len(concern_notes) == 1 and "bekymring" in concern_notes[0].text
    goal_notes = [n for n in notes(goal.responsible.user) if "mål i forløb" in n.text]
    assert len(goal_notes) == 1 and goal_notes[0].link == f"/forloeb/{goal.case_id}/"
    count = Notification.objects.count()

    call_command("spor_notify_due", "--date", later.isoformat())
    assert Notification.objects.count() == count  # once per item, however often it runs
    assert f"Nye notifikationer: 0 (0 bekymringer, 0 mål); allerede givet: {made}." in (
        capsys.readouterr().out
    )
    call_command("spor_notify_due", "--date", (later + dt.timedelta(days=1)).isoformat())
    assert Notification.objects.count() == count

    # A new follow-up date that passes again is a new reminder.
    Concern.objects.filter(pk=concern.pk).update(follow_up_on=later + dt.timedelta(days=3))
    call_command("spor_notify_due", "--date", (later + dt.timedelta(days=5)).isoformat())
    assert Notification.objects.count() == count + 1


def test_a_follow_up_not_yet_due_or_a_closed_concern_makes_no_notification(
    world: World,
) -> None:
    call_command("spor_notify_due", "--date", timezone.localdate().isoformat())
    assert Notification.objects.exclude(pk=world.extra["notification_lead"].pk).count() == 0


def test_the_daily_command_refuses_a_bad_date(world: World) -> None:
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Ugyldig dato"):
        call_command("spor_notify_due", "--date", "30-11-2026")


# --------------------------------------------------------------------------- the centre


def test_the_badge_shows_the_unread_count_and_marking_read_lowers_it(world: World) -> None:
    client = world.client_for(world.lead_a)
    note = world.extra["notification_lead"]
    second = Notification.objects.create(
        municipality=world.a, recipient=world.lead_a, kind=Kind.OVERDUE, text="Anden"
    )
    page = client.get("/").content.decode()
    assert 'class="badge"' in page and ">2</span>" in page

    response = client.post(f"/notifikationer/{note.pk}/laest/")
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    assert ">1</span>" in client.get("/").content.decode()

    client.post("/notifikationer/alle-laest/")
    second.refresh_from_db()
    assert second.read_at is not None
    assert 'class="badge"' not in client.get("/").content.decode()


def test_older_notifications_are_on_later_pages_newest_first(world: World) -> None:
    start = timezone.now() - dt.timedelta(days=100)
    for n in range(60):
        Notification.objects.create(
            municipality=world.a,
            recipient=world.ppr_a,
            kind=Kind.OVERDUE,
            text=f"Opfølgning nr. {n:02d}",
            created_at=start + dt.timedelta(days=n),
        )
    client = world.client_for(world.ppr_a)
    first = client.get("/notifikationer/").content.decode()
    assert "Side 1 af 2" in first and "Opfølgning nr. 59" in first
    assert "Opfølgning nr. 10" in first and "Opfølgning nr. 09" not in first
    second = client.get("/notifikationer/?side=2").content.decode()
    assert "Side 2 af 2" in second and "Opfølgning nr. 00" in second
    assert "Opfølgning nr. 10" not in second
    # A page past the end shows the last page, not an error.
    assert "Side 2 af 2" in client.get("/notifikationer/?side=9").content.decode()


def test_marking_read_needs_a_post(world: World) -> None:
    note = world.extra["notification_lead"]
    client = world.client_for(world.lead_a)
    assert client.get(f"/notifikationer/{note.pk}/laest/").status_code == 405
    assert client.get("/notifikationer/alle-laest/").status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_someone_elses_notification_is_404_and_stays_unread(world: World) -> None:
    note = world.extra["notification_lead"]
    for user in (world.ppr_a, world.teacher_a, world.lead_b):
        client = world.client_for(user)
        assert client.get(f"/notifikationer/{note.pk}/").status_code == 404
        assert client.post(f"/notifikationer/{note.pk}/laest/").status_code == 404
        assert note.text not in client.get("/notifikationer/").content.decode()
        client.post("/notifikationer/alle-laest/")
    note.refresh_from_db()
    assert note.read_at is None


def test_a_notification_about_a_case_the_person_cannot_see_does_not_open_it(world: World) -> None:
    case = world.extra["case"]
    note = Notification.objects.create(
        municipality=world.a,
        recipient=world.health_a,
        kind=Kind.CASE_MEMBER,
        text=f"Du er tilføjet teamet i forløb #{case.pk}.",
        link=f"/forloeb/{case.pk}/",
    )
    client = world.client_for(world.health_a)
    page = client.get("/notifikationer/").content.decode()
    no_child_data(page, world)
    assert client.get(f"/notifikationer/{note.pk}/", follow=True).status_code == 404


def test_only_chosen_kinds_arrive_by_email_and_the_email_names_no_child(
    world: World, django_capture_on_commit_callbacks
) -> None:
    world.social_a.email = "social@aby.dk"
    world.social_a.save()
    client = world.client_for(world.social_a)
    client.post("/notifikationer/e-mail/", {"email": [Kind.CASE_MEMBER]})
    page = client.get("/notifikationer/").content.decode()
    assert f'value="{Kind.CASE_MEMBER}" checked' in page
    assert f'value="{Kind.OVERDUE}" checked' not in page

    case = world.extra["case"]
    with django_capture_on_commit_callbacks(execute=True):
        world.client_for(world.ppr_a).post(
            f"/forloeb/{case.pk}/team/",
            {
                "membership": member(world, world.social_a).pk,
                "role": "Familien",
                "basis": "Hjemmel i lovgivningen",
            },
        )
    [message] = mail.outbox
    assert message.to == ["social@aby.dk"]
    assert message.subject == "Du har en ny notifikation i Spor"
    assert "/notifikationer/" in message.body and f"/forloeb/{case.pk}" not in message.body
    no_child_data(message.subject + message.body, world)

    # An overdue follow-up is not chosen: in the centre only.
    with django_capture_on_commit_callbacks(execute=True):
        Notification.objects.all().delete()
        from spor.notifications.services import notification_create

        notification_create(
            municipality_id=world.a.pk, recipient=world.social_a, kind=Kind.OVERDUE, text="x"
        )
    assert len(mail.outbox) == 1


def test_a_person_without_a_role_has_no_notification_centre(world: World) -> None:
    from tests import factories as f

    client = world.client_for(f.user("uden_rolle"))
    assert client.get("/notifikationer/").status_code == 404
    assert Client().get("/notifikationer/").status_code == 302
