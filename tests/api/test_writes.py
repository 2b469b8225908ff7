"""Changes through the API go through the apps' services, in one transaction, and only with
the ETag of the version the client read (If-Match): 428 without it, 412 when stale."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone

from spor.audit.models import AccessLogEntry, Action
from spor.cases.models import CaseEvent, DeliveryHours
from spor.cases.models import EventKind as CaseEventKind
from spor.concerns.models import Concern, ConcernEvent, State
from spor.concerns.models import EventKind as ConcernEventKind
from tests.api.conftest import TokenMaker, api
from tests.conftest import World


def patch(client: Client, url: str, data: dict[str, Any], etag: str | None = None) -> Any:
    headers = {"If-Match": etag} if etag else {}
    return client.patch(url, json.dumps(data), content_type="application/json", headers=headers)


def test_changing_a_concern_needs_the_current_etag(world: World, make_token: TokenMaker) -> None:
    concern = world.extra["concern_child"]
    url = f"/api/bekymringer/{concern.pk}/"
    client = api(make_token("concerns:read", "concerns:write", name="Sagssystem"))
    etag = client.get(url)["ETag"]

    missing = patch(client, url, {"state": State.WAITING})
    assert missing.status_code == 428
    assert "If-Match" in missing.json()["detail"]
    stale = patch(client, url, {"state": State.WAITING}, etag='"forkert"')
    assert stale.status_code == 412
    assert Concern.objects.get(pk=concern.pk).state == State.FOLLOWING_UP

    changed = patch(client, url, {"state": State.WAITING, "text": "Venter på forældre"}, etag)
    assert changed.status_code == 200
    assert changed.json()["state"] == State.WAITING
    assert changed["ETag"] != etag
    event = ConcernEvent.objects.filter(concern=concern, kind=ConcernEventKind.STATE).get()
    assert event.text == "Venter på forældre"
    assert event.author.api_token.name == "Sagssystem"
    change_log = AccessLogEntry.objects.filter(action=Action.CHANGE, child=world.child_a1)
    assert change_log.count() == 1
    # The old ETag is now stale.
    assert patch(client, url, {"state": State.NEW}, etag).status_code == 412


def test_a_bad_change_is_refused_in_danish_and_nothing_is_saved(
    world: World, make_token: TokenMaker
) -> None:
    concern = world.extra["concern_child"]
    url = f"/api/bekymringer/{concern.pk}/"
    client = api(make_token("concerns:read", "concerns:write"))
    etag = client.get(url)["ETag"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    lead = world.lead_a.memberships.get()
    response = patch(
        client, url, {"responsible": lead.pk, "follow_up_on": yesterday.isoformat()}, etag
    )
    assert response.status_code == 400
    assert "før i dag" in response.json()["follow_up_on"][0]
    # The new responsible person, saved first in the same request, is undone with it.
    fresh = Concern.objects.get(pk=concern.pk)
    assert fresh.responsible_id == concern.responsible_id != lead.pk
    assert not ConcernEvent.objects.filter(
        concern=concern, kind=ConcernEventKind.RESPONSIBLE
    ).exists()
    assert not AccessLogEntry.objects.filter(action=Action.CHANGE).exists()


def test_a_concern_is_closed_with_an_outcome(world: World, make_token: TokenMaker) -> None:
    concern = world.extra["concern_child"]
    url = f"/api/bekymringer/{concern.pk}/"
    client = api(make_token("concerns:read", "concerns:write"))
    etag = client.get(url)["ETag"]
    closed = patch(client, url, {"outcome": "raad"}, etag)
    assert closed.status_code == 200
    assert closed.json()["state"] == State.CLOSED
    again = patch(client, url, {"state": State.NEW}, closed["ETag"])
    assert again.status_code == 400
    assert "lukket" in again.json()["detail"]


def test_a_read_only_token_cannot_change(world: World, make_token: TokenMaker) -> None:
    concern = world.extra["concern_child"]
    url = f"/api/bekymringer/{concern.pk}/"
    client = api(make_token("concerns:read"))
    etag = client.get(url)["ETag"]
    response = patch(client, url, {"state": State.WAITING}, etag)
    assert response.status_code == 403
    assert "concerns:write" in response.json()["detail"]


def test_a_concern_is_raised_through_the_service(world: World, make_token: TokenMaker) -> None:
    client = api(make_token("concerns:read", "concerns:write"))
    ppr = world.ppr_a.memberships.get()
    body = {
        "child": world.child_a2.pk,
        "description": "Ida er meget fraværende.",
        "category": "fravaer",
        "responsible": ppr.pk,
        "follow_up_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
    }
    created = client.post("/api/bekymringer/", json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    concern = Concern.objects.get(pk=created.json()["id"])
    assert concern.child_id == world.child_a2.pk and concern.responsible_id == ppr.pk
    assert ConcernEvent.objects.filter(concern=concern, kind=ConcernEventKind.CREATED).exists()

    other = dict(body, child=world.child_b1.pk)
    refused = client.post("/api/bekymringer/", json.dumps(other), content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["child"] == ["Barnet findes ikke i din kommune."]
    assert Concern.objects.filter(child=world.child_b1).count() == 0


def test_a_deliverys_hours_are_replaced_with_if_match(world: World, make_token: TokenMaker) -> None:
    delivery = world.extra["case_delivery"]
    url = f"/api/ivaerksatte-indsatser/{delivery.pk}/"
    client = api(make_token("cases:read", "cases:write"))
    etag = client.get(url)["ETag"]
    response = patch(client, url, {"hours": {"psykolog": "7.5"}}, etag)
    assert response.status_code == 200
    assert response.json()["hours"] == {"psykolog": 7.5}
    hours = DeliveryHours.objects.filter(delivery=delivery)
    assert [(h.profession, h.hours) for h in hours] == [("psykolog", Decimal("7.5"))]
    assert CaseEvent.objects.filter(
        case=delivery.case, kind=CaseEventKind.DELIVERY_CHANGED
    ).exists()

    stale = patch(client, url, {"hours": {"psykolog": "1"}}, etag)
    assert stale.status_code == 412
    bad = patch(client, url, {"hours": {"astronaut": "2"}}, response["ETag"])
    assert bad.status_code == 400
    assert "Ukendt faggruppe" in bad.json()["hours"][0]
    put = client.put(url, json.dumps({"status": "afsluttet"}), content_type="application/json")
    assert put.status_code == 428
    assert [h.hours for h in DeliveryHours.objects.filter(delivery=delivery)] == [Decimal("7.5")]


def test_put_replaces_the_whole_delivery(world: World, make_token: TokenMaker) -> None:
    delivery = world.extra["case_delivery"]
    url = f"/api/ivaerksatte-indsatser/{delivery.pk}/"
    client = api(make_token("cases:read", "cases:write"))
    etag = client.get(url)["ETag"]
    end = timezone.localdate().isoformat()
    body = {"start": delivery.start.isoformat(), "end": end, "status": "afsluttet"}
    response = client.put(
        url, json.dumps(body), content_type="application/json", headers={"If-Match": etag}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "afsluttet"
    assert response.json()["hours"] == {}  # PUT without hours: none recorded


def test_a_cases_coordinator_is_changed_to_a_team_member_only(
    world: World, make_token: TokenMaker
) -> None:
    case = world.extra["case"]
    url = f"/api/forloeb/{case.pk}/"
    client = api(make_token("cases:read", "cases:write"))
    read = client.get(url)
    assert read.json()["coordinator"] == world.ppr_a.memberships.get().pk
    outsider = world.health_a.memberships.get()
    refused = patch(client, url, {"coordinator": outsider.pk}, read["ETag"])
    assert refused.status_code == 400
    assert "teamet" in refused.json()["coordinator"][0]
    teacher = world.teacher_a.memberships.get()
    changed = patch(client, url, {"coordinator": teacher.pk}, read["ETag"])
    assert changed.status_code == 200
    assert changed.json()["coordinator"] == teacher.pk
    assert patch(client, url, {"coordinator": teacher.pk}, read["ETag"]).status_code == 412


def test_a_case_is_closed_with_all_four_answers(world: World, make_token: TokenMaker) -> None:
    case = world.extra["case"]
    url = f"/api/forloeb/{case.pk}/"
    client = api(make_token("cases:read", "cases:write"))
    etag = client.get(url)["ETag"]
    partial = patch(client, url, {"outcome": "maal_naaet", "close_psychiatry": False}, etag)
    assert partial.status_code == 400
    assert "close_medication" in partial.json()
    answers = {
        "close_psychiatry": False,
        "close_special_education": True,
        "close_social_measures": False,
        "close_medication": False,
    }
    closed = patch(client, url, {"outcome": "maal_naaet", **answers}, etag)
    assert closed.status_code == 200
    assert closed.json()["status"] == "lukket"
    assert closed.json()["close_special_education"] is True
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.CLOSED).exists()
