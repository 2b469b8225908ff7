"""``spor backup`` / ``spor restore`` as an operator runs them, on the database the suite runs
on (SQLite or PostgreSQL): a populated database is backed up, restored into an empty one
and every table compared row by row; the keys are not in the backup, and a restore with
other keys warns."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from spor.archive.backup import Database, current_database, pg_binary
from spor.audit.models import AccessLogEntry
from tests.archive.helpers import closed_case
from tests.conftest import ALL_CPR, World, cpr_forms

pytestmark = pytest.mark.django_db(transaction=True)

SRC = Path(__file__).resolve().parents[2] / "src"


def url(db: Database) -> str:
    if db.vendor == "sqlite":
        return f"sqlite:///{db.name}"
    host = f"{db.host}:{db.port}" if db.port else db.host
    return f"postgres://{db.user}:{db.password}@{host}/{db.name}"


def spor(db: Database, *args: str, **env_changes: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(SPOR_DATABASE_URL=url(db), PYTHONPATH=str(SRC), **env_changes)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "spor.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def empty_target(tmp_path: Path) -> Iterator[Database]:
    """An empty database of the suite's kind; on PostgreSQL a new one, made by the spor role
    (CREATEDB) and dropped afterwards."""
    source = current_database()
    if source.vendor == "sqlite":
        yield Database("sqlite", str(tmp_path / "restored.sqlite3"))
        return
    import psycopg

    name = f"spor_restore_{uuid.uuid4().hex[:10]}"
    target = Database("postgresql", name, source.host, source.port, source.user, source.password)
    admin = psycopg.connect(
        dbname=source.name,
        host=source.host or None,
        port=source.port or None,
        user=source.user or None,
        password=source.password or None,
        autocommit=True,
    )
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield target
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def tables(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, in a fixed order."""
    conn = db.connect()
    try:
        cur = conn.cursor()
        if db.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        else:
            cur.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        names = [row[0] for row in cur.fetchall()]
        out: dict[str, list[tuple[object, ...]]] = {}
        for name in names:
            cur.execute(f'SELECT * FROM "{name}"')  # noqa: S608 - names from the catalogue
            out[name] = sorted((tuple(row) for row in cur.fetchall()), key=repr)
        return out
    finally:
        conn.close()


def populated(world: World) -> None:
    closed_case(world, world.child_a2, kle_number="17.13.00")
    closed_case(world, world.child_a3)
    AccessLogEntry.objects.create(
        municipality=world.a,
        actor=world.ppr_a,
        actor_role="PPR-medarbejder",
        child=world.child_a1,
        action="vis",
        purpose="sagsbehandling",
        what="Barnets side",
    )


def backup_text(db: Database, path: Path) -> str:
    """The backup as text, to look for what must not be in it."""
    if db.vendor == "sqlite":
        return path.read_bytes().decode("latin-1")
    env = dict(os.environ, PGPASSWORD=db.password)
    listing = subprocess.run(
        [pg_binary("pg_restore"), "--file", "-", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return listing.stdout


def test_a_backup_restored_into_an_empty_database_has_every_row_of_every_table(
    world: World, empty_target: Database, tmp_path: Path
) -> None:
    populated(world)
    connection.close()  # everything is committed; the tools read it from outside
    source = current_database()
    path = tmp_path / "spor.backup"

    done = spor(source, "backup", str(path))
    assert done.returncode == 0, done.stderr
    assert "Sikkerhedskopi af" in done.stdout and "nøglerne" in done.stdout

    # The keys are kept apart: none of them is in the backup, nor a CPR number in clear.
    text = backup_text(source, path)
    assert "registry_child" in text  # the check reads the right thing
    for secret in (settings.SECRET_KEY, settings.SPOR_CPR_HMAC_KEY, *settings.SPOR_CPR_KEYS):
        assert secret not in text
    for value in ALL_CPR:
        for form in cpr_forms(value):
            assert form not in text

    restored = spor(empty_target, "restore", str(path))
    assert restored.returncode == 0, restored.stderr
    assert "Databasen er gendannet" in restored.stdout
    assert "ADVARSEL" not in restored.stderr  # the same keys read the restored CPR numbers

    before, after = tables(source), tables(empty_target)
    assert set(after) == set(before)
    assert before["registry_child"] and before["cases_case"] and before["audit_accesslogentry"]
    for name, rows in before.items():
        assert after[name] == rows, f"table {name} differs after restore"


def test_restore_warns_about_other_keys_and_replaces_only_when_told(
    world: World, empty_target: Database, tmp_path: Path
) -> None:
    connection.close()
    source = current_database()
    path = tmp_path / "spor.backup"
    assert spor(source, "backup", str(path)).returncode == 0

    other_key = Fernet.generate_key().decode()
    restored = spor(empty_target, "restore", str(path), SPOR_CPR_KEYS=other_key)
    assert restored.returncode == 0
    assert "ADVARSEL: De nuværende SPOR_CPR_KEYS kan ikke dekryptere" in restored.stderr

    again = spor(empty_target, "restore", str(path))
    assert again.returncode != 0
    assert "er ikke tom" in again.stderr and "--replace" in again.stderr

    replaced = spor(empty_target, "restore", "--replace", str(path))
    assert replaced.returncode == 0, replaced.stderr
    assert "ADVARSEL" not in replaced.stderr
    assert tables(empty_target) == tables(source)


def test_restore_refuses_a_file_that_is_not_a_backup(
    empty_target: Database, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_text("ikke en sikkerhedskopi")
    done = spor(empty_target, "restore", str(junk))
    assert done.returncode != 0
    assert "er ikke en sikkerhedskopi" in done.stderr


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_pg_dump_older_than_the_server_is_refused_in_danish_before_it_runs(
    world: World, tmp_path: Path
) -> None:
    """pg_dump cannot dump a newer server (the container once had 15 against 17): `spor backup`
    says so, with what to install, and writes nothing."""
    server = connection.pg_version // 10000  # type: ignore[attr-defined]
    tools = tmp_path / "old-client"
    tools.mkdir()
    ran = tmp_path / "ran"
    for name in ("pg_dump", "pg_restore"):
        fake = tools / name
        fake.write_text(
            f'#!/bin/sh\n[ "$1" = --version ] && echo "{name} (PostgreSQL) {server - 1}.4"'
            f" && exit 0\ntouch {ran}\nexit 1\n"
        )
        fake.chmod(0o755)
    target = tmp_path / "spor.backup"
    done = spor(current_database(), "backup", str(target), SPOR_PG_BIN=str(tools))
    assert done.returncode != 0
    assert f"pg_dump er version {server - 1}, men databasen er PostgreSQL {server}" in done.stderr
    assert f"postgresql-client-{server}" in done.stderr
    assert not target.exists() and not ran.exists()
    assert not list(tmp_path.glob(".spor-backup-*"))
