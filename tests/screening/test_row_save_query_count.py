"""The grid's save-as-you-go is the screening week's most frequent request (``make load``
measures its throughput against the bare endpoint ``/drift/ping/aktoer/``). Its queries
beyond the bare endpoint's are pinned here, so they cannot silently grow."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from spor.registry.models import Child
from spor.screening.models import Assessment, RoundGroup
from tests import factories as f
from tests.conftest import World
from tests.screening.helpers import ALL_GREEN

HTMX = {"HX-Request": "true"}
# The transaction's begin, the group's row in the round locked (with the round, the group,
# whether the teacher is on its staff, whether the parents are informed and the child's
# name), the assessment, one UPDATE (or INSERT), one UPDATE of the stored counts, the
# access log, and the commit.
SAVE_BEYOND_BARE = 7


def _grid(world: World) -> str:
    return f"/trivsel/{world.extra['round'].pk}/gruppe/{world.class_a.pk}/"


def _row(child: Child, ratings: dict[str, str]) -> dict[str, str]:
    data = {f"r-{child.pk}-{k}": v for k, v in ratings.items()}
    data.update({"handling": "raekke", "barn": str(child.pk)})
    return data


def _queries(client: Client, url: str, data: dict[str, str]) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, data, headers=HTMX)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_bare_endpoint_answers_ok_to_a_logged_in_actor_only(world: World) -> None:
    assert Client().post("/drift/ping/aktoer/").status_code == 302  # to the login
    response = world.client_for(world.teacher_a).post("/drift/ping/aktoer/", {"barn": "1"})
    assert response.status_code == 200 and response.content == b"ok"


def test_saving_one_row_costs_at_most_a_fixed_number_of_queries_beyond_the_bare_endpoint(
    world: World,
) -> None:
    client = world.client_for(world.teacher_a)
    client.get("/")  # the session's first request also writes it (where its person acts)
    data = _row(world.child_a1, {**ALL_GREEN, "relationer": "roed"})
    bare, answer = _queries(client, "/drift/ping/aktoer/", data)
    assert answer == "ok"
    save, answer = _queries(client, _grid(world), data)
    assert answer.startswith("Gemt ")
    assert Assessment.objects.get(pk=world.extra["own"].pk).position == "roed"
    assert save - bare <= SAVE_BEYOND_BARE


def test_a_childs_first_rating_costs_no_more_than_a_change(world: World) -> None:
    newcomer = f.child(world.a, "050519-4003", "Alma", "Dahl", groups=[world.class_a])
    client = world.client_for(world.teacher_a)
    client.get("/")  # the session's first request also writes it (where its person acts)
    data = _row(newcomer, ALL_GREEN)
    bare, _ = _queries(client, "/drift/ping/aktoer/", data)
    save, answer = _queries(client, _grid(world), data)
    assert answer.startswith("Gemt ")
    # An INSERT instead of the UPDATE (ON CONFLICT DO NOTHING: a colleague's agreement
    # may win the race, and no savepoint is needed to survive it).
    assert save - bare <= SAVE_BEYOND_BARE
    stored = RoundGroup.objects.get(round=world.extra["round"], group=world.class_a)
    # Oliver's agreement is yellow; Alma has her teacher's own rating only; both enrolled.
    assert (stored.groen, stored.gul, stored.roed, stored.own_only, stored.enrolled) == (
        0,
        1,
        0,
        1,
        2,
    )
