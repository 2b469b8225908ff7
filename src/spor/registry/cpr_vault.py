"""Encryption and keyed look-up of CPR numbers.

The number is stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).
An import's tens of thousands of numbers are encrypted in one pass (:func:`encrypt_many`),
into exactly the tokens Fernet makes (``tests/registry/test_cpr_vault.py`` compares them).
``SPOR_CPR_KEYS`` holds one or more keys, newest first: the first encrypts, every key
decrypts, and ``manage.py spor_rotate_cpr_keys`` re-encrypts all rows with the newest, so
an old key can then be removed. A keyed HMAC-SHA256 (``SPOR_CPR_HMAC_KEY``) finds a child by
CPR without decrypting every row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
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
    """:func:`encrypt` of each: the same Fernet tokens (new key first, a random IV each),
    made in one pass for an import's tens of thousands of numbers.

    Fernet pads a ten-digit number to one AES block, and CBC of one block is the block
    cipher applied to the block XOR the IV; so every number is XORed with its own random IV
    and all the blocks go through AES in one call (ECB over independent blocks, which is
    exactly CBC of each one-block message). Each token is then signed with HMAC-SHA256 as
    Fernet does. Anything longer than one block goes through Fernet itself."""
    data = [d.encode() for d in numbers]
    if not data:
        return []
    if any(len(d) >= _BLOCK for d in data):
        f = fernet()
        return [f.encrypt(d).decode() for d in data]
    return _fernet_tokens(data, os.urandom(_BLOCK * len(data)), int(time.time()))


_BLOCK = 16  # AES's block, in bytes


def _fernet_tokens(data: list[bytes], ivs: bytes, at: int) -> list[str]:
    """Fernet tokens of one-block messages (each shorter than 16 bytes) with the given IVs
    (16 bytes each, in order) and time stamp, under the newest key (as
    ``Fernet._encrypt_from_parts``). Split out so a test can give the IVs."""
    signing_key, encryption_key = _key_parts(settings.SPOR_CPR_KEYS[0])
    # PKCS7: pad each message to the block with the count of padding bytes.
    padded = b"".join(d + bytes([_BLOCK - len(d)]) * (_BLOCK - len(d)) for d in data)
    size = len(padded)
    blocks = (int.from_bytes(padded, "big") ^ int.from_bytes(ivs, "big")).to_bytes(size, "big")
    encryptor = Cipher(algorithms.AES(encryption_key), modes.ECB()).encryptor()  # noqa: S305 (CBC per block, above)
    cipher = encryptor.update(blocks) + encryptor.finalize()
    head = b"\x80" + struct.pack(">Q", at)
    bodies = [head + ivs[i : i + _BLOCK] + cipher[i : i + _BLOCK] for i in range(0, size, _BLOCK)]
    encode = base64.urlsafe_b64encode
    return [
        encode(body + mac).decode()
        for body, mac in zip(bodies, _hmac_sha256_many(signing_key, bodies), strict=True)
    ]


@cache
def _key_parts(key: str) -> tuple[bytes, bytes]:
    """A Fernet key's signing and encryption keys, after Fernet's own check of the key: a
    key of another length would otherwise split into an HMAC key and an AES-256 (or
    invalid) key here, and the batch would write tokens no key decrypts, where
    :func:`encrypt` refuses the key."""
    Fernet(key.encode())  # raises ValueError unless 32 url-safe base64-encoded bytes
    raw = base64.urlsafe_b64decode(key)
    return raw[:16], raw[16:]


def _hmac_sha256_many(key: bytes, messages: list[bytes]) -> list[bytes]:
    """``hmac.digest(key, m, "sha256")`` of each message (RFC 2104), with the key's inner and
    outer hash states computed once instead of once per message (a third of the time)."""
    if len(key) > 64:  # SHA-256's block
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    out = []
    for message in messages:
        h = inner.copy()
        h.update(message)
        o = outer.copy()
        o.update(h.digest())
        out.append(o.digest())
    return out


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
    key = settings.SPOR_CPR_HMAC_KEY.encode()
    return [mac.hex() for mac in _hmac_sha256_many(key, [d.encode() for d in numbers])]
