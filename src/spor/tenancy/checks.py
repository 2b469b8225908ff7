"""In production Spor refuses a database role that row-level security does not bind: a
superuser, a role with BYPASSRLS, or one that owns a table (an owner can switch the
policies off). ``manage.py check --deploy`` reports it, and the web process refuses to
start (``spor.wsgi``). On SQLite, or outside production, nothing is checked."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.db import DatabaseError, connections

E001 = "spor.E001"
E002 = "spor.E002"
E003 = "spor.E003"
E004 = "spor.E004"
HINT = (
    "Forbind som app-rollen (SPOR_DATABASE_URL: NOSUPERUSER NOBYPASSRLS, ejer intet) og kør "
    "migrate som ejeren (SPOR_OWNER_DATABASE_URL); se docs/deployment.md."
)


ROLE_SQL = (
    "SELECT r.rolname, r.rolsuper, r.rolbypassrls, "
    "(SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid "
    " AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')) "
    "FROM pg_roles r WHERE r.rolname = current_user"
)


def role_problems(using: str = "default") -> list[CheckMessage]:
    """What is wrong with the role Spor connects as (empty: nothing, or not PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            return problems_of(cursor)
    except DatabaseError as exc:
        return [Error(f"Databasen kunne ikke spørges om Spors rolle: {exc}", id=E004)]


def problems_of(cursor: Any) -> list[CheckMessage]:
    """The problems of the role a DB-API cursor is connected as."""
    cursor.execute(ROLE_SQL)
    name, superuser, bypass, owned = cursor.fetchone()
    problems: list[CheckMessage] = []
    if superuser:
        problems.append(
            Error(
                f"Spor forbinder til databasen som superbrugeren {name!r}; row-level "
                "security gælder ikke for den.",
                hint=HINT,
                id=E001,
            )
        )
    if bypass:
        problems.append(
            Error(
                f"Databaserollen {name!r} har BYPASSRLS; row-level security gælder ikke for den.",
                hint=HINT,
                id=E002,
            )
        )
    if owned:
        problems.append(
            Error(
                f"Databaserollen {name!r} ejer {owned} tabel(ler) og kan slå row-level "
                "security fra.",
                hint=HINT,
                id=E003,
            )
        )
    return problems


@register(deploy=True)
def database_role(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    return role_problems()


def refuse_to_start() -> None:
    """Called as the web process starts: in production, stop on a role the walls do not
    bind."""
    if not getattr(settings, "PRODUCTION", False):
        return
    problems = role_problems()
    connections["default"].close()
    if problems:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("; ".join(str(p.msg) for p in problems))
