"""Security headers on every response (see :mod:`spor.ops.security`)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from spor.ops.security import PERMISSIONS_POLICY, content_security_policy


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy. Django's SecurityMiddleware already
    sends X-Content-Type-Options, Referrer-Policy, Cross-Origin-Opener-Policy and (in
    production) HSTS; XFrameOptionsMiddleware sends X-Frame-Options."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        policy = getattr(settings, "SPOR_CSP", "") or content_security_policy()
        report_only = getattr(settings, "SPOR_CSP_REPORT_ONLY", False)
        self.csp_header = (
            "Content-Security-Policy-Report-Only" if report_only else "Content-Security-Policy"
        )
        self.csp = policy

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(self.csp_header, self.csp)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
