"""The fault tests' helper, run as a separate process against the fault database
(``SPOR_DATABASE_URL``): never imported by pytest's own Django.

    python tests/ops/faultkit.py setup   # demo municipality, sessions, a link; prints JSON
    python tests/ops/faultkit.py count   # what is saved now; prints JSON

Logins are made as sessions up front (with the second factor marked done), as the load
test does: the tests are about what a write leaves behind, not about the login.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
os.environ.setdefault("SPOR_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from spor.accounts.models import GroupAssignment, User  # noqa: E402
from spor.lib.links import new_token  # noqa: E402
from spor.measurement import questionnaire  # noqa: E402
from spor.measurement.models import (  # noqa: E402
    Informant,
    MeasurementRequest,
    Phase,
    Response,
)
from spor.registry.models import Child, Institution  # noqa: E402
from spor.screening import selectors as screening_sel  # noqa: E402
from spor.screening.models import Assessment, ScreeningRound  # noqa: E402
from spor.tenancy import rls  # noqa: E402
from spor.tenancy.models import Municipality  # noqa: E402

CODE = "999"
IMPORT_INSTITUTION = "Fejlskolen"


def session_for(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["spor_second_factor"] = "totp"  # spor.sso.session.SECOND_FACTOR
    session.create()
    assert session.session_key is not None
    return session.session_key


def setup() -> dict[str, object]:
    call_command("spor_demo", children=400, seed=3, no_progress=True, stdout=io.StringIO())
    muni = Municipality.objects.get(code=CODE)
    lead = User.objects.get(username="leder")
    round = ScreeningRound.objects.filter(municipality=muni, status="aaben").first()
    assert round is not None, "the demo has an open screening round"
    today = timezone.localdate()
    chosen = None
    for rg in round.groups.select_related("group").order_by("pk"):
        group = rg.group
        if screening_sel.parents_informed(round, group) is None:
            continue
        teacher = (
            GroupAssignment.objects.filter(group=group, municipality=muni)
            .select_related("membership__user")
            .order_by("pk")
            .first()
        )
        if teacher is None:
            continue
        children = list(
            Child.objects.filter(
                municipality=muni,
                enrolments__group=group,
                enrolments__start__lte=today,
            )
            .exclude(enrolments__end__lt=today)
            .values_list("pk", flat=True)
            .distinct()
        )
        if len(children) >= 5:
            chosen = (group, teacher.membership, children)
            break
    assert chosen is not None, "a rated group with parents informed and a teacher"
    group, membership, children = chosen
    Assessment.objects.filter(round=round, rater=membership).delete()

    # A one-time SDQ link (parent, before) on a delivery that has no such answer yet.
    response_free = None
    from spor.cases.models import Delivery

    for delivery in Delivery.objects.filter(
        municipality=muni, case__child__isnull=False
    ).select_related("case__child"):
        if Response.objects.filter(
            delivery=delivery, phase=Phase.BEFORE, informant=Informant.PARENT
        ).exists():
            continue
        age = delivery.case.child.age_on(today)
        try:
            form = questionnaire.form_for(Informant.PARENT, Phase.BEFORE, age)
        except questionnaire.FormChoiceError:
            continue
        response_free = (delivery, form)
        break
    assert response_free is not None
    delivery, form = response_free
    token, token_hash = new_token()
    now = timezone.now()
    req = MeasurementRequest.objects.create(
        municipality=muni,
        delivery=delivery,
        phase=Phase.BEFORE,
        informant=Informant.PARENT,
        form=form,
        recipient_name="Forælder",
        recipient_email="foraelder@example.invalid",
        token_hash=token_hash,
        expires_at=now + dt.timedelta(days=10),
        sent_at=now,
        created_by=membership,
    )
    return {
        "round": round.pk,
        "group": group.pk,
        "children": children,
        "areas": round.area_keys(),
        "teacher_session": session_for(membership.user),
        "lead_session": session_for(lead),
        "token": token,
        "request": req.pk,
        "form": form,
    }


def count(facts: dict[str, object]) -> dict[str, object]:
    muni = Municipality.objects.get(code=CODE)
    req = MeasurementRequest.objects.get(pk=facts["request"])
    return {
        "children": Child.objects.filter(municipality=muni).count(),
        "import_institution": Institution.objects.filter(
            municipality=muni, name=IMPORT_INSTITUTION
        ).count(),
        "import_children": Child.objects.filter(
            municipality=muni, enrolments__group__institution__name=IMPORT_INSTITUTION
        )
        .distinct()
        .count(),
        "own_ratings": Assessment.objects.filter(
            round_id=facts["round"], group_id=facts["group"], is_agreement=False
        ).count(),
        "own_by_child": {
            str(child): ratings
            for child, ratings in Assessment.objects.filter(
                round_id=facts["round"], group_id=facts["group"], is_agreement=False
            ).values_list("child_id", "ratings")
        },
        "link_used": req.used_at is not None,
        "responses": Response.objects.filter(request=req).count(),
    }


if __name__ == "__main__":
    # The fixtures and the counts are the owner's, across municipalities (as the suite's own
    # connection is: tests/conftest.py); the server under test runs as the app role.
    with rls.owner_connection(), rls.system():
        if sys.argv[1] == "setup":
            print(json.dumps(setup()))
        elif sys.argv[1] == "count":
            print(json.dumps(count(json.loads(sys.stdin.read()))))
        else:
            raise SystemExit(f"unknown command {sys.argv[1]}")
