"""``manage.py check --deploy``: the keys that protect children's data must be strong.

``SPOR_CPR_HMAC_KEY`` turns a CPR number into the hash a child is found by. CPR numbers are
few (about 3.65 million a century's birth dates × 10,000), so a guessable key lets anyone
with a copy of the database recompute every hash and name every child. A key that is
short, repetitive, or the development key (derived from a public phrase) is refused. The
same goes for ``SPOR_PSEUDONYM_KEY`` when it is set.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from typing import Any

from django.conf import settings
from django.core import checks

MIN_LENGTH = 32
MIN_BITS = 90  # estimated from the characters' frequencies (32 random hex digits: ~115)


def weakness(key: str, development_key: str = "") -> str:
    """Why ``key`` is weak, in Danish, or "" when it is strong enough.

    >>> weakness("kort")
    'den er kun 4 tegn (mindst 32)'
    >>> weakness("ab" * 32)
    'den er for ensformig (et tilfældigt tegn sjældent gentaget)'
    >>> import base64, os; weakness(base64.urlsafe_b64encode(os.urandom(32)).decode())
    ''
    """
    if development_key and key == development_key:
        return "det er udviklingsnøglen, som er afledt af en offentlig tekst"
    if len(key) < MIN_LENGTH:
        return f"den er kun {len(key)} tegn (mindst {MIN_LENGTH})"
    counts = Counter(key)
    bits = -sum(n * math.log2(n / len(key)) for n in counts.values())
    periodic = (key + key).find(key, 1) < len(key)  # "Sommer2026!" three times
    repetitive = periodic or len(zlib.compress(key.encode(), 9)) < 0.6 * len(key.encode())
    if bits < MIN_BITS or repetitive:
        return "den er for ensformig (et tilfældigt tegn sjældent gentaget)"
    return ""


def _development_key(label: bytes) -> str:
    import base64
    import hashlib

    phrase = b"spor-development-only-not-secret"  # spor/settings.py's _DEV_PHRASE
    return base64.urlsafe_b64encode(hashlib.sha256(phrase + label).digest()).decode()


@checks.register(checks.Tags.security, deploy=True)
def check_key_strength(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    keys = [
        ("SPOR_CPR_HMAC_KEY", settings.SPOR_CPR_HMAC_KEY, _development_key(b"hmac"), "spor.E201"),
        ("SPOR_PSEUDONYM_KEY", getattr(settings, "SPOR_PSEUDONYM_KEY", ""), "", "spor.E202"),
    ]
    for name, value, development, check_id in keys:
        if not value and name == "SPOR_PSEUDONYM_KEY":
            continue  # derived from SECRET_KEY, which Django's own check covers
        why = weakness(value or "", development)
        if why:
            found.append(
                checks.Error(
                    f"{name} er for svag: {why}.",
                    hint='Lav en ny med fx `python -c "import secrets; '
                    'print(secrets.token_urlsafe(32))"` (og se docs/deployment.md om '
                    "at skifte nøglen for en database med børn).",
                    id=check_id,
                )
            )
    return found
