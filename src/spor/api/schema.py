"""The OpenAPI description: every operation also documents its Danish error answers, so
that a client (and the schemathesis run in the suite) knows every status it can get."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from spor.api.serializers import ErrorSerializer

ERRORS_ALWAYS = {
    "401": "Ingen eller ukendt nøgle.",
    "403": "Nøglen mangler den rettighed, handlingen kræver.",
    "404": "Findes ikke, eller hører til en anden kommune.",
}
ERRORS_WRITE = {
    "400": "Data kan ikke bruges; beskeden siger, hvad der skal rettes.",
    "412": "Posten er ændret siden læsningen (If-Match passer ikke).",
    "428": "If-Match mangler.",
}


class SporSchema(AutoSchema):
    """Views name their request bodies per method (``request_serializers``) and extra query
    parameters (``extra_parameters``), instead of decorators."""

    def get_request_serializer(self) -> Any:
        chosen = getattr(self.view, "request_serializers", {}).get(self.method)
        return chosen or super().get_request_serializer()

    def get_response_serializers(self) -> Any:
        if self.method == "POST" and getattr(self.view, "request_serializers", {}).get("POST"):
            view: Any = self.view  # a Spor ApiView, a GenericAPIView
            return {"201": view.get_serializer_class()}
        return super().get_response_serializers()

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        errors = dict(ERRORS_ALWAYS)
        if self.method in ("PUT", "PATCH"):
            errors.update(ERRORS_WRITE)
        if self.method in ("POST", "GET"):
            errors["400"] = ERRORS_WRITE["400"]
        for code, description in errors.items():
            if code not in responses:
                body = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    ErrorSerializer, code, direction=direction
                )
                body["description"] = description
                responses[code] = body
        return responses

    def get_override_parameters(self) -> list[Any]:
        params = list(super().get_override_parameters())
        params += list(getattr(self.view, "extra_parameters", []))
        if self.method in ("PUT", "PATCH"):
            params.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="ETag fra den seneste læsning; kræves (ellers 428).",
                )
            )
        return params


class BearerScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "spor.api.authentication.BearerTokenAuthentication"
    name = "noegle"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "En API-nøgle, oprettet af PPR-lederen under /api/noegler/.",
        }


class LeadSessionScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "spor.api.authentication.LeadSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
