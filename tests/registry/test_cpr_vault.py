"""The CPR vault's batch encryption and hashing give what Fernet and HMAC give one at a time:
byte for byte the same tokens, so every stored number decrypts with the keys as before."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time

import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

from spor.registry import cpr_vault

NUMBERS = ["0101204001", "1506194012", "3112184123", "2902084000"]


def test_the_batch_makes_fernets_own_tokens_byte_for_byte() -> None:
    ivs = os.urandom(16 * len(NUMBERS))
    at = 1_800_000_000
    fernet = Fernet(settings.SPOR_CPR_KEYS[0].encode())
    expected = [
        fernet._encrypt_from_parts(n.encode(), at, ivs[16 * i : 16 * i + 16]).decode()
        for i, n in enumerate(NUMBERS)
    ]
    assert cpr_vault._fernet_tokens([n.encode() for n in NUMBERS], ivs, at) == expected


def test_every_message_length_that_fits_one_block_pads_as_fernet_does() -> None:
    # PKCS7 at its edges: an empty message is a whole block of padding, 15 bytes one byte.
    messages = [bytes(range(48, 48 + n)) for n in range(16)]
    ivs = os.urandom(16 * len(messages))
    fernet = Fernet(settings.SPOR_CPR_KEYS[0].encode())
    expected = [
        fernet._encrypt_from_parts(m, 1_800_000_000, ivs[16 * i : 16 * i + 16]).decode()
        for i, m in enumerate(messages)
    ]
    assert cpr_vault._fernet_tokens(messages, ivs, 1_800_000_000) == expected


def test_encrypt_many_decrypts_with_every_key_and_uses_a_new_iv_each_time() -> None:
    tokens = cpr_vault.encrypt_many(NUMBERS + NUMBERS[:1])
    assert [cpr_vault.decrypt(t) for t in tokens] == NUMBERS + NUMBERS[:1]
    assert tokens[0] != tokens[-1]  # same number, another IV
    # Under the newest key, with the version byte and a current time stamp.
    newest = MultiFernet([Fernet(settings.SPOR_CPR_KEYS[0].encode())])
    assert newest.decrypt(tokens[1].encode()) == NUMBERS[1].encode()
    raw = Fernet._get_unverified_token_data(tokens[1])[1]
    assert raw[:1] == b"\x80"
    assert abs(struct.unpack(">Q", raw[1:9])[0] - time.time()) < 3600
    assert cpr_vault.encrypt_many([]) == []


def test_a_message_longer_than_a_block_goes_through_fernet() -> None:
    long = "1" * 20
    assert cpr_vault.decrypt(cpr_vault.encrypt_many([long, NUMBERS[0]])[0]) == long


@pytest.mark.parametrize("key", [b"k" * 16, b"k" * 64, b"k" * 100])
def test_the_hmac_helper_is_hmac_sha256(key: bytes) -> None:
    messages = [n.encode() for n in NUMBERS]
    assert cpr_vault._hmac_sha256_many(key, messages) == [
        hmac.digest(key, m, "sha256") for m in messages
    ]


def test_lookup_hashes_are_the_keyed_hash_of_each_number() -> None:
    key = settings.SPOR_CPR_HMAC_KEY.encode()
    assert cpr_vault.lookup_hashes(NUMBERS) == [
        hmac.new(key, n.encode(), hashlib.sha256).hexdigest() for n in NUMBERS
    ]
    assert cpr_vault.lookup_hashes(NUMBERS[:1]) == [cpr_vault.lookup_hash("010120-4001")]


@pytest.mark.parametrize("key", [base64.urlsafe_b64encode(b"k" * 48), b"not a key"])
def test_the_batch_refuses_a_key_fernet_refuses(settings, key: bytes) -> None:
    # A 48-byte key would otherwise encrypt with AES-256 into tokens no key decrypts.
    settings.SPOR_CPR_KEYS = [key.decode()]
    with pytest.raises(ValueError, match="Fernet key"):
        cpr_vault.encrypt(NUMBERS[0])
    with pytest.raises(ValueError, match="Fernet key"):
        cpr_vault.encrypt_many(NUMBERS)
