"""Many rows into one table without a model instance per row.

``Model.objects.bulk_create`` builds an instance for every row and prepares every field of
it in Python (some 20 µs a row), which is most of the time of importing a municipality's
60,000 children. :func:`insert_rows` writes plain tuples with multi-row ``INSERT``
statements of as many rows as the database takes, adapting only dates and times. Like
``bulk_create`` it sends no signals and calls no ``save()``; the caller gives every column
that has no database default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from itertools import chain, islice
from typing import Any, cast

from django.db import connection, models

__all__ = ["insert_rows"]


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning: list[Any] | None = None,
) -> int:
    """``INSERT`` ``rows`` (tuples in the order of ``columns``, the fields' attribute names,
    e.g. ``child_id``) into ``model``'s table; returns how many. Values are what the database
    takes as they are, except ``date`` and ``datetime`` values, which are adapted here as
    Django would (aware datetimes to UTC on SQLite). With ``returning`` (a list), the new
    rows' primary keys are appended to it in the order of ``rows`` (``RETURNING``, which
    PostgreSQL and SQLite ≥ 3.35 have; Django's ``bulk_create`` relies on the same order)."""
    fields = [cast(models.Field[Any, Any], model._meta.get_field(name)) for name in columns]
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(str(model._meta.pk.column))
    adapters: list[tuple[int, Any]] = []
    for i, f in enumerate(fields):
        if isinstance(f, models.DateTimeField):
            adapters.append((i, connection.ops.adapt_datetimefield_value))
        elif isinstance(f, models.DateField):
            adapters.append((i, connection.ops.adapt_datefield_value))
    # As many rows as the database takes in one statement (SQLite: 999 or 32,766 values;
    # PostgreSQL: 65,535), at most 2,000.
    most = connection.ops.bulk_batch_size(fields, [None] * 2000)
    batch = max(1, min(most, 65_535 // len(fields), 2000))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    done = 0
    source = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(source, batch)):
            if adapters:
                chunk = [_adapt(row, adapters) for row in chunk]
            sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(chunk))  # noqa: S608
            if returning is not None:
                sql += f" RETURNING {pk}"
            cursor.execute(sql, list(chain.from_iterable(chunk)))
            if returning is not None:
                returning.extend(r[0] for r in cursor.fetchall())
            done += len(chunk)
    return done


def _adapt(row: Sequence[Any], adapters: list[tuple[int, Any]]) -> list[Any]:
    out = list(row)
    for i, adapt in adapters:
        value = out[i]
        if isinstance(value, dt.date):
            out[i] = _adapted(adapt, value)
    return out


_last: dict[Any, tuple[object, object]] = {}


def _adapted(adapt: Any, value: dt.date) -> object:
    """``adapt(value)``, remembering the last value per adapter: an import's rows share a
    timestamp and a handful of dates."""
    seen = _last.get(adapt)
    if seen is not None and seen[0] == value and type(seen[0]) is type(value):
        return seen[1]
    result = adapt(value)
    _last[adapt] = (value, result)
    return result
