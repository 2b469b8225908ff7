"""gunicorn's logger for Spor (``logger_class`` in deploy/gunicorn.conf.py): the access log
writes one-time link tokens as ``…`` (spor.lib.redact), in the path and the request line
alike, and the error log redacts them and CPR-like numbers."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from spor.cpr import redact
from spor.lib.redact import redact_tokens

# The atoms that hold the request's path: %(U)s, %(r)s, and the raw URI.
_PATH_ATOMS = ("U", "r", "q")


class RedactingLogger(Logger):  # type: ignore[misc]  # gunicorn ships no types
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in _PATH_ATOMS:
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(redact_tokens(atoms[key]))
        return atoms

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().error(redact(redact_tokens(str(msg))), *args, **kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().warning(redact(redact_tokens(str(msg))), *args, **kwargs)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().exception(redact(redact_tokens(str(msg))), *args, **kwargs)
