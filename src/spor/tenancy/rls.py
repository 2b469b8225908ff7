"""Row-level security on PostgreSQL: the second wall behind the scoped selectors, and the
one module that tells the database who is acting (``docs/tenancy.md``).

Each tenant table has the policy ``spor_tenant_isolation``: a row is visible (and may be
written) only when its ``municipality_id`` is one of the municipalities in the
transaction's setting ``spor.municipality_id`` (one id, or the ids of one programme's
participants, comma-separated). **The default is closed**: no setting, an empty one or
``0`` shows no rows. There is no value that means "all".

The database has two roles (``SPOR_OWNER_DATABASE_URL`` and ``SPOR_DATABASE_URL``): the
owner runs the migrations and owns every table and function; Spor's app role owns nothing,
is no superuser and has no BYPASSRLS, so it cannot switch row-level security off, truncate,
disable triggers, or change the access log. What must read across municipalities goes
through small owner-owned ``SECURITY DEFINER`` functions (:data:`LOOKUPS`) that answer one
keyed question each (which municipality a token hash belongs to, which municipalities take
part in a programme the person administers or evaluates) - never rows.

The owner itself is held by the policies too (``FORCE ROW LEVEL SECURITY``); it alone may
use the system switch ``spor.system = 'on'`` (the policy ``spor_owner_system`` is granted
to the owner role only): migrations, backups and the ``SECURITY DEFINER`` functions.

Nothing else in Spor calls ``set_config`` (``tests/test_conventions.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, migrations, transaction

SETTING = "spor.municipality_id"
USER_SETTING = "spor.user_id"
SYSTEM_SETTING = "spor.system"
NO_MUNICIPALITY = "0"
POLICY = "spor_tenant_isolation"
SYSTEM_POLICY = "spor_owner_system"
# The access log is never disposed of younger than this (docs/retention.md); the owner's
# disposal function holds it by the server's clock. spor.archive.models reads it from here.
ACCESS_LOG_FLOOR_MONTHS = 24

# The SQL of "this row's municipality is one of the set ones" (closed when unset).
TENANT_CONDITION = (
    f"municipality_id = ANY (string_to_array(nullif(current_setting('{SETTING}', true), ''),"
    " ',')::bigint[])"
)
# Memberships are also visible to the person they belong to (to find out who is acting).
MEMBERSHIP_CONDITION = (
    f"{TENANT_CONDITION} OR user_id = nullif(current_setting('{USER_SETTING}', true), '')::bigint"
)
SYSTEM_CONDITION = f"coalesce(current_setting('{SYSTEM_SETTING}', true), '') = 'on'"

# The owner's SECURITY DEFINER functions the app may call: name -> number of arguments.
LOOKUPS = {
    "spor_api_token_municipality": 1,  # token hash -> municipality
    "spor_measurement_request_municipality": 1,  # link token hash -> municipality
    "spor_survey_invitation_municipality": 1,  # survey link token hash -> municipality
    "spor_login_broker_municipalities": 0,  # municipalities with an active OIDC broker
    "spor_programme_municipalities": 2,  # (programme, user) -> participants, if allowed
}


# --------------------------------------------------------------------------- SQL


def enable_sql(table: str, condition: str = TENANT_CONDITION) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'CREATE POLICY {POLICY} ON "{table}" USING ({condition}) WITH CHECK ({condition})',
        f'DROP POLICY IF EXISTS {SYSTEM_POLICY} ON "{table}"',
        # CURRENT_USER: the role that runs the migrations, i.e. the owner.
        f'CREATE POLICY {SYSTEM_POLICY} ON "{table}" TO CURRENT_USER '
        f"USING ({SYSTEM_CONDITION}) WITH CHECK ({SYSTEM_CONDITION})",
    ]


def disable_sql(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS {SYSTEM_POLICY} ON "{table}"',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


class EnableTenantRLS(migrations.operations.base.Operation):
    """Migration operation: put the tenant policy on a model's table (PostgreSQL only)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _table(self, app_label: str, state: Any) -> str:
        return str(state.apps.get_model(app_label, self.model_name)._meta.db_table)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in enable_sql(self._table(app_label, to_state)):
                schema_editor.execute(sql)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in disable_sql(self._table(app_label, from_state)):
                schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rls_{self.model_name.lower()}"


# Owner-owned, SECURITY DEFINER, a fixed search_path. The owner's system switch is turned
# on for the query and back off (a function's SET clause may not name a custom setting for a
# role that is not a superuser on PostgreSQL 15).
_DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp"


def _lookup(signature: str, returns: str, query: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {signature} RETURNS SETOF {returns}
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
DECLARE
    previous text := coalesce(current_setting('spor.system', true), '');
BEGIN
    PERFORM set_config('spor.system', 'on', true);
    RETURN QUERY {query};
    PERFORM set_config('spor.system', previous, true);
END;
$fn$"""


_FUNCTIONS = {
    "spor_api_token_municipality(text)": _lookup(
        "spor_api_token_municipality(p_hash text)",
        "bigint",
        "SELECT municipality_id FROM api_apitoken WHERE token_hash = p_hash AND NOT revoked",
    ),
    "spor_measurement_request_municipality(text)": _lookup(
        "spor_measurement_request_municipality(p_hash text)",
        "bigint",
        "SELECT municipality_id FROM measurement_measurementrequest WHERE token_hash = p_hash",
    ),
    "spor_survey_invitation_municipality(text)": _lookup(
        "spor_survey_invitation_municipality(p_hash text)",
        "bigint",
        "SELECT municipality_id FROM survey_surveyinvitation WHERE token_hash = p_hash",
    ),
    "spor_login_broker_municipalities()": _lookup(
        "spor_login_broker_municipalities()",
        "bigint",
        "SELECT DISTINCT municipality_id FROM sso_oidcprovider WHERE active",
    ),
    "spor_programme_municipalities(bigint, bigint)": _lookup(
        "spor_programme_municipalities(p_programme bigint, p_user bigint)",
        "bigint",
        """SELECT p.municipality_id FROM programme_programmeparticipation p
    WHERE p.programme_id = p_programme
      AND (EXISTS (SELECT 1 FROM programme_programmeadmin a
                   WHERE a.programme_id = p_programme AND a.user_id = p_user)
           OR EXISTS (SELECT 1 FROM programme_programmeevaluator e
                      WHERE e.programme_id = p_programme AND e.user_id = p_user))""",
    ),
    "spor_access_log_dispose(bigint, timestamptz, boolean, bigint[])": """
CREATE OR REPLACE FUNCTION spor_access_log_dispose(
    p_municipality bigint, p_before timestamptz, p_anonymise boolean, p_keep_children bigint[]
) RETURNS bigint LANGUAGE plpgsql VOLATILE @DEFINER@ AS $fn$
DECLARE
    n bigint;
    before timestamptz;
    previous_system text := coalesce(current_setting('spor.system', true), '');
    previous_disposal text := coalesce(current_setting('spor.log_disposal', true), '');
BEGIN
    -- Only for the municipality the caller's transaction is set to (the retention job's).
    IF p_municipality IS NULL OR NOT (p_municipality::text = ANY (string_to_array(
            nullif(current_setting('spor.municipality_id', true), ''), ','))) THEN
        RAISE EXCEPTION 'spor_access_log_dispose: kommunen er ikke den, der arbejdes i'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- The floor (docs/retention.md): nothing younger than @FLOOR@ months by the server's
    -- clock, whatever cut-off the caller passes.
    before := least(p_before, now() - interval '@FLOOR@ months');
    PERFORM set_config('spor.system', 'on', true);
    PERFORM set_config('spor.log_disposal', 'on', true);
    IF p_anonymise THEN
        UPDATE audit_accesslogentry SET actor_id = NULL, actor_role = '', source = NULL
        WHERE municipality_id = p_municipality AND at < before
          AND (child_id IS NULL OR NOT (child_id = ANY (coalesce(p_keep_children, '{}'))))
          AND (actor_id IS NOT NULL OR actor_role <> '' OR source IS NOT NULL);
    ELSE
        DELETE FROM audit_accesslogentry
        WHERE municipality_id = p_municipality AND at < before
          AND (child_id IS NULL OR NOT (child_id = ANY (coalesce(p_keep_children, '{}'))));
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('spor.log_disposal', previous_disposal, true);
    PERFORM set_config('spor.system', previous_system, true);
    RETURN n;
END;
$fn$""",
}


def owner_functions() -> dict[str, str]:
    """The owner's functions (signature -> CREATE statement), made by ``spor.tenancy``'s
    migration 0002. Kept here, the one module that writes Spor's settings."""
    return {
        k: v.replace("@DEFINER@", _DEFINER).replace("@FLOOR@", str(ACCESS_LOG_FLOOR_MONTHS))
        for k, v in _FUNCTIONS.items()
    }


# --------------------------------------------------------------------------- the setting


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _value(municipalities: int | Iterable[int] | None) -> str:
    if municipalities is None:
        return NO_MUNICIPALITY
    if isinstance(municipalities, int):
        return str(int(municipalities))
    ids = sorted({int(m) for m in municipalities})
    return ",".join(str(m) for m in ids) or NO_MUNICIPALITY


def _role() -> str:
    """``settings.SPOR_DATABASE_SET_ROLE``: the test suite connects as the owner (to make its
    fixtures) and runs every request and command as the app role (set by
    ``tests/conftest.py`` only). In production Spor connects as the app role itself."""
    return str(getattr(settings, "SPOR_DATABASE_SET_ROLE", "") or "")


def _read() -> tuple[str, ...]:
    names = [SETTING, USER_SETTING, SYSTEM_SETTING] + (["role"] if _role() else [])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["coalesce(current_setting(%s, true), '')"] * len(names)),
            names,
        )
        row = cursor.fetchone()
    return tuple(str(v) for v in row)


def _write(
    municipality: str, user: str, system: str, role: str | None = None, *, local: bool = True
) -> None:
    pairs = [(SETTING, municipality), (USER_SETTING, user), (SYSTEM_SETTING, system)]
    if role is not None:
        pairs.append(("role", role))
    scope = "true" if local else "false"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join([f"set_config(%s, %s, {scope})"] * len(pairs)),
            [v for pair in pairs for v in pair],
        )


@contextmanager
def tenant(
    municipalities: int | Iterable[int] | None, *, user_id: int | None = None
) -> Iterator[None]:
    """The block sees only these municipalities' rows (and, with ``user_id``, that person's
    own memberships). In one transaction (a savepoint when nested); the previous setting is
    restored after. On SQLite only the transaction."""
    # The settings are the transaction's own (set_config's is_local), so the end of an
    # outermost transaction puts back what was there (nothing, or a job's session setting)
    # by itself; only a nested block restores the enclosing one's by hand. That spares a
    # request two of its statements.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if not _postgres():
            yield
            return
        previous = None if outermost else _read()
        role = _role() or None
        _write(_value(municipalities), "" if user_id is None else str(int(user_id)), "", role)
        try:
            yield
        finally:
            if (
                previous is not None
                and connection.connection is not None
                and not connection.needs_rollback
            ):
                _write(*previous)


@contextmanager
def job(municipality: int | None) -> Iterator[None]:
    """For a scheduled job or command working on one municipality outside a request: the
    connection sees that municipality until the block ends, across the transactions the
    job commits as it goes (a session setting, restored after). On SQLite nothing."""
    if not _postgres():
        yield
        return
    previous = _read()
    _write(_value(municipality), "", "", _role() or None, local=False)
    try:
        yield
    finally:
        if connection.connection is not None and not connection.needs_rollback:
            _write(*previous, local=False)


@contextmanager
def system() -> Iterator[None]:
    """The owner's system switch, for the block, on this connection (a session setting):
    migrations, the demo generator. It shows every row to the **owner role only** (the
    policy ``spor_owner_system`` is granted to the role that ran the migrations); for the app
    role of a two-role database it changes nothing. Use it on :func:`owner_connection`."""
    if not _postgres():
        yield
        return
    previous = _read()
    _write("", "", "on", "none" if _role() else None, local=False)
    try:
        yield
    finally:
        if connection.connection is not None and not connection.needs_rollback:
            _write(*previous, local=False)


@contextmanager
def owner_connection() -> Iterator[None]:
    """The block runs on the owner's connection (``SPOR_OWNER_DATABASE_URL``) instead of the
    app role's: ``migrate`` and the demo generator. With one role only, as it is."""
    owner = getattr(settings, "SPOR_OWNER_DATABASE", None)
    keys = ("USER", "PASSWORD", "HOST", "PORT")
    if (
        not owner
        or not _postgres()
        or all(connection.settings_dict.get(k) == owner.get(k) for k in keys)
    ):
        yield
        return
    saved = {k: connection.settings_dict.get(k) for k in keys}
    connection.close()
    connection.settings_dict.update({k: owner.get(k) for k in keys})
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def each_municipality() -> list[int | None]:
    """The municipalities a scheduled job goes through one at a time, each in its own
    :func:`job`; on SQLite (no walls) one pass over everything (``[None]``)."""
    if not _postgres():
        return [None]
    from spor.tenancy.models import Municipality

    return list(Municipality.objects.order_by("pk").values_list("pk", flat=True))


def switch(municipality: int | None, *, user_id: int | None = None) -> None:
    """Set the municipality for the rest of the current transaction (the request's, opened
    by :func:`tenant` in the middleware): after a token look-up, the token's municipality."""
    if not _postgres():
        return
    if not connection.in_atomic_block:  # pragma: no cover - a programming error
        raise RuntimeError("rls.switch must run inside a transaction")
    _write(_value(municipality), "" if user_id is None else str(int(user_id)), "")


def lookup(function: str, *args: Any) -> list[int]:
    """Ask one of the owner's ``SECURITY DEFINER`` functions (:data:`LOOKUPS`) a keyed
    question; the answer is municipality ids. Not on SQLite (no walls there): callers
    query the table themselves."""
    if function not in LOOKUPS or LOOKUPS[function] != len(args):
        raise ValueError(function)
    placeholders = ", ".join(["%s"] * len(args))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {function}({placeholders})", list(args))  # noqa: S608
        return [int(r[0]) for r in cursor.fetchall() if r[0] is not None]


def enter_by_key(function: str, key: str) -> bool:
    """Set, for the rest of the current transaction, the municipality that one of the
    owner's functions (:data:`LOOKUPS`, one argument) names for a secret's hash (a one-time
    link's, an API token's), or none; True if it named one. On SQLite (no walls) True: the
    caller's own query then decides."""
    if not _postgres():
        return True
    found = lookup(function, key)
    switch(found[0] if found else None)
    return bool(found)


def postgres() -> bool:
    """Whether the walls are the database's too (PostgreSQL), so reads across
    municipalities must go through :func:`lookup`."""
    return _postgres()
