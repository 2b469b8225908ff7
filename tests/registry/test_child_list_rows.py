"""The child list's rows (``registry_tags.child_rows``, session 10) are the markup of the
template loop they replaced, kept here, on every kind of page: the first page, a deep page by
key, a page past an OFFSET, a name search (on PostgreSQL read from the name parts), a CPR
search, nothing found, and a teacher's own children; names with markup, quotes and
ampersands are escaped as the template escaped them. Every child shown is in the access log
once for the request, with who, why and from where (on PostgreSQL one INSERT of the page's
ids as an array, session 10), and no child that is not shown."""

from __future__ import annotations

import re

from django.template import engines
from django.test import Client

from spor.audit.models import AccessLogEntry, Action
from tests import factories as f
from tests.conftest import World

# The template's loop as it was before session 10 (registry/child_list.html).
OLD_ROWS = engines["django"].from_string(
    "{% load i18n %}  {% for c in page.object_list %}"
    "<tr><td><a href=\"{% url 'child_detail' child_id=c.pk %}\">"
    "{{ c.last_name }}, {{ c.first_name }}</a></td>"
    '<td>{{ c.birth_date|date:"d.m.Y" }}</td><td>{{ c.cpr_masked }}</td></tr>\n'
    '  {% empty %}<tr><td colspan="3">{% translate "Ingen børn fundet." %}</td></tr>'
    "{% endfor %}\n  </tbody>"
)

NAMES = [
    ("<script>alert(1)</script>", "Ærø & Søn"),
    ('Ida "Lille"', "O'Neil"),
    ("Bo", "Hansen"),
    ("Åse", "Hansen-Berg"),
    ("Emma", "&amp;"),
]


def tbody(content: str) -> str:
    body = content.split("<tbody>\n", 1)[1]
    return body[: body.index("</tbody>") + len("</tbody>")]


def get(client: Client, path: str, **params: str) -> tuple[str, list[int]]:
    response = client.get(path, params)
    assert response.status_code == 200
    html = response.content.decode()
    old = OLD_ROWS.render({"page": response.context["page"]})
    assert tbody(html) == old
    return html, [int(pk) for pk in re.findall(r'href="/boern/(\d+)/"', tbody(html))]


def make_children(world: World, extra: int = 0) -> None:
    for n, (first, last) in enumerate(NAMES):
        f.child(world.a, f"0{n + 1}0319-4{n:03d}", first, last, groups=[world.class_a])
    for n in range(extra):
        f.child(world.a, f"{n % 28 + 1:02d}0520-5{n:03d}", f"Barn{n:03d}", "Hansen")


def logged(child_ids: list[int], before: int) -> list[int]:
    return sorted(
        AccessLogEntry.objects.filter(pk__gt=before, action=Action.LIST).values_list(
            "child_id", flat=True
        )
    )


def last_entry() -> int:
    entry = AccessLogEntry.objects.order_by("-pk").first()
    return entry.pk if entry else 0


def test_every_page_of_the_list_has_the_old_markup_and_logs_what_it_shows(
    world: World,
) -> None:
    make_children(world, extra=120)
    lead = world.client_for(world.lead_a)
    pages: list[tuple[str, dict[str, str]]] = [
        ("/boern/", {}),
        ("/boern/", {"side": "3"}),
        ("/boern/", {"q": "hansen"}),
        ("/boern/", {"q": "hansen", "side": "2"}),
        ("/boern/", {"q": "<script>"}),
        ("/boern/", {"q": "ærø søn"}),
        ("/boern/", {"q": "o'n"}),
        ("/boern/", {"q": '"lille" ida'}),
        ("/boern/", {"q": "&"}),
        ("/boern/", {"q": "nobody"}),
        ("/boern/", {"q": "bo"}),
    ]
    first, shown = get(lead, "/boern/")
    key = re.search(r"efter=(\d+)", first)
    assert key is not None
    pages.append(("/boern/", {"efter": key.group(1), "side": "2"}))
    for path, params in pages:
        before = last_entry()
        html, shown = get(lead, path, **params)
        assert logged(shown, before) == sorted(shown), params
        entries = AccessLogEntry.objects.filter(pk__gt=before)
        assert {(e.actor_id, e.municipality_id, e.source) for e in entries} <= {
            (world.lead_a.pk, world.a.pk, "127.0.0.1")
        }
    # The names are escaped, never markup.
    html, shown = get(lead, "/boern/", q="script")
    assert len(shown) == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Ærø &amp; Søn" in html
    _, shown = get(lead, "/boern/", q="amp;")
    assert len(shown) == 1
    _, shown = get(lead, "/boern/", q="nobody")
    assert shown == []


def test_a_teachers_list_and_a_cpr_search_have_the_old_markup(world: World) -> None:
    make_children(world)
    teacher = world.client_for(world.teacher_a)
    before = last_entry()
    _, shown = get(teacher, "/boern/")
    assert shown and logged(shown, before) == sorted(shown)
    before = last_entry()
    _, shown = get(teacher, "/boern/", q="hansen")
    assert len(shown) == 2 and logged(shown, before) == sorted(shown)
    lead = world.client_for(world.lead_a)
    response = lead.post("/boern/", {"cpr": "010319-4000"})
    assert response.status_code == 200
    html = response.content.decode()
    assert tbody(html) == OLD_ROWS.render({"page": response.context["page"]})
    assert "&lt;script&gt;" in html and "4000" not in tbody(html)
