"""Need to know: only the case's team and the PPR-leder see a case; everyone else gets the
same 404 as for a case that does not exist, and every read is in the access log."""

from __future__ import annotations

from spor.accounts.models import Profession, Role
from spor.audit.models import AccessLogEntry, Action, Purpose
from spor.cases.models import Case, CaseMember
from tests import factories as f
from tests.cases.helpers import member
from tests.conftest import World

MISSING = 987654321


def test_the_team_and_the_lead_see_the_case(world: World) -> None:
    case = world.extra["case"]
    for user in (world.lead_a, world.ppr_a, world.teacher_a):
        page = world.client_for(user).get(f"/forloeb/{case.pk}/")
        assert page.status_code == 200, user.username
        assert "Trivsel i frikvartererne" in page.content.decode()


def test_other_ppr_staff_in_the_same_municipality_get_404_like_a_missing_case(
    world: World,
) -> None:
    colleague = f.user("psykolog_a2", world.a, Role.PPR, Profession.PSYCHOLOGIST)
    client = world.client_for(colleague)
    case = world.extra["case"]
    for path in ("", "team/", "indsatser/", "afslut/"):
        assert client.get(f"/forloeb/{case.pk}/{path}").status_code == 404
        assert client.get(f"/forloeb/{MISSING}/{path}").status_code == 404
    assert client.get(f"/forloeb/maal/{world.extra['case_goal'].pk}/").status_code == 404
    assert client.get(f"/forloeb/indsatser/{world.extra['case_delivery'].pk}/").status_code == 404
    assert "Trivsel i frikvartererne" not in client.get("/forloeb/").content.decode()


def test_a_teacher_of_the_childs_class_who_is_not_on_the_team_gets_404(world: World) -> None:
    case = world.extra["case"]
    CaseMember.objects.filter(case=case, membership=member(world, world.teacher_a)).update(
        left_on=case.opened_on
    )
    assert world.client_for(world.teacher_a).get(f"/forloeb/{case.pk}/").status_code == 404


def test_a_health_visitor_sees_the_case_only_while_on_its_team(world: World) -> None:
    case = world.extra["case"]
    health = world.client_for(world.health_a)
    assert health.get(f"/forloeb/{case.pk}/").status_code == 404

    response = world.client_for(world.ppr_a).post(
        f"/forloeb/{case.pk}/team/",
        {
            "membership": member(world, world.health_a).pk,
            "role": "Trivselssamtaler",
            "basis": "Hjemmel i lovgivningen",
        },
    )
    assert response.status_code == 302
    page = health.get(f"/forloeb/{case.pk}/")
    assert page.status_code == 200
    assert "Trivselssamtaler" in page.content.decode()
    assert "Trivsel i frikvartererne" in health.get("/forloeb/").content.decode()

    joined = CaseMember.objects.get(case=case, membership=member(world, world.health_a))
    world.client_for(world.ppr_a).post(f"/forloeb/team/{joined.pk}/stop/")
    assert health.get(f"/forloeb/{case.pk}/").status_code == 404


def test_reading_a_case_writes_the_access_log_with_purpose_casework(world: World) -> None:
    case = world.extra["case"]
    before = AccessLogEntry.objects.count()
    world.client_for(world.teacher_a).get(f"/forloeb/{case.pk}/")
    entry = AccessLogEntry.objects.latest("pk")
    assert AccessLogEntry.objects.count() == before + 1
    assert entry.child_id == world.child_a1.pk
    assert entry.action == Action.VIEW
    assert entry.purpose == Purpose.CASEWORK
    assert entry.actor == world.teacher_a


def test_the_case_list_logs_every_child_shown(world: World) -> None:
    world.client_for(world.ppr_a).get("/forloeb/")
    entry = AccessLogEntry.objects.latest("pk")
    assert entry.action == Action.LIST and entry.child_id == world.child_a1.pk


def test_a_404_for_someone_outside_writes_nothing_to_the_access_log(world: World) -> None:
    case = world.extra["case"]
    before = AccessLogEntry.objects.count()
    world.client_for(world.social_a).get(f"/forloeb/{case.pk}/")
    world.client_for(world.ppr_b).get(f"/forloeb/{case.pk}/")
    assert AccessLogEntry.objects.count() == before


def test_the_lead_lists_all_cases_of_the_municipality_and_ppr_staff_only_their_own(
    world: World,
) -> None:
    other = Case.objects.create(
        municipality=world.a,
        child=world.child_a2,
        title="Sprog og kommunikation",
        level="forebyggende",
        opened_on=world.extra["case"].opened_on,
        opened_by=member(world, world.lead_a),
    )
    lead_page = world.client_for(world.lead_a).get("/forloeb/?vis=alle").content.decode()
    assert "Sprog og kommunikation" in lead_page and "Trivsel i frikvartererne" in lead_page
    ppr_page = world.client_for(world.ppr_a).get("/forloeb/?vis=alle").content.decode()
    assert "Sprog og kommunikation" not in ppr_page
    assert world.client_for(world.ppr_a).get(f"/forloeb/{other.pk}/").status_code == 404


def test_only_ppr_staff_and_the_lead_open_cases(world: World) -> None:
    for user in (world.teacher_a, world.health_a, world.social_a):
        assert world.client_for(user).get("/forloeb/nyt/").status_code == 404
    for user in (world.ppr_a, world.lead_a):
        assert world.client_for(user).get("/forloeb/nyt/").status_code == 200


def test_the_catalogue_is_for_ppr_staff_and_only_the_lead_changes_it(world: World) -> None:
    item = world.extra["intervention_talks"]
    ppr = world.client_for(world.ppr_a)
    assert ppr.get("/forloeb/indsatsvifte/").status_code == 200
    assert ppr.get(f"/forloeb/indsatsvifte/{item.pk}/").status_code == 200
    assert ppr.get("/forloeb/indsatsvifte/ny/").status_code == 404
    assert ppr.post(f"/forloeb/indsatsvifte/{item.pk}/ret/", {"name": "x"}).status_code == 404
    for user in (world.teacher_a, world.health_a):
        assert world.client_for(user).get("/forloeb/indsatsvifte/").status_code == 404
    assert world.client_for(world.ppr_b).get(f"/forloeb/indsatsvifte/{item.pk}/").status_code == 404


def test_the_lead_reads_a_case_in_one_statement_and_another_municipalitys_lead_gets_404(
    world: World,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = world.extra["case"]
    client = world.client_for(world.lead_a)
    client.get(f"/forloeb/{case.pk}/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/forloeb/{case.pk}/").status_code == 200
    # Every case of the municipality is the lead's: no question first whether it may be seen.
    of_cases = [q["sql"] for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert not any(sql.startswith('SELECT 1 AS "a" FROM "cases_case"') for sql in of_cases)
    other = world.client_for(world.lead_b)
    for path in ("", "team/", "indsatser/", "afslut/"):
        assert other.get(f"/forloeb/{case.pk}/{path}").status_code == 404
        assert other.get(f"/forloeb/{MISSING}/{path}").status_code == 404
