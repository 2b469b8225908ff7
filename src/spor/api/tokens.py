"""The secret of an API token: made, shown once, kept only as a hash."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "spor_"


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def visible_prefix(secret: str) -> str:
    """The first characters, so that people can tell their tokens apart."""
    return secret[:12]
