"""The lead's evaluation page keeps its results under the database's version of the data
(:mod:`spor.evaluation.web.versions`): a kept view reads no response, forløb or concern, and
every kind of write that changes what the page is computed from makes the next view show it.

Through the page, with writes committed as a user's are (a transactional test: on
PostgreSQL a transaction that wrote reads the data itself), on both databases. Each write is
checked against the truth: the page computed afresh (the process's store emptied) after the
write, which must be what the next view shows, and differ from what was shown before.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spor.accounts.models import Membership, Role
from spor.cases.models import (
    Case,
    Delivery,
    DeliveryStatus,
    Intervention,
    InterventionType,
    Level,
    OpenedFrom,
    Outcome,
    Status,
)
from spor.concerns.models import Category, Concern, ConcernEvent, EventKind, State
from spor.evaluation.web import versions
from spor.evaluation.web.models import DataVersion
from spor.lib import memo
from spor.measurement import questionnaire
from spor.measurement.models import Informant, Phase, Response
from spor.registry.models import Child
from tests.cases.world import intervention
from tests.conftest import World
from tests.evaluation.test_fast_beyond import random_world
from tests.evaluation.test_page import SPEC, _response, make_children

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/evaluering/"
# The lattice's read is the one of the responses, the figures beside the SDQ's the one of
# the concerns (with the forløb).
DATA = ("measurement_response", "concerns_concern")
TODAY = timezone.localdate()
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')


def view(w: World, query: str = "", user: Any = None) -> tuple[str, set[str]]:
    """The page as the lead sees it (the CSRF token aside) and which of the two reads it
    made."""
    client = w.client_for(user or w.lead_a)
    with CaptureQueriesContext(connection) as q:
        r = client.get(URL + query)
    assert r.status_code == 200
    read = {t for t in DATA if any(t in x["sql"] for x in q.captured_queries)}
    return TOKEN.sub("", r.content.decode()), read


def fresh(w: World, query: str = "", user: Any = None) -> str:
    """The page computed from the data as they are now."""
    memo.clear()
    return view(w, query, user)[0]


@pytest.fixture
def data(world: World) -> World:
    random_world(world, random.Random(5))
    make_children(world, SPEC)
    make_children(world, [(20, 10)] * 6, name="Klassetrivsel", kind=InterventionType.CONSULTATIVE,
                  born_year=2022, start=100)  # fmt: skip
    memo.clear()
    return world


def _ppr(w: World) -> Membership:
    return Membership.objects.get(user=w.ppr_a, municipality=w.a)


def _open_delivery(w: World) -> Delivery:
    """A delivery with a baseline and no follow-up yet (the SPEC's last five)."""
    return (
        Delivery.objects.filter(municipality=w.a, measurement_responses__phase=Phase.BEFORE)
        .exclude(measurement_responses__phase=Phase.AFTER)
        .order_by("pk")
        .first()
    )  # type: ignore[return-value]


def follow_up(w: World) -> str:
    d = _open_delivery(w)
    age = d.case.child.age_on(TODAY - dt.timedelta(days=120))  # type: ignore[union-attr]
    _response(w, d, Phase.AFTER, Informant.PROFESSIONAL, 3, age, TODAY, _ppr(w), random.Random(1))
    return ""


def response_deleted(w: World) -> str:
    Response.objects.filter(municipality=w.a, phase=Phase.AFTER).order_by("pk").first().delete()  # type: ignore[union-attr]
    return ""


def rescored(w: World) -> str:
    """A rescoring (``spor sdq score``): an update over a queryset, no signal."""
    r = Response.objects.filter(municipality=w.a, phase=Phase.AFTER).order_by("pk").first()
    assert r is not None
    answers = {k: 0 for k in r.answers}
    Response.objects.filter(pk=r.pk).update(
        answers=answers, scores=questionnaire.score(r.form, answers, {})
    )
    return ""


def bulk_responses(w: World) -> str:
    """The demo's and the benchmarks' bulk inserts send no signal either."""
    ppr = _ppr(w)
    rows = []
    for d in Delivery.objects.filter(municipality=w.a, measurement_responses__phase=Phase.BEFORE):
        if not Response.objects.filter(delivery=d, informant=Informant.PARENT).exists():
            before = Response.objects.get(delivery=d, phase=Phase.BEFORE)
            rows.append(
                Response(
                    municipality=w.a, delivery=d, phase=Phase.BEFORE, informant=Informant.PARENT,
                    form=before.form, answers=before.answers, scores=before.scores,
                    norm_set=before.norm_set, entered_by=ppr, answered_at=before.answered_at,
                )
            )  # fmt: skip
    Response.objects.bulk_create(rows)
    return "?informant=foraelder"


def delivery(w: World) -> str:
    iv = Intervention.objects.get(municipality=w.a, name="Klassetrivsel")
    case = Case.objects.filter(municipality=w.a, status=Status.CLOSED).order_by("pk").first()
    Delivery.objects.create(
        municipality=w.a, case=case, intervention=iv, start=TODAY, status=DeliveryStatus.RUNNING
    )
    return f"?indsats={iv.pk}"


def delivery_moved(w: World) -> str:
    """A delivery (with its responses) moved to another intervention."""
    iv = Intervention.objects.get(municipality=w.a, name="Klassetrivsel")
    d = Delivery.objects.filter(municipality=w.a, intervention__name="Samtaler i skolen")
    Delivery.objects.filter(pk=d.order_by("pk").first().pk).update(intervention=iv)  # type: ignore[union-attr]
    return f"?indsats={iv.pk}"


def intervention_type(w: World) -> str:
    Intervention.objects.filter(municipality=w.a, name="Klassetrivsel").update(
        kind=InterventionType.SUPPORTIVE
    )
    return f"?type={InterventionType.SUPPORTIVE}"


def new_intervention(w: World) -> str:
    intervention(w.a, "Ny indsats", kind=InterventionType.CONSULTATIVE)
    return ""


def case_opened(w: World) -> str:
    child = Child.objects.filter(municipality=w.a).order_by("pk").first()
    Case.objects.create(
        municipality=w.a, child=child, title="Forløb", level=Level.ANTICIPATORY,
        opened_from=OpenedFrom.DIRECT, opened_on=TODAY, opened_by=_ppr(w),
    )  # fmt: skip
    return ""


def case_closed(w: World) -> str:
    case = Case.objects.filter(municipality=w.a, status=Status.OPEN).order_by("pk").first()
    case.status, case.closed_on, case.outcome = Status.CLOSED, TODAY, Outcome.ACHIEVED  # type: ignore[union-attr]
    case.close_psychiatry = case.close_special_education = True  # type: ignore[union-attr]
    case.close_social_measures = case.close_medication = True  # type: ignore[union-attr]
    case.save()  # type: ignore[union-attr]
    return ""


def case_deleted(w: World) -> str:
    """A closed forløb deleted with its deliveries and responses (retention's delete)."""
    case = Case.objects.filter(
        municipality=w.a, status=Status.CLOSED, deliveries__isnull=True
    ).order_by("pk")
    case.first().delete()  # type: ignore[union-attr]
    return ""


def case_moved(w: World) -> str:
    """A forløb (with its responses) that turns out to be another child's."""
    other = Child.objects.filter(municipality=w.a, birth_date__year=2022).order_by("pk").first()
    Case.objects.filter(pk=_open_delivery(w).case_id).update(child=other)
    return "?alder=2-5"


def concern_raised(w: World) -> str:
    Concern.objects.create(
        municipality=w.a, child=Child.objects.filter(municipality=w.a).first(),
        description="Bekymring", category=Category.WELLBEING,
        raised_by=Membership.objects.get(user=w.teacher_a, municipality=w.a),
        responsible=_ppr(w), follow_up_on=TODAY, state=State.FOLLOWING_UP,
    )  # fmt: skip
    return ""


def _waiting_concern(w: World) -> Concern:
    ppr_events = ConcernEvent.objects.filter(author__role__in=[Role.PPR, Role.LEAD]).exclude(
        kind=EventKind.CREATED
    )
    return (
        Concern.objects.filter(municipality=w.a)
        .exclude(pk__in=ppr_events.values("concern_id"))
        .order_by("pk")
        .first()
    )  # type: ignore[return-value]


def first_action(w: World) -> str:
    c = _waiting_concern(w)
    ConcernEvent.objects.create(
        municipality=w.a, concern=c, author=_ppr(w), kind=EventKind.NOTE,
        at=c.created_at + dt.timedelta(days=3),
    )  # fmt: skip
    return ""


def concern_redated(w: World) -> str:
    c = Concern.objects.filter(municipality=w.a).order_by("pk").first()
    Concern.objects.filter(pk=c.pk).update(created_at=c.created_at - dt.timedelta(days=90))  # type: ignore[union-attr]
    return ""


def concern_deleted(w: World) -> str:
    c = Concern.objects.filter(municipality=w.a, cases__isnull=True).order_by("pk").first()
    c.delete()  # type: ignore[union-attr]
    return ""


def role_changed(w: World) -> str:
    """A PPR psychologist who becomes a teacher: their notes are no longer PPR's actions."""
    Membership.objects.filter(user=w.ppr_a, municipality=w.a).update(role=Role.EDUCATOR)
    return ""


def birth_date(w: World) -> str:
    child = Case.objects.get(pk=_open_delivery(w).case_id).child
    Child.objects.filter(pk=child.pk).update(birth_date=dt.date(2010, 1, 1))  # type: ignore[union-attr]
    return "?alder=11-17"


WRITES: dict[str, Callable[[World], str]] = {
    f.__name__: f
    for f in [
        follow_up, response_deleted, rescored, bulk_responses, delivery, delivery_moved,
        intervention_type, new_intervention, case_opened, case_closed, case_deleted,
        case_moved, concern_raised, first_action, concern_redated, concern_deleted,
        role_changed, birth_date,
    ]
}  # fmt: skip


def test_a_kept_view_reads_none_of_the_data_and_shows_the_same(data: World) -> None:
    first, read = view(data)
    assert read == set(DATA)
    again, read = view(data)
    assert again == first and read == set()
    # Another informant's lattice is its own; the figures beside the SDQ are the same.
    _, read = view(data, "?informant=foraelder")
    assert read == {"measurement_response"}
    assert view(data, "?informant=foraelder")[1] == set()
    assert fresh(data) == first


@pytest.mark.parametrize("name", sorted(WRITES))
def test_each_write_is_on_the_next_view(data: World, name: str) -> None:
    # What the lead sees before (the view the write is about, and the unfiltered one), kept.
    before = {q: view(data, q)[0] for q in _queries(data, name)}
    for q in before:
        assert view(data, q)[1] == set()
    version = DataVersion.objects.get(municipality=data.a)
    query = WRITES[name](data)
    assert query in before
    changed = DataVersion.objects.get(municipality=data.a)
    assert (changed.cells, changed.cases) != (version.cells, version.cases)
    after: dict[str, str] = {}
    read: set[str] = set()
    for q in before:
        after[q], r = view(data, q)
        read |= r
    assert read  # not the kept result: the data were read again
    assert after == {q: fresh(data, q) for q in before}
    if name in VISIBLE:
        assert any(after[q] != before[q] for q in before)


# The writes whose change shows on one of the views checked in this small world; the others
# change only counts that are hidden (1–4, or to protect one) or a median that stays.
VISIBLE = {
    "bulk_responses", "case_closed", "case_deleted", "case_moved", "concern_raised",
    "concern_redated", "delivery", "delivery_moved", "intervention_type", "new_intervention",
    "role_changed",
}  # fmt: skip


def _queries(w: World, name: str) -> list[str]:
    """The views a write is checked on: the unfiltered one and the one it is about (which the
    write returns; the intervention's id is known before it)."""
    iv = Intervention.objects.filter(municipality=w.a, name="Klassetrivsel").first()
    assert iv is not None
    return sorted(
        {
            "",
            "?informant=foraelder",
            f"?indsats={iv.pk}",
            f"?type={InterventionType.SUPPORTIVE}",
            "?alder=11-17",
            "?alder=2-5",
        }
    )


def test_another_municipalitys_writes_change_nothing_here(data: World) -> None:
    first, _ = view(data)
    mine = DataVersion.objects.get(municipality=data.a)
    lead_b = Membership.objects.get(user=data.lead_b, municipality=data.b)
    ppr_b = Membership.objects.get(user=data.ppr_b, municipality=data.b)
    iv = intervention(data.b, "Bby-indsats")
    case = Case.objects.create(
        municipality=data.b, child=data.child_b1, title="Forløb", level=Level.ANTICIPATORY,
        opened_from=OpenedFrom.DIRECT, opened_on=TODAY, opened_by=ppr_b,
    )  # fmt: skip
    d = Delivery.objects.create(
        municipality=data.b, case=case, intervention=iv, start=TODAY,
        status=DeliveryStatus.RUNNING,
    )  # fmt: skip
    form = questionnaire.form_for(Informant.PROFESSIONAL, Phase.BEFORE, 8)
    answers = {f"sdq{i}": 1 for i in range(1, 26)}
    scores = questionnaire.score(form, answers, {})
    Response.objects.create(
        municipality=data.b, delivery=d, phase=Phase.BEFORE, informant=Informant.PROFESSIONAL,
        form=form, answers=answers, scores=scores, norm_set=scores["norm_set"],
        entered_by=lead_b,
    )  # fmt: skip
    Concern.objects.create(
        municipality=data.b, child=data.child_b1, description="Bekymring",
        category=Category.WELLBEING, raised_by=lead_b, responsible=ppr_b,
        follow_up_on=TODAY, state=State.FOLLOWING_UP,
    )  # fmt: skip
    Case.objects.filter(pk=case.pk).update(
        status=Status.CLOSED,
        closed_on=TODAY,
        outcome=Outcome.ACHIEVED,
        close_psychiatry=False,
        close_special_education=False,
        close_social_measures=False,
        close_medication=False,
    )
    now = DataVersion.objects.get(municipality=data.a)
    assert (now.cells, now.cases) == (mine.cells, mine.cases)
    again, read = view(data)
    assert again == first and read == set()
    # Bby's lead sees Bby's figures, never Aby's kept ones.
    theirs, read = view(data, user=data.lead_b)
    assert read == set(DATA)
    assert theirs == fresh(data, user=data.lead_b)
    assert theirs != first


def test_a_write_and_a_view_in_one_transaction(data: World) -> None:
    """Within the writer's transaction (PostgreSQL changes the version once per transaction)
    a view shows what the transaction wrote so far."""
    before, _ = view(data)
    with transaction.atomic():
        concern_raised(data)
        one, _ = view(data)
        assert one != before
        case_closed(data)
        two, _ = view(data)
        assert two != one
        assert two == fresh(data)


def test_the_triggers_are_installed_again_when_lost(data: World) -> None:
    """A later migration that rebuilds a SQLite table drops its triggers: ``migrate`` then
    installs them again and gives every municipality new versions (``versions.ensure``)."""
    assert versions.ensure(connection) is False
    was = DataVersion.objects.get(municipality=data.a)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER spor_evalver_concerns_concern_rows ON concerns_concern")
        else:
            cursor.execute("DROP TRIGGER spor_evalver_concerns_concern_insert")
    assert versions.ensure(connection) is True
    now = DataVersion.objects.get(municipality=data.a)
    assert now.cells != was.cells and now.cases != was.cases
    assert versions.ensure(connection) is False
    assert set(DataVersion.objects.values_list("municipality_id", flat=True)) >= {
        data.a.pk,
        data.b.pk,
    }
