"""On PostgreSQL a token's request runs with the row-level-security setting of the token's
municipality, the same second wall as for a session user: even a read that forgot the
app's filter sees only the token's municipality."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import QuerySet

from spor.registry.models import Institution
from spor.tenancy.rls import SETTING
from tests.api.conftest import TokenMaker, api
from tests.conftest import World

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"
)


def test_a_token_request_runs_with_its_municipality_set(
    world: World, make_token: TokenMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def forgetful(actor: object) -> QuerySet[Institution]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s, true)", [SETTING])
            seen.append(cursor.fetchone()[0])
        return Institution.objects.all()  # no municipality filter: only RLS stands

    monkeypatch.setattr("spor.registry.selectors.institutions_for", forgetful)
    body = api(make_token("registry:read", muni="b")).get("/api/institutioner/").json()
    assert seen == [str(world.b.pk)]
    assert [i["id"] for i in body["results"]] == [world.school_b.pk]


def test_an_unknown_token_leaves_no_municipality(world: World) -> None:
    assert api("spor_ukendt").get("/api/institutioner/").status_code == 401
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [SETTING])
        assert (cursor.fetchone()[0] or "") == ""  # restored after the request
