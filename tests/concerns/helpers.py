"""Small helpers for the concern tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from spor.accounts.access import Actor
from spor.accounts.models import Membership
from tests.conftest import World


def member(w: World, user: Any) -> Membership:
    return Membership.objects.get(user=user, municipality__in=[w.a, w.b])


def actor(w: World, user: Any) -> Actor:
    return Actor(user=user, membership=member(w, user))


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)
