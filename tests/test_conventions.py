"""Conventions the code base keeps, checked so that they stay kept."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "spor"


def view_modules() -> list[Path]:
    return sorted(
        p for p in SRC.rglob("*.py") if p.name == "views.py" or p.name.endswith("_views.py")
    )


@pytest.mark.parametrize("path", view_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_views_read_through_scoped_selectors_not_model_managers(path: Path) -> None:
    # Tenancy is enforced in the selectors; a view that queries `.objects` bypasses it.
    offending = [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.objects\b", line)
    ]
    assert offending == []


# Tables that legitimately span municipalities: national records that hold no data about a
# person or a municipality's work. The framework of faglige pejlemærker (its versions, the
# five pejlemærker and their points) is one public text for the whole country; a programme
# (partnerskab) is funded nationally and joined by several municipalities; its administrator
# is a national role. A municipality's part in a programme, its plan and initiatives are
# tenant tables as usual.
NOT_TENANT = {
    "programme.benchmarkframework",
    "programme.benchmark",
    "programme.benchmarkitem",
    "programme.programme",
    "programme.programmeadmin",
    "programme.programmeevaluator",
    # The worker's record of when each scheduled job ran: job names and times only.
    "ops.scheduledrun",
}


def test_every_tenant_model_is_a_tenant_model() -> None:
    import django
    from django.apps import apps

    django.setup()
    from spor.tenancy.models import Municipality, TenantModel

    person_tables = [
        m
        for m in apps.get_models()
        if m.__module__.startswith("spor.")
        and m not in (Municipality,)
        and m._meta.model_name != "user"
        and m._meta.label_lower not in NOT_TENANT
    ]
    assert person_tables
    for model in person_tables:
        assert issubclass(model, TenantModel), f"{model.__name__} has no municipality"


def test_production_refuses_to_start_without_its_keys() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOR_")}
    env.update({"SPOR_ENV": "production", "DJANGO_SETTINGS_MODULE": "spor.settings"})
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    for name in ("SPOR_SECRET_KEY", "SPOR_CPR_KEYS", "SPOR_CPR_HMAC_KEY"):
        assert name in result.stderr


def test_production_starts_with_its_keys_and_secure_settings() -> None:
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOR_")}
    env.update(
        {
            "SPOR_ENV": "production",
            "SPOR_SECRET_KEY": "x" * 60,
            "SPOR_CPR_KEYS": Fernet.generate_key().decode(),
            "SPOR_CPR_HMAC_KEY": "y" * 40,
            "DJANGO_SETTINGS_MODULE": "spor.settings",
        }
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]


# The one module that tells the database who is acting (docs/tenancy.md).
SETTING_WRITER = SRC / "tenancy" / "rls.py"


def test_only_one_module_writes_the_database_settings() -> None:
    # Anyone else calling set_config (or SET spor.…) could open a wall on their own terms.
    pattern = re.compile(r"set_config|\bSET\s+(LOCAL\s+)?(spor\.|ROLE\b)", re.IGNORECASE)
    offending = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if path != SETTING_WRITER
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offending == []
    assert "set_config" in SETTING_WRITER.read_text()
