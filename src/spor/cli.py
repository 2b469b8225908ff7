"""The ``spor`` command line.

Sub-commands that need no database (``spor sdq …``) import no Django; the rest go through
Django's management commands (``spor manage …``) so that they share the web app's settings.
Each sub-command group is imported only when it is called (or listed by ``--help``): ``spor
sdq score`` does not pay for the archive's commands, nor ``spor manage`` for NumPy and
PyArrow (a command's start is part of its time: ``benchmarks/sdq_cli_bench.py``).
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Any

import click

_GROUP_ENVIRONMENT = {"sdq": {"OPENBLAS_NUM_THREADS": "1"}}
"""Environment set (unless already set) before a group's module is imported. ``spor sdq``:
NumPy's OpenBLAS starts a thread per core when NumPy is imported, and those threads spin
before they sleep, which took ~0.025 s of CPU of ``spor sdq score``'s ~0.22 s start on two
cores (``blas_thread_server`` under ``perf``). Nothing the group does uses a multi-threaded
BLAS (no matrix products: the engine and the statistics work element-wise). Read by OpenBLAS
when NumPy loads it, hence here, before the group's module imports NumPy."""

_FROZEN_IMPORTS = {"sdq"}
"""Groups whose import (NumPy, PyArrow) is most of a short command's CPU: in a fresh process
the cyclic garbage collector is off while it runs, and what it made is then frozen (kept out of
every later collection) before the collector is turned on again. The import makes some 10^5
objects, none of them garbage, and the collector went through them again and again (~0.04 s of
``spor sdq score``'s ~0.35 s of CPU at start, and again in each full collection while it
scores)."""


class _LazyGroup(click.Group):
    """A group whose sub-commands named in ``lazy`` (name → ``module:attribute``) are
    imported when first asked for."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy and cmd_name not in self.commands:
            module, _, attr = self._lazy[cmd_name].partition(":")
            fresh = "numpy" not in sys.modules  # once loaded, OpenBLAS has its threads
            if fresh:
                for key, value in _GROUP_ENVIRONMENT.get(cmd_name, {}).items():
                    os.environ.setdefault(key, value)
            freeze = fresh and cmd_name in _FROZEN_IMPORTS and gc.isenabled()
            if freeze:
                gc.disable()
            try:
                command = getattr(importlib.import_module(module), attr)
            except ImportError:  # pragma: no cover - the SDQ engine is part of every install
                return None
            finally:
                if freeze:
                    gc.freeze()
                    gc.enable()
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup,
    lazy={
        "sdq": "spor.sdq.cli:sdq",
        "backup": "spor.archive.cli:backup",
        "restore": "spor.archive.cli:restore",
    },
)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
