"""Every object route of the project answers 404 to people outside the object's reach.

The test walks the URL configuration itself, so a route added later is covered without
touching this file: a route's ``<name>_id`` argument is filled with an object of Aby's of
the model called ``name`` (found in Spor's apps), and people from Bby, and people in Aby
whose role does not reach the object, must get the same 404 as for an id that does not
exist. A national record (no municipality, e.g. a programme) is filled with the first one;
its routes belong to the programme administrator (``w.extra["programme_admin"]``), and every
municipality persona must get 404 there. If a new route names a model the personas do not
have, the test fails and says so.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import World

MISSING_ID = 987654321
SKIPPED_NAMESPACES = {"admin"}


def walk(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in SKIPPED_NAMESPACES:
                continue
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p


# Public one-time links carry a secret token instead of an object id; no login reaches
# them, so the walk checks that a forged token finds nothing, for anyone.
TOKEN_ARGUMENTS = {"token"}


def object_routes() -> list[tuple[str, URLPattern]]:
    return [
        (route, p)
        for route, p in walk(get_resolver().url_patterns)
        if set(p.pattern.converters) - TOKEN_ARGUMENTS
    ]


def token_routes() -> list[tuple[str, URLPattern]]:
    return [
        (route, p)
        for route, p in walk(get_resolver().url_patterns)
        if set(p.pattern.converters) & TOKEN_ARGUMENTS
        and not set(p.pattern.converters) - TOKEN_ARGUMENTS
    ]


def model_for(argument: str) -> type[models.Model]:
    assert argument.endswith("_id"), f"URL argument {argument!r} should be named <model>_id"
    name = argument.removesuffix("_id").replace("_", "")
    found = [
        m
        for m in apps.get_models()
        if m.__module__.startswith("spor.") and m._meta.model_name == name
    ]
    assert len(found) == 1, f"no single Spor model named {name!r} for URL argument {argument!r}"
    return found[0]


def is_national(model: type[models.Model]) -> bool:
    """A national record (a programme, …) belongs to no municipality."""
    return not any(f.name == "municipality" for f in model._meta.get_fields())


def is_national_route(pattern: URLPattern) -> bool:
    """A route keyed by a national record is the programme administrator's."""
    return any(
        is_national(model_for(arg)) for arg in set(pattern.pattern.converters) - TOKEN_ARGUMENTS
    )


def object_of(world: World, model: type[models.Model]) -> models.Model:
    if is_national(model):
        national = model._default_manager.order_by("pk").first()
        assert national is not None, (
            f"the personas' world has no {model.__name__}: add one in tests/<app>/world.py"
        )
        return national
    obj = model._default_manager.filter(municipality=world.a).order_by("pk").first()  # type: ignore[misc]
    assert obj is not None, (
        f"the personas in tests/conftest.py have no {model.__name__} in Aby: add one, "
        "so that the routes that show it are checked"
    )
    return obj


def fill(route: str, pattern: URLPattern, value_for) -> str:  # type: ignore[no-untyped-def]
    path = route
    for argument in pattern.pattern.converters:
        for converter in ("id", "int", "str", "slug"):
            path = path.replace(f"<{converter}:{argument}>", str(value_for(argument)))
    return "/" + path


@pytest.mark.parametrize("route,pattern", token_routes(), ids=lambda v: str(v))
def test_a_forged_token_finds_nothing_for_anyone(world: World, route: str, pattern: URLPattern):
    import secrets

    from django.test import Client

    forged = fill(route, pattern, lambda arg: secrets.token_urlsafe(32))
    for client in (Client(), world.client_for(world.lead_a), world.client_for(world.lead_b)):
        assert client.get(forged).status_code == 404
        assert client.post(forged).status_code == 404


def test_the_walk_finds_the_object_routes() -> None:
    names = {p.name for _, p in object_routes()}
    assert {"child_detail", "group_detail", "institution_detail", "child_access_log"} <= names


@pytest.mark.parametrize("route,pattern", object_routes(), ids=lambda v: str(v))
def test_object_route_answers_404_outside_reach(world: World, route: str, pattern: URLPattern):
    real = fill(route, pattern, lambda arg: object_of(world, model_for(arg)).pk)
    missing = fill(route, pattern, lambda arg: MISSING_ID)

    # The owner's lead reaches it, so a 404 below means "not yours", not "broken route".
    # A route keyed by a national record (a programme) is its administrator's: every
    # municipality persona, Aby's included, has no role there.
    national = is_national_route(pattern)
    if national:
        assert "programme_admin" in world.extra, (
            "a national route needs an administrator persona: w.extra['programme_admin']"
        )
    owner_user = world.extra["programme_admin"] if national else world.lead_a
    owner = world.client_for(owner_user)
    owner_status = {owner.get(real).status_code, owner.post(real).status_code}
    assert owner_status & {200, 302}, f"{real}: {owner_user.username} got {owner_status}"

    outsiders = [world.lead_b, world.ppr_b, world.teacher_b, world.health_a, world.social_a]
    if national:
        outsiders = [world.lead_a, world.ppr_a, world.teacher_a, *outsiders]
    for person in outsiders:
        client = world.client_for(person)
        for method in ("get", "post"):
            got = getattr(client, method)(real)
            expected = getattr(client, method)(missing)
            assert got.status_code == expected.status_code, (
                f"{method.upper()} {real} as {person.username}: {got.status_code}, "
                f"but {expected.status_code} for a missing id"
            )
            assert got.status_code in (404, 405), f"{method.upper()} {real} as {person}"
        assert client.get(real).status_code == 404 or client.post(real).status_code == 404


def test_a_teacher_reaches_children_of_their_own_class_only(world: World) -> None:
    client = world.client_for(world.teacher_a)
    assert client.get(f"/boern/{world.child_a1.pk}/").status_code == 200
    assert client.get(f"/boern/{world.child_a2.pk}/").status_code == 404
    assert client.get(f"/grupper/{world.class_a.pk}/").status_code == 200
    assert client.get(f"/grupper/{world.class_a2.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(world: World) -> None:
    from django.test import Client

    response = Client().get(f"/boern/{world.child_a1.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/log-ind/")


def test_a_logged_in_person_without_any_role_gets_404(world: World) -> None:
    from tests import factories as f

    nobody = f.user("uden_rolle")
    client = world.client_for(nobody)
    assert client.get(f"/boern/{world.child_a1.pk}/").status_code == 404
    assert client.get("/boern/").status_code == 404
    assert "ingen rolle" in client.get("/").content.decode()
