from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SAMPLE_JSON = EXAMPLES / "orgsync-eksempel.json"
SAMPLE_CSV = EXAMPLES / "orgsync-eksempel.csv"

ANNE = "5b1d7c3e-0000-4000-8000-000000000001"
KARIM = "5b1d7c3e-0000-4000-8000-000000000002"
LISE = "5b1d7c3e-0000-4000-8000-000000000003"
JONAS = "5b1d7c3e-0000-4000-8000-000000000004"


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))
    return data


def upload(data: dict[str, Any] | str | bytes, name: str = "udtraek.json") -> SimpleUploadedFile:
    if isinstance(data, dict):
        content = json.dumps(data, ensure_ascii=False).encode()
    elif isinstance(data, str):
        content = data.encode()
    else:
        content = data
    return SimpleUploadedFile(name, content)
