"""`check --deploy` for what a production deployment needs beyond Django's own checks: a
cache shared by the workers, and the proxy that is trusted with the client's address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION or settings.SPOR_CACHE_URL:
        return []
    return [
        Error(
            "Uden SPOR_CACHE_URL har hver gunicorn-arbejder sin egen cache: grænsen for "
            "forkerte engangslinks tæller i hver proces for sig og nulstilles, når en "
            "arbejder genstartes.",
            hint="Sæt SPOR_CACHE_URL til en Redis-server, fx redis://127.0.0.1:6379/0 "
            "(docs/deployment.md).",
            id="spor.E101",
        )
    ]


@register(Tags.security, deploy=True)
def trusted_proxies(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION or settings.SPOR_TRUSTED_PROXIES:
        return []
    return [
        Warning(
            "SPOR_TRUSTED_PROXIES er tom: bag en reverse proxy får alle klienter proxyens "
            "adresse (grænsen for forkerte links og login-spærringen rammer alle på én "
            "gang), og gunicorn tror ikke på proxyens X-Forwarded-Proto.",
            hint="Sæt SPOR_TRUSTED_PROXIES til den adresse, proxyen forbinder fra, fx "
            "127.0.0.1 (docs/deployment.md).",
            id="spor.W102",
        )
    ]
