"""The client's real address behind the reverse proxy (spor/ops/proxies.py): believed from
X-Forwarded-For only when the connection comes from a trusted proxy, and used by the
one-time links' guessing limit, the login lock-out, the login log and the access log.

Here Django's test client plays gunicorn: ``REMOTE_ADDR`` is the address that opened the
connection. tests/ops/test_proxy_server.py does the same through a real gunicorn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.checks import run_checks
from django.test import Client, RequestFactory

from spor.audit.models import AccessLogEntry, Action
from spor.lib.links import new_token
from spor.ops.proxies import client_address
from spor.sso.models import LoginEvent
from tests.conftest import World
from tests.factories import PASSWORD

PROXY = "10.0.0.5"
PARENT = "198.51.100.7"
OTHER_PARENT = "198.51.100.8"
SRC = Path(__file__).resolve().parent.parent.parent / "src" / "spor"


@pytest.fixture(autouse=True)
def _behind_the_proxy(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.SPOR_TRUSTED_PROXIES = [PROXY, "10.0.1.0/24"]
    cache.clear()  # the guessing counters outlive a test's database
    yield
    cache.clear()


def _via_proxy(client_ip: str, sent_by_client: str = "") -> Client:
    """A browser at ``client_ip`` behind the proxy, which appends the address it saw to
    whatever X-Forwarded-For the browser sent (nginx's $proxy_add_x_forwarded_for)."""
    chain = f"{sent_by_client}, {client_ip}" if sent_by_client else client_ip
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # Not from a trusted proxy: the header is the client's own claim, ignored.
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),
        ("203.0.113.9", "", "203.0.113.9"),
        # From the proxy: the nearest hop that is not a trusted proxy.
        (PROXY, "198.51.100.7", "198.51.100.7"),
        (PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's forged first hop
        (PROXY, "6.6.6.6, 198.51.100.7, 10.0.1.20", "198.51.100.7"),  # a load balancer first
        (PROXY, "10.0.1.20", "10.0.1.20"),  # only proxies: the farthest one
        (PROXY, "", PROXY),  # the proxy asking itself (a health check)
        (PROXY, "bogus, 198.51.100.7", "198.51.100.7"),
        (PROXY, "198.51.100.7, bogus", PROXY),  # a hop not understood ends the walk
        (PROXY, "198.51.100.7:51234", "198.51.100.7"),
        (PROXY, "[2001:db8::7]:443", "2001:db8::7"),
        (PROXY, "2001:db8::7", "2001:db8::7"),
        ("::ffff:10.0.0.5", "198.51.100.7", "198.51.100.7"),  # IPv4 over an IPv6 socket
        ("", "198.51.100.7", None),
    ],
)
def test_the_client_address_is_read_from_the_header_only_behind_a_trusted_proxy(
    remote: str, forwarded: str, expected: str | None
) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_without_trusted_proxies_the_connections_address_is_used_as_it_is(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SPOR_TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=PARENT)
    assert client_address(request) == PROXY


# --------------------------------------------------------------------------- access log


def test_the_access_log_records_the_real_client_behind_the_proxy(world: World) -> None:
    client = _via_proxy(PARENT, sent_by_client="6.6.6.6")
    client.force_login(world.ppr_a)
    assert client.get(f"/boern/{world.child_a1.pk}/").status_code == 200
    [entry] = AccessLogEntry.objects.filter(child_id=world.child_a1.pk, action=Action.VIEW)
    assert entry.source == PARENT


def test_a_forwarded_for_sent_straight_to_the_server_is_not_believed(world: World) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=PARENT)
    client.force_login(world.ppr_a)
    client.get(f"/boern/{world.child_a1.pk}/")
    [entry] = AccessLogEntry.objects.filter(child_id=world.child_a1.pk, action=Action.VIEW)
    assert entry.source == "203.0.113.9"


# --------------------------------------------------------------------------- one-time links


def _wrong_link(client: Client, kind: str = "svar") -> int:
    return client.get(f"/{kind}/{new_token()[0]}/").status_code


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["svar", "organisation/svar"])
def test_ten_wrong_links_from_one_client_behind_the_proxy_do_not_block_another(
    kind: str,
) -> None:
    guesser = _via_proxy(PARENT)
    assert [_wrong_link(guesser, kind) for _ in range(10)] == [404] * 10
    assert _wrong_link(guesser, kind) == 429
    # The next parent comes through the same proxy, and is not blocked.
    assert _wrong_link(_via_proxy(OTHER_PARENT), kind) == 404


@pytest.mark.django_db
def test_a_guesser_cannot_escape_the_limit_by_sending_its_own_forwarded_for() -> None:
    # Through the proxy: what the guesser writes in the header stands left of its address.
    for n in range(10):
        assert _wrong_link(_via_proxy(PARENT, sent_by_client=f"192.0.2.{n}")) == 404
    assert _wrong_link(_via_proxy(PARENT, sent_by_client="192.0.2.99")) == 429
    # Straight to the server, not through the proxy: the header is not read at all.
    for n in range(10):
        direct = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert _wrong_link(direct) == 404
    assert _wrong_link(Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.1.1.1")) == 429
    assert _wrong_link(_via_proxy("192.0.2.3")) == 404


# --------------------------------------------------------------------------- login lock-out


def _login(client: Client, password: str) -> tuple[int, str]:
    response = client.post("/log-ind/", {"username": "leder_a", "password": password})
    return response.status_code, response.content.decode()


def test_the_login_lock_out_is_per_real_client_behind_the_proxy(world: World) -> None:
    attacker = _via_proxy("203.0.113.66")
    for _ in range(4):
        status, page = _login(attacker, "forkert")
        assert status == 200 and "For mange forkerte forsøg" not in page
    assert _login(attacker, "forkert")[0] == 429  # the fifth locks
    status, page = _login(attacker, PASSWORD)  # right, but too late
    assert status == 429 and "For mange forkerte forsøg" in page
    # The attacker cannot shed the lock-out by claiming another address.
    status, page = _login(_via_proxy("203.0.113.66", sent_by_client="192.0.2.1"), PASSWORD)
    assert status == 429 and "For mange forkerte forsøg" in page
    # The leader herself, at the office behind the same proxy, still gets in.
    status, _ = _login(_via_proxy(PARENT), PASSWORD)
    assert status == 302
    [event] = LoginEvent.objects.filter(user=world.lead_a)
    assert event.source == PARENT


def test_a_lock_out_straight_to_the_server_ignores_the_forwarded_for(world: World) -> None:
    for n in range(5):
        direct = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        _login(direct, "forkert")
    direct = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=PARENT)
    assert "For mange forkerte forsøg" in _login(direct, PASSWORD)[1]


# --------------------------------------------------------------------------- conventions


def test_only_the_proxies_module_reads_the_clients_address() -> None:
    pattern = re.compile(r"REMOTE_ADDR|X_FORWARDED_FOR|X-Forwarded-For|ipware", re.IGNORECASE)
    readers = sorted(
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if pattern.search(p.read_text()) and p.name != "settings.py"
    )
    assert readers == ["ops/proxies.py"]


def test_django_does_not_believe_the_https_header_itself() -> None:
    # gunicorn decides, from the trusted proxies only (deploy/gunicorn.conf.py).
    text = (SRC / "settings.py").read_text()
    assert not re.search(r"^\s*SECURE_PROXY_SSL_HEADER\s*=", text, re.MULTILINE)
    conf = (SRC.parent.parent / "deploy" / "gunicorn.conf.py").read_text()
    assert 'forwarded_allow_ips = os.environ.get("SPOR_TRUSTED_PROXIES", "")' in conf


# --------------------------------------------------------------------------- check --deploy


def _deploy_ids() -> set[str]:
    return {m.id for m in run_checks(include_deployment_checks=True) if m.id}


def test_check_deploy_wants_a_shared_cache_and_the_proxy_in_production(settings, db) -> None:  # type: ignore[no-untyped-def]
    # db: in production the deploy checks also ask PostgreSQL about Spor's role (tenancy.checks).
    settings.PRODUCTION = True
    settings.SPOR_CACHE_URL = ""
    settings.SPOR_TRUSTED_PROXIES = []
    assert {"spor.E101", "spor.W102"} <= _deploy_ids()
    settings.SPOR_CACHE_URL = "redis://127.0.0.1:6379/0"
    settings.SPOR_TRUSTED_PROXIES = ["127.0.0.1"]
    assert not {"spor.E101", "spor.W102"} & _deploy_ids()
    settings.PRODUCTION = False
    settings.SPOR_CACHE_URL = ""
    assert not {"spor.E101", "spor.W102"} & _deploy_ids()


def test_compose_gives_web_and_worker_the_shared_cache_and_the_proxy() -> None:
    import yaml

    compose = yaml.safe_load((SRC.parent.parent / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "redis-server" in services["redis"]["command"]
    for name in ("spor", "worker"):
        environment = {**compose["x-spor"]["environment"], **services[name].get("environment", {})}
        assert environment["SPOR_CACHE_URL"] == "redis://redis:6379/0"
        assert environment["SPOR_TRUSTED_PROXIES"]
        depends = {**compose["x-spor"]["depends_on"], **services[name].get("depends_on", {})}
        assert depends["redis"] == {"condition": "service_healthy"}
