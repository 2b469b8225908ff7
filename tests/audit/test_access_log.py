"""Every read, change and export of a child's data is in the access log, and the log cannot
be changed."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from spor.audit.models import AccessLogEntry, Action
from tests.conftest import ALL_CPR, World, cpr_forms


def entries(child_id: int, action: str | None = None) -> list[AccessLogEntry]:
    qs = AccessLogEntry.objects.filter(child_id=child_id)
    if action:
        qs = qs.filter(action=action)
    return list(qs)


def test_opening_a_childs_page_writes_who_what_why_and_from_where(world: World) -> None:
    client = world.client_for(world.ppr_a)
    client.get(f"/boern/{world.child_a1.pk}/", REMOTE_ADDR="10.1.2.3")
    [entry] = entries(world.child_a1.pk, Action.VIEW)
    assert entry.actor == world.ppr_a
    assert entry.municipality_id == world.a.pk
    assert entry.actor_role == "PPR-medarbejder (psykolog)"
    assert entry.purpose == "sagsbehandling"
    assert entry.what == "Barnets side"
    assert entry.source == "10.1.2.3"
    assert entry.at is not None


def test_a_group_page_logs_every_child_it_lists(world: World) -> None:
    world.client_for(world.teacher_a).get(f"/grupper/{world.class_a.pk}/")
    assert len(entries(world.child_a1.pk, Action.LIST)) == 1
    assert entries(world.child_a2.pk) == []


def test_the_child_list_logs_the_children_shown_on_the_page(world: World) -> None:
    world.client_for(world.lead_a).get("/boern/")
    for child in (world.child_a1, world.child_a2, world.child_a3):
        assert len(entries(child.pk, Action.LIST)) == 1
    assert entries(world.child_b1.pk) == []


def test_showing_the_full_cpr_number_is_logged(world: World) -> None:
    response = world.client_for(world.ppr_a).post(f"/boern/{world.child_a1.pk}/cpr/")
    assert "150318-4123" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert len(entries(world.child_a1.pk, Action.CPR_SHOWN)) == 1


def test_a_teacher_may_not_see_the_full_cpr_number(world: World) -> None:
    response = world.client_for(world.teacher_a).post(f"/boern/{world.child_a1.pk}/cpr/")
    assert response.status_code == 403
    assert "4123" not in response.content.decode()
    assert entries(world.child_a1.pk, Action.CPR_SHOWN) == []


def test_the_lead_lists_who_looked_and_why(world: World) -> None:
    world.client_for(world.ppr_a).get(f"/boern/{world.child_a1.pk}/")
    page = world.client_for(world.lead_a).get(f"/boern/{world.child_a1.pk}/adgangslog/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Psykolog_A" in html  # the lead sees the staff member's name
    assert "Sagsbehandling" in html


def test_the_parents_export_has_roles_and_purposes_but_no_names_and_no_cpr(
    world: World,
) -> None:
    world.client_for(world.ppr_a).get(f"/boern/{world.child_a1.pk}/")
    world.client_for(world.ppr_a).post(f"/boern/{world.child_a1.pk}/cpr/")
    response = world.client_for(world.lead_a).get(f"/boern/{world.child_a1.pk}/adgangslog.csv")
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    lines = text.strip().splitlines()
    assert lines[0] == "tidspunkt;rolle;handling;hvad;formål"
    assert any("PPR-medarbejder (psykolog);Så barnets side" in line for line in lines)
    for name in ("Psykolog_A", "psykolog_a", "Leder_A", "leder_a"):
        assert name not in text
    for cpr in ALL_CPR:
        for form in cpr_forms(cpr):
            assert form not in text
            assert form not in response["Content-Disposition"]
    # the export itself is in the log
    assert len(entries(world.child_a1.pk, Action.EXPORT)) == 1


def test_the_parents_export_writes_a_formula_as_text(world: World) -> None:
    import csv
    import io

    from spor.audit.models import Purpose
    from spor.audit.services import access_log_record
    from tests.cases.helpers import actor

    hostile = '=HYPERLINK("https://angriber.example","Klik")'
    access_log_record(
        actor=actor(world, world.ppr_a),
        child_ids=[world.child_a1.pk],
        action=Action.VIEW,
        purpose=Purpose.CASEWORK,
        what=hostile,
    )
    response = world.client_for(world.lead_a).get(f"/boern/{world.child_a1.pk}/adgangslog.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [r[3] for r in rows[1:]] == ["'" + hostile]


def test_only_the_lead_sees_the_access_log(world: World) -> None:
    for person in (world.ppr_a, world.teacher_a):
        client = world.client_for(person)
        assert client.get(f"/boern/{world.child_a1.pk}/adgangslog/").status_code == 404
        assert client.get(f"/boern/{world.child_a1.pk}/adgangslog.csv").status_code == 404


def test_the_model_refuses_to_change_or_delete_an_entry(world: World) -> None:
    world.client_for(world.ppr_a).get(f"/boern/{world.child_a1.pk}/")
    [entry] = entries(world.child_a1.pk, Action.VIEW)
    entry.what = "ændret"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_on_the_log(world: World) -> None:
    world.client_for(world.ppr_a).get(f"/boern/{world.child_a1.pk}/")
    for sql in (
        "UPDATE audit_accesslogentry SET what = 'skjult'",
        "DELETE FROM audit_accesslogentry",
    ):
        with (
            pytest.raises(DatabaseError, match="kun til tilføjelse"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.all().update(what="skjult")
    assert AccessLogEntry.objects.filter(what="skjult").count() == 0
