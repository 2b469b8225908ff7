"""Filters for amounts, the start page's tiles for partnerships
(``{% load programme_tags %}{% programme_tiles %}`` in ``web/start.html``), and the
initiatives overview's rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from spor.lib import danish
from spor.programme import selectors
from spor.programme.access import administered_programmes
from spor.programme.models import Initiative

register = template.Library()


@register.filter
def kroner(value: Any) -> str:
    """123100000 → »123.100.000«."""
    try:
        return danish.number(Decimal(value), 0)
    except (ArithmeticError, TypeError, ValueError):
        return ""


@register.filter
def mio(value: Any) -> str:
    """123100000 → »123,1«."""
    try:
        return danish.number(Decimal(value) / Decimal(1_000_000), 1)
    except (ArithmeticError, TypeError, ValueError):
        return ""


@register.inclusion_tag("programme/_tiles.html", takes_context=True)
def programme_tiles(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    actor = getattr(request, "actor", None)
    return {
        "administered": administered_programmes(user) if user is not None else [],
        # Read once by the start view, which shows these tiles (spor.web.views.start).
        "evaluated": context.get("evaluated", []),
        "participations": selectors.participations_for(actor) if actor is not None else [],
    }


def _cells(
    *,
    benchmarks: list[tuple[int, str]],
    scope_label: str,
    aimed_at_labels: list[str],
    level: str,
    level_label: str,
    target_labels: list[str],
    age_labels: list[str],
    responsible: str,
    status: str,
    status_label: str,
) -> str:
    """An initiative's cells from its pejlemærker to its status: the overview's rows and the
    plan page's share them, so both show an initiative alike. Every text is escaped."""
    hidden = escape(gettext("Pejlemærke"))
    bms = "".join(
        f'<span class="bm" title="{escape(title)}"><span class="visually-hidden">'
        f"{hidden} </span>{int(number)}</span>"
        for number, title in benchmarks
    )
    return (
        f"<td>{bms}</td>\n"
        f"<td>{escape(scope_label)}<br><small>"
        f"{', '.join(escape(x) for x in aimed_at_labels)}</small></td>\n"
        f"<td>{escape(level_label) if level else '–'}</td>\n"
        f"<td>{', '.join(escape(x) for x in target_labels)}</td>\n"
        f"<td>{'; '.join(escape(x) for x in age_labels)}</td>\n"
        f"<td>{escape(responsible)}</td>\n"
        f'<td><span class="istatus istatus-{escape(status)}">{escape(status_label)}'
        "</span></td>\n"
    )


@register.simple_tag
def initiative_cells(i: Initiative) -> SafeString:
    """The plan page's cells of one initiative (its pejlemærker prefetched)."""
    return mark_safe(
        _cells(
            benchmarks=[(b.number, b.title) for b in i.benchmarks.all()],
            scope_label=i.get_scope_display(),
            aimed_at_labels=list(i.aimed_at_labels),
            level=i.level,
            level_label=i.get_level_display(),
            target_labels=list(i.target_labels),
            age_labels=list(i.age_labels),
            responsible=i.responsible,
            status=i.status,
            status_label=i.get_status_display(),
        )
    )


@register.simple_tag
def initiative_rows(lines: list[selectors.InitiativeLine], programme_id: int) -> SafeString:
    """The overview's table rows, one ``<tr>`` per initiative, built in Python: the overview
    lists every initiative of every participating municipality, and the template language
    spent most of the page's rendering on them (as the screening overview's institutions,
    :mod:`spor.screening.templatetags.screening_tags`). Every text is escaped."""
    if not lines:
        empty = escape(gettext("Ingen initiativer matcher filtrene."))
        return mark_safe(f'<tr><td colspan="9">{empty}</td></tr>')
    sentinel = 999_999_999
    plan_url = escape(
        reverse(
            "programme:programme_plan",
            kwargs={"programme_id": programme_id, "developmentplan_id": sentinel},
        )
    ).replace(str(sentinel), "{}")
    rows = []
    for i in lines:
        description = escape(Truncator(i.description).words(30, truncate=" …"))
        cells = _cells(
            benchmarks=i.benchmarks,
            scope_label=i.scope_label,
            aimed_at_labels=i.aimed_at_labels,
            level=i.level,
            level_label=i.level_label,
            target_labels=i.target_labels,
            age_labels=i.age_labels,
            responsible=i.responsible,
            status=i.status,
            status_label=i.status_label,
        )
        rows.append(
            "<tr>\n"
            f"    <td>{escape(i.municipality)}</td>\n"
            f'    <th scope="row"><a href="{plan_url.format(int(i.plan_id))}">{escape(i.title)}'
            f"</a><br><small>{description}</small></th>\n"
            f"    {cells}"
            "  </tr>"
        )
    # Every value is escaped or an integer.
    return mark_safe("".join(rows))
