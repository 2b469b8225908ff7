"""The lead's list of all cases, page by page: the page's ids are read along the list's
order and then the rows (spor.cases.selectors.case_list_page)."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from spor.cases.models import CLOSE_FIELDS, Case, CaseMember, Level, Outcome, Status
from tests.cases.helpers import days, member
from tests.conftest import World


def titles(html: str) -> list[str]:
    return re.findall(r"Sag nr\. \d+", html)


def test_the_lead_pages_through_every_case_newest_first_and_sees_no_other_municipality(
    world: World,
) -> None:
    lead = member(world, world.lead_a)
    Case.objects.bulk_create(
        [
            Case(
                municipality=world.a,
                child=world.child_a1,
                title=f"Sag nr. {i}",
                level=Level.ANTICIPATORY,
                opened_on=days(-i),
                opened_by=lead,
                status=Status.CLOSED if i % 3 == 0 else Status.OPEN,
                closed_on=days(-1) if i % 3 == 0 else None,
                outcome=Outcome.ACHIEVED if i % 3 == 0 else "",
                **{f: False if i % 3 == 0 else None for f in CLOSE_FIELDS},
            )
            for i in range(1, 61)
        ]
    )
    Case.objects.create(
        municipality=world.b,
        child=world.child_b1,
        title="Sag nr. 999",
        level=Level.ANTICIPATORY,
        opened_on=days(0),
        opened_by=member(world, world.lead_b),
    )
    client = world.client_for(world.lead_a)
    first = client.get("/forloeb/?vis=alle&lukkede=1").content.decode()
    second = client.get("/forloeb/?vis=alle&lukkede=1&side=2").content.decode()
    # 50 a page (the world's own cases among them), newest first, the closed ones too;
    # page 2 the rest, none twice and none left out.
    assert len(titles(first)) > len(titles(second)) > 0
    assert titles(first) + titles(second) == [f"Sag nr. {i}" for i in range(1, 61)]
    assert first.count("<tr>") == 51  # the head and 50 rows
    # A page past the end is the last one.
    past = client.get("/forloeb/?vis=alle&lukkede=1&side=9").content.decode()
    assert titles(past) == titles(second)
    # Without the closed ones: 40 open cases, one page.
    open_only = client.get("/forloeb/?vis=alle").content.decode()
    assert titles(open_only) == [f"Sag nr. {i}" for i in range(1, 61) if i % 3]
    assert "Sag nr. 999" not in first + second + open_only


def test_a_team_members_list_reads_the_team_once_and_the_page_by_its_ids(world: World) -> None:
    """A psychologist's list: her team places are asked once in each statement that chooses
    the list's cases, and the page's rows are read by their ids alone (PostgreSQL planned
    the team's relations twice over in each of the list's statements)."""
    psychologist = member(world, world.ppr_a)
    lead = member(world, world.lead_a)
    for i in range(1, 4):
        case = Case.objects.create(
            municipality=world.a,
            child=world.child_a1,
            title=f"Sag nr. {i}",
            level=Level.ANTICIPATORY,
            opened_on=days(-i),
            opened_by=lead,
        )
        if i != 2:
            CaseMember.objects.create(
                municipality=world.a,
                case=case,
                membership=psychologist,
                role="Psykolog",
                joined_on=days(-i),
            )
    client = world.client_for(world.ppr_a)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/forloeb/").content.decode()
    assert titles(page) == ["Sag nr. 1", "Sag nr. 3"]
    case_reads = [q["sql"] for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert case_reads
    assert all(sql.count("cases_casemember") <= 1 for sql in case_reads)
    rows = [sql for sql in case_reads if '"cases_case"."title"' in sql]
    assert len(rows) == 1 and "cases_casemember" not in rows[0]
