"""One-time link tokens never reach a log: gunicorn's access log (with the shipped
deploy/gunicorn.conf.py) and Django's request log both write ``/svar/…/``."""

from __future__ import annotations

import datetime as dt
import io
import logging
import runpy
from pathlib import Path
from typing import Any

from django.test import Client
from gunicorn.config import Config
from gunicorn.util import import_app  # noqa: F401 (gunicorn is importable here)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Qm9va2VkLXRva2VuLWZvci1hLXBhcmVudC0xMjM0NTY"  # 43 URL-safe characters


def _gunicorn_logger(log_file: Path) -> Any:
    conf = runpy.run_path(str(ROOT / "deploy/gunicorn.conf.py"))
    cfg = Config()
    for name in ("access_log_format", "logger_class"):
        cfg.set(name, conf[name])
    cfg.set("accesslog", str(log_file))
    return cfg.logger_class(cfg)


class _Response:
    status = "404 Not Found"
    status_code = 404
    sent = 120
    response_length = 120
    headers: list[tuple[str, str]] = []


class _Request:
    headers: list[tuple[str, str]] = []


def test_gunicorns_access_log_writes_no_link_token(tmp_path: Path) -> None:
    log_file = tmp_path / "access.log"
    logger = _gunicorn_logger(log_file)
    for path in (f"/svar/{TOKEN}/", f"/organisation/svar/{TOKEN}/", "/svar/tak/"):
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "RAW_URI": path,
            "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "10.0.0.7",
        }
        logger.access(_Response(), _Request(), environ, dt.timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    text = log_file.read_text()
    assert TOKEN not in text
    assert '"GET /svar/…/" 404' in text and '"GET /organisation/svar/…/" 404' in text
    assert '"GET /svar/tak/" 404' in text  # what is not a token stays readable


def test_djangos_request_log_writes_no_link_token(world: object) -> None:
    # The console handler of LOGGING (spor/settings.py), with its filters, as in production.
    console = next(h for h in logging.getLogger("django").handlers if h.filters)
    stream = io.StringIO()
    assert isinstance(console, logging.StreamHandler)
    previous = console.setStream(stream)
    try:
        client = Client()
        assert client.get(f"/svar/{TOKEN}/").status_code == 404
        assert client.get(f"/organisation/svar/{TOKEN}/").status_code == 404
    finally:
        console.setStream(previous)
    text = stream.getvalue()
    assert TOKEN not in text
    assert "/svar/…/" in text
