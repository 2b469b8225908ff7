"""The survey's Likert items, shipped as data in ``items.json`` (Spor's own wording).

Each pejlemærke (1–5) has three or four statements, answered on a five-point scale from
*Helt uenig* (1) to *Helt enig* (5), or *Ved ikke* (stored as ``None``). A round keeps its
own copy of the items, so later edits of the file do not change old rounds.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from spor.lib.ids import parse_small_int

ITEMS_FILE = Path(__file__).with_name("items.json")
SCALE = (1, 2, 3, 4, 5)
DONT_KNOW = "vet_ikke"


@cache
def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ITEMS_FILE.read_text(encoding="utf-8"))
    check(data)
    return data


def shipped() -> dict[str, Any]:
    """A fresh copy of the shipped item set (safe to store in a round)."""
    copy: dict[str, Any] = json.loads(json.dumps(_shipped()))
    return copy


def check(data: dict[str, Any]) -> None:
    """Refuse a broken item file: five pejlemærker 1–5, unique codes, non-empty texts."""
    numbers = [b["number"] for b in data["benchmarks"]]
    if sorted(numbers) != [1, 2, 3, 4, 5]:
        raise ValueError(f"items.json: pejlemærker {numbers}, ventede 1–5")
    codes = [i["code"] for b in data["benchmarks"] for i in b["items"]]
    if len(codes) != len(set(codes)):
        raise ValueError("items.json: en kode går igen")
    if any(not i["text"].strip() for b in data["benchmarks"] for i in b["items"]):
        raise ValueError("items.json: et udsagn er tomt")
    if sorted(data["scale"]) != [str(v) for v in SCALE]:
        raise ValueError("items.json: skalaen skal være 1–5")


def codes(data: dict[str, Any]) -> list[str]:
    return [i["code"] for b in data["benchmarks"] for i in b["items"]]


def texts(data: dict[str, Any]) -> dict[str, str]:
    return {i["code"]: i["text"] for b in data["benchmarks"] for i in b["items"]}


def read_answers(data: dict[str, Any], posted: Any) -> tuple[dict[str, int | None], list[str]]:
    """The answers of a posted form, and a Danish message for every missing or bad one.

    Every item must be answered: 1–5 or »Ved ikke«. Anything else (0, 6, text) is refused."""
    answers: dict[str, int | None] = {}
    errors: list[str] = []
    all_texts = texts(data)
    for code in codes(data):
        raw = str(posted.get(code, "")).strip()
        if raw == "":
            errors.append(f"Du mangler at svare på »{all_texts[code]}«.")
        elif raw == DONT_KNOW:
            answers[code] = None
        elif (value := parse_small_int(raw)) is not None and value in SCALE:
            answers[code] = value
        else:
            errors.append(
                f"Svaret på »{all_texts[code]}« skal være et tal fra 1 til 5 eller »Ved ikke«."
            )
    return answers, errors
