"""What the app role may do in the database, granted by the owner after every ``migrate``
(and after a restore): read and write the tables, but only insert into and read the access
log, only read the migration history, use the sequences, and call the owner's functions.
No TRUNCATE, no REFERENCES or TRIGGER, nothing it could own. Tables that later migrations
create get the same through the owner's default privileges (docs/tenancy.md).

Nothing happens when there is one role only (``SPOR_OWNER_DATABASE_URL`` unset: SQLite,
development): then the app role is the owner.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from spor.tenancy import rls

APPEND_ONLY = ["audit_accesslogentry"]
READ_ONLY = ["django_migrations"]


def app_role() -> str:
    """The app role's name when Spor runs with two roles, else ''."""
    return str(getattr(settings, "SPOR_DATABASE_APP_ROLE", "") or "")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_sql(role: str) -> list[str]:
    r = _ident(role)
    sql = [
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
    ]
    for table in APPEND_ONLY:
        sql.append(f"REVOKE UPDATE, DELETE ON TABLE {table} FROM {r}")
    for table in READ_ONLY:
        sql.append(f"REVOKE INSERT, UPDATE, DELETE ON TABLE {table} FROM {r}")
    return sql


def function_sql(role: str, function: str) -> list[str]:
    return [
        f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {function} TO {_ident(role)}",
    ]


def apply(cursor: Any, role: str) -> None:
    """Grant the app role its privileges (as the owner; idempotent)."""
    cursor.execute("SELECT current_user")
    if cursor.fetchone()[0] == role:
        return  # one role only
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cursor.fetchone() is None:
        return
    for sql in grant_sql(role):
        cursor.execute(sql)
    for function in rls.owner_functions():
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [function])
        if cursor.fetchone()[0]:
            for sql in function_sql(role, function):
                cursor.execute(sql)
    # The app role may not create tables of its own (PostgreSQL 14 and older let PUBLIC).
    cursor.execute(
        "SELECT pg_get_userbyid(nspowner) = current_user FROM pg_namespace WHERE nspname = 'public'"
    )
    row = cursor.fetchone()
    if row and row[0]:
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


def after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections, transaction

    connection = connections[using]
    role = app_role()
    if connection.vendor != "postgresql" or not role:
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        apply(cursor, role)
