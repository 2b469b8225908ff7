"""No input makes a 500: every URL, as every role and anonymously, with hostile values.

The walk is the tenancy walk's (``tests/tenancy/test_url_access.py``): every route of the
URL configuration, its ``<model>_id`` arguments filled with Aby's objects. For each route
and person, the test first GETs the page and reads the forms it renders (and the forms of
every other page that post to it), and the query parameters the view reads (found in its
module's source, or its API filter set). Then it sends hostile values to them, by GET and
by POST: NUL bytes, non-ASCII digits (² and ٣), huge, negative and absurd numbers,
overlong strings and wrong types (a list where one value is expected, a number where a
date is) — all fields at once, and one field at a time with the others as the page filled
them in. Routes keyed by an id also get a huge one.

It asserts that no answer is a 5xx (nor an exception), and that a request the app turned
down (any answer but a redirect) changed no row of any table, the append-only logs aside.

The values and fields are sampled deterministically (a seed per route and person), so
that the run stays well inside CI's limit and a failure is reproduced by running it again.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import Resolver404, URLPattern, get_resolver, resolve

from tests.conftest import World
from tests.tenancy.test_url_access import fill, model_for, object_of, walk

# The hostile values, by kind. Each request picks from them by the route's seed.
HOSTILE: dict[str, Any] = {
    "nul": "1\x00",
    "nul-text": "Hej\x00med dig",
    "superscript-digit": "²",
    "arabic-digit": "٣",
    "huge": "9" * 30,
    "5000-digits": "9" * 5000,
    "negative": "-1",
    "absurd-number": "1e309",
    "overlong": "Æ" * 20_000,
    "list": ["1", "2", "x"],
    "date": "2026-02-30",
    "blank": " ",
}
KINDS = sorted(HOSTILE)
NUL_KINDS = ["nul", "nul-text"]
OTHER_KINDS = [k for k in KINDS if k not in NUL_KINDS]
HUGE_ID = 10**20

# Logs that a rejected request may still write to (a read is logged, a bad login counted,
# a session saved); every other table must keep its row count.
GROWING_TABLES = {
    "audit_accesslogentry",
    "axes_accessattempt",
    "axes_accessfailurelog",
    "axes_accesslog",
    "django_session",
}

# Parameters read from request.GET / request.POST by hand, found in the view's module.
_READ = re.compile(r"request\.(GET|POST)(?:\.get|\.getlist)?[\(\[]\"([a-z_æøå]+)\"")
# Parameters every list page may take (pagination), and the API's.
COMMON_QUERY = {"side", "page", "ordering", "format"}
# Routes whose POST ends the client's session: sent by GET only.
SESSION_ENDING = {"logout"}


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)


class FormReader(HTMLParser):
    """The forms of a page: method, action, and each field's value as the page filled it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    @property
    def _form(self) -> Form:
        if not self.forms:  # a field outside any form (form= attribute): its own form
            self.forms.append(Form("get", ""))
        return self.forms[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(Form(a.get("method", "get").lower(), a.get("action", "")))
        elif tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"}:
                self._form.fields.setdefault(name, [])
                if "checked" in a or (not self._form.fields[name] and kind == "radio"):
                    self._form.fields[name].append(a.get("value", "on"))
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                self._form.fields.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self._form.fields.setdefault(name, [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._form.fields[self._select].append(value)
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.fields.setdefault(name, []).append("")
        elif tag == "button" and name:
            self._form.fields.setdefault(name, []).append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form.fields[self._select].append(self._select_first)
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._form.fields[self._textarea][-1] += data


def known_parameters(pattern: URLPattern) -> tuple[set[str], set[str]]:
    """The query and form parameters the view reads by hand (or its API filter set's)."""
    callback = pattern.callback
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    query: set[str] = set(COMMON_QUERY)
    posted: set[str] = set()
    filterset = getattr(view_class, "filterset_class", None)
    if filterset is not None:
        query |= set(filterset.base_filters)
    module = __import__(callback.__module__, fromlist=["_"])
    source = Path(module.__file__ or "").read_text(encoding="utf-8")
    for where, name in _READ.findall(source):
        (query if where == "GET" else posted).add(name)
    return query, posted


def route_of(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.route


def row_counts() -> dict[str, int]:
    """Every table's row count in one query. On PostgreSQL the test's own connection reads
    (the owner's, in the system context: tests/conftest.py); a request's tenant setting
    ends with the request."""
    tables = sorted(set(connection.introspection.table_names()) - GROWING_TABLES)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = ", ".join(f"(SELECT COUNT(*) FROM {qn(t)})" for t in tables)  # noqa: S608 (the tables' own names)
        cursor.execute(f"SELECT {counts}")
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


@dataclass
class Run:
    world: World
    role: str
    client: Client
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    counts: dict[str, int] | None = None  # the row counts after the last request

    def send(self, method: str, url: str, data: dict[str, Any]) -> int | None:
        before = self.counts if self.counts is not None else row_counts()
        self.counts = None
        self.requests += 1
        what = f"{method.upper()} {url} {short(data)} as {self.role}"
        try:
            response = getattr(self.client, method)(url, data)
        except Exception as error:  # the failure is the finding
            self.failures.append(f"{what}: {type(error).__name__}: {str(error)[:200]}")
            if connection.vendor == "postgresql" and connection.needs_rollback:
                raise
            return None
        if response.status_code >= 500:
            self.failures.append(f"{what}: {response.status_code}")
        elif response.status_code not in (301, 302, 303):
            # Turned down (or only shown): no table may have gained or lost a row.
            self.counts = row_counts()
            changed = {t: (before[t], n) for t, n in self.counts.items() if before[t] != n}
            if changed:
                self.failures.append(f"{what}: {response.status_code} but changed {changed}")
        return response.status_code


def short(data: dict[str, Any]) -> str:
    def one(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ",".join(one(x) for x in v) + "]"
        s = str(v)
        return repr(s if len(s) < 12 else f"{s[:6]}…({len(s)})")

    return "{" + ", ".join(f"{k}={one(v)}" for k, v in list(data.items())[:6]) + "}"


def urls(world: World) -> Iterator[tuple[str, URLPattern, str]]:
    """Every route, filled with Aby's objects (and the world's one-time links)."""
    tokens = world.extra["fuzz_tokens"]
    for route, pattern in walk(get_resolver().url_patterns):
        if "token" in pattern.pattern.converters:
            url = fill(route, pattern, lambda arg, route=route: tokens[route])
        elif route.startswith("api/^"):
            url = "/api/findes-ikke/"
        else:
            url = fill(route, pattern, lambda arg: object_of(world, model_for(arg)).pk)
        yield route, pattern, url


@dataclass
class Page:
    status: int
    reader: FormReader | None


def fuzz_route(
    run: Run, route: str, pattern: URLPattern, url: str, page: Page, forms: list[Form]
) -> None:
    rng = random.Random(zlib.crc32(f"{run.role}|{route}".encode()))
    query_names, posted_names = known_parameters(pattern)
    if page.reader is not None:
        for f in page.reader.forms:
            if f.method == "get" and route_of(f.action) == route:
                query_names |= set(f.fields)
        for link in page.reader.links:
            if route_of(link) == route:
                query_names |= {k for k, _ in parse_qsl(urlsplit(link).query)}
    mine = [f for f in forms if f.method == "post" and route_of(f.action) == route]
    posted_names |= {n for f in mine for n in f.fields}
    posted_names.discard("csrfmiddlewaretoken")
    # A NUL byte always (PostgreSQL refuses it in text), then one other kind by the seed.
    nul = rng.choice(NUL_KINDS)
    get_kinds = [nul, rng.choice(OTHER_KINDS)]
    post_kinds = [nul, rng.choice(OTHER_KINDS)]
    reached = page.status == 200 or bool(mine)
    if not reached:
        # Turned away (404, a login page): the request must be turned away unharmed.
        run.send("get", url, dict.fromkeys(sorted(query_names), HOSTILE[nul]))
        if pattern.name not in SESSION_ENDING and run.role == "anonymous":
            run.send("post", url, dict.fromkeys(sorted(posted_names), HOSTILE[nul]))
        return
    for kind in get_kinds:
        run.send("get", url, dict.fromkeys(sorted(query_names), HOSTILE[kind]))
    if pattern.name in SESSION_ENDING:
        return
    for kind in post_kinds:
        run.send("post", url, dict.fromkeys(sorted(posted_names), HOSTILE[kind]))
    # One field at a time, the others as the page filled them in.
    for form in mine[:2]:
        names = sorted(n for n in form.fields if n != "csrfmiddlewaretoken")
        for name in rng.sample(names, min(2, len(names))):
            data: dict[str, Any] = {n: v for n, v in form.fields.items() if v}
            data.pop("csrfmiddlewaretoken", None)
            data[name] = HOSTILE[rng.choice(KINDS)]
            run.send("post", url, data)
    if pattern.pattern.converters and "token" not in pattern.pattern.converters:
        run.send(rng.choice(["get", "post"]), fill(route, pattern, lambda arg: HUGE_ID), {})


def read_pages(run: Run, targets: list[tuple[str, URLPattern, str]]) -> dict[str, Page]:
    """Every page this person can open, with its forms (the page's URL their default action)."""
    pages: dict[str, Page] = {}
    for route, pattern, url in targets:
        if pattern.name in SESSION_ENDING:
            pages[route] = Page(200, None)
            continue
        response = run.client.get(url)
        run.requests += 1
        if response.status_code >= 500:
            run.failures.append(f"GET {url} as {run.role}: {response.status_code}")
        reader = None
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            reader = FormReader()
            reader.feed(response.content.decode(errors="replace"))
            for f in reader.forms:
                f.action = f.action or url
        pages[route] = Page(response.status_code, reader)
    return pages


ROLES = [
    "anonymous",
    "lead_a",
    "ppr_a",
    "teacher_a",
    "health_a",
    "social_a",
    "programme_admin",
    "programme_evaluator",
]


@pytest.fixture
def fuzz_world(world: World) -> World:
    """The personas' world, plus one-time links that still open (a survey and an SDQ)."""
    import datetime as dt

    from django.utils import timezone

    from spor.lib.links import hash_token
    from spor.survey.models import SurveyInvitation, SurveyRound

    rnd = world.extra["survey_round"]
    open_round = SurveyRound.objects.create(
        municipality=world.a,
        name="Fuzz",
        opened_on=timezone.localdate(),
        closes_on=timezone.localdate() + dt.timedelta(days=14),
        items=rnd.items,
        opened_by=rnd.opened_by,
    )
    SurveyInvitation.objects.create(
        municipality=world.a,
        round=open_round,
        membership=world.extra["survey_invitation"].membership,
        token_hash=hash_token("f" * 43),
        expires_on=open_round.closes_on,
    )
    from tests.measurement.world import WORLD_TOKEN

    world.extra["fuzz_tokens"] = {
        "organisation/svar/<str:token>/": "f" * 43,
        "svar/<str:token>/": WORLD_TOKEN,
    }
    return world


@pytest.mark.parametrize("role", ROLES)
def test_no_input_makes_a_500_or_a_half_write(fuzz_world: World, role: str) -> None:
    w = fuzz_world
    cache.clear()  # the one-time links' guessing limit is per address
    if role == "anonymous":
        client = Client()
    else:
        person = w.extra[role] if role in w.extra else getattr(w, role)
        client = w.client_for(person)
    run = Run(w, role, client)
    targets = list(urls(w))
    # The counts must see every municipality's rows, or "no change" would prove nothing.
    assert row_counts()["registry_child"] >= 4, "row_counts() must read in the system context"
    pages = read_pages(run, targets)
    forms = [f for page in pages.values() if page.reader for f in page.reader.forms]
    try:
        for route, pattern, url in targets:
            fuzz_route(run, route, pattern, url, pages[route], forms)
    finally:
        cache.clear()
    print(f"{role}: {run.requests} requests")
    assert not run.failures, f"{len(run.failures)} of {run.requests} requests:\n" + "\n".join(
        run.failures
    )


def test_every_object_route_takes_only_ids_a_database_can_hold() -> None:
    routes = [route for route, _ in walk(get_resolver().url_patterns)]
    assert not [r for r in routes if "<int:" in r], "use <id:…> (spor.lib.ids.IdConverter)"
    assert any("<id:child_id>" in r for r in routes)


# The inputs that gave a 500 before (issue 16), each answered in Danish now.


def test_a_nul_byte_in_the_login_address_is_a_clear_400(world: World) -> None:
    response = Client().get("/log-ind/sso/start/?kommune=%00")
    assert response.status_code == 400
    assert "Adressen peger ikke på en kommune" in response.content.decode()


def test_a_nul_byte_in_the_name_search_is_a_clear_400(world: World) -> None:
    response = world.client_for(world.ppr_a).get("/boern/?q=Oli%00ver")
    assert response.status_code == 400
    assert "Null-tegn er ikke tilladte." in response.content.decode()


def test_a_nul_byte_in_the_person_search_is_a_clear_400(world: World) -> None:
    response = world.client_for(world.teacher_a).get("/bekymringer/personer/?q=Ps%00y")
    assert response.status_code == 400
    assert response.json() == {"results": [], "error": "Null-tegn er ikke tilladte."}


def test_huge_and_foreign_digits_are_turned_away(world: World) -> None:
    lead = world.client_for(world.lead_a)
    rnd = world.extra["round"]
    huge = "9" * 25
    assert lead.get(f"/trivsel/{huge}/gruppe/{huge}/").status_code == 404
    assert lead.get(f"/trivsel/{rnd.pk}/gruppe/{huge}/").status_code == 404
    grid = f"/trivsel/{rnd.pk}/gruppe/{world.class_a.pk}/"
    assert lead.post(grid, {"handling": "raekke", "barn": huge}).status_code in (400, 404)
    assert lead.post("/skift-kommune/", {"membership": "²"}).status_code == 302
    assert lead.get("/bekymringer/ny/?barn=٣").status_code == 404


def test_an_overlong_survey_round_name_is_a_clear_400(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    from spor.survey.models import SurveyRound

    before = SurveyRound.objects.count()
    closes = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = world.client_for(world.lead_a).post(
        "/organisation/aabn/", {"name": "Forår " * 100, "closes_on": closes}
    )
    assert response.status_code == 400
    assert "Rundens navn må højst være 120 tegn." in response.content.decode()
    assert SurveyRound.objects.count() == before


def test_a_5000_digit_answer_on_the_public_pages_is_a_clear_400(fuzz_world: World) -> None:
    from tests.measurement.world import WORLD_TOKEN

    cache.clear()
    survey = Client().post("/organisation/svar/" + "f" * 43 + "/", {"p1a": "9" * 5000})
    assert survey.status_code == 400
    assert "skal være et tal fra 1 til 5" in survey.content.decode()
    sdq = Client().post(f"/svar/{WORLD_TOKEN}/", {"q-sdq1": "9" * 5000, "q-sdq2": "²"})
    assert sdq.status_code == 400
    cache.clear()
