"""The API's resources through the integration's path: a token in the Authorization header.
Each resource answers municipality A's token, hides A's records from B's token (404, as for
a missing id), refuses a token without the scope (403), and writes every child shown to the
access log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from spor.api.scopes import SCOPES
from spor.audit.models import AccessLogEntry, Action
from tests.api.conftest import TokenMaker, api
from tests.conftest import CPR_A1, World


@dataclass(frozen=True)
class Resource:
    path: str
    scope: str
    key: str  # the world object behind the detail route
    logs_child: bool


RESOURCES = [
    Resource("institutioner", "registry:read", "school_a", False),
    Resource("grupper", "registry:read", "class_a", False),
    Resource("boern", "registry:read", "child_a1", True),
    Resource("trivselsrunder", "screening:read", "round", False),
    Resource("bekymringer", "concerns:read", "concern_child", True),
    Resource("forloeb", "cases:read", "case", True),
    Resource("indsatser", "catalogue:read", "intervention_talks", False),
    Resource("ivaerksatte-indsatser", "cases:read", "case_delivery", True),
    Resource("sdq-resultater", "measurement:read", "measurement_response", True),
]


def obj(w: World, key: str) -> Any:
    return getattr(w, key, None) or w.extra[key]


def log_entries(w: World, action: Action | None = None) -> list[AccessLogEntry]:
    qs = AccessLogEntry.objects.filter(municipality=w.a)
    if action is not None:
        qs = qs.filter(action=action)
    return list(qs)


@pytest.mark.parametrize("r", RESOURCES, ids=lambda r: r.path)
def test_each_resource_lists_and_shows_the_tokens_municipality_only(
    world: World, make_token: TokenMaker, r: Resource
) -> None:
    a = api(make_token(r.scope))
    target = obj(world, r.key)
    listed = a.get(f"/api/{r.path}/")
    assert listed.status_code == 200
    ids = [row["id"] for row in listed.json()["results"]]
    assert target.pk in ids
    detail = a.get(f"/api/{r.path}/{target.pk}/")
    assert detail.status_code == 200
    assert detail.json()["id"] == target.pk
    assert detail["ETag"].startswith('"')

    b = api(make_token(r.scope, muni="b"))
    assert b.get(f"/api/{r.path}/{target.pk}/").status_code == 404
    assert b.get(f"/api/{r.path}/987654321/").status_code == 404
    assert target.pk not in [row["id"] for row in b.get(f"/api/{r.path}/").json()["results"]]


@pytest.mark.parametrize("r", RESOURCES, ids=lambda r: r.path)
def test_a_token_without_the_scope_gets_403_with_a_danish_message(
    world: World, make_token: TokenMaker, r: Resource
) -> None:
    others = [s for s in SCOPES if s != r.scope]
    client = api(make_token(*others))
    for url in (f"/api/{r.path}/", f"/api/{r.path}/{obj(world, r.key).pk}/"):
        response = client.get(url)
        assert response.status_code == 403
        assert r.scope in response.json()["detail"]
        assert "rettigheden" in response.json()["detail"]


@pytest.mark.parametrize("r", [r for r in RESOURCES if r.logs_child], ids=lambda r: r.path)
def test_every_child_read_through_the_api_is_in_the_access_log(
    world: World, make_token: TokenMaker, r: Resource
) -> None:
    client = api(make_token(r.scope, name="Elevadministration"))
    before = len(log_entries(world))
    client.get(f"/api/{r.path}/{obj(world, r.key).pk}/")
    viewed = log_entries(world, Action.VIEW)
    assert len(viewed) == 1
    assert viewed[0].child_id == world.child_a1.pk
    assert viewed[0].actor_role == "Integration via API (Elevadministration)"
    assert viewed[0].what.startswith("API: ")
    assert len(log_entries(world)) == before + 1


def test_a_list_writes_one_access_log_entry_per_child_shown(
    world: World, make_token: TokenMaker
) -> None:
    client = api(make_token("registry:read"))
    response = client.get("/api/boern/?antal=2")
    shown = [row["id"] for row in response.json()["results"]]
    assert len(shown) == 2
    listed = log_entries(world, Action.LIST)
    assert sorted(e.child_id or 0 for e in listed) == sorted(shown)
    # The next page logs the children on it, not the ones already shown.
    client.get(response.json()["next"])
    assert len(log_entries(world, Action.LIST)) == 3


def test_without_a_token_the_api_answers_401_and_names_the_scheme(world: World) -> None:
    response = api().get("/api/boern/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "API-nøgle" in response.json()["detail"]
    assert api("spor_forkert").get("/api/boern/").status_code == 401


def test_a_childs_cpr_number_is_shown_only_with_the_cpr_scope_and_then_logged(
    world: World, make_token: TokenMaker
) -> None:
    url = f"/api/boern/{world.child_a1.pk}/"
    plain = api(make_token("registry:read")).get(url)
    assert plain.json()["cpr"] is None
    assert CPR_A1.replace("-", "") not in plain.content.decode().replace("-", "")
    assert not log_entries(world, Action.CPR_SHOWN)

    full = api(make_token("registry:read", "cpr")).get(url)
    assert full.json()["cpr"] == CPR_A1
    assert [e.child_id for e in log_entries(world, Action.CPR_SHOWN)] == [world.child_a1.pk]
    listed = api(make_token("registry:read", "cpr")).get("/api/boern/")
    assert CPR_A1 in [row["cpr"] for row in listed.json()["results"]]


def test_no_api_answer_may_be_stored_by_a_cache(world: World, make_token: TokenMaker) -> None:
    client = api(make_token("registry:read", "cpr"))
    answers = [
        client.get(f"/api/boern/{world.child_a1.pk}/"),  # the full CPR number
        client.get("/api/boern/"),
        client.get("/api/grupper/"),
        client.get("/api/boern/987654321/"),  # a 404
        client.get("/api/findes-ikke/"),
        client.get("/api/bekymringer/"),  # a 403: no scope for concerns
        api().get("/api/boern/"),  # a 401
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 404, 404, 403, 401]
    for answer in answers:
        assert "no-store" in answer["Cache-Control"], answer.request["PATH_INFO"]
    assert CPR_A1 in answers[0].content.decode()


def test_lists_are_paged_and_filtered(world: World, make_token: TokenMaker) -> None:
    client = api(make_token())
    first = client.get("/api/boern/?antal=1").json()
    assert first["count"] == 3 and len(first["results"]) == 1 and first["next"]
    girls = client.get("/api/boern/?sex=pige").json()["results"]
    assert [c["id"] for c in girls] == [world.child_a2.pk]
    in_class = client.get(f"/api/boern/?group={world.class_a.pk}").json()["results"]
    assert [c["id"] for c in in_class] == [world.child_a1.pk]
    schools = client.get("/api/institutioner/?kind=skole").json()["results"]
    assert [i["id"] for i in schools] == [world.school_a.pk]
    bad = client.get("/api/bekymringer/?state=forkert")
    assert bad.status_code == 400
    assert "gyldige" in bad.json()["state"][0]
    assert client.get("/api/boern/?side=99").status_code == 404


def test_a_childs_screening_positions_are_read_with_the_screening_scope(
    world: World, make_token: TokenMaker
) -> None:
    url = f"/api/boern/{world.child_a1.pk}/trivsel/"
    rows = api(make_token("screening:read")).get(url).json()
    assert [r["id"] for r in rows] == [world.extra["agreement"].pk]
    assert rows[0]["position"] == "gul"
    assert [e.child_id for e in log_entries(world, Action.VIEW)] == [world.child_a1.pk]
    assert api(make_token("screening:read", muni="b")).get(url).status_code == 404


def test_sdq_results_carry_scores_but_not_the_answers(world: World, make_token: TokenMaker) -> None:
    r = world.extra["measurement_response"]
    body = api(make_token("measurement:read")).get(f"/api/sdq-resultater/{r.pk}/").json()
    assert body["scores"]["total"] == r.scores["total"]
    assert "answers" not in body
    assert "sdq1" not in str(body)


def test_the_evaluation_figures_are_aggregates_with_the_design_caveat(
    world: World, make_token: TokenMaker
) -> None:
    client = api(make_token("evaluation:read"))
    body = client.get("/api/evaluering/").json()
    assert body["n_paired"] == "0"
    assert body["shown"] is False
    assert "kontrolgruppe" in body["caveat"]
    # The labels travel with the figures (issue 15, item 6).
    assert body["informant"] == {
        "code": "ppr_fagperson",
        "label": "PPR-fagperson, der kender barnet bedst",
    }
    assert body["norm_set"] == "intet normsæt"
    assert {"label": "Aldersgruppe (ved førmålingen)", "value": "Alle"} in body["filters"]
    assert "uden kontrolgruppe" in body["design"]
    assert body["n"] == "0 par af 0 startet"
    assert body["hidden_mark"] == "◆" and body["legend"] == "◆ skjult af hensyn til fortrolighed"
    labelled = client.get("/api/evaluering/?alder=6-10&informant=laerer").json()
    assert labelled["informant"]["code"] == "laerer"
    assert {"label": "Aldersgruppe (ved førmålingen)", "value": "6–10 år"} in labelled["filters"]
    half = client.get("/api/evaluering/?halvaar=2025-1").json()
    assert {"label": "Førmåling i halvåret", "value": "1. halvår 2025"} in half["filters"]
    both = client.get("/api/evaluering/?alder=6-10&halvaar=2025-1")
    assert both.status_code == 400 and "Vælg højst ét filter" in str(both.json())
    assert not log_entries(world)
    for day in ("31-01-2026", "2026-01-31"):  # whole half-years only
        bad = client.get(f"/api/evaluering/?halvaar={day}")
        assert bad.status_code == 400
        assert "Vælg et halvår" in bad.json()["halvaar"][0]


def test_a_pprleder_logged_in_uses_the_api_and_others_get_404(world: World) -> None:
    url = f"/api/boern/{world.child_a1.pk}/"
    lead = world.client_for(world.lead_a).get(url)
    assert lead.status_code == 200
    assert lead.json()["cpr"] is None  # the screens show the full number only behind a button
    for person in (world.teacher_a, world.ppr_a, world.health_a):
        assert world.client_for(person).get(url).status_code == 404
    assert world.client_for(world.lead_b).get(url).status_code == 404


def test_the_schema_describes_every_resource_and_the_bearer_scheme(world: World) -> None:
    schema = api().get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for r in RESOURCES:
        assert f"/api/{r.path}/" in paths
    assert "/api/evaluering/" in paths
    assert schema["components"]["securitySchemes"]["noegle"]["scheme"] == "bearer"
    patch = paths["/api/bekymringer/{concern_id}/"]["patch"]
    assert {"412", "428"} <= set(patch["responses"])
