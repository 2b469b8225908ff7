"""A real OpenID Connect provider for the login tests: panva's oidc-provider (npm) under
Node, from tests/sso/provider/ with its locked package-lock.json. Started once per test
run on a free port, after `npm ci` if its node_modules is missing, and stopped at the end.

Its login screen accepts any login name and password; the login name is the person's
`sub`, and their claims (roles, kommune, name) come from a JSON file that each test writes
with `broker.accounts({...})`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from spor.sso.models import OidcProvider
from tests.conftest import World

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
CLIENT_ID = "spor"
CLIENT_SECRET = "hemmelig-testnoegle"
ROLE_MAP = {
    "spor-ppr": "ppr",
    "spor-leder": "leder",
    "spor-paedagog": "paedagogisk",
    "spor-sundhedsplejerske": "sundhedsplejerske",
    "spor-socialraadgiver": "socialraadgiver",
}


@dataclass
class Broker:
    issuer: str
    accounts_file: Path

    def accounts(self, accounts: dict[str, dict[str, Any]]) -> None:
        self.accounts_file.write_text(json.dumps(accounts))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _install() -> None:
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(PROVIDER_DIR)],
        check=True,
        timeout=600,
        capture_output=True,
    )


@pytest.fixture(scope="session")
def oidc_broker(live_server, tmp_path_factory) -> Iterator[Broker]:  # type: ignore[no-untyped-def]
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("Node and npm are needed for the OIDC login tests (.ci/run installs them)")
        pytest.skip("Node and npm are not installed")
    _install()
    port = _free_port()
    accounts_file = tmp_path_factory.mktemp("oidc") / "accounts.json"
    accounts_file.write_text("{}")
    env = {
        **os.environ,
        "PORT": str(port),
        "SPOR_OIDC_REDIRECT_URI": f"{live_server.url}/log-ind/sso/callback/",
        "SPOR_OIDC_POST_LOGOUT_URI": f"{live_server.url}/log-ind/",
        "SPOR_OIDC_CLIENT_ID": CLIENT_ID,
        "SPOR_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "SPOR_OIDC_ACCOUNTS": str(accounts_file),
    }
    log = (tmp_path_factory.getbasetemp() / "oidc-provider.log").open("w")
    process = subprocess.Popen(
        ["node", str(PROVIDER_DIR / "provider.js")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=PROVIDER_DIR,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"oidc-provider did not start; see {log.name}")
            time.sleep(0.1)
        yield Broker(issuer=issuer, accounts_file=accounts_file)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def broker(oidc_broker: Broker, world: World, settings) -> Broker:  # type: ignore[no-untyped-def]
    """The broker set up as Aby's login, with the client secret from the environment's
    setting, and two-factor login on (the broker's logins must not be asked for a code)."""
    OidcProvider.objects.create(
        municipality=world.a,
        issuer=oidc_broker.issuer,
        client_id=CLIENT_ID,
        scopes="openid profile email spor",
        role_claim="roles",
        role_map=ROLE_MAP,
    )
    settings.SPOR_OIDC_CLIENT_SECRETS = {world.a.code: CLIENT_SECRET}
    settings.SPOR_TOTP_REQUIRED = True
    oidc_broker.accounts({})
    return oidc_broker
