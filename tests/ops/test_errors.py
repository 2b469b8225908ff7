"""A database that cannot be reached or a full disk gives a clear Danish page, not a stack
trace; any other error the ordinary one. (tests/ops/test_faults.py does it for real.)"""

from __future__ import annotations

import errno
import sqlite3
from unittest import mock

import pytest
from django.db import OperationalError
from django.db import utils as db_utils
from django.test import Client, override_settings

from spor.ops.errors import Fault, classify


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.django_db  # on PostgreSQL the tenancy middleware opens a transaction first
@override_settings(ROOT_URLCONF="tests.ops.urls_faults", DEBUG=False)
@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/db/", 503, "Spor kan ikke få forbindelse til databasen"),
        ("/fuld/", 503, "serverens disk er fuld"),
        ("/plads/", 503, "serverens disk er fuld"),
        ("/fejl/", 500, "Der skete en fejl"),
    ],
)
def test_each_kind_of_failure_gets_its_own_danish_page(
    client: Client, url: str, status: int, says: str
) -> None:
    response = client.get(url)
    assert response.status_code == status
    page = response.content.decode()
    assert says in page
    assert '<html lang="da">' in page
    assert "Traceback" not in page and "OperationalError" not in page
    if status == 503:
        assert "Alt, hvad du gemte før, er stadig gemt" in page
        assert response["Retry-After"] == "30"


def test_postgresql_error_codes_are_recognised() -> None:
    class PgError(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    def wrapped(inner: BaseException) -> BaseException:
        try:
            raise inner
        except BaseException as e:
            try:
                raise db_utils.OperationalError("x") from e
            except db_utils.OperationalError as outer:
                return outer

    assert classify(wrapped(PgError("53100"))) is Fault.DISK_FULL
    assert classify(wrapped(PgError("08006"))) is Fault.DATABASE_UNAVAILABLE
    assert classify(wrapped(PgError("57P01"))) is Fault.DATABASE_UNAVAILABLE
    assert classify(wrapped(PgError("23505"))) is Fault.OTHER  # a unique violation is a bug


def test_sqlite_and_os_errors_are_recognised() -> None:
    assert classify(OSError(errno.ENOSPC, "No space left on device")) is Fault.DISK_FULL
    assert classify(sqlite3.OperationalError("database or disk is full")) is Fault.DISK_FULL
    assert (
        classify(db_utils.OperationalError("unable to open database file"))
        is Fault.DATABASE_UNAVAILABLE
    )
    assert classify(db_utils.OperationalError("no such table: x")) is Fault.OTHER
    assert classify(ValueError("x")) is Fault.OTHER
    assert classify(None) is Fault.OTHER


@pytest.mark.django_db
def test_health_says_whether_the_database_answers(client: Client) -> None:
    ok = client.get("/drift/health/")
    assert ok.status_code == 200
    assert ok.json() == {"status": "ok", "database": "ok"}
    with mock.patch(
        "spor.ops.views._ask_database", side_effect=OperationalError("connection refused")
    ):
        down = client.get("/drift/health/")
    assert down.status_code == 503
    assert down.json() == {"status": "fejl", "database": "nede"}


@pytest.mark.django_db
def test_ping_answers_ok_without_a_login(client: Client) -> None:
    response = client.get("/drift/ping/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]
