"""On PostgreSQL an anonymous request sees no tenant row (``spor.municipality_id = '0'``).
The public link view finds its request by the token hash in one controlled query and then
sees that municipality only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from spor.lib.links import new_token
from spor.measurement import links
from spor.measurement.models import MeasurementRequest
from spor.registry.models import Child
from spor.tenancy import rls
from spor.tenancy.rls import SETTING
from tests.conftest import World
from tests.measurement.helpers import answers, post_data
from tests.measurement.world import WORLD_TOKEN

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"
    ),
]


def setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [SETTING])
        return cursor.fetchone()[0] or ""


def test_the_look_up_by_token_opens_only_the_links_municipality(world: World) -> None:
    with rls.tenant(None):  # an anonymous request's context, as the app role
        assert not MeasurementRequest.objects.exists()  # anonymous: nothing
        assert links.find_request(new_token()[0]) is None
        assert setting() == "0"  # a forged token leaves the anonymous context
        req = links.find_request(WORLD_TOKEN)
        assert req is not None and req.delivery.case.child.first_name == "Oliver"
        assert setting() == str(world.a.pk)
        assert not Child.objects.filter(municipality=world.b).exists()  # Bby stays hidden


def test_an_anonymous_parent_answers_through_row_level_security(world: World) -> None:
    client = Client()
    assert client.get(f"/svar/{WORLD_TOKEN}/").status_code == 200
    response = client.post(f"/svar/{WORLD_TOKEN}/", post_data(answers(1), {"ebddiff": 0}))
    assert response.status_code == 302
    assert client.post(f"/svar/{WORLD_TOKEN}/", post_data(answers(1))).status_code == 410
