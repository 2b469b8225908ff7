"""Helpers for the measurement tests: answers, links from the sent e-mails, actors."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail

from spor.accounts.access import Actor
from spor.accounts.models import Membership
from tests.conftest import World

LINK_RE = re.compile(r"https?://[^\s]+/svar/([A-Za-z0-9_-]{43})/")


def actor(w: World, user: Any) -> Actor:
    return Actor(
        user=user, membership=Membership.objects.get(user=user, municipality__in=[w.a, w.b])
    )


def tokens_in_outbox() -> list[str]:
    return [m for msg in mail.outbox for m in LINK_RE.findall(msg.body)]


def answers(value: int = 1, **changes: int | None) -> dict[str, int | None]:
    out: dict[str, int | None] = {f"sdq{n}": value for n in range(1, 26)}
    out.update(changes)
    return out


def post_data(
    items: dict[str, int | None], impact: dict[str, int | None] | None = None
) -> dict[str, str]:
    data = {f"q-{k}": str(v) for k, v in items.items() if v is not None}
    for k, v in (impact or {"ebddiff": 0}).items():
        if v is not None:
            data[f"q-{k}"] = str(v)
    return data
