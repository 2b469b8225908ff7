"""Back up and restore Spor's database: SQLite through its online backup API, PostgreSQL
through ``pg_dump -Fc`` / ``pg_restore`` (docs/backup.md).

The encryption keys are kept apart from the data: ``SPOR_CPR_KEYS``, ``SPOR_CPR_HMAC_KEY``
and ``SECRET_KEY`` live in the environment, never in the database, so a backup never holds
them and they must be backed up separately. After a restore, :func:`check_keys` tells
whether the current keys can read the restored CPR numbers.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"

MSG_UNKNOWN_ENGINE = "Spor kan kun sikkerhedskopiere SQLite og PostgreSQL, ikke {engine}."
MSG_NOT_A_BACKUP = "Filen er ikke en sikkerhedskopi af en {kind}-database fra Spor: {path}"
MSG_MISSING = "Filen findes ikke: {path}"
MSG_NOT_EMPTY = (
    "Databasen, der skal gendannes til, er ikke tom ({tables} tabeller). Brug --replace for "
    "at erstatte dens indhold med sikkerhedskopien."
)
MSG_NO_BINARY = (
    "Fandt ikke {name}. Installér PostgreSQL-klientværktøjerne, eller sæt SPOR_PG_BIN til "
    "mappen med {name}."
)
MSG_TOOL_FAILED = "{name} fejlede (kode {code}): {detail}"
MSG_TOOL_TOO_OLD = (
    "{name} er version {tool}, men databasen er PostgreSQL {server}: {name} skal være mindst "
    "samme version som serveren. Installér postgresql-client-{server} (fra PostgreSQL's "
    "apt-arkiv, apt.postgresql.org), eller sæt SPOR_PG_BIN til mappen med den nyere {name}."
)
MSG_KEYS_WRONG = (
    "ADVARSEL: De nuværende SPOR_CPR_KEYS kan ikke dekryptere CPR-numrene i den gendannede "
    "database. Sæt de nøgler, der gjaldt, da sikkerhedskopien blev taget (de opbevares adskilt "
    "fra data, se docs/backup.md)."
)
MSG_HMAC_WRONG = (
    "ADVARSEL: SPOR_CPR_HMAC_KEY passer ikke til den gendannede database: børn kan ikke "
    "findes ved CPR-nummer. Sæt den nøgle, der gjaldt, da sikkerhedskopien blev taget."
)


class BackupError(Exception):
    """A backup or restore that could not be done; the message is Danish and holds no
    password."""


@dataclass(frozen=True)
class Database:
    """Where a database is: Django's ``settings_dict`` reduced to what the tools need."""

    vendor: str  # "sqlite" or "postgresql"
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> Database:
        engine = str(settings_dict.get("ENGINE", ""))
        if engine.endswith("sqlite3"):
            return cls("sqlite", str(settings_dict["NAME"]))
        if "postgresql" in engine:
            return cls(
                "postgresql",
                str(settings_dict["NAME"]),
                str(settings_dict.get("HOST") or ""),
                str(settings_dict.get("PORT") or ""),
                str(settings_dict.get("USER") or ""),
                str(settings_dict.get("PASSWORD") or ""),
            )
        raise BackupError(MSG_UNKNOWN_ENGINE.format(engine=engine))

    def pg_args(self) -> list[str]:
        args = []
        if self.host:
            args += ["-h", self.host]
        if self.port:
            args += ["-p", self.port]
        if self.user:
            args += ["-U", self.user]
        return args

    def pg_env(self) -> dict[str, str]:
        # The password goes through the environment, never on the command line (ps shows it).
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        # The owner's system switch: the policies show the owner every row (docs/tenancy.md).
        env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " " + SYSTEM_OPTION).strip()
        return env

    def connect(self) -> Any:
        """A plain DB-API connection (not Django's), for checks after a restore."""
        if self.vendor == "sqlite":
            return sqlite3.connect(self.name)
        import psycopg

        return psycopg.connect(
            dbname=self.name,
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
            options=SYSTEM_OPTION,
        )


SYSTEM_OPTION = "-c spor.system=on"


def current_database() -> Database:
    """Spor's database, as its owner (``SPOR_OWNER_DATABASE_URL``) when there are two roles:
    the app role may not read every municipality, nor restore tables."""
    from django.conf import settings
    from django.db import connections

    found = dict(connections["default"].settings_dict)
    owner = getattr(settings, "SPOR_OWNER_DATABASE", None)
    if owner:
        found.update({k: owner.get(k) for k in ("USER", "PASSWORD", "HOST", "PORT")})
    return Database.from_settings(found)


def pg_binary(name: str) -> str:
    """``pg_dump``/``pg_restore``: from SPOR_PG_BIN, PATH, or the newest
    /usr/lib/postgresql/*/bin."""
    folder = os.environ.get("SPOR_PG_BIN")
    if folder and (Path(folder) / name).exists():
        return str(Path(folder) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    raise BackupError(MSG_NO_BINARY.format(name=name))


def _tool_major(binary: str) -> int | None:
    """The major version ``pg_dump --version`` reports ("pg_dump (PostgreSQL) 17.2" → 17)."""
    result = subprocess.run(  # noqa: S603 (our own pg_dump/pg_restore, fixed argument)
        [binary, "--version"], capture_output=True, text=True, check=False
    )
    match = re.search(r"\(PostgreSQL\) (\d+)", result.stdout)
    return int(match.group(1)) if match else None


def _server_major(db: Database) -> int:
    with db.connect() as conn:
        return int(conn.info.server_version) // 10000


def _check_tool_version(binary: str, db: Database) -> None:
    """pg_dump refuses a server newer than itself, in English and after connecting; say it
    first, in Danish, with what to install (the container image carries the server's
    version: Dockerfile, PG_MAJOR)."""
    tool, server = _tool_major(binary), _server_major(db)
    if tool is not None and tool < server:
        raise BackupError(MSG_TOOL_TOO_OLD.format(name=Path(binary).name, tool=tool, server=server))


def _run(cmd: list[str], env: dict[str, str]) -> None:
    # The command is pg_dump/pg_restore with Spor's own settings as arguments, no shell.
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(
            MSG_TOOL_FAILED.format(
                name=Path(cmd[0]).name, code=result.returncode, detail=" ".join(detail[-3:])
            )
        )


# --------------------------------------------------------------------------- backup


def backup(path: Path, db: Database | None = None) -> Database:
    """Write a consistent copy of the database to ``path`` (replaced only when complete)."""
    db = db or current_database()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".spor-backup-", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if db.vendor == "sqlite":
            _sqlite_copy(Path(db.name), tmp, source_read_only=True)
        else:
            pg_dump = pg_binary("pg_dump")
            _check_tool_version(pg_dump, db)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    # The owner is bound by row-level security too (FORCE); its system
                    # switch (PGOPTIONS, pg_env) shows it every row (docs/tenancy.md).
                    "--enable-row-security",
                    *db.pg_args(),
                    "--file",
                    str(tmp),
                    db.name,
                ],
                db.pg_env(),
            )
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return db


def _sqlite_copy(source: Path, target: Path, *, source_read_only: bool) -> None:
    uri = f"file:{source}?mode=ro" if source_read_only else f"file:{source}"
    src = sqlite3.connect(uri, uri=True)
    dst = sqlite3.connect(str(target))
    try:
        # The online backup API: a consistent snapshot while the web app keeps writing.
        src.backup(dst)
    finally:
        dst.close()
        src.close()


# --------------------------------------------------------------------------- restore


def _kind(path: Path) -> str:
    if not path.exists():
        raise BackupError(MSG_MISSING.format(path=path))
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return "unknown"


def table_count(db: Database) -> int:
    conn = db.connect()
    try:
        cur = conn.cursor()
        if db.vendor == "sqlite":
            cur.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        else:
            cur.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            )
        return int(cur.fetchone()[0])
    finally:
        conn.close()


def restore(path: Path, db: Database | None = None, *, replace: bool = False) -> list[str]:
    """Restore the backup at ``path`` into the database (empty, or ``replace``). Returns
    warnings (Danish), e.g. that the current keys cannot read the restored CPR numbers."""
    db = db or current_database()
    path = Path(path)
    kind = _kind(path)
    if kind != db.vendor:
        label = "SQLite" if db.vendor == "sqlite" else "PostgreSQL"
        raise BackupError(MSG_NOT_A_BACKUP.format(kind=label, path=path))
    if db.vendor == "sqlite" and not Path(db.name).exists():
        Path(db.name).parent.mkdir(parents=True, exist_ok=True)
    tables = table_count(db)
    if tables and not replace:
        raise BackupError(MSG_NOT_EMPTY.format(tables=tables))
    if db.vendor == "sqlite":
        check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            check.close()
        if not ok:
            raise BackupError(MSG_NOT_A_BACKUP.format(kind="SQLite", path=path))
        _sqlite_copy(path, Path(db.name), source_read_only=True)
    else:
        pg_restore = pg_binary("pg_restore")
        _check_tool_version(pg_restore, db)
        _run(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--enable-row-security",
                "--exit-on-error",
                "--single-transaction",
                *(["--clean", "--if-exists"] if replace and tables else []),
                *db.pg_args(),
                "--dbname",
                db.name,
                str(path),
            ],
            db.pg_env(),
        )
        _grant_app_role(db)
    return check_keys(db)


def _grant_app_role(db: Database) -> None:
    """The restore leaves out privileges (another cluster's roles); grant the app role its
    own again, as ``migrate`` does (``spor.tenancy.grants``)."""
    from spor.tenancy import grants

    role = grants.app_role()
    if not role:
        return
    conn = db.connect()
    try:
        with conn.cursor() as cursor:
            grants.apply(cursor, role)
        conn.commit()
    finally:
        conn.close()


def check_keys(db: Database) -> list[str]:
    """Whether the current CPR keys read a sample of the database's CPR numbers."""
    from cryptography.fernet import InvalidToken

    from spor.registry import cpr_vault

    conn = db.connect()
    try:
        cur = conn.cursor()
        try:
            cur.execute("SELECT cpr_encrypted, cpr_hash FROM registry_child ORDER BY id LIMIT 5")
        except Exception:  # no such table: an empty or foreign database has no CPR to check
            return []
        sample = cur.fetchall()
    finally:
        conn.close()
    warnings: list[str] = []
    for encrypted, lookup in sample:
        try:
            digits = cpr_vault.decrypt(encrypted)
        except (InvalidToken, ValueError):
            return [MSG_KEYS_WRONG]
        if cpr_vault.lookup_hash(digits) != lookup and MSG_HMAC_WRONG not in warnings:
            warnings.append(MSG_HMAC_WRONG)
    return warnings
