"""The programme's stored cells read as columns (issue #18, goal 5, session 9): the read
that fills NumPy arrays straight from the rows (``selectors.stored_arrays``, no ``Cell`` per
row) gives the rows of the per-row read field by field, and the arrays the figures and the
publication work on (``figures.Columns.from_arrays``) are the arrays made from those cells
(``figures.Columns``); a stale municipality's live cells join them in the same order as
before; the evaluator's publication over the columns is the one over the cells."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from django.db import DatabaseError, connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from spor.evaluation.national import tables
from spor.evaluation.national.selectors import ProgrammeData
from spor.evaluation.web import figures, selectors, services
from spor.evaluation.web.forms import Filters
from spor.evaluation.web.models import OutcomeCell, OutcomeCellsPacked, OutcomeCellsState
from spor.lib import memo
from spor.measurement.models import Informant
from spor.tenancy import rls
from tests.conftest import World
from tests.evaluation.test_fast_tables import columns_fields
from tests.programme.test_outcome_cells import build_all, ids, random_world, stored_cells

INFORMANTS = (Informant.PROFESSIONAL, Informant.PARENT)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_stored_cells_read_as_columns_are_the_stored_rows_field_by_field(
    world: World, seed: int
) -> None:
    random_world(world, seed)
    build_all()
    for informant in INFORMANTS:
        rows = stored_cells(ids(world), informant)
        arrays = selectors.stored_arrays(ids(world), informant)
        assert rows and list(arrays) == rows
        assert [repr(c) for c in arrays] == [repr(c) for c in rows]  # ints stay ints
        assert columns_fields(figures.Columns.from_arrays(arrays)) == columns_fields(
            figures.Columns(rows)
        )
        read = selectors.programme_cells(ids(world), informant).cells
        assert isinstance(read, selectors.CellArrays) and read == rows
    assert list(selectors.stored_arrays([], Informant.PROFESSIONAL)) == []


def test_a_stale_municipality_joins_the_stored_columns_as_cells_did(world: World) -> None:
    """The live cells of a stale municipality, turned into columns once, in the order the
    cells were read before (each municipality's cells in their own order, by municipality);
    the evaluator's whole publication over them is the one over the same cells."""
    random_world(world, 3)
    build_all()
    services.outcome_cells_mark_stale(municipality_id=world.a.pk)
    fresh = [m for m in ids(world) if m != world.a.pk]
    for informant in INFORMANTS:
        cells = [
            *stored_cells(fresh, informant),
            *selectors.grouped_cells([world.a.pk], informant),
        ]
        cells.sort(key=lambda c: c.municipality_id or 0)
        read = selectors.programme_cells(ids(world), informant)
        assert isinstance(read.cells, selectors.CellArrays)
        assert list(read.cells) == cells
        assert [repr(c) for c in read.cells] == [repr(c) for c in cells]
        data = ProgrammeData(ids(world), read.cells, {}, [])
        memo.clear()
        over_columns = tables.build(data, 1, Filters(informant=informant))
        memo.clear()
        over_cells = tables.build(
            dataclasses.replace(data, cells=cells), 1, Filters(informant=informant)
        )
        assert over_columns.hidden == over_cells.hidden
        assert repr(dataclasses.replace(over_columns, publication=None)) == repr(
            dataclasses.replace(over_cells, publication=None)
        )


@pytest.mark.parametrize("known", ["nothing", "one of each", "others"])
def test_the_stored_read_learns_the_strings_it_has_not_seen(
    world: World, known: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the stored cells' strings travel as their positions among the strings
    this process has seen (``selectors._SEEN``), so that a row is a fixed number of bytes:
    a string not seen yet is looked up and the read made again. Whatever the process has
    seen, the read is the rows, with the same key (the fixed order's digest, which hashes
    the values beside the codes: strings seen but not in these cells are not among them).
    On SQLite the rows are fetched: the same assertions hold. (The rows are read where a
    municipality has no packed value of its build: cells built before the packed values
    were kept, as here, where they are taken away.)"""
    random_world(world, 5)
    build_all()
    OutcomeCellsPacked.objects.all().delete()
    informant = Informant.PROFESSIONAL
    rows = stored_cells(ids(world), informant)
    full = selectors.stored_arrays(ids(world), informant)  # every string seen
    seen = dict(selectors._SEEN)
    if known == "nothing":
        seen = {}
    elif known == "one of each":
        seen = {vocab: values[-1:] for vocab, values in seen.items()}
    else:  # strings of other cells too, before these cells' own
        seen = {vocab: ("andet", None, *values) for vocab, values in seen.items()}
    monkeypatch.setattr(selectors, "_SEEN", seen)
    with CaptureQueriesContext(connection) as queries:
        arrays = selectors.stored_arrays(ids(world), informant)
    assert rows and list(arrays) == rows
    assert [repr(c) for c in arrays] == [repr(c) for c in rows]
    assert arrays.in_order()[1] == full.in_order()[1]
    expected = selectors.CellArrays.from_cells(rows)
    assert expected is not None and arrays.in_order()[1] == expected.in_order()[1]
    assert columns_fields(figures.Columns.from_arrays(arrays)) == columns_fields(
        figures.Columns(rows)
    )
    if connection.vendor == "postgresql":
        table = f'"{OutcomeCell._meta.db_table}"'
        copies = [
            q for q in queries.captured_queries if q["sql"].startswith("COPY") and table in q["sql"]
        ]
        # Learned once (and copied again where the first copy met a string not seen).
        assert len(copies) == (1 if known in ("nothing", "others") else 2)


def test_the_stored_read_gives_the_cells_in_the_order_they_were_built(world: World) -> None:
    """On PostgreSQL the read takes each municipality's rows as one value, added up in the
    order the plan meets them, which is not the order they were built in once rows have
    moved in the table (an update writes a row anew at its end): the reader puts them back
    in the order of the build (municipality, then id), which the figures' sums follow to
    the last bit."""
    random_world(world, 6)
    build_all()
    informant = Informant.PROFESSIONAL
    built = list(
        OutcomeCell.objects.filter(municipality_id__in=ids(world), informant=informant)
        .order_by("municipality_id", "pk")
        .values_list("pk", flat=True)
    )
    assert len(built) > 4
    # Every other row written anew, the last first: the table's order is no longer the build's.
    for pk in built[::-2]:
        OutcomeCell.objects.filter(pk=pk).update(n=F("n"))
    rows = stored_cells(ids(world), informant)
    arrays = selectors.stored_arrays(ids(world), informant)
    assert rows and [repr(c) for c in arrays] == [repr(c) for c in rows]


# ------------------------------------------- the cells packed per municipality (session 14)


def _touches(queries: CaptureQueriesContext, model: type) -> bool:
    table = f'"{model._meta.db_table}"'
    return any(table in q["sql"] for q in queries.captured_queries)


def test_after_a_build_the_read_takes_the_packed_values_not_the_rows(world: World) -> None:
    """A build writes each municipality's cells once more as one value per informant, with
    its build, in the transaction that writes the rows; the read then takes those values and
    not a row: the same cells, field by field and type by type, and the same arrays to the
    byte (the fixed order's digest hashes every array's bytes)."""
    random_world(world, 8)
    build_all()
    for informant in INFORMANTS:
        packed = OutcomeCellsPacked.objects.filter(
            municipality_id__in=ids(world), informant=informant
        )
        builds = dict(
            OutcomeCellsState.objects.filter(municipality_id__in=ids(world)).values_list(
                "municipality_id", "build"
            )
        )
        assert sorted((p.municipality_id, p.build) for p in packed) == sorted(builds.items())
        rows = stored_cells(ids(world), informant)
        assert sum(p.cells for p in packed) == len(rows) > 0
        with CaptureQueriesContext(connection) as queries:
            arrays = selectors.stored_arrays(ids(world), informant)
        assert _touches(queries, OutcomeCellsPacked)
        assert not _touches(queries, OutcomeCell)  # not a row
        assert [repr(c) for c in arrays] == [repr(c) for c in rows]
        from_rows = selectors._table_arrays(ids(world), informant)
        assert arrays.in_order()[1] == from_rows.in_order()[1]
        for name in ("before", "after", "paired", "n", "subs_n", "subs"):
            assert getattr(arrays, name).dtype == getattr(from_rows, name).dtype, name
        # One municipality alone, and none.
        alone = selectors.stored_arrays([world.b.pk], informant)
        assert [repr(c) for c in alone] == [repr(c) for c in stored_cells([world.b.pk], informant)]
    assert list(selectors.stored_arrays([], Informant.PROFESSIONAL)) == []


def test_a_packed_value_of_another_build_is_never_read(world: World) -> None:
    """Stale packed cells are never read: a packed value is read only while its
    municipality's state has its build. Cells changed without a build (here by hand; an
    intervention deleted takes its cells with it) come with a new identity for the
    municipality (``services._deleted``): the rows are read then, not the old value, in
    the order of the build, beside the other municipality's packed value."""
    random_world(world, 9)
    build_all()
    informant = Informant.PROFESSIONAL
    before = stored_cells(ids(world), informant)
    OutcomeCell.objects.filter(municipality=world.a, informant=informant).update(n=F("n") + 1)
    OutcomeCellsState.objects.filter(municipality=world.a).update(build=uuid.uuid4())
    now = stored_cells(ids(world), informant)
    assert now != before
    with CaptureQueriesContext(connection) as queries:
        arrays = selectors.stored_arrays(ids(world), informant)
    assert _touches(queries, OutcomeCell) and _touches(queries, OutcomeCellsPacked)
    assert [repr(c) for c in arrays] == [repr(c) for c in now]
    # The old value is still there, of the old build: after the next build, the new one's.
    assert OutcomeCellsPacked.objects.filter(municipality=world.a).exists()
    build_all()
    with CaptureQueriesContext(connection) as queries:
        again = selectors.stored_arrays(ids(world), informant)
    assert not _touches(queries, OutcomeCell)
    assert [repr(c) for c in again] == [repr(c) for c in before]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security")
def test_the_packed_values_are_read_under_the_cells_row_security(world: World) -> None:
    """The packed values are a tenant table as the cells are: in one municipality's block
    the read sees its packed value only, and reads the other's neither packed nor as rows."""
    random_world(world, 10)
    build_all()
    informant = Informant.PROFESSIONAL
    mine = stored_cells([world.a.pk], informant)
    assert mine and stored_cells([world.b.pk], informant)
    with rls.tenant(world.a.pk):
        seen = set(OutcomeCellsPacked.objects.values_list("municipality_id", flat=True))
        arrays = selectors.stored_arrays(ids(world), informant)
    assert seen == {world.a.pk}
    assert [repr(c) for c in arrays] == [repr(c) for c in mine]


def test_a_packed_value_cut_or_of_another_kind_is_refused() -> None:
    """The reader refuses a value that is not a whole packed value, never reads past it."""
    cells = [
        OutcomeCell(
            municipality_id=7, informant="x", form="f", norm_before="a", norm_after=None,
            before=3.0, after=None, band_before="b", band_after=None, intervention_id=1,
            kind="k", level="", age=None, half=20171, n=2,
        )
    ]  # fmt: skip
    data = selectors.pack_cells(7, cells)
    zero = (0, 0.0, 0.0, 0.0, 0.0)
    expected = selectors.Cell(
        "f", "a", None, 3.0, None, "b", None, 2, (zero,) * 5, 7, "k", 1, "", None, 20171
    )
    assert [repr(c) for c in selectors.unpack_cells(data)] == [repr(expected)]
    for bad in (data[:-1], data + b"\x00", b"other" + data[5:], data[:10]):
        with pytest.raises(DatabaseError):
            selectors.unpack_cells(bad)
    with pytest.raises(ValueError):
        selectors.pack_cells(8, cells)
