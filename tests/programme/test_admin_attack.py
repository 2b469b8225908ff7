"""The attacker against everything the programme administrator can obtain (issue 15, item 1).

The administrator reads the initiatives overview, whose figures per pejlemærke count the
default informant's children, and may read the evaluator's page and files as well (for
every informant). Everything the role can set is the informant of the evaluator's files; the
overview has no filter that changes its figures. So the attacker here reads, as the
administrator, both files of every informant (the XLSX workbook and the CSV files, which
must agree) and the overview page, and puts every number into one linear system per
informant (:mod:`tests.evaluation.attacker`, through the evaluator's reader in
:mod:`tests.programme.test_evaluator_attack`): no hidden number may be narrowed below its
protection interval (1 to 4), no shown number may be 1–4, no label may say "færre end".

The control: the overview's figures protected row by row (what the overview did before)
beside the same files give a hidden count back."""

from __future__ import annotations

import html
import random
import re
from typing import Any

from spor.cases.models import Intervention
from spor.evaluation import disclosure
from spor.evaluation.national import tables
from spor.evaluation.web import figures
from spor.evaluation.web.forms import DEFAULT_INFORMANT, Filters
from spor.measurement.models import Informant
from tests.conftest import World
from tests.evaluation.attacker import Attack, k_of_n
from tests.programme.test_evaluator import url, xlsx_sheets, zip_sheets
from tests.programme.test_evaluator_attack import _cells, attack_downloads, random_children
from tests.programme.test_outcomes import SPEC, aby_groups, children, use_only

HIDDEN = disclosure.HIDDEN_MARK
N_LINE = re.compile(r"^(\S+) par af (\S+) startet$")
NCOL = len(tables.COLUMN_KEYS)
PAIRED = range(NCOL - 1)
EVERYTHING = range(NCOL)
CATEGORISED = range(NCOL - 2)
# The overview's share columns: (label, the change categories they add up).
SHARES = (("forbedring", (0, 4)), ("normalområdet", (3, 4)))


def overview_rows(page: str) -> list[tuple[str, list[str]]]:
    """The rows of the overview's table per pejlemærke as the page shows them: the label and
    the cells' text (tags dropped)."""
    section = page[page.index('<section class="prog-outcomes"') :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        label = html.unescape(re.search(r"<th[^>]*>(.*?)<br>", row, re.S).group(1)).strip()  # type: ignore[union-attr]
        cells = [
            html.unescape(re.sub(r"<[^>]+>", " ", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        out.append((label, cells))
    return out


def group_atoms(a: Attack, label: str, cols: range | tuple[int, ...]) -> list[int]:
    """The attacker's unknowns of a pejlemærke's row (by its label) in these columns."""
    return [
        i
        for key, i in a.names.items()
        if key[0] == "group" and label in key[1][3] and key[2] in cols
    ]


def read_overview(a: Attack, rows: list[tuple[str, list[str]]]) -> int:
    """Every count of the overview into the attacker's system; the number of rows read."""
    for label, cells in rows:
        found = N_LINE.match(cells[0])
        assert found, cells
        a.read(f"Oversigt: {label}, par", group_atoms(a, label, PAIRED), found.group(1))
        a.read(f"Oversigt: {label}, startet", group_atoms(a, label, EVERYTHING), found.group(2))
        if len(cells) < 6:  # "Vises ikke": the figures of a row with no shown pairs
            continue
        for (name, parts), text in zip(SHARES, (cells[3], cells[4]), strict=True):
            kn = k_of_n(text)
            if kn:  # a hidden share shows only the mark: no count
                a.read(f"Oversigt: {label}, {name} k", group_atoms(a, label, parts), kn[0])
                a.read(f"Oversigt: {label}, {name} n", group_atoms(a, label, CATEGORISED), kn[1])
    return len(rows)


def row_by_row(a: Attack, pooled: dict[str, Any]) -> None:
    """The control: the overview as it was, each pejlemærke's figures protected by
    themselves (:func:`figures.compute_cells` without the joint publication)."""
    for label, cells in pooled.items():
        fig = figures.compute_cells(cells, Filters())
        paired, started = N_LINE.match(fig.paired_label).groups()  # type: ignore[union-attr]
        a.read(f"Rækkevis: {label}, par", group_atoms(a, label, PAIRED), paired)
        a.read(f"Rækkevis: {label}, startet", group_atoms(a, label, EVERYTHING), started)


def test_nothing_the_programme_administrator_can_obtain_narrows_a_hidden_count(
    world: World,
) -> None:
    w = world
    random_children(w, random.Random(3), 60)
    # Aby's initiative (pejlemærke 1 and 3) uses an intervention of its own: 8 pairs of 11
    # started, so 3 without a follow-up, which the evaluator's tables hide.
    iv = aby_groups(w)
    children(w, w.a, iv, SPEC, start=500)
    use_only(w, w.extra["initiative_a"], iv)
    programme, admin = w.extra["programme"], w.extra["programme_admin"]
    client = w.client_for(admin)
    overview = client.get(f"/partnerskab/{programme.pk}/initiativer/")
    assert overview.status_code == 200
    page = overview.content.decode()
    assert "færre end" not in page and disclosure.HIDDEN_LEGEND_DA in page
    breaches: list[str] = []
    n_hidden = n_rows = 0
    control: Attack | None = None
    for informant in Informant.values:
        files = {
            name: client.get(url(w, name), {"informant": informant})
            for name in ("evaluering.xlsx", "evaluering-csv.zip")
        }
        assert all(r.status_code == 200 for r in files.values())
        book = xlsx_sheets(files["evaluering.xlsx"].content)
        csvs = list(zip_sheets(files["evaluering-csv.zip"].content).values())
        assert [_cells(r) for r in book.values()] == [_cells(r) for r in csvs]
        shown = client.get(url(w), {"informant": informant}).content.decode()
        assert "færre end" not in shown
        a = attack_downloads(programme, informant, book, admin)
        if informant == DEFAULT_INFORMANT:
            n_rows = read_overview(a, overview_rows(page))
            control = attack_downloads(programme, informant, book, admin)
        breaches += a.breaches()
        n_hidden += a.n_hidden
    assert breaches == []
    assert n_rows == 5 and n_hidden > 0
    # The control: the same files with the overview protected row by row give the 3 back.
    assert control is not None
    rows = dict(overview_rows(page))
    labels = [label for label in rows if label.startswith("3.")]
    assert len(labels) == 1
    pooled = {labels[0]: _pejlemaerke_cells(w, iv)}
    row_by_row(control, pooled)
    assert control.breaches()


def _pejlemaerke_cells(w: World, iv: Intervention) -> list[Any]:
    """The cells of pejlemærke 3's row: the deliveries of Aby's initiative's intervention."""
    from spor.evaluation.national import selectors
    from spor.evaluation.national.access import evaluator_actor

    eactor = evaluator_actor(w.extra["programme_admin"], w.extra["programme"].pk)
    data = selectors.programme_data(eactor, Filters())
    return [c for c in data.cells if c.intervention_id == iv.pk]
