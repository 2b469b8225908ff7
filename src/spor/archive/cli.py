"""``spor backup FILE`` and ``spor restore FILE [--replace]`` (docs/backup.md)."""

from __future__ import annotations

import os
from pathlib import Path

import click


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
    import django

    django.setup()


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Sikkerhedskopiér databasen til FILE (SQLite: online backup; PostgreSQL: pg_dump -Fc).

    Nøglerne (SPOR_CPR_KEYS, SPOR_CPR_HMAC_KEY, SECRET_KEY) er ikke i kopien: tag kopi af
    dem for sig."""
    _setup()
    from spor.archive import backup as b

    try:
        db = b.backup(file)
    except b.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    kind = "SQLite" if db.vendor == "sqlite" else "PostgreSQL"
    click.echo(f"Sikkerhedskopi af {kind}-databasen skrevet til {file}.")
    click.echo(
        "Husk: nøglerne (SPOR_CPR_KEYS, SPOR_CPR_HMAC_KEY, SECRET_KEY) er ikke i kopien. "
        "Opbevar dem for sig (docs/backup.md)."
    )


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Erstat indholdet af en database, der ikke er tom.")
def restore(file: Path, replace: bool) -> None:
    """Gendan databasen fra sikkerhedskopien FILE."""
    _setup()
    from django.db import connections

    from spor.archive import backup as b

    connections.close_all()
    try:
        warnings = b.restore(file, replace=replace)
    except b.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Databasen er gendannet fra {file}.")
    for warning in warnings:
        click.echo(warning, err=True)
