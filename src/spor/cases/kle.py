"""KLE emnenumre (KL's Emnesystematik) on cases, so that retention rules and the archive
can find a case by its subject. The numbers Spor offers come from ``data/kle.json``, a small
selection that a municipality may edit; no Django here."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "kle.json"
FORMAT = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")

MSG_FORMAT = "Skriv KLE-emnenummeret som tre tal med to cifre adskilt af punktum, fx 27.20.00."
MSG_UNKNOWN = "KLE-emnenummeret {number} er ikke på Spors liste. Vælg et nummer fra listen."


class KLEError(ValueError):
    """A KLE number that is malformed or not on the list; the message is Danish."""


@cache
def _load() -> tuple[str, dict[str, str]]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    numbers = {row["number"]: row["title"] for row in data["numbers"]}
    for number in numbers:
        if not FORMAT.match(number):
            raise ValueError(f"{DATA_FILE}: {number!r} is not dd.dd.dd")
    if data["default"] not in numbers:
        raise ValueError(f"{DATA_FILE}: the default {data['default']!r} is not in the list")
    return data["default"], numbers


def default() -> str:
    """The number a new case gets unless another is chosen (PPR's own subject)."""
    return _load()[0]


def titles() -> dict[str, str]:
    """{number: title} in the file's order."""
    return dict(_load()[1])


def choices() -> list[tuple[str, str]]:
    return [(n, f"{n} {t}") for n, t in _load()[1].items()]


def title(number: str) -> str:
    return _load()[1].get(number, "")


def check(value: str) -> str:
    """The number, stripped; :class:`KLEError` if it is not ``dd.dd.dd`` or not on the list."""
    number = (value or "").strip()
    if not FORMAT.match(number):
        raise KLEError(MSG_FORMAT)
    if number not in _load()[1]:
        raise KLEError(MSG_UNKNOWN.format(number=number))
    return number
