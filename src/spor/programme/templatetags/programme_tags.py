"""Filters for amounts, the start page's tiles for partnerships
(``{% load programme_tags %}{% programme_tiles %}`` in ``web/start.html``), and the
initiatives overview's rows."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from spor.lib import danish
from spor.programme import selectors
from spor.programme.access import administered_programmes
from spor.programme.models import Initiative

register = template.Library()


def escape(text: Any) -> str:
    """Django's ``escape`` without its lazy-string wrapper (``keep_lazy``), which cost more
    than the escaping itself over the overview's thousands of values: the same characters
    are encoded (``html.escape`` of ``str(text)``, quotes included)."""
    return html.escape(str(text))


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


class _Escaper:
    """``escape`` that remembers what it has escaped: an initiative's labels (its scope,
    level, target and age groups, status, pejlemærker, municipality) come from a few dozen
    texts repeated over every row of the overview."""

    def __init__(self) -> None:
        self._done: dict[str, str] = {}
        self._badges: dict[tuple[int, str], str] = {}
        self.hidden = self(gettext("Pejlemærke"))

    def __call__(self, text: Any) -> str:
        text = str(text)
        done = self._done.get(text)
        if done is None:
            done = self._done[text] = html.escape(text)
        return done

    def benchmark(self, number: int, title: str) -> str:
        """A pejlemærke's badge, made once per pejlemærke."""
        key = (int(number), str(title))
        done = self._badges.get(key)
        if done is None:
            done = self._badges[key] = (
                f'<span class="bm" title="{self(title)}"><span class="visually-hidden">'
                f"{self.hidden} </span>{int(number)}</span>"
            )
        return done


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
    esc: _Escaper | None = None,
) -> str:
    """An initiative's cells from its pejlemærker to its status: the overview's rows and the
    plan page's share them, so both show an initiative alike. Every text is escaped."""
    e = esc or _Escaper()
    bms = "".join([e.benchmark(number, title) for number, title in benchmarks])
    return (
        f"<td>{bms}</td>\n"
        f"<td>{e(scope_label)}<br><small>"
        f"{', '.join([e(x) for x in aimed_at_labels])}</small></td>\n"
        f"<td>{e(level_label) if level else '–'}</td>\n"
        f"<td>{', '.join([e(x) for x in target_labels])}</td>\n"
        f"<td>{'; '.join([e(x) for x in age_labels])}</td>\n"
        f"<td>{escape(responsible)}</td>\n"
        f'<td><span class="istatus istatus-{e(status)}">{e(status_label)}'
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
    e = _Escaper()
    for i in lines:
        description = escape(_truncate_words(i.description, 30))
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
            esc=e,
        )
        rows.append(
            "<tr>\n"
            f"    <td>{e(i.municipality)}</td>\n"
            f'    <th scope="row"><a href="{plan_url.format(int(i.plan_id))}">{escape(i.title)}'
            f"</a><br><small>{description}</small></th>\n"
            f"    {cells}"
            "  </tr>"
        )
    # Every value is escaped or an integer.
    return mark_safe("".join(rows))


def _truncate_words(text: str, length: int) -> str:
    """``Truncator(text).words(length, truncate=" …")`` without the Truncator (a lazy
    object per call): the words joined by single spaces, cut with " …" only if longer."""
    words = text.split()
    if len(words) > length:
        cut = " ".join(words[:length])
        return cut if cut.endswith(" …") else f"{cut} …"  # as add_truncation_text
    return " ".join(words)


def _truncate_chars(text: str, length: int) -> str:
    """The ``truncatechars`` filter's result: the NFC form, cut with its ellipsis only if
    longer than ``length`` (most labels are not, and Truncator looks up the ellipsis's
    translation on every call)."""
    text = unicodedata.normalize("NFC", str(text))
    return text if len(text) <= length else Truncator(text).chars(length)


def _bar_chart(tally: selectors.Tally) -> str:
    """One diagram of the overview: its inline SVG and its table of the same figures (the
    chart's text alternative). Every text is escaped; the geometry is numbers."""
    key = escape(tally.key)
    title = escape(tally.title)
    c = tally.chart
    desc = escape(
        gettext("Antal initiativer pr. kategori. Tallene står også i tabellen under figuren.")
    )
    out = [
        f'<section class="prog-chart" aria-labelledby="chart-{key}">\n'
        f'  <h3 id="chart-{key}">{title}</h3>\n'
        "  <figure>\n"
        f'    <svg role="img" aria-labelledby="chart-{key}-t chart-{key}-d" '
        f'width="{int(c.width)}" height="{int(c.height)}" '
        f'viewBox="0 0 {int(c.width)} {int(c.height)}" xmlns="http://www.w3.org/2000/svg">\n'
        f'      <title id="chart-{key}-t">{title}</title>\n'
        f'      <desc id="chart-{key}-d">{desc}</desc>\n'
        "      "
    ]
    label_width = int(c.label_width)
    bar_height = int(c.bar_height)
    fill = escape(c.fill)
    rows = []
    for bar in c.bars:
        label = escape(bar.label)
        n = int(bar.n)
        rect = (
            f'<rect x="{label_width}" y="{int(bar.y)}" width="{bar.width:.1f}" '
            f'height="{bar_height}" fill="{fill}"><title>{label}: {n}</title></rect>'
            if bar.width
            else ""
        )
        out.append(
            "\n      <g>\n"
            f'        <text x="0" y="{int(bar.text_y)}" font-size="13" fill="#1a1a1a">'
            f"{escape(_truncate_chars(bar.label, 42))}</text>\n"
            f"        {rect}\n"
            f'        <text x="{bar.value_x:.1f}" y="{int(bar.text_y)}" font-size="13" '
            f'fill="#1a1a1a" font-weight="600">{n} ({int(bar.share)} %)</text>\n'
            "      </g>\n"
            "      "
        )
        rows.append(
            f'<tr><th scope="row">{label}</th><td class="num">{n}</td>'
            f'<td class="num">{int(bar.share)} %</td></tr>'
        )
    figures = escape(gettext("tal"))
    note = f"<figcaption>{escape(tally.note)}</figcaption>" if tally.note else ""
    out.append(
        "\n    </svg>\n"
        f"    {note}\n"
        "  </figure>\n"
        f'  <div class="table-scroll" role="region" aria-label="{title} – {figures}" '
        'tabindex="0">\n'
        '  <table class="prog-counts">\n'
        f'    <caption class="visually-hidden">{title} – {figures}</caption>\n'
        f'    <thead><tr><th scope="col">{escape(gettext("Kategori"))}</th>'
        f'<th scope="col" class="num">{escape(gettext("Initiativer"))}</th>'
        f'<th scope="col" class="num">{escape(gettext("Andel"))}</th></tr></thead>\n'
        f"    <tbody>{''.join(rows)}</tbody>\n"
        f'    <tfoot><tr><th scope="row">{escape(gettext("Initiativer i alt"))}</th>'
        f'<td class="num">{int(tally.total)}</td><td></td></tr></tfoot>\n'
        "  </table>\n"
        "  </div>\n"
        "</section>\n"
    )
    return "".join(out)


@register.simple_tag
def bar_charts(tallies: Sequence[selectors.Tally]) -> SafeString:
    """The overview's diagrams, built in Python: eight charts of up to a dozen bars each
    were, in the template language, a third of the page's rendering."""
    # Every value is escaped or a number.
    return mark_safe("".join(_bar_chart(t) for t in tallies))


def _value(value: Any) -> str:
    """What ``{{ value }}`` renders: localized, and escaped unless it is already safe."""
    return str(conditional_escape(localize(value)))


def _means_row(r: Any, mark: str) -> str:
    """A breakdown's row of means (``programme/evaluation_row.html`` as it was)."""
    if r.change:
        c = r.change
        middle = (
            f"<td>{_value(c.before)}</td><td>{_value(c.after)}</td><td>{_value(c.change)}</td>"
            f"<td>{_value(c.ci)}</td><td>{_value(r.dz)}</td>"
        )
        beyond = _value(r.beyond) if r.beyond else "–"
    else:
        middle = f"<td>{mark}</td>" * 5
        beyond = mark
    return (
        f'<tr><th scope="row">{_value(r.label)}</th><td>{_value(r.paired)}</td>{middle}'
        f"<td>{_value(r.improvement)}</td><td>{_value(r.normal)}</td><td>{beyond}</td></tr>\n"
    )


@register.simple_tag
def evaluation_breakdown(b: Any, column_labels: Any, total_label: Any, mark: Any) -> SafeString:
    """One breakdown of the evaluation page (by municipality, intervention, age …): its
    table of counts and its table of means, built in Python. The evaluator's page has a
    dozen of them, and their cells were most of the page's rendering. Every value is
    rendered as ``{{ value }}`` would be: localized and escaped."""
    key = _value(b.key)
    heading = _value(b.row_heading)
    mark = _value(mark)
    labels = "".join(f'<th scope="col">{_value(label)}</th>' for label in column_labels)
    counts = "".join(
        f'<tr><th scope="row">{_value(r.label)}</th>'
        + "".join(f"<td>{_value(c)}</td>" for c in r.cells)
        + "</tr>"
        for r in b.rows
    )
    means = "".join(_means_row(r, mark) for r in b.rows)
    count_total = mean_total = ""
    if b.means_in_total:
        count_total = (
            f'<tr class="total"><th scope="row">{_value(b.total.label)}</th>'
            + "".join(f"<td>{_value(c)}</td>" for c in b.total.cells)
            + "</tr>"
        )
        mean_total = _means_row(b.total, mark)
    counted = "Antal børn (forløb) efter pålidelig ændring"
    scores = "Samlet vanskelighedsscore før og efter"
    # Every value is escaped by _value; the rest is this function's own text.
    return mark_safe(
        f'\n<section aria-labelledby="b-{key}">\n'
        f'  <h2 id="b-{key}">{_value(b.title)}</h2>\n'
        f"  <p>{_value(b.note)}</p>\n"
        f'  <div class="table-scroll" role="region" aria-label="{counted}" tabindex="0">\n'
        f'  <table class="evaluation-counts" data-breakdown="{key}">\n'
        f"    <caption>{counted}</caption>\n"
        f'    <thead><tr><th scope="col">{heading}</th>{labels}'
        f'<th scope="col">{_value(total_label)}</th></tr></thead>\n'
        "    <tbody>\n"
        f"      {counts}\n"
        f"      {count_total}\n"
        "    </tbody>\n"
        "  </table>\n"
        "  </div>\n"
        f'  <div class="table-scroll" role="region" aria-label="{scores}" tabindex="0">\n'
        '  <table class="evaluation-means">\n'
        f"    <caption>{scores}</caption>\n"
        f'    <thead><tr><th scope="col">{heading}</th><th scope="col">Par</th>'
        '<th scope="col">Før</th><th scope="col">Efter</th><th scope="col">Ændring</th>'
        '<th scope="col">95 %-interval</th><th scope="col">dz</th>'
        '<th scope="col">Pålidelig forbedring i alt</th>'
        '<th scope="col">Ind i normalområdet i alt</th>'
        '<th scope="col">Ud over regression mod middelværdien (95 %-interval; et skøn)</th>'
        "</tr></thead>\n"
        "    <tbody>\n"
        f"      {means}\n"
        f"      {mean_total}\n"
        "    </tbody>\n"
        "  </table>\n"
        "  </div>\n"
        "</section>\n"
    )
