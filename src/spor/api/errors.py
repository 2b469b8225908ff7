"""Errors in Danish, in one shape: ``{"detail": "…"}``, or per field ``{"felt": ["…"]}``.
The apps' services raise Django's ValidationError and PermissionDenied; they become 400 and
403 here with the services' own Danish messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

MSG_PRECONDITION_REQUIRED = (
    "Send headeren If-Match med den ETag, du fik ved læsningen, så ingen andres ændring "
    "overskrives."
)
MSG_PRECONDITION_FAILED = (
    "Posten er ændret, siden du læste den. Hent den igen, og send den nye ETag i If-Match."
)
DANISH = {
    exceptions.NotFound: "Ikke fundet.",
    exceptions.MethodNotAllowed: "Metoden er ikke tilladt her.",
    exceptions.NotAuthenticated: "Log ind, eller angiv en API-nøgle.",
    exceptions.UnsupportedMediaType: "Send data som JSON (Content-Type: application/json).",
    exceptions.ParseError: "Data kunne ikke læses; send gyldig JSON.",
    exceptions.NotAcceptable: "Svar kan kun gives som JSON.",
}


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = MSG_PRECONDITION_REQUIRED
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = MSG_PRECONDITION_FAILED
    default_code = "precondition_failed"


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail: Any = (
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": " ".join(exc.messages)}
        )
        if isinstance(detail, dict) and list(detail) == ["__all__"]:
            detail = {"detail": " ".join(detail["__all__"])}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "Du har ikke adgang til dette.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    message = DANISH.get(type(exc))
    untranslated = isinstance(exc, exceptions.APIException) and (
        str(exc.detail) == str(exc.default_detail)
        # DRF's own wording: the method, the media type, the JSON parser's English and internals
        or isinstance(
            exc,
            exceptions.MethodNotAllowed | exceptions.ParseError | exceptions.UnsupportedMediaType,
        )
    )
    if message is not None and untranslated:
        assert isinstance(exc, exceptions.APIException)
        exc.detail = exceptions.ErrorDetail(message, exc.default_code)
    return exception_handler(exc, context)
