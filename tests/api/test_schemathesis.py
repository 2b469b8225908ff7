"""Schemathesis against the API's own OpenAPI schema: at least 1,000 generated requests with
a valid token, none answered with a server error, every answer's status code and body as
the schema says. Half of each object endpoint's cases use a real object of the token's
municipality, so that the successful answers are checked too, not only the 404s."""

from __future__ import annotations

from typing import Any

import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from spor.api.scopes import SCOPES
from tests.api.conftest import TokenMaker
from tests.conftest import World

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MINIMUM_CASES = 1000
PER_OPERATION = 50


def real_ids(w: World) -> dict[str, int]:
    x = w.extra
    return {
        "institution_id": w.school_a.pk,
        "group_id": w.class_a.pk,
        "child_id": w.child_a1.pk,
        "screeninground_id": x["round"].pk,
        "concern_id": x["concern_child"].pk,
        "case_id": x["case"].pk,
        "intervention_id": x["intervention_talks"].pk,
        "delivery_id": x["case_delivery"].pk,
        "response_id": x["measurement_response"].pk,
    }


def test_a_thousand_generated_requests_get_no_server_error_and_answers_as_the_schema_says(
    world: World, make_token: TokenMaker
) -> None:
    secret = make_token(*SCOPES)  # every scope, the full CPR number too
    # As Django's test client does: the test's database connection (and its transaction)
    # must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        _run(world, secret)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _run(world: World, secret: str) -> None:
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    ids = real_ids(world)
    headers = {"Authorization": f"Bearer {secret}"}
    count = {"cases": 0, "operations": 0}
    statuses: dict[int, int] = {}

    def run(strategy: Any, examples: int) -> None:
        @given(case=strategy)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def one(case: Any) -> None:
            count["cases"] += 1
            response = case.call(headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS)

        one()

    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        count["operations"] += 1
        path_ids = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
        if path_ids:
            run(operation.as_strategy(path_parameters=path_ids), PER_OPERATION // 2)
            run(operation.as_strategy(), PER_OPERATION // 2)
        else:
            run(operation.as_strategy(), PER_OPERATION)

    print(
        f"\nschemathesis: {count['cases']} cases over {count['operations']} operations; "
        f"status codes {dict(sorted(statuses.items()))}"
    )
    assert count["operations"] >= 20
    assert count["cases"] >= MINIMUM_CASES
    assert statuses.get(200, 0) > 100  # the real objects were reached, not only errors
