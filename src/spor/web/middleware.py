"""Danish first: the screens are in Danish, whatever the browser asks for (Spor ships no
other language; should a complete catalogue be added, the person picks it)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class DanishFirstMiddleware:
    """Placed before Django's LocaleMiddleware: the browser's Accept-Language is not asked,
    so the language is the one the person chose in the menu (its cookie) or Danish. A
    browser set to English used to get half English, half Danish."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
