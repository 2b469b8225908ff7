"""The child list's rows, built in Python.

A page of the list shows up to 50 children, and a name search at 60,000 children finds a
median of 22 for a random first and last name: the template language spent ~0.18 ms a row
on them (the link's ``{% url %}``, the date filter, five variable look-ups), the largest
part of what such a page costs more than the same search at 1,000 children (docs/scaling.md,
"The children list on PostgreSQL (session 10)"). The markup is the template's; the names
are escaped as the template escapes them, the other values are an id and a date."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from spor.registry.models import Child

register = template.Library()

_ANY_ID = 9876543210  # a valid id, to split the child page's URL around


@register.simple_tag
def child_rows(children: Iterable[Child]) -> SafeString:
    """One ``<tr>`` per child: the name linking to the child's page (last name first), the
    birth date and the masked CPR number; one row saying none was found if there are none."""
    before, _, after = reverse("child_detail", kwargs={"child_id": _ANY_ID}).partition(str(_ANY_ID))
    before, after = escape(before), escape(after)
    rows = []
    for c in children:
        born = c.birth_date
        rows.append(
            f'<tr><td><a href="{before}{int(c.pk)}{after}">{escape(c.last_name)}, '
            f"{escape(c.first_name)}</a></td>"
            f"<td>{born.day:02d}.{born.month:02d}.{born.year:04d}</td>"
            f"<td>{escape(c.cpr_masked)}</td></tr>\n  "
        )
    if not rows:
        rows.append(f'<tr><td colspan="3">{escape(gettext("Ingen børn fundet."))}</td></tr>')
    # Every value is escaped, an integer or a formatted date.
    return mark_safe("".join(rows))
