"""Database ids from the outside world: a URL, a query string, a form value.

An id is 1 to 18 ASCII digits (so it fits PostgreSQL's and SQLite's 64-bit integers) and
is not 0. ``str.isdigit()`` is not the test: it accepts ``²`` and ``٣``, which ``int()``
then refuses, or converts to an id the database cannot hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_DIGITS = 18  # 10**18 - 1 < 2**63 - 1
_ID = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


def parse_id(raw: object) -> int | None:
    """The id in ``raw`` (surrounding blanks allowed), or None when it is not one.

    >>> parse_id(" 42 "), parse_id("²"), parse_id("٣"), parse_id("-1"), parse_id("9" * 30)
    (42, None, None, None, None)
    >>> parse_id("0"), parse_id("1\\x00"), parse_id(["1"])
    (None, None, None)
    """
    if not isinstance(raw, str):
        return None
    value = raw.strip()
    if not _ID.fullmatch(value):
        return None
    return int(value) or None


def parse_small_int(raw: object, *, max_digits: int = 3) -> int | None:
    """A small non-negative number (an answer's code, a pejlemærke's number): ASCII digits
    only and at most ``max_digits`` of them, so a 5,000-digit answer is refused, not converted.

    >>> parse_small_int("4"), parse_small_int("²"), parse_small_int("9" * 5000)
    (4, None, None)
    """
    if not isinstance(raw, str):
        return None
    value = raw.strip()
    if not (0 < len(value) <= max_digits and value.isascii() and value.isdigit()):
        return None
    return int(value)


class NotAnId(LookupError):
    """A query parameter that should be an id is not one (the views answer 404)."""


def query_id(query: Mapping[str, str], name: str) -> int | None:
    """The id in the query parameter ``name`` (``?barn=42``): None when it is absent or
    empty; :class:`NotAnId` when it is there and not an id.

    >>> query_id({"barn": "42"}, "barn"), query_id({}, "barn"), query_id({"barn": " "}, "barn")
    (42, None, None)
    >>> query_id({"barn": "²"}, "barn")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    spor.lib.ids.NotAnId: barn
    """
    value = query.get(name, "").strip()
    if not value:
        return None
    found = parse_id(value)
    if found is None:
        raise NotAnId(name)
    return found


class IdConverter:
    """The ``<id:…>`` path converter: like ``<int:…>``, but an id the database cannot hold
    (19 digits and more) matches no route, so it answers 404 like a missing object."""

    regex = _ID.pattern

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)
