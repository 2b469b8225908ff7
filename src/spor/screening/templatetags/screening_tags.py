"""The round overview's table of institutions, built in Python.

The overview lists every institution of the round (some 230 in a municipality of 60,000
children) and PPR staff open it again and again in the screening week; the template
language spent a quarter of the page's time on these rows (``make load``). The markup is
the template's; the name is escaped, the other values are integers."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from spor.screening.models import Assessment
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


# A position's badge, as screening/_colour.html draws it (with the file's closing newline,
# which an include of it kept), by colour: (class, shape, label).
_BADGES = {
    "groen": ("groen", "●", "Grøn"),
    "gul": ("gul", "▲", "Gul"),
    "roed": ("roed", "■", "Rød"),
}


def _badge(colour: str) -> str:
    found = _BADGES.get(colour)
    if found is None:
        return "–\n"
    key, shape, label = found
    return (
        f'<span class="pos pos-{key}"><span aria-hidden="true">{shape}</span> '
        f"{escape(gettext(label))}</span>\n"
    )


@register.simple_tag
def follow_up_rows(rows: list[tuple[Assessment, list[str]]], concern_url: str) -> SafeString:
    """The follow-up list's rows: the child (a link to its screening), its group, the
    position now and before, why it is on the list, and the links to raise a concern or open
    a case about it. 50 a page; in the template language, with two includes and five
    translations a row, they were two thirds of the page's time."""
    new_case = escape(reverse("cases:case_create"))
    concern = escape(concern_url) if concern_url else ""
    about, raise_concern, open_case = (
        gettext("om"),
        gettext("Opret bekymring"),
        gettext("Start forløb"),
    )
    drawn = []
    for a, why in rows:
        child_id, pk = int(a.child_id), int(a.pk)
        name = escape(a.child.full_name)
        query = f"?barn={child_id}&amp;vurdering={pk}"
        concern_link = (
            f'<a href="{concern}{query}">{escape(raise_concern)}'
            f'<span class="visually-hidden"> {escape(about)} {name}</span></a>'
            if concern_url
            else ""
        )
        child_url = escape(reverse("screening:child_screening", kwargs={"child_id": child_id}))
        drawn.append(
            "<tr>\n"
            f'    <td><a href="{child_url}">{name}</a></td>\n'
            f"    <td>{escape(a.group.name)}, {escape(a.group.institution.name)}</td>\n"
            f"    <td>{_badge(a.position)}</td>\n"
            f"    <td>{_badge(a.previous_position)}</td>\n"
            f"    <td>{'; '.join(escape(w) for w in why)}</td>\n"
            f"    <td>{concern_link} · "
            f'<a href="{new_case}{query}">{escape(open_case)}'
            f'<span class="visually-hidden"> {escape(about)} {name}</span></a></td>\n'
            "  </tr>"
        )
    # Every value is escaped or an integer.
    return mark_safe("".join(drawn))
