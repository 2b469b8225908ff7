"""Proof under faults (`make faults`): a real server (gunicorn) on 127.0.0.1 is killed with
SIGKILL in the middle of a registry import, an SDQ answer by one-time link and a screening
save, and the database then holds all of the write or none of it; a lost database and a
full disk give a clear Danish page, not a stack trace, and lose nothing already saved.

The server runs on its own database (PostgreSQL if SPOR_DATABASE_URL names one, else a
SQLite file), set up by tests/ops/faultkit.py in a separate process; the pause in the middle
of a write is tests/ops/fault_gunicorn.py. The full disk is SQLite on a real 48 MB tmpfs,
mounted in a private mount namespace (`unshare --user --mount`) and filled up to the last
byte, so the database gets ENOSPC from the kernel.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
KIT = ROOT / "tests" / "ops" / "faultkit.py"
CSRF = "f" * 32  # any 32-character secret: cookie and header must agree


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPOR_", "DJANGO_"))}
    env.update(
        {
            "SPOR_DATABASE_URL": db_url,
            "PYTHONPATH": str(ROOT / "src"),
            "SPOR_LOG_LEVEL": "ERROR",
            "SPOR_ALLOWED_HOSTS": "127.0.0.1",
            # The server in these tests plays production: no debug page with a stack trace.
            "SPOR_DEBUG": "0",
            **extra,
        }
    )
    return env


def _owner(db_url: str) -> dict[str, str]:
    """With two roles (SPOR_OWNER_DATABASE_URL), the owner's URL for the same database: the
    migrations and the kit's fixtures are the owner's; the server runs as the app role."""
    owner = os.environ.get("SPOR_OWNER_DATABASE_URL", "")
    if not (owner and db_url.startswith("postgres")):
        return {}
    path = urlsplit(db_url).path
    return {"SPOR_OWNER_DATABASE_URL": urlunsplit(urlsplit(owner)._replace(path=path))}


def _kit(
    db_url: str, command: str, stdin: str = "", wrap: list[str] | None = None
) -> dict[str, Any]:
    result = subprocess.run(
        [*(wrap or []), sys.executable, str(KIT), command],
        env=_env(db_url, **_owner(db_url)),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _migrate(db_url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "spor.manage", "migrate", "-v0"],
        env=_env(db_url, **_owner(db_url)),
        check=True,
        timeout=900,
    )


def _postgres_database(base_url: str, name: str) -> str:
    import psycopg

    parts = urlsplit(base_url)
    # The database is the owner's when there are two roles (the app role may not create one).
    creator = urlsplit(os.environ.get("SPOR_OWNER_DATABASE_URL", "") or base_url)
    admin = urlunsplit(creator._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def fault_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """A migrated database with the demo municipality (400 children), and the facts the
    tests need: ids, sessions, a one-time link."""
    base = os.environ.get("SPOR_DATABASE_URL", "")
    if base.startswith("postgres"):
        url = _postgres_database(base, urlsplit(base).path.lstrip("/") + "_faults")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'spor.sqlite3'}"
    _migrate(url)
    return url, _kit(url, "setup")


@pytest.fixture(scope="session")
def sqlite_world(
    fault_db: tuple[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """A SQLite file with the same world (the disk-full and lost-database tests copy it)."""
    url, facts = fault_db
    if url.startswith("sqlite"):
        return Path(url.removeprefix("sqlite:///")), facts
    path = tmp_path_factory.mktemp("faults-sqlite") / "spor.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path, _kit(f"sqlite:///{path}", "setup")


class Server:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc, self.url, self.log = proc, f"http://127.0.0.1:{port}", log
        self.http = requests.Session()
        self.http.headers["X-CSRFToken"] = CSRF
        self.http.cookies.set("csrftoken", CSRF)

    def as_(self, session_key: str) -> Server:
        self.http.cookies.set("sessionid", session_key)
        return self

    def kill(self) -> None:
        """SIGKILL to gunicorn's master and worker at once (their process group)."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


@contextmanager
def server(
    db_url: str,
    tmp: Path,
    *,
    fault_sql: str = "",
    after: int = 1,
    wrap: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Server]:
    port = _free_port()
    mark = tmp / "mark"
    mark.unlink(missing_ok=True)
    env = _env(
        db_url,
        SPOR_FAULT_BIND=f"127.0.0.1:{port}",
        SPOR_FAULT_SQL=fault_sql,
        SPOR_FAULT_AFTER=str(after),
        SPOR_FAULT_MARK=str(mark),
        **(extra_env or {}),
    )
    log = tmp / f"gunicorn-{port}.log"
    cmd = [
        str(BIN / "gunicorn"),
        "-c",
        str(ROOT / "tests" / "ops" / "fault_gunicorn.py"),
        "spor.wsgi:application",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            (wrap or []) + cmd, env=env, stdout=out, stderr=out, start_new_session=True
        )
    srv = Server(proc, port, log)
    try:
        deadline = time.monotonic() + 240
        while True:
            with suppress(requests.RequestException):
                if requests.get(srv.url + "/drift/ping/", timeout=20).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the server did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
        yield srv
    finally:
        srv.kill()


def _post_in_background(srv: Server, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Send the request on a thread: the server will never answer it."""
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["response"] = srv.http.post(*args, timeout=120, **kwargs)
        except requests.RequestException as exc:
            outcome["error"] = exc

    threading.Thread(target=send, daemon=True).start()
    return outcome


def _wait_for(mark: Path, srv: Server, outcome: dict[str, Any]) -> str:
    deadline = time.monotonic() + 240
    while not mark.exists():
        if "error" in outcome:
            pytest.fail(f"the request failed: {outcome['error']}")
        if "response" in outcome:
            answer = outcome["response"]
            pytest.fail(f"answered before the pause: {answer.status_code} {answer.text[-2000:]}")
        if time.monotonic() > deadline or srv.proc.poll() is not None:
            pytest.fail("the write never reached the pause:\n" + srv.log.read_text()[-3000:])
        time.sleep(0.05)
    time.sleep(0.2)
    return mark.read_text()


def _kill_mid_write(
    db_url: str, tmp: Path, fault_sql: str, after: int, session: str, path: str, **kwargs: Any
) -> str:
    with server(db_url, tmp, fault_sql=fault_sql, after=after) as srv:
        outcome = _post_in_background(srv.as_(session), srv.url + path, **kwargs)
        sql = _wait_for(tmp / "mark", srv, outcome)
        srv.kill()
    time.sleep(0.5)
    assert "response" not in outcome, "the server answered although it was killed"
    return sql


# ----------------------------------------------------------------- SIGKILL mid-write


def _import_csv(n: int) -> bytes:
    from spor.demo.registry import make_cpr

    rng = random.Random(20261130)
    used: set[str] = set()
    lines = [
        "cpr;fornavn;efternavn;institution;institutionstype;gruppe;skoleaar;klassetrin;fra;til"
    ]
    import datetime as dt

    for i in range(n):
        born = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(365))
        cpr = make_cpr(rng, born, boy=i % 2 == 0, used=used)
        lines.append(
            f"{cpr};Barn{i};Fejlsen;Fejlskolen;skole;1.{'ABC'[i % 3]};2026/27;1;01-08-2026;"
        )
    return ("\n".join(lines) + "\n").encode()


def test_an_import_killed_midway_leaves_nothing_and_the_retry_saves_everything(
    fault_db: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    url, facts = fault_db
    before = _kit(url, "count", json.dumps(facts))
    assert before["import_children"] == 0
    body = _import_csv(1200)
    files = {"fil": ("boern.csv", body, "text/csv")}
    # Stop right after the first INSERT of children: on PostgreSQL all 1,200 are copied into a
    # temporary table (COPY, which the pause does not see) and moved by one INSERT … SELECT; on
    # SQLite a batch is ~100 rows. The institutions and groups are in by then, uncommitted,
    # and the enrolments and the access log not yet.
    sql = _kill_mid_write(
        url, tmp_path, r'^INSERT INTO "registry_child"', 1, facts["lead_session"],
        "/import/", files=files,
    )  # fmt: skip
    assert "registry_child" in sql
    after_kill = _kit(url, "count", json.dumps(facts))
    assert after_kill == before, "a killed import must leave nothing behind"

    with server(url, tmp_path) as srv:
        response = srv.as_(facts["lead_session"]).http.post(
            srv.url + "/import/", files=files, timeout=300
        )
    assert response.status_code == 200, response.text[-2000:]
    done = _kit(url, "count", json.dumps(facts))
    assert done["import_children"] == 1200
    assert done["import_institution"] == 1
    assert done["children"] == before["children"] + 1200


def test_an_sdq_answer_killed_midway_leaves_the_link_open_and_the_retry_is_saved(
    fault_db: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    url, facts = fault_db
    data = {f"q-sdq{n}": "1" for n in range(1, 26)} | {"q-ebddiff": "0"}
    link = f"/svar/{facts['token']}/"
    sql = _kill_mid_write(
        url, tmp_path, r'^INSERT INTO "measurement_response"', 1, "", link, data=data
    )
    assert "measurement_response" in sql
    after_kill = _kit(url, "count", json.dumps(facts))
    assert after_kill["responses"] == 0
    assert after_kill["link_used"] is False, "the link was used up by an answer never saved"

    with server(url, tmp_path) as srv:
        srv.http.get(srv.url + link, timeout=60)
        response = srv.http.post(srv.url + link, data=data, timeout=60, allow_redirects=False)
    assert response.status_code == 302, response.text[-2000:]
    assert response.headers["Location"].endswith("/svar/tak/")
    done = _kit(url, "count", json.dumps(facts))
    assert done["responses"] == 1 and done["link_used"] is True


def _grid_data(facts: dict[str, Any], children: list[int], colour: str) -> dict[str, Any]:
    data: dict[str, Any] = {"handling": "gem", "boern": [str(c) for c in children]}
    for c in children:
        for area in facts["areas"]:
            data[f"r-{c}-{area}"] = colour
    return data


def _grid(facts: dict[str, Any]) -> str:
    return f"/trivsel/{facts['round']}/gruppe/{facts['group']}/"


def test_a_screening_save_killed_midway_saves_no_row_and_the_retry_saves_all(
    fault_db: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    url, facts = fault_db
    children = facts["children"]
    before = _kit(url, "count", json.dumps(facts))
    sql = _kill_mid_write(
        url, tmp_path, r'^INSERT INTO "screening_assessment"', 1, facts["teacher_session"],
        _grid(facts), data=_grid_data(facts, children, "gul"),
    )  # fmt: skip
    assert "screening_assessment" in sql
    assert _kit(url, "count", json.dumps(facts))["own_ratings"] == before["own_ratings"]

    with server(url, tmp_path) as srv:
        response = srv.as_(facts["teacher_session"]).http.post(
            srv.url + _grid(facts),
            data=_grid_data(facts, children, "gul"),
            timeout=60,
            allow_redirects=False,
        )
    assert response.status_code in (200, 302), response.text[-2000:]
    done = _kit(url, "count", json.dumps(facts))
    assert done["own_ratings"] == before["own_ratings"] + len(children)


# ------------------------------------------------ lost database and full disk


def _save_row(srv: Server, facts: dict[str, Any], child: int, colour: str) -> requests.Response:
    data = {"handling": "raekke", "barn": str(child)}
    data.update({f"r-{child}-{a}": colour for a in facts["areas"]})
    return srv.http.post(srv.url + _grid(facts), data=data, headers={"HX-Request": "true"})


def _assert_clear_page(response: requests.Response, says: str) -> None:
    assert response.status_code == 503, response.text[-2000:]
    assert says in response.text
    assert "Alt, hvad du gemte før, er stadig gemt" in response.text
    assert "Traceback" not in response.text and "Error" not in response.text


class TcpProxy:
    """127.0.0.1:port → PostgreSQL; `cut()` closes every connection and refuses new ones,
    as a network failure or a database restart does."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _free_port()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.open()

    def open(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        with suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        with suppress(OSError):
            b.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        assert self.listener is not None
        # shutdown() wakes the thread blocked in accept(); close() alone would not, and the
        # kernel would go on accepting connections.
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for s in self.sockets:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self.sockets.clear()


def test_a_lost_database_gives_a_clear_page_and_loses_nothing_saved(
    fault_db: tuple[str, dict[str, Any]], sqlite_world: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    base, _ = fault_db
    if base.startswith("postgres"):
        url, facts = fault_db
        parts = urlsplit(url)
        proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
        server_url = urlunsplit(
            parts._replace(netloc=f"{parts.netloc.rsplit('@', 1)[0]}@127.0.0.1:{proxy.port}")
        )
        lose, restore = proxy.cut, proxy.open
        check_url = url
    else:
        source, facts = sqlite_world
        folder = tmp_path / "data"
        folder.mkdir()
        shutil.copy(source, folder / "spor.sqlite3")
        server_url = check_url = f"sqlite:///{folder / 'spor.sqlite3'}"

        # The volume with the database file goes away (an unmounted or failed disk).
        def lose() -> None:
            folder.rename(tmp_path / "away")

        def restore() -> None:
            (tmp_path / "away").rename(folder)

    first, second = facts["children"][0], facts["children"][1]
    with server(server_url, tmp_path) as srv:
        srv.as_(facts["teacher_session"])
        # The second child starts green, so that a lost save would show.
        assert _save_row(srv, facts, second, "groen").status_code == 200
        saved = _save_row(srv, facts, first, "roed")
        assert saved.status_code == 200 and "Gemt" in saved.text
        before = _kit(check_url, "count", json.dumps(facts))
        assert set(before["own_by_child"][str(first)].values()) == {"roed"}
        lose()
        try:
            _assert_clear_page(
                _save_row(srv, facts, second, "roed"),
                "Spor kan ikke få forbindelse til databasen",
            )
            _assert_clear_page(
                srv.http.get(srv.url + "/"), "Spor kan ikke få forbindelse til databasen"
            )
            health = requests.get(srv.url + "/drift/health/", timeout=30)
            assert health.status_code == 503
            if health.headers["Content-Type"] == "application/json":
                assert health.json()["database"] == "nede"
            else:  # PostgreSQL: the tenancy middleware asks the database before the view
                assert "Spor kan ikke få forbindelse til databasen" in health.text
        finally:
            restore()
        assert _kit(check_url, "count", json.dumps(facts)) == before
        again = _save_row(srv, facts, second, "roed")
        assert again.status_code == 200 and "Gemt" in again.text
    after = _kit(check_url, "count", json.dumps(facts))
    assert set(after["own_by_child"][str(first)].values()) == {"roed"}
    assert set(after["own_by_child"][str(second)].values()) == {"roed"}


def test_after_a_database_restart_the_first_request_is_answered(
    fault_db: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    """Persistent connections (SPOR_DB_CONN_MAX_AGE, as docker-compose.yml sets it) are checked
    before a request uses them: the first request after the database went away and came back
    gets a new connection, not a 503 from the dead one."""
    url, facts = fault_db
    if not url.startswith("postgres"):
        pytest.skip(
            "SQLite has no server to restart; its connection is a file that stays usable "
            "(Django's SQLite backend never reports a connection unusable)"
        )
    parts = urlsplit(url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    server_url = urlunsplit(
        parts._replace(netloc=f"{parts.netloc.rsplit('@', 1)[0]}@127.0.0.1:{proxy.port}")
    )
    with server(server_url, tmp_path, extra_env={"SPOR_DB_CONN_MAX_AGE": "600"}) as srv:
        srv.as_(facts["teacher_session"])
        child = facts["children"][0]
        assert srv.http.get(srv.url + "/").status_code == 200
        assert _save_row(srv, facts, child, "gul").status_code == 200
        # The database restarts: every open connection is dropped, then it takes new ones.
        proxy.cut()
        proxy.open()
        first = srv.http.get(srv.url + "/")
        assert first.status_code == 200, first.text[-2000:]
        saved = _save_row(srv, facts, child, "roed")
        assert saved.status_code == 200 and "Gemt" in saved.text
    after = _kit(url, "count", json.dumps(facts))
    assert set(after["own_by_child"][str(child)].values()) == {"roed"}


def _can_mount_tmpfs() -> bool:
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
         "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True,
    )  # fmt: skip
    return probe.returncode == 0


def test_a_full_disk_gives_a_clear_page_and_loses_nothing_saved(
    sqlite_world: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    if not shutil.which("unshare") or not _can_mount_tmpfs():
        pytest.skip("needs `unshare --user --mount` to mount a small tmpfs (util-linux)")
    source, facts = sqlite_world
    disk = tmp_path / "disk"
    disk.mkdir()
    copy = tmp_path / "spor.sqlite3"
    shutil.copy(source, copy)
    wrap = [
        "unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
        f'mount -t tmpfs -o size=48m tmpfs "{disk}" && cp "{copy}" "{disk}/spor.sqlite3" '
        '&& exec "$0" "$@"',
    ]  # fmt: skip
    db_url = f"sqlite:///{disk / 'spor.sqlite3'}"
    first, second = facts["children"][0], facts["children"][1]
    with server(db_url, tmp_path, wrap=wrap) as srv:
        # The tmpfs seen from outside the server's mount namespace (for the filler file);
        # SQLite resolves the /proc/<pid>/root link itself, so the counts run inside it.
        inside = Path(f"/proc/{srv.proc.pid}/root") / str(disk).lstrip("/")
        nsenter = ["nsenter", "-t", str(srv.proc.pid), "-U", "-m", "--preserve-credentials"]

        def count() -> dict[str, Any]:
            return _kit(db_url, "count", json.dumps(facts), wrap=nsenter)

        srv.as_(facts["teacher_session"])
        assert _save_row(srv, facts, second, "groen").status_code == 200
        saved = _save_row(srv, facts, first, "gul")
        assert saved.status_code == 200 and "Gemt" in saved.text
        before = count()
        assert set(before["own_by_child"][str(first)].values()) == {"gul"}

        filler = inside / "filler"
        with filler.open("wb", buffering=0) as f:
            for chunk in (1 << 20, 4096, 512):
                with suppress(OSError):
                    while True:
                        f.write(b"\0" * chunk)
        assert shutil.disk_usage(inside).free < 64 * 1024

        full = _save_row(srv, facts, second, "gul")
        _assert_clear_page(full, "serverens disk er fuld")
        filler.unlink()
        assert count() == before
        again = _save_row(srv, facts, second, "gul")
        assert again.status_code == 200 and "Gemt" in again.text
        assert set(count()["own_by_child"][str(second)].values()) == {"gul"}
