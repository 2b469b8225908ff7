"""The ``spor`` command line.

Sub-commands that need no database (``spor sdq …``) import no Django; the rest go through
Django's management commands (``spor manage …``) so that they share the web app's settings.
"""

from __future__ import annotations

import os
import sys

import click


@click.group()
@click.version_option(package_name="spor")
def main() -> None:
    """Spor: opsporing, bekymring, forløb, måling og evaluering for PPR."""


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (migrate, spor_demo, spor_import, …)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["spor manage", *args])


def _register_optional_groups() -> None:
    try:
        from spor.sdq.cli import sdq
    except ImportError:  # pragma: no cover - the SDQ engine is part of every install
        return
    main.add_command(sdq)
    from spor.archive.cli import backup, restore

    main.add_command(backup)
    main.add_command(restore)


_register_optional_groups()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
