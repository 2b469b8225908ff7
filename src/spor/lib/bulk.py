"""Many rows into one table without a model instance per row.

``Model.objects.bulk_create`` builds an instance for every row and prepares every field of
it in Python (some 20 µs a row), which is most of the time of importing a municipality's
60,000 children. :func:`insert_rows` writes plain tuples, adapting only dates and times:

- a few rows (fewer than ``MANY``): one multi-row ``INSERT``;
- many on SQLite: one prepared ``INSERT`` run for every row (``executemany``); the new keys,
  when wanted, read back in one query;
- many on PostgreSQL: sent with ``COPY`` into a temporary table and moved with one
  ``INSERT … SELECT``.
  ``COPY`` straight into a table with row-level security is refused by PostgreSQL, and the
  ``INSERT`` checks every row against the table's policies as any other insert does; and a
  multi-row ``INSERT`` of tens of thousands of values costs more to build and parse, in the
  driver and in the server, than the rows cost to write.

Like ``bulk_create`` it sends no signals and calls no ``save()``; the caller gives every
column that has no database default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from typing import Any, cast

from django.db import connection, models, transaction

__all__ = ["MANY", "insert_rows", "large_write"]

MANY = 500  # rows: from here on SQLite prepares once, PostgreSQL copies


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
    rows = rows if isinstance(rows, list) else list(rows)
    if len(rows) >= MANY and connection.vendor == "postgresql":
        return _copy(model, table, names, pk, rows, returning)
    if len(rows) >= MANY and connection.vendor == "sqlite":
        return _execute_many(table, names, pk, fields, rows, returning)
    adapters = _adapters(fields)
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
                chunk = _adapt_all(chunk, adapters)
            sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(chunk))  # noqa: S608
            if returning is not None:
                sql += f" RETURNING {pk}"
            cursor.execute(sql, list(chain.from_iterable(chunk)))
            if returning is not None:
                returning.extend(r[0] for r in cursor.fetchall())
            done += len(chunk)
    return done


# SQLite's page cache for a large write, in KiB (a negative cache_size is KiB): the tables
# and indexes an import of 60,000 children touches fit (some 40 MB), where the default 2 MB
# makes SQLite evict and re-read the pages of the randomly ordered indexes (the CPR hash,
# the names) for every few hundred rows. 60,000 children and their log: 0.82-0.92 s ->
# 0.69-0.73 s of CPU for SQLite's inserts, measured alternately in one run.
LARGE_WRITE_CACHE_KIB = 64 * 1024


@contextmanager
def large_write() -> Iterator[None]:
    """Around a write of tens of thousands of rows: on SQLite a page cache the size of
    what is written, for this connection until the block ends (then the cache it had).
    Only memory: no durability setting changes, the commit is as safe as any other. Put
    it outside the transaction, so the cache is set back after a rollback as well."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-LARGE_WRITE_CACHE_KIB:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before:d}")


def _adapters(fields: Sequence[models.Field[Any, Any]]) -> list[tuple[int, Any]]:
    adapters: list[tuple[int, Any]] = []
    for i, f in enumerate(fields):
        if isinstance(f, models.DateTimeField):
            adapters.append((i, connection.ops.adapt_datetimefield_value))
        elif isinstance(f, models.DateField):
            adapters.append((i, connection.ops.adapt_datefield_value))
    return adapters


def _execute_many(
    table: str,
    names: str,
    pk: str,
    fields: Sequence[models.Field[Any, Any]],
    rows: list[Sequence[Any]],
    returning: list[Any] | None,
) -> int:
    """SQLite: one ``INSERT`` prepared once and run for every row, in the driver's C loop (a
    multi-row statement of thousands of values costs more to build and parse, and Django's
    backend rewrites each with a regular expression; SQLite's 999 values a statement made
    the children 543 statements).

    ``executemany`` returns no rows, so the new keys are read back: in one transaction no
    one else writes (SQLite has one writer), and every new row's key is larger than every
    key before it (``AUTOINCREMENT``, and SQLite's rowid otherwise), so the keys above the
    largest before are exactly the new rows', in the order they were inserted."""
    adapters = _adapters(fields)
    values = _adapt_all(rows, adapters) if adapters else rows
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with transaction.atomic(), connection.cursor() as cursor:
        before = 0
        if returning is not None:
            cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")  # noqa: S608
            before = cursor.fetchone()[0]
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {one}", values)  # noqa: S608
        if returning is not None:
            cursor.execute(f"SELECT {pk} FROM {table} WHERE {pk} > %s ORDER BY {pk}", [before])  # noqa: S608
            keys = [r[0] for r in cursor.fetchall()]
            if len(keys) != len(values):  # pragma: no cover - another writer in between
                raise RuntimeError("the new rows' keys could not be read back")
            returning.extend(keys)
    return len(values)


def _copy(
    model: type[models.Model],
    table: str,
    names: str,
    pk: str,
    rows: list[Sequence[Any]],
    returning: list[Any] | None,
) -> int:
    """PostgreSQL: ``COPY`` into a temporary table shaped like the columns, then one
    ``INSERT … SELECT`` (through the table's row-level-security policies, its constraints
    and triggers, like any insert) in the order of ``rows``."""
    temp = connection.ops.quote_name(f"spor_bulk_{model._meta.db_table}")
    with transaction.atomic(), connection.cursor() as cursor:
        # The temporary table lives in this session's own schema and goes at commit; the
        # order column keeps the rows (and so RETURNING) in the order given.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT 0::bigint AS spor_order, {names} FROM {table} WITH NO DATA"
        )
        copy_sql = f"COPY {temp} (spor_order, {names}) FROM STDIN"
        with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
            for order, row in enumerate(rows):
                copy.write_row((order, *row))
        sql = f"INSERT INTO {table} ({names}) SELECT {names} FROM {temp}"  # noqa: S608
        if returning is None:
            # Without keys wanted the order does not matter: no sort of the rows (60,000
            # access-log rows: 0.1 s of the server's time, an external merge at the
            # default work_mem).
            cursor.execute(sql)
        else:
            cursor.execute(f"{sql} ORDER BY spor_order RETURNING {pk}")
            returning.extend(r[0] for r in cursor.fetchall())
        cursor.execute(f"DROP TABLE {temp}")
    return len(rows)


def _adapt_all(
    rows: Iterable[Sequence[Any]], adapters: list[tuple[int, Any]]
) -> list[Sequence[Any]]:
    """The rows with their dates and times adapted, column by column: each distinct value
    once (an import's rows share a time stamp and a handful of dates)."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    if not columns:
        return []
    for i, adapt in adapters:
        # A date and a datetime never compare equal, so each keeps its own adapted value.
        adapted = {v: adapt(v) if isinstance(v, dt.date) else v for v in set(columns[i])}
        columns[i] = [adapted[v] for v in columns[i]]
    return list(zip(*columns, strict=True))
