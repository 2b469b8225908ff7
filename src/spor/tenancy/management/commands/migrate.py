"""``manage.py migrate`` as Django's, run as the database's owner: with two roles
(``SPOR_OWNER_DATABASE_URL``) on the owner's connection, with the owner's system switch on,
so that migrations see and may change every row; the app role's privileges are granted
after (``spor.tenancy.grants``). With one role, as Django's."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate

from spor.tenancy import rls


class Command(DjangoMigrate):
    requires_owner = True

    def handle(self, *args: Any, **options: Any) -> Any:
        with rls.owner_connection(), rls.system():
            return super().handle(*args, **options)
