"""ETags for safe updates: a keyed hash of the representation a client last read. A change
must send it back in If-Match (428 without it); if the record has changed since, 412.

The hash is keyed (HMAC with the secret key) because a representation may hold a CPR
number, and a plain hash of few possible values could be reversed."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from rest_framework.request import Request

from spor.api.errors import PreconditionFailed, PreconditionRequired


def etag_of(data: Any) -> str:
    body = json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()
    key = hashlib.sha256(b"spor-api-etag" + settings.SECRET_KEY.encode()).digest()
    return '"' + hmac.new(key, body, hashlib.sha256).hexdigest()[:40] + '"'


def check_if_match(request: Request, current: str) -> None:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    if header == "*":
        return
    offered = [tag.strip() for tag in header.split(",")]
    # If-Match uses the strong comparison: a weak tag never matches.
    if current not in offered:
        raise PreconditionFailed()
