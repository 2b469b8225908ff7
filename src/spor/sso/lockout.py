"""The username the login lock-out (django-axes) records for a failed attempt.

Axes takes it from the posted form as it is, before the login form has checked it, and
writes it to a 255-character column: a 20,000-character name, or one with a NUL byte,
made PostgreSQL refuse the write (a 500 instead of "wrong username or password"). The
name is recorded as the login form would accept it: no NUL characters, at most as long as a
username may be."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

MAX_USERNAME = 150  # accounts.User.username


def username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    return str(raw or "").replace("\x00", "")[:MAX_USERNAME]
