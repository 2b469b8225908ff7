"""The round overview's table of institutions, built in Python.

The overview lists every institution of the round (some 230 in a municipality of 60,000
children) and PPR staff open it again and again in the screening week; the template
language spent a quarter of the page's time on these rows (``make load``). The markup is
the template's; the name is escaped, the other values are integers."""

from __future__ import annotations

from typing import Any

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


def _disabled(may_rate: object, notice: object) -> str:
    """The inputs' ``disabled`` attribute where the group may not be rated (yet)."""
    return "" if may_rate and notice else " disabled"


@register.simple_tag
def rate_choices(
    pk: int, cell: dict[str, Any], colours: Any, may_rate: object, notice: object
) -> SafeString:
    """The grid's colour choices of one child and area: a radio button per colour, the
    rating checked, disabled where the group may not be rated (yet). The grid draws some
    400 of them, which in the template language was most of the page's time."""
    name, rating = f"r-{int(pk)}-{escape(cell['key'])}", cell["rating"]
    off = _disabled(may_rate, notice)
    return mark_safe(  # every value is escaped or an integer
        "".join(
            f'<label class="swatch swatch-{escape(key)}"><input type="radio" name="{name}"'
            f' value="{escape(key)}"{" checked" if rating == key else ""}{off}>'
            f'<span class="shape" aria-hidden="true"></span>{escape(label)}</label>'
            for key, label in colours
        )
    )


@register.simple_tag
def focus_choices(pk: int, cell: dict[str, Any], may_rate: object, notice: object) -> SafeString:
    """The focus points of one child and area: a checkbox each, as :func:`rate_choices`."""
    name, off = f"f-{int(pk)}-{escape(cell['key'])}", _disabled(may_rate, notice)
    return mark_safe(  # every value is escaped
        "".join(
            f'<label><input type="checkbox" name="{name}" value="{escape(key)}"'
            f"{' checked' if checked else ''}{off}> {escape(label)}</label>"
            for key, label, checked in cell["focus"]
        )
    )
