"""Security headers, the content security policy's hashes, `check --deploy` and
`pip-audit`."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from spor.ops import security
from tests.conftest import World

ROOT = Path(__file__).resolve().parent.parent.parent
SRC = ROOT / "src" / "spor"


def test_every_page_carries_the_security_headers(world: World) -> None:
    client = world.client_for(world.teacher_a)
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    # Also on what a stranger sees: the health check and the error pages.
    anonymous = Client().get("/drift/ping/")
    assert "Content-Security-Policy" in anonymous
    assert "Content-Security-Policy" in Client().get("/findes-ikke/")


def test_the_policy_allows_exactly_the_inline_code_spor_has() -> None:
    """Hash-allowed inline code must still be in the sources, byte for byte; and no template
    may add inline script or style that the policy does not allow."""
    inline_handlers: set[str] = set()
    for template in (SRC / "templates").rglob("*.html"):
        text = template.read_text()
        if "@page" in text:
            continue  # a print document for WeasyPrint (PDF), never served as a page
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", text), f"inline script: {template}"
        assert "<style" not in text, f"inline <style>: {template}"
        assert not re.search(r"\sstyle=", text), f"style attribute: {template}"
        inline_handlers.update(re.findall(r'\son[a-z]+="([^"]*)"', text))
    assert inline_handlers <= {security.PRINT_HANDLER}
    policy = security.content_security_policy()
    for handler in inline_handlers:
        assert security.csp_hash(handler) in policy


def test_the_htmx_indicator_hash_matches_what_htmx_inserts() -> None:
    htmx = (SRC / "static" / "spor" / "htmx.min.js").read_text()
    # htmx builds the text from its config: indicatorClass "htmx-indicator", requestClass
    # "htmx-request".
    assert 'indicatorClass:"htmx-indicator"' in htmx and 'requestClass:"htmx-request"' in htmx
    template = (
        "`.${t}{opacity:0;visibility: hidden} `+`.${n} .${t}, .${n}.${t}"
        "{opacity:1;visibility: visible;transition: opacity 200ms ease-in}`"
    )
    assert template in htmx
    rebuilt = (
        template.replace("`+`", "")
        .strip("`")
        .replace("${t}", "htmx-indicator")
        .replace("${n}", "htmx-request")
    )
    assert rebuilt == security.HTMX_INDICATOR_STYLE


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPOR_", "DJANGO_"))}
    env.update(
        {
            "SPOR_ENV": "production",
            "SPOR_SECRET_KEY": Fernet.generate_key().decode() + Fernet.generate_key().decode(),
            "SPOR_CPR_KEYS": Fernet.generate_key().decode(),
            "SPOR_CPR_HMAC_KEY": Fernet.generate_key().decode(),
            "SPOR_ALLOWED_HOSTS": "spor.example.dk",
            "SPOR_DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
            "SPOR_STATIC_ROOT": str(tmp_path / "static"),
            "SPOR_CACHE_URL": "redis://127.0.0.1:6379/1",  # not connected to by the checks
            "SPOR_TRUSTED_PROXIES": "127.0.0.1",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "spor.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output


@pytest.mark.parametrize(
    "weak",
    [
        "kort-noegle",
        "a" * 44,
        "Sommer2026!" * 4,
        # The development key (spor/settings.py derives it from a public phrase).
        base64.urlsafe_b64encode(
            hashlib.sha256(b"spor-development-only-not-secret" + b"hmac").digest()
        ).decode(),
    ],
    ids=["short", "one-character", "repeated", "development-key"],
)
def test_check_deploy_fails_on_a_weak_cpr_hmac_key(tmp_path: Path, weak: str) -> None:
    env = {**_production_env(tmp_path), "SPOR_CPR_HMAC_KEY": weak}
    result = subprocess.run(
        [sys.executable, "-m", "spor.manage", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "spor.E201" in output and "SPOR_CPR_HMAC_KEY er for svag" in output
    assert weak not in output  # the key itself is not printed


def _network_reaches(host: str) -> bool:
    try:
        socket.create_connection((host, 443), timeout=5).close()
    except OSError:
        return False
    return True


def test_the_locked_dependencies_have_no_known_vulnerabilities(tmp_path: Path) -> None:
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    if not _network_reaches("pypi.org") or not _network_reaches("api.osv.dev"):
        pytest.skip("pip-audit needs PyPI and OSV (pypi.org, api.osv.dev); no network here")
    requirements = tmp_path / "requirements.txt"
    exported = subprocess.run(
        [uv, "export", "--frozen", "--no-hashes", "--no-emit-project", "-o", str(requirements)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert exported.returncode == 0, exported.stderr
    audit = subprocess.run(
        [
            str(Path(sys.executable).parent / "pip-audit"),
            "--requirement",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--vulnerability-service",
            "osv",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No known vulnerabilities found" in audit.stdout + audit.stderr


def test_production_has_no_demo_app(tmp_path: Path) -> None:
    """The demo app (spor/demo/) is left out of a production installation: no ``spor_demo``."""
    result = subprocess.run(
        [sys.executable, "-m", "spor.manage", "spor_demo", "--children", "5"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Unknown command: 'spor_demo'" in output
