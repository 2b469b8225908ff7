"""Two database roles (docs/tenancy.md): the tenant policies become closed by default (no
municipality set: no rows) and gain the owner's system policy; memberships get row-level
security; the access log's append-only trigger no longer yields to a setting anyone may
set; and the owner's ``SECURITY DEFINER`` functions answer the few keyed questions that
must look across municipalities. The app role's privileges are granted after every
``migrate`` (``spor.tenancy.grants``)."""

from typing import Any

from django.db import migrations

from spor.tenancy import rls

REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION spor_refuse_change() RETURNS trigger AS $$
BEGIN
    -- Only the owner's disposal function (spor_access_log_dispose) gets past: it runs as
    -- the table's owner with spor.log_disposal = 'on'. The app role has no UPDATE or
    -- DELETE privilege on the log at all.
    IF TG_TABLE_NAME = 'audit_accesslogentry'
       AND coalesce(current_setting('spor.log_disposal', true), '') = 'on'
       AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
    THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'Adgangsloggen er kun til tilføjelse: ' || TG_OP || ' er ikke tilladt',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# As spor.archive's migration 0002 left it.
REFUSE_CHANGE_BEFORE = """
CREATE OR REPLACE FUNCTION spor_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'audit_accesslogentry'
       AND coalesce(current_setting('spor.retention', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'Adgangsloggen er kun til tilføjelse: ' || TG_OP || ' er ikke tilladt',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_policies WHERE policyname = %s", [rls.POLICY])
        tables = sorted({row[0] for row in cursor.fetchall()})
    for table in tables:
        for sql in rls.enable_sql(table):
            schema_editor.execute(sql)
    for sql in rls.enable_sql("accounts_membership", rls.MEMBERSHIP_CONDITION):
        schema_editor.execute(sql)
    schema_editor.execute(REFUSE_CHANGE)
    for signature, sql in rls.owner_functions().items():
        schema_editor.execute(sql)
        schema_editor.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for signature in rls.owner_functions():
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {signature}")
    schema_editor.execute(REFUSE_CHANGE_BEFORE)
    for sql in rls.disable_sql("accounts_membership"):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0001_initial"),
        ("accounts", "0002_row_level_security"),
        ("api", "0001_api_tokens"),
        ("archive", "0002_row_level_security_and_retention_path"),
        ("audit", "0002_append_only_and_row_level_security"),
        ("cases", "0003_case_kle_number"),
        ("concerns", "0002_row_level_security"),
        ("economics", "0002_row_level_security"),
        ("evaluation_web", "0002_row_level_security"),
        ("measurement", "0002_row_level_security"),
        ("notifications", "0002_row_level_security"),
        ("orgsync", "0002_row_level_security"),
        ("programme", "0004_programme_evaluator"),
        ("registry", "0002_row_level_security"),
        ("screening", "0002_row_level_security"),
        ("sso", "0002_row_level_security"),
        ("survey", "0002_row_level_security"),
    ]

    operations = [migrations.RunPython(forward, backward)]
