"""What went wrong, in words a user can act on: the database cannot be reached, or the disk
is full. Everything else is the ordinary error page.

The classification looks at the exception and its causes, because Django wraps the driver's
error (``sqlite3.OperationalError``, ``psycopg.OperationalError``) in its own.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from enum import Enum
from pathlib import Path

from django.db import utils as db_utils

# PostgreSQL's SQLSTATE class 53 "insufficient resources": 53100 disk_full.
PG_DISK_FULL = "53100"
# Class 08 "connection exception", and 57P01-57P03 (admin shutdown, crash shutdown,
# cannot connect now).
PG_UNAVAILABLE_PREFIXES = ("08", "57P01", "57P02", "57P03")


class Fault(Enum):
    DISK_FULL = "disk_full"
    DATABASE_UNAVAILABLE = "database_unavailable"
    OTHER = "other"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify(exc: BaseException | None) -> Fault:
    if exc is None:
        return Fault.OTHER
    chain = _chain(exc)
    for e in chain:
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return Fault.DISK_FULL
        sqlstate = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if sqlstate == PG_DISK_FULL:
            return Fault.DISK_FULL
        # SQLite's SQLITE_FULL: "database or disk is full".
        if getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or (
            isinstance(e, sqlite3.OperationalError) and "disk is full" in str(e)
        ):
            return Fault.DISK_FULL
    for e in chain:
        sqlstate = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(PG_UNAVAILABLE_PREFIXES):
            return Fault.DATABASE_UNAVAILABLE
        if isinstance(e, db_utils.InterfaceError):
            return Fault.DATABASE_UNAVAILABLE
        if isinstance(e, db_utils.OperationalError) and _looks_unreachable(str(e)):
            return Fault.DATABASE_UNAVAILABLE
    return Fault.OTHER


_UNREACHABLE = (
    "connection",  # psycopg: connection refused / failed / closed / timeout
    "server closed",
    "terminating connection",
    "unable to open database file",  # SQLite: the file or its directory is gone
    "disk i/o error",
    "database is locked",  # SQLite: another writer held the lock past the timeout
    "the database system is",  # starting up / shutting down / in recovery mode
)


def _looks_unreachable(message: str) -> bool:
    text = message.lower()
    return any(marker in text for marker in _UNREACHABLE)


# Below this many free bytes next to the SQLite file, a failed write is a full disk.
LOW_SPACE_BYTES = 1024 * 1024


def sqlite_disk_is_full(database_name: str | Path) -> bool:
    """SQLite reports a full disk as SQLITE_FULL only for some writes; creating its journal
    on a full disk gives "disk I/O error" or "unable to open database file". So when a
    SQLite database fails, look at the free space where its file is."""
    try:
        return shutil.disk_usage(Path(database_name).parent).free < LOW_SPACE_BYTES
    except OSError:
        return False
