"""Logging in: the password form, the municipality's broker (OIDC), and TOTP codes."""

from __future__ import annotations

import base64
import hmac
import logging
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from spor.accounts.access import SESSION_KEY as MEMBERSHIP_SESSION_KEY
from spor.ops.proxies import client_address
from spor.sso import oidc, selectors, services
from spor.sso.forms import MSG_MUNICIPALITY, StartForm
from spor.sso.models import LoginMethod, LoginOutcome
from spor.sso.session import OIDC_FLOW, OIDC_LOGOUT, mark_second_factor, second_factor_done

log = logging.getLogger(__name__)


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _totp_required(request: HttpRequest) -> bool:
    return bool(getattr(settings, "SPOR_TOTP_REQUIRED", True)) and selectors.needs_second_factor(
        request.user  # type: ignore[arg-type]
    )


class LoginView(auth_views.LoginView):
    """Django's password login, with a button per municipality's broker, the login logged,
    and the way on to the code page when a second factor is needed."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["providers"] = selectors.login_providers()
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        services.login_event_record(
            municipality_ids=selectors.municipality_ids_of(user),
            user=user,
            method=LoginMethod.PASSWORD,
            outcome=LoginOutcome.SUCCESS,
            source=client_address(self.request),
        )
        if _totp_required(self.request):
            query = urlencode({"next": self.get_success_url()})
            return HttpResponseRedirect(f"{reverse('sso:totp')}?{query}")
        return response


def _login_problem(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "sso/problem.html", {"message": message}, status=status)


@never_cache
@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    form = StartForm(request.GET)
    if not form.is_valid():
        return _login_problem(request, MSG_MUNICIPALITY)
    provider = selectors.provider_for_login(form.cleaned_data["kommune"])
    if provider is None:
        raise Http404
    if not provider.client_secret:
        log.error("OIDC: no client secret for municipality %s", provider.municipality.code)
        return _login_problem(
            request, "Kommunens login er ikke sat helt op endnu. Kontakt din administrator.", 503
        )
    flow = oidc.Flow.new()
    try:
        url = oidc.authorization_url(
            issuer=provider.issuer,
            client_id=provider.client_id,
            redirect_uri=request.build_absolute_uri(reverse("sso:callback")),
            scopes=provider.scopes,
            flow=flow,
        )
    except oidc.OidcError as exc:
        log.warning("OIDC start for %s: %s", provider.municipality.code, exc)
        return _login_problem(
            request, "Kommunens login svarer ikke lige nu. Prøv igen om lidt.", 502
        )
    request.session[OIDC_FLOW] = {
        "state": flow.state,
        "nonce": flow.nonce,
        "code_verifier": flow.code_verifier,
        "provider": provider.pk,
        "next": _safe_next(request, request.GET.get("next")),
    }
    return HttpResponseRedirect(url)


@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    started = request.session.pop(OIDC_FLOW, None)  # one callback per start
    state = request.GET.get("state", "")
    if not isinstance(started, dict) or not hmac.compare_digest(
        state.encode(), str(started.get("state", "")).encode()
    ):
        return _login_problem(
            request,
            "Login kunne ikke gennemføres, fordi svaret fra kommunens login ikke passer til "
            "dette login-forsøg. Start forfra fra login-siden.",
        )
    provider = selectors.provider_by_id(int(started["provider"]))
    if provider is None:
        return _login_problem(request, "Kommunens login er ikke længere sat op i Spor.")
    if request.GET.get("error"):
        return _login_problem(request, "Login blev afbrudt eller afvist hos kommunens login.")
    # RFC 9207: the broker names itself, so a code from another broker is not taken.
    if "iss" in request.GET and request.GET["iss"].rstrip("/") != provider.issuer.rstrip("/"):
        return _login_problem(request, "Svaret kom fra en anden udsteder end kommunens login.")
    code = request.GET.get("code", "")
    if not code:
        return _login_problem(request, "Svaret fra kommunens login manglede en kode.")
    flow = oidc.Flow(
        state=started["state"], nonce=started["nonce"], code_verifier=started["code_verifier"]
    )
    try:
        claims, id_token = oidc.exchange_code(
            issuer=provider.issuer,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            redirect_uri=request.build_absolute_uri(reverse("sso:callback")),
            code=code,
            flow=flow,
        )
    except oidc.OidcError as exc:
        log.warning("OIDC callback for %s: %s", provider.municipality.code, exc)
        return _login_problem(
            request, "Svaret fra kommunens login kunne ikke godkendes. Prøv igen.", 502
        )
    result = services.oidc_login(provider=provider, claims=claims, source=client_address(request))
    if result.user is None:
        return render(
            request,
            "sso/no_access.html",
            {"municipality": provider.municipality},
            status=403,
        )
    login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
    mark_second_factor(request, "oidc")
    request.session[OIDC_LOGOUT] = {"provider": provider.pk, "id_token": id_token}
    membership_id = selectors.membership_id_in(result.user, provider.municipality_id)
    if membership_id is not None:
        request.session[MEMBERSHIP_SESSION_KEY] = membership_id
    return HttpResponseRedirect(_safe_next(request, started.get("next")))


@never_cache
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Log out of Spor; after a login through the municipality's broker, also out of the
    broker (so the next person at a shared computer is asked to log in there again), which
    then sends the browser back to Spor's login page. If the broker cannot be reached, the
    person is logged out of Spor all the same."""
    through = request.session.get(OIDC_LOGOUT)
    auth_logout(request)
    if isinstance(through, dict):
        provider = selectors.provider_by_id(int(through.get("provider", 0)))
        if provider is not None:
            try:
                url = oidc.end_session_url(
                    issuer=provider.issuer,
                    client_id=provider.client_id,
                    id_token=str(through.get("id_token", "")),
                    post_logout_redirect_uri=request.build_absolute_uri(reverse("login")),
                )
            except oidc.OidcError as exc:
                log.warning("OIDC logout for %s: %s", provider.municipality.code, exc)
                url = None
            if url:
                return HttpResponseRedirect(url)
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _code_page(
    request: HttpRequest, *, enrolling: bool, template: str, context: dict[str, Any]
) -> HttpResponse:
    """The shared part of the two code pages: check the posted code, or show the form."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if second_factor_done(request) or not _totp_required(request):
        return HttpResponseRedirect(next_url)
    device = context["device"]
    error = ""
    if request.method == "POST":
        check = services.totp_code_check(
            user=request.user,  # type: ignore[arg-type]
            device=device,
            code=request.POST.get("code", ""),
            source=client_address(request),
            enrolling=enrolling,
        )
        if check.ok:
            mark_second_factor(request, "totp")
            return HttpResponseRedirect(next_url)
        if check.wait_until is not None:
            error = (
                "For mange forkerte koder. Vent lidt, og prøv så igen med den kode, appen viser nu."
            )
        else:
            error = "Koden er forkert eller udløbet. Skriv de seks cifre, appen viser nu."
    return render(
        request,
        template,
        {**context, "error": error, "next": next_url},
        status=400 if error else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def totp(request: HttpRequest) -> HttpResponse:
    device = selectors.confirmed_device(request.user)  # type: ignore[arg-type]
    if device is None and not second_factor_done(request) and _totp_required(request):
        query = urlencode({"next": request.GET.get("next", "")})
        return redirect(f"{reverse('sso:totp_enrol')}?{query}")
    return _code_page(
        request, enrolling=False, template="sso/totp.html", context={"device": device}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request: HttpRequest) -> HttpResponse:
    if selectors.confirmed_device(request.user) is not None:  # type: ignore[arg-type]
        query = urlencode({"next": request.GET.get("next", "")})
        return redirect(f"{reverse('sso:totp')}?{query}")
    if second_factor_done(request) or not _totp_required(request):
        return HttpResponseRedirect(_safe_next(request, request.GET.get("next")))
    device = services.totp_device_for_enrolment(user=request.user)  # type: ignore[arg-type]
    qr = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title="QR-kode til din engangskode-app"
    )
    secret = _base32(device.bin_key)
    return _code_page(
        request,
        enrolling=True,
        template="sso/totp_enrol.html",
        context={"device": device, "qr": qr, "secret": secret},
    )


def _base32(key: bytes) -> str:
    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
