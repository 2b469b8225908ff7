"""The container path (Dockerfile, .dockerignore, docker-compose.yml) read as files: there is no
Docker daemon here, so neither `docker build` nor `docker compose config` can run. What they
would check (the client tools match the server, nothing private reaches the image, services
start in the right order as the right roles) is checked from the files themselves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # resolves <<: merges
    assert isinstance(data, dict)
    return data


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _arg(name: str) -> str:
    for word, rest in _instructions():
        if word == "ARG" and rest.startswith(f"{name}="):
            return rest.split("=", 1)[1]
    raise AssertionError(f"no ARG {name}=… in the Dockerfile")


# ------------------------------------------------------------------ pg_dump matches the server


def test_the_images_pg_dump_is_the_major_version_of_the_compose_database() -> None:
    image = _compose()["services"]["db"]["image"]
    server = re.fullmatch(r"postgres:(\d+)(?:[.\-].*)?", image)
    assert server, image
    assert _arg("PG_MAJOR") == server.group(1)
    run = " ".join(rest for word, rest in _instructions() if word == "RUN")
    # The client of that version, from PGDG (Debian's own would be bookworm's 15) ...
    assert "postgresql-client-${PG_MAJOR}" in run
    assert "apt.postgresql.org.sh" in run
    assert not re.search(r"\bpostgresql-client(?![-\w])", run), "Debian's unversioned client"
    # ... used by `spor backup` (SPOR_PG_BIN), and the build fails unless it is that version.
    assert "SPOR_PG_BIN=/usr/lib/postgresql/${PG_MAJOR}/bin" in DOCKERFILE
    for tool in ("pg_dump", "pg_restore"):
        check = f'"${{SPOR_PG_BIN}}/{tool}" --version | grep -q "(PostgreSQL) ${{PG_MAJOR}}\\."'
        assert check in run, tool


def test_the_base_image_names_its_debian_release() -> None:
    """PGDG's repository is per Debian release: an image tag without one could move to a release
    with no PGDG packages yet under the same Dockerfile."""
    base = next(rest for word, rest in _instructions() if word == "FROM")
    assert re.fullmatch(r"python:3\.\d+-slim-(bookworm|trixie)", base), base


# ------------------------------------------------------------------ .dockerignore


def _ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex, i = regex + pattern[i : end + 1], end + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((negate, re.compile(regex)))
    return rules


def _ignored(path: str) -> bool:
    """Docker's rule: the last pattern that matches the path, or a folder above it, decides."""
    parts = path.split("/")
    ignored = False
    for negate, regex in _ignore_rules():
        if any(regex.fullmatch("/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            ignored = not negate
    return ignored


def test_the_build_context_holds_what_the_dockerfile_copies() -> None:
    sources = []
    for word, rest in _instructions():
        if word in ("COPY", "ADD") and not rest.startswith("--from"):
            sources += [s for s in rest.split()[:-1] if not s.startswith("--")]
    assert sources, "the Dockerfile copies nothing?"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for source in sources:
        files = [f for f in tracked if f == source or f.startswith(source.rstrip("/") + "/")]
        assert files, f"COPY {source}: not in the repository"
        left_out = [f for f in files if _ignored(f)]
        assert left_out == [], f"COPY {source}: .dockerignore leaves out {left_out[:5]}"


def test_the_build_context_leaves_out_environments_databases_keys_and_caches() -> None:
    for path in (
        ".venv/bin/python",
        ".git/config",
        "spor.sqlite3",
        "test-spor.sqlite3-wal",
        "src/spor/stray.sqlite3",
        ".env",
        "src/.env.production",
        "deploy/tls/spor.key",
        "src/spor/cpr.key",
        "src/spor/nightly.dump",
        "spor.pem",
        "backups/spor.backup",
        "src/spor/__pycache__/settings.cpython-311.pyc",
        ".mypy_cache/3.11/x.json",
        ".pytest_cache/v/cache/lastfailed",
        ".ruff_cache/x",
        "loadtest/.cache/spor-60000.sqlite3",
        "staticfiles/app.css",
        "tests/conftest.py",
    ):
        assert _ignored(path), path
    assert not _ignored("src/spor/settings.py")


# ------------------------------------------------------------------ connection health checks


def test_persistent_connections_are_health_checked(tmp_path: Path) -> None:
    """With SPOR_DB_CONN_MAX_AGE (compose sets 60) Django checks a kept connection before a
    request uses it; the fault test (test_faults.py, a database restart under gunicorn) shows
    the first request after a restart is answered."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPOR_", "DJANGO_"))}
    env |= {
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "spor.settings",
        "SPOR_DB_CONN_MAX_AGE": "60",
        "SPOR_DATABASE_URL": "postgres://spor:x@db:5432/spor",
    }
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["60", "True"]


# ------------------------------------------------------------------ docker-compose.yml

COMPOSE_TOP_LEVEL = {"services", "volumes", "networks", "configs", "secrets", "name", "include"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _db_user(url: str) -> str:
    """The role a URL connects as; its password must come from .env (``${VAR:?}``)."""
    m = re.fullmatch(r"postgres(?:ql)?://([^:@/]+):\$\{\w+:\?\}@db:5432/\w+", url)
    assert m, url
    return m.group(1)


def test_the_compose_file_is_a_valid_compose_model() -> None:
    """What `docker compose config` would refuse: unknown top-level keys, a service with
    neither image nor build, dependencies on services that do not exist or with an unknown
    condition, waiting for the health of a service that has no health check, a dependency
    cycle, a named volume that is not declared, a bind mount of a file not in the repo."""
    compose = _compose()
    assert set(k for k in compose if not k.startswith("x-")) <= COMPOSE_TOP_LEVEL
    services = compose["services"]
    volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dep, how in (service.get("depends_on") or {}).items():
            assert dep in services, (name, dep)
            assert how["condition"] in CONDITIONS, (name, dep)
            if how["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], (name, dep)
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), (name, source)
            else:
                assert source in volumes, (name, source)
        for key, value in _env(service).items():
            # Secrets come from .env, never written in the file.
            if re.search(r"PASSWORD|SECRET|KEY", key):
                assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", value), (name, key)

    def reaches(start: str, seen: tuple[str, ...] = ()) -> None:
        assert start not in seen, f"dependency cycle: {(*seen, start)}"
        for dep in services[start].get("depends_on") or {}:
            reaches(dep, (*seen, start))

    for name in services:
        reaches(name)


def test_compose_migrates_once_as_the_owner_before_web_and_worker_start_as_the_app_role() -> None:
    services = _compose()["services"]
    db, migrate = services["db"], services["migrate"]
    web_and_worker = {name: services[name] for name in ("spor", "worker")}

    # The database is healthy only once it takes connections over TCP (the image's first
    # start runs its init scripts on a socket-only server, which pg_isready on the socket
    # would already call ready).
    check = " ".join(db["healthcheck"]["test"])
    assert "pg_isready" in check and re.search(r"-h\s*(127\.0\.0\.1|localhost)", check), check

    # One-shot migration as the owner, after the database is healthy.
    assert re.search(r"\bspor manage migrate\b", str(migrate["command"]))
    assert migrate.get("restart") == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    owner = _db_user(_env(migrate)["SPOR_OWNER_DATABASE_URL"])

    superuser = _env(db).get("POSTGRES_USER", "postgres")  # the image's default
    for name, service in web_and_worker.items():
        deps = service["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully", name
        assert deps["db"]["condition"] == "service_healthy", name
        assert "migrate" not in str(service.get("command", "")), name
        env = _env(service)
        app = _db_user(env["SPOR_DATABASE_URL"])
        # The app role is neither the cluster's superuser (RLS would not bind it) nor the
        # owner (it could switch RLS off), and the web process never gets the owner's URL.
        assert app not in (superuser, owner), name
        assert "SPOR_OWNER_DATABASE_URL" not in env, name
        assert env["SPOR_ENV"] == "production" and int(env["SPOR_DB_CONN_MAX_AGE"]) > 0, name
    assert owner != superuser
    # The same image for all three.
    assert {str(s.get("image")) for s in (migrate, *web_and_worker.values())} == {"spor:latest"}
