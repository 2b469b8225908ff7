"""docker-compose.yml's database roles, read from the file (there is no Docker daemon in CI):
the cluster's superuser is not what Spor connects as, the web process and the worker connect
as the app role and never see the owner's password, and migrations run as the owner."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def user_of(url: str) -> str:
    found = re.match(r"postgres(?:ql)?://([^:@/]+)", url)
    assert found, url
    return found.group(1)


def test_spor_connects_as_the_app_role_not_the_clusters_superuser() -> None:
    services = compose()["services"]
    superuser = services["db"]["environment"]["POSTGRES_USER"]
    for name in ("spor", "worker", "migrate"):
        env = services[name]["environment"]
        assert user_of(env["SPOR_DATABASE_URL"]) == "spor", name
        assert user_of(env["SPOR_DATABASE_URL"]) != superuser
    for name in ("spor", "worker"):
        assert "SPOR_OWNER_DATABASE_URL" not in services[name]["environment"], name
        assert "migrate" not in str(services[name].get("command", "")), name
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_migrations_run_as_the_owner() -> None:
    migrate = compose()["services"]["migrate"]
    assert user_of(migrate["environment"]["SPOR_OWNER_DATABASE_URL"]) == "spor_owner"
    assert "migrate" in migrate["command"]


def test_the_init_script_makes_the_app_role_bound_by_row_level_security() -> None:
    db = compose()["services"]["db"]
    mounts = [v.split(":")[:2] for v in db["volumes"] if v.startswith("./")]
    assert ["./deploy/postgres-init.sh", "/docker-entrypoint-initdb.d/10-spor-roles.sh"] in mounts
    script = (ROOT / "deploy" / "postgres-init.sh").read_text()
    app = re.search(r"CREATE ROLE spor (.*);", script)
    assert app, script
    for word in ("LOGIN", "NOSUPERUSER", "NOBYPASSRLS"):
        assert word in app.group(1)
    assert "ALTER DATABASE spor OWNER TO spor_owner" in script
