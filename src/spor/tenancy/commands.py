"""For management commands that work on one municipality, named by its code on the command
line: the database shows that municipality only while the command runs (row-level security;
docs/tenancy.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from spor.tenancy import rls
from spor.tenancy.models import Municipality

__all__ = ["municipality_job"]


@contextmanager
def municipality_job(code: str) -> Iterator[None]:
    """Run the block as a job of the municipality with this code (:func:`rls.job`).

    An unknown code enters a job of no municipality, which shows nothing: the command says
    so itself when it looks the municipality up inside the block, in its own words."""
    pk = Municipality.objects.filter(code=code).values_list("pk", flat=True).first()
    with rls.job(pk):
        yield
