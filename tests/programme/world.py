"""The partnership in the personas' world: a programme (2017–2020) administered by
``programadmin_t`` (``w.extra["programme_admin"]``, no role in any municipality) and
evaluated by ``programevaluator_t`` (``w.extra["programme_evaluator"]``, likewise), with Aby
and Bby taking part. Aby has a development plan with one initiative (pejlemærke 1 and 3,
using the catalogue's talks) and a milestone; Bby has no plan yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from spor.cases.models import Level, Target
from spor.programme.models import (
    AgeGroup,
    AimedAt,
    Benchmark,
    DevelopmentPlan,
    Initiative,
    InitiativeBenchmark,
    InitiativeIntervention,
    InitiativeStatus,
    Milestone,
    Programme,
    ProgrammeAdmin,
    ProgrammeEvaluator,
    ProgrammeParticipation,
    Scope,
)
from spor.programme.pejlemaerker import ensure
from tests import factories as f

if TYPE_CHECKING:
    from tests.conftest import World

START = dt.date(2017, 1, 1)
END = dt.date(2020, 12, 31)


def extend(w: World) -> None:
    framework = ensure()
    programme = Programme.objects.create(
        name="Investering i den tidlige og forebyggende indsats i PPR",
        start_on=START,
        end_on=END,
        grant_pool=Decimal("123100000"),
        framework=framework,
    )
    admin = f.user("programadmin_t")
    ProgrammeAdmin.objects.create(user=admin, programme=programme)
    evaluator = f.user("programevaluator_t")
    ProgrammeEvaluator.objects.create(user=evaluator, programme=programme)
    part_a = ProgrammeParticipation.objects.create(
        municipality=w.a,
        programme=programme,
        grant=Decimal("11200000"),
        extra_staff=Decimal("5.5"),
        staff_note="3 psykologer og 1 tale-hørekonsulent",
    )
    part_b = ProgrammeParticipation.objects.create(
        municipality=w.b, programme=programme, grant=Decimal("10000000"), extra_staff=Decimal("5")
    )
    plan = DevelopmentPlan.objects.create(
        municipality=w.a,
        participation=part_a,
        title="PPR på sporet",
        ambition="Den rette indsats til rette tid.",
        analysis="Lang ventetid på konsultative forløb.",
        goals="Flere børn får hjælp inden for fire uger.\nFærre henvisninger til psykiatrien.",
    )
    initiative = Initiative.objects.create(
        municipality=w.a,
        plan=plan,
        title="Samtalegrupper for børn i skilsmissefamilier",
        description="Gruppeforløb på skolen med otte mødegange.",
        scope=Scope.SPECIFIC,
        aimed_at=[AimedAt.CHILDREN],
        level=Level.ANTICIPATORY,
        target_groups=[Target.CHILD, Target.COMMUNITY],
        age_groups=[AgeGroup.SCHOOL],
        responsible="Psykolog, PPR",
        status=InitiativeStatus.RUNNING,
    )
    for number in (1, 3):
        InitiativeBenchmark.objects.create(
            municipality=w.a,
            initiative=initiative,
            benchmark=Benchmark.objects.get(framework=framework, number=number),
        )
    if "intervention_talks" in w.extra:
        InitiativeIntervention.objects.create(
            municipality=w.a, initiative=initiative, intervention=w.extra["intervention_talks"]
        )
    milestone = Milestone.objects.create(
        municipality=w.a,
        initiative=initiative,
        title="Første gruppe holdt",
        due_on=dt.date(2018, 9, 1),
    )
    w.extra.update(
        programme=programme,
        programme_admin=admin,
        programme_evaluator=evaluator,
        participation_a=part_a,
        participation_b=part_b,
        plan_a=plan,
        initiative_a=initiative,
        milestone_a=milestone,
    )
