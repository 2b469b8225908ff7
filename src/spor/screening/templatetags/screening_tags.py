"""The round overview's table of institutions, built in Python.

The overview lists every institution of the round (some 230 in a municipality of 60,000
children) and PPR staff open it again and again in the screening week; the template
language spent a quarter of the page's time on these rows (``make load``). The markup is
the template's; the name is escaped, the other values are integers."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from spor.screening.selectors import InstitutionLine

register = template.Library()


@register.simple_tag
def institution_rows(lines: list[InstitutionLine], url: str, is_open: bool) -> SafeString:
    """One ``<tr>`` per institution: its link, the counts by position, (in an open round)
    the children still missing an agreed position, and its groups done."""
    url = escape(url)
    rows = []
    for line in lines:
        c = line.counts
        missing = f'<td class="num">{int(c.unrated)}</td>' if is_open else ""
        rows.append(
            f'<tr><th scope="row"><a href="{url}{int(line.institution.pk)}/">'
            f"{escape(line.institution.name)}</a></th>"
            f'<td class="num">{int(c.groen)}</td><td class="num">{int(c.gul)}</td>'
            f'<td class="num">{int(c.roed)}</td>{missing}'
            f'<td class="num">{int(line.groups_done)} / {int(line.groups)}</td></tr>'
        )
    # Every value is escaped or an integer.
    return mark_safe("\n".join(rows))
