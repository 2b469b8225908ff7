"""Views that fail the way a broken database or a full disk makes Spor fail, with Spor's own
error handler: the error page must say which it is, in Danish, without a stack trace."""

import errno
import sqlite3

from django.db import utils as db_utils
from django.http import HttpRequest, HttpResponse
from django.urls import path


def db_down(request: HttpRequest) -> HttpResponse:
    try:
        raise OSError(111, "Connection refused")
    except OSError as exc:
        raise db_utils.OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
            "Connection refused"
        ) from exc


def sqlite_full(request: HttpRequest) -> HttpResponse:
    try:
        raise sqlite3.OperationalError("database or disk is full")
    except sqlite3.OperationalError as exc:
        raise db_utils.OperationalError("database or disk is full") from exc


def no_space(request: HttpRequest) -> HttpResponse:
    raise OSError(errno.ENOSPC, "No space left on device")


def plain_bug(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("Traceback: something internal")


urlpatterns = [
    path("db/", db_down),
    path("fuld/", sqlite_full),
    path("plads/", no_space),
    path("fejl/", plain_bug),
]
handler500 = "spor.ops.views.server_error"
