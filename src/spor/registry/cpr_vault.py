"""Encryption and keyed look-up of CPR numbers.

The number is stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).
``SPOR_CPR_KEYS`` holds one or more keys, newest first: the first encrypts, every key
decrypts, and ``manage.py spor_rotate_cpr_keys`` re-encrypts all rows with the newest, so
an old key can then be removed. A keyed HMAC-SHA256 (``SPOR_CPR_HMAC_KEY``) finds a child by
CPR without decrypting every row.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

from spor import cpr


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.SPOR_CPR_KEYS))


def encrypt(digits: str) -> str:
    return fernet().encrypt(digits.encode()).decode()


def encrypt_many(numbers: list[str]) -> list[str]:
    """:func:`encrypt` of each (an import's tens of thousands: the key looked up once)."""
    f = fernet()
    return [f.encrypt(d.encode()).decode() for d in numbers]


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash of a CPR number (normalised first). Raises :class:`cpr.CPRError`."""
    digits = cpr.normalize(value)
    key = settings.SPOR_CPR_HMAC_KEY.encode()
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()


def lookup_hashes(numbers: list[str]) -> list[str]:
    """:func:`lookup_hash` of each of many numbers already normalised (ten digits, as
    :func:`cpr.normalize` gives them); the key is set up once."""
    base = hmac.new(settings.SPOR_CPR_HMAC_KEY.encode(), digestmod=hashlib.sha256)
    out = []
    for digits in numbers:
        h = base.copy()
        h.update(digits.encode())
        out.append(h.hexdigest())
    return out
