"""One page of a long list whose count stops at :data:`COUNT_CAP` (the concern list, the
screening follow-up list): counting every row of a large municipality on every page view
would make the page grow with it; beyond the cap the page says "over 1.000"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.db.models import QuerySet

COUNT_CAP = 1000

T = TypeVar("T")


class _Numbered(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def has_next(self) -> bool: ...


class PageLinks:
    """What ``_pager.html`` asks a page besides its own fields, from ``number`` (1 is the
    first) and ``has_next``: shared by the pages that are not Django's."""

    @property
    def has_previous(self: _Numbered) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self: _Numbered) -> bool:
        return self.number > 1 or self.has_next

    @property
    def previous_page_number(self: _Numbered) -> int:
        return self.number - 1

    @property
    def next_page_number(self: _Numbered) -> int:
        return self.number + 1


@dataclass
class CappedPage(PageLinks, Generic[T]):
    """A page of a list. ``count`` is exact unless ``capped`` (then there are more than
    :data:`COUNT_CAP` and the number of pages is not known). Fits ``_pager.html``."""

    rows: list[T]
    number: int
    size: int
    count: int
    capped: bool
    has_next: bool

    @property
    def num_pages(self) -> int | None:
        return None if self.capped else max(1, -(-self.count // self.size))


def capped_count(qs: QuerySet[Any]) -> int:
    """How many rows ``qs`` has, counting at most ``COUNT_CAP + 1``."""
    return int(qs.select_related(None).order_by().values("pk")[: COUNT_CAP + 1].count())


def capped_page(
    qs: QuerySet[Any],
    number: str | None,
    *,
    size: int,
    rows: Callable[[QuerySet[Any]], Sequence[T]],
    counted: int | None = None,
) -> CappedPage[T]:
    """Page ``number`` (1 when absent or not a number; the last one when past the end) of
    ``qs``, which must be ordered; ``rows`` makes the page's rows of its slice. Counts at
    most ``COUNT_CAP + 1`` rows (or takes ``counted``, counted so by the caller) and reads
    ``size + 1``: with an index in the list's order neither grows with the municipality."""
    try:
        wanted = max(1, int(number or 1))
    except ValueError:
        wanted = 1
    wanted = min(wanted, 1_000_000)
    count = capped_count(qs) if counted is None else counted
    capped = count > COUNT_CAP
    if not capped:
        wanted = min(wanted, max(1, -(-count // size)))
    start = (wanted - 1) * size
    found = list(rows(qs[start : start + size + 1]))
    return CappedPage(
        rows=found[:size],
        number=wanted,
        size=size,
        count=min(count, COUNT_CAP),
        capped=capped,
        has_next=len(found) > size,
    )
