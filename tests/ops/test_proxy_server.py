"""Through a real gunicorn started with deploy/gunicorn.conf.py, as in production: the limit
on wrong one-time links is one limit for all workers when the cache is Redis
(``SPOR_CACHE_URL``), the client's address comes from X-Forwarded-For only when the
connection comes from the trusted proxy, and so does the HTTPS header.

The loopback network has more addresses than 127.0.0.1: the trusted "proxy" connects from
127.0.0.1, an untrusted client from 127.0.0.2.

Nothing here depends on speed. Which worker answers is decided, not hoped for: a sync
worker that has accepted a connection serves nothing else until the request on it is
complete, so a request left unfinished pins one worker while the other answers the rest.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from spor.lib.links import new_token

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
CONF = ROOT / "deploy" / "gunicorn.conf.py"  # the production configuration, as shipped
PROXY = "127.0.0.1"
STRANGER = "127.0.0.2"  # also loopback, but not a trusted proxy
LIMIT = 10
# Redis database 1 by default (the developers' convention); CI names its own server.
REDIS_URL = os.environ.get("SPOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request_bytes(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n").encode()


def _answer(conn: socket.socket) -> tuple[int, dict[str, str]]:
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    conn.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return int(head[0].split()[1]), {k.lower(): v for k, v in fields.items()}


def _open(port: int, source: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=300, source_address=(source, 0))


def get(port: int, path: str, *, source: str = PROXY, **headers: str) -> tuple[int, dict[str, str]]:
    conn = _open(port, source)
    conn.sendall(_request_bytes(path, {k.replace("_", "-"): v for k, v in headers.items()}))
    conn.sendall(b"\r\n")
    return _answer(conn)


def wrong_link(port: int, client: str, *, source: str = PROXY) -> int:
    """A made-up one-time link from ``client`` as the proxy forwards it (X-Forwarded-For)."""
    return get(port, f"/svar/{new_token()[0]}/", source=source, X_Forwarded_For=client)[0]


@contextmanager
def gunicorn(tmp: Path, *, workers: int, **env: str) -> Iterator[int]:
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SPOR_", "DJANGO_"))}
    environ.update(
        {
            "PYTHONPATH": str(ROOT / "src"),
            "SPOR_BIND": f"127.0.0.1:{port}",
            "SPOR_WORKERS": str(workers),
            "SPOR_TIMEOUT": "600",  # a worker held by an unfinished request is not killed
            "SPOR_ALLOWED_HOSTS": "127.0.0.1",
            "SPOR_LOG_LEVEL": "WARNING",
            "SPOR_TRUSTED_PROXIES": PROXY,
            **env,
        }
    )
    log = tmp / f"gunicorn-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(CONF), "spor.wsgi:application"],
            env=environ,
            stdout=out,
            stderr=out,
            start_new_session=True,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + 300  # only a bound on start-up, not a measurement
        while True:
            with suppress(OSError, ValueError, IndexError):
                if get(port, "/drift/ping/")[0] == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
        yield port
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture
def database_url(transactional_db) -> str:  # type: ignore[no-untyped-def]
    """The suite's test database, migrated, for the server to read: it only looks up links
    that do not exist. Not inside a test transaction, which on SQLite would hold the write
    lock the server's own transaction waits for."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _limit_across_two_workers(port: int) -> int:
    """Pin one worker with an unfinished wrong link from a parent, let the other worker
    answer eleven more from the same parent (ten wrong links, then blocked), then finish
    the first: the status the pinned worker gives it."""
    held = _open(port, PROXY)
    held.sendall(_request_bytes(f"/svar/{new_token()[0]}/", {"X-Forwarded-For": "198.51.100.7"}))
    other_worker = [wrong_link(port, "198.51.100.7") for _ in range(LIMIT + 1)]
    assert other_worker == [404] * LIMIT + [429]
    held.sendall(b"\r\n")
    return _answer(held)[0]


def test_without_a_shared_cache_each_worker_counts_wrong_links_for_itself(
    database_url: str, tmp_path: Path
) -> None:
    """Why SPOR_CACHE_URL is needed in production, and the proof that the requests below
    really reach both workers: the pinned worker has counted nothing, and lets it through."""
    with gunicorn(tmp_path, workers=2, SPOR_DATABASE_URL=database_url) as port:
        assert _limit_across_two_workers(port) == 404


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
        server.ping()
    except redis.RedisError as exc:
        if "SPOR_TEST_REDIS_URL" in os.environ:  # CI starts one: it must be there
            pytest.fail(f"SPOR_TEST_REDIS_URL={REDIS_URL} does not answer: {exc}")
        pytest.skip(f"no Redis server at {REDIS_URL} ({exc}); .ci/run starts one")
    server.flushdb()  # counters left from an earlier run
    return REDIS_URL


def test_with_redis_wrong_links_spread_over_two_workers_are_limited_as_one(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = {"SPOR_DATABASE_URL": database_url, "SPOR_CACHE_URL": redis_url}
    with gunicorn(tmp_path, workers=2, **env) as port:
        assert _limit_across_two_workers(port) == 429
        # Another parent behind the same proxy is not blocked.
        assert wrong_link(port, "198.51.100.8") == 404
        # A client that reaches gunicorn without the proxy, and names a new address in
        # X-Forwarded-For each time, is counted by its own address all the same.
        spoofed = [wrong_link(port, f"192.0.2.{n}", source=STRANGER) for n in range(LIMIT + 1)]
        assert spoofed == [404] * LIMIT + [429]
        assert wrong_link(port, "198.51.100.8") == 404


def test_the_https_header_is_believed_only_from_the_trusted_proxy(tmp_path: Path) -> None:
    env = {
        "SPOR_ENV": "production",
        "SPOR_SECRET_KEY": Fernet.generate_key().decode() * 2,
        "SPOR_CPR_KEYS": Fernet.generate_key().decode(),
        "SPOR_CPR_HMAC_KEY": Fernet.generate_key().decode(),
        "SPOR_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "SPOR_STATIC_ROOT": str(tmp_path / "static"),
    }
    with gunicorn(tmp_path, workers=1, **env) as port:
        https = {"X_Forwarded_Proto": "https"}
        # From the proxy: the request came by HTTPS, so no redirect, and HSTS is sent.
        status, fields = get(port, "/drift/ping/", **https)
        assert status == 200 and "strict-transport-security" in fields
        status, fields = get(port, "/log-ind/", source=STRANGER, **https)
        # From anyone else the header is the client's claim: redirected to HTTPS, no HSTS.
        assert status == 301 and fields["location"] == "https://127.0.0.1/log-ind/"
        status, fields = get(port, "/drift/ping/", source=STRANGER, **https)
        assert status == 200 and "strict-transport-security" not in fields
        # The proxy's plain-HTTP requests are redirected as well.
        assert get(port, "/log-ind/")[0] == 301
