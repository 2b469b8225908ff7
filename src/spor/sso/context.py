"""Login happens before anyone is acting in a municipality: on PostgreSQL the request of an
anonymous visitor sees no tenant rows (``spor.tenancy.middleware``). The login code names
the municipality it works in, for as short as it needs it, and restores the setting after.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from spor.tenancy.rls import SETTING

SYSTEM = ""  # sees every municipality: only for reads keyed by a person or a broker


@contextmanager
def municipality_setting(value: str) -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    # In a savepoint: if the body fails, rolling back undoes the setting as well.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s, true)", [SETTING])
            previous = cursor.fetchone()[0] or ""
            cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, value])
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, previous])
