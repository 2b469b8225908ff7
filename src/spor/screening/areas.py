"""The screening areas and the colour scale, as data.

``areas.json`` (next to this file) holds the areas a round rates (key, Danish label, short
help text, focus points for yellow and red). A round stores a copy of the definition it
was opened with, so an old round stays readable when the file changes; everything below
works on such a copy.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

GREEN, YELLOW, RED = "groen", "gul", "roed"
COLOURS = (GREEN, YELLOW, RED)
COLOUR_LABELS = {GREEN: "Grøn", YELLOW: "Gul", RED: "Rød"}
# Worse is larger: the position of a child is the worst colour across the areas.
SEVERITY = {GREEN: 0, YELLOW: 1, RED: 2}
CONCERNING = frozenset({YELLOW, RED})

_FILE = Path(__file__).resolve().parent / "areas.json"


@cache
def _definition() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_FILE.read_text(encoding="utf-8"))
    return data


def current_definition() -> dict[str, Any]:
    """A fresh copy of the definition in ``areas.json`` (to store on a new round)."""
    return copy.deepcopy(_definition())


def area_list(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return list(definition.get("areas", []))


def area_keys(definition: dict[str, Any]) -> list[str]:
    return [a["key"] for a in area_list(definition)]


def focus_keys(definition: dict[str, Any], area: str) -> list[str]:
    for a in area_list(definition):
        if a["key"] == area:
            return [f["key"] for f in a.get("focus", [])]
    return []


def area_label(definition: dict[str, Any], area: str) -> str:
    for a in area_list(definition):
        if a["key"] == area:
            return str(a["label"])
    return area


def worst(colours: list[str] | tuple[str, ...] | Any) -> str:
    """The worst colour of those given ('' for none)."""
    found = [c for c in colours if c in SEVERITY]
    return max(found, key=SEVERITY.__getitem__) if found else ""
