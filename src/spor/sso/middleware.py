"""The one place that holds a half-logged-in session back.

With ``SPOR_TOTP_REQUIRED`` on (always in production), a person who has a role (all of
Spor's roles see children) or is a system administrator, and who logged in with a password
but has not yet given a TOTP code, reaches only the code pages and the logout: every other
request is sent to the code page. Sessions from the municipality's broker are marked done
when they are made (the broker does the MFA). Placed right after Django's authentication
middleware, before the tenancy middleware, so such a session never acts in a municipality.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from spor.sso.selectors import needs_second_factor
from spor.sso.session import second_factor_done


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _open_paths(self) -> tuple[str, ...]:
        return (
            reverse("sso:totp"),
            reverse("sso:totp_enrol"),
            reverse("logout"),
            "/" + settings.STATIC_URL.lstrip("/"),
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            getattr(settings, "SPOR_TOTP_REQUIRED", True)
            and request.user.is_authenticated
            and not second_factor_done(request)
            and not request.path_info.startswith(self._open_paths())
            and needs_second_factor(request.user)
        ):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('sso:totp')}?{query}")
        return self.get_response(request)
