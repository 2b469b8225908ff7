"""Prepare the load test's database and print what the locust users need (JSON on stdout).

    SPOR_DATABASE_URL=... python loadtest/prepare.py --children 60000 --teachers 200 --ppr 20

Generates the demo municipality with ``spor_demo`` if it is not there yet (the cached
database keeps it between runs), then picks the open screening round and, for many
teachers, a group each of them rates (with parents informed) and its children; for PPR
staff, the round's overview. Logins are made as sessions up front, with the second factor
marked done: the test is about the screening week, not about logging in.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
os.environ.setdefault("SPOR_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from spor.accounts.models import GroupAssignment, Membership, User  # noqa: E402
from spor.registry.models import Child  # noqa: E402
from spor.screening import selectors as sel  # noqa: E402
from spor.screening.models import ScreeningRound  # noqa: E402
from spor.tenancy.models import Municipality  # noqa: E402


def session_for(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["spor_second_factor"] = "totp"  # spor.sso.session.SECOND_FACTOR
    session.create()
    assert session.session_key is not None
    return session.session_key


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=60_000)
    parser.add_argument("--teachers", type=int, default=200)
    parser.add_argument("--ppr", type=int, default=20)
    args = parser.parse_args()
    muni = Municipality.objects.filter(code="999").first()
    if muni is None:
        print(f"Laver demokommunen med {args.children:,} børn …", file=sys.stderr, flush=True)
        call_command("spor_demo", children=args.children, seed=1, no_progress=True,
                     stdout=io.StringIO())  # fmt: skip
        muni = Municipality.objects.get(code="999")
    children = Child.objects.filter(municipality=muni).count()
    round = ScreeningRound.objects.filter(municipality=muni, status="aaben").first()
    assert round is not None, "the demo municipality has an open screening round"
    today = timezone.localdate()
    teachers = []
    used_users: set[int] = set()
    for rg in round.groups.select_related("group").order_by("pk"):
        if len(teachers) >= args.teachers:
            break
        group = rg.group
        assignment = (
            GroupAssignment.objects.filter(municipality=muni, group=group)
            .exclude(membership__user_id__in=used_users)
            .select_related("membership__user")
            .first()
        )
        if assignment is None or sel.parents_informed(round, group) is None:
            continue
        kids = list(
            Child.objects.filter(
                municipality=muni, enrolments__group=group, enrolments__start__lte=today
            )
            .exclude(enrolments__end__lt=today)
            .values_list("pk", flat=True)
            .distinct()
        )
        if not kids:
            continue
        used_users.add(assignment.membership.user_id)
        teachers.append(
            {
                "session": session_for(assignment.membership.user),
                "grid": f"/trivsel/{round.pk}/gruppe/{group.pk}/",
                "children": kids,
            }
        )
    ppr = [
        session_for(m.user)
        for m in Membership.objects.filter(municipality=muni, role__in=["ppr", "leder"])
        .select_related("user")
        .order_by("pk")[: args.ppr]
    ]
    assert teachers and ppr, "teachers with groups and PPR staff"
    print(
        json.dumps(
            {
                "children": children,
                "areas": round.area_keys(),
                "overview": f"/trivsel/{round.pk}/",
                "teachers": teachers,
                "ppr": ppr,
            }
        )
    )


if __name__ == "__main__":
    main()
