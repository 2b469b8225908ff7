"""The API with what a client gets wrong (issue 19: through the API client, bad input
included): broken JSON, form data, a broken or unknown key, ids that are not ids, another
municipality's record. Each answer is a clear Danish message or the one 404, and nothing is
saved. Two tests, one world each: cheap."""

from __future__ import annotations

import json

from django.test import Client
from django.utils import timezone

from spor.api.authentication import MSG_BAD_HEADER, MSG_BAD_TOKEN
from spor.concerns.models import Concern
from tests.api.conftest import TokenMaker, api
from tests.conftest import World

NOT_FOUND = {"detail": "Ikke fundet."}


def test_broken_json_form_data_and_broken_keys_get_danish_messages(
    world: World, make_token: TokenMaker
) -> None:
    client = api(make_token("concerns:read", "concerns:write"))
    before = Concern.objects.count()
    broken = client.post("/api/bekymringer/", "{child: 1,", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json() == {"detail": "Data kunne ikke læses; send gyldig JSON."}
    form = client.post("/api/bekymringer/", {"child": world.child_a2.pk})
    assert form.status_code == 415
    assert "Content-Type: application/json" in form.json()["detail"]
    empty = client.post("/api/bekymringer/", "{}", content_type="application/json")
    assert empty.status_code == 400
    assert empty.json()["description"] == ["Dette felt er påkrævet."]
    assert {"category", "responsible", "follow_up_on"} <= set(empty.json())
    listed = client.post("/api/bekymringer/", "[1, 2]", content_type="application/json")
    assert listed.status_code == 400
    assert Concern.objects.count() == before

    for header, message in (
        ("Bearer", MSG_BAD_HEADER),
        ("Bearer a b", MSG_BAD_HEADER),
        ("Bearer spor_" + "x" * 43, MSG_BAD_TOKEN),
    ):
        answer = Client(headers={"Authorization": header}).get("/api/bekymringer/")
        assert answer.status_code == 401, header
        assert answer.json() == {"detail": message}, header
        assert "no-store" in answer["Cache-Control"]


def test_ids_out_of_reach_all_answer_the_same_404(world: World, make_token: TokenMaker) -> None:
    """Another municipality's concern, a missing one, an id too long for the database and a
    word: one answer, so a client cannot tell which exist. A change to another
    municipality's concern is a 404 too, not a precondition error."""
    client = api(make_token("concerns:read", "concerns:write"))
    theirs = Concern.objects.create(
        municipality=world.b,
        child=world.child_b1,
        description="Bby's egen bekymring.",
        category="trivsel",
        raised_by=world.lead_b.memberships.get(),
        responsible=world.lead_b.memberships.get(),
        follow_up_on=timezone.localdate(),
    )
    for ident in (theirs.pk, 10**12, "9" * 30, "abc", "%C2%B2"):
        answer = client.get(f"/api/bekymringer/{ident}/")
        assert answer.status_code == 404, ident
        assert answer.json() == NOT_FOUND, ident
    change = client.patch(
        f"/api/bekymringer/{theirs.pk}/",
        json.dumps({"state": "afsluttet"}),
        content_type="application/json",
        headers={"If-Match": '"whatever"'},
    )
    assert change.status_code == 404 and change.json() == NOT_FOUND
    theirs.refresh_from_db()
    assert theirs.description == "Bby's egen bekymring."
    wrong_filter = client.get("/api/bekymringer/?barn=abc")
    assert wrong_filter.status_code in (200, 400)  # never a 500
    assert client.get("/api/bekymringer/?side=999").status_code == 404
