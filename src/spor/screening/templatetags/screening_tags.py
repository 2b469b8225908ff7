"""The round overview's table of institutions, built in Python.

The overview lists every institution of the round (some 230 in a municipality of 60,000
children) and PPR staff open it again and again in the screening week; the template
language spent half the page's time on these rows (``make load``). The markup is the
same as the template's; ``format_html_join`` escapes every value."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from spor.screening.selectors import InstitutionLine

register = template.Library()


@register.simple_tag
def institution_rows(lines: list[InstitutionLine], url: str, is_open: bool) -> SafeString:
    """One ``<tr>`` per institution: its link, the counts by position, (in an open round)
    the children still missing an agreed position, and its groups done."""
    if is_open:
        row = (
            '<tr><th scope="row"><a href="{}{}/">{}</a></th><td class="num">{}</td>'
            '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
            '<td class="num">{} / {}</td></tr>'
        )
        cells = (
            (url, line.institution.pk, line.institution.name, c.groen, c.gul, c.roed,
             c.unrated, line.groups_done, line.groups)
            for line in lines
            for c in (line.counts,)
        )  # fmt: skip
    else:
        row = (
            '<tr><th scope="row"><a href="{}{}/">{}</a></th><td class="num">{}</td>'
            '<td class="num">{}</td><td class="num">{}</td><td class="num">{} / {}</td></tr>'
        )
        cells = (
            (url, line.institution.pk, line.institution.name, c.groen, c.gul, c.roed,
             line.groups_done, line.groups)
            for line in lines
            for c in (line.counts,)
        )  # fmt: skip
    return format_html_join("\n", row, cells)
