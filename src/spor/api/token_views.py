"""The PPR-leder's screen for API tokens: make one (its secret shown once), see when each
was last used, revoke one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from spor.accounts.access import Actor
from spor.accounts.decorators import lead_required
from spor.api import selectors, services
from spor.api.scopes import SCOPES
from spor.lib.ids import parse_id


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Navn",
        max_length=100,
        help_text="Fx integrationens navn: »Elevadministration« eller »Ledelsesinformation«.",
        error_messages={"required": services.MSG_NAME},
    )
    scopes = forms.MultipleChoiceField(
        label="Rettigheder",
        choices=list(SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": services.MSG_SCOPES},
    )


@never_cache
@lead_required
def token_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _, secret = services.api_token_create(
                    actor=actor, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
                )
            except ValidationError as e:
                for field, errs in e.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
        if not form.is_bound or form.errors:
            status = 400
        else:
            form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": list(selectors.tokens_for(actor)),
            "secret": secret,
            "scopes": SCOPES,
        },
        status=status,
    )


@lead_required
def token_revoke(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method != "POST":
        return redirect("api:tokens")
    token_id = parse_id(request.POST.get("token")) or 0
    token = selectors.get_apitoken_for_user(actor, token_id)
    services.api_token_revoke(actor=actor, token=token)
    messages.success(request, f"Nøglen »{token.name}« er tilbagekaldt og virker ikke længere.")
    return redirect("api:tokens")
