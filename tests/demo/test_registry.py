"""``manage.py spor_demo``: a deterministic, valid, idempotent synthetic municipality."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import Counter
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from spor import cpr
from spor.accounts.models import GroupAssignment, Membership, Profession, Role, User
from spor.demo import registry as demo
from spor.registry import selectors
from spor.registry.models import Child, Enrolment, Group, Institution
from spor.tenancy.models import Municipality

pytestmark = pytest.mark.django_db


@dataclass
class Run:
    stdout: str
    stderr: str


def run_demo(capsys: pytest.CaptureFixture[str], **options: object) -> Run:
    out, err = io.StringIO(), io.StringIO()
    call_command("spor_demo", stdout=out, stderr=err, **options)
    captured = capsys.readouterr()  # tqdm writes to sys.stderr itself
    return Run(out.getvalue() + captured.out, err.getvalue() + captured.err)


@pytest.fixture
def small(db: None, capsys: pytest.CaptureFixture[str]) -> Run:
    return run_demo(capsys, children=300, seed=1)


def today() -> dt.date:
    return timezone.localdate()


def test_school_year_starts_on_1_august() -> None:
    assert demo.current_school_year(dt.date(2026, 7, 31)) == 2025
    assert demo.current_school_year(dt.date(2026, 8, 1)) == 2026
    assert demo.current_school_year(dt.date(2027, 1, 15)) == 2026


def test_plans_are_deterministic_from_the_seed() -> None:
    spec = demo.MunicipalitySpec(demo.DEMO_CODE, demo.DEMO_NAME, 300)
    day = dt.date(2026, 11, 23)
    first = demo.plan_municipality(spec, seed=7, today=day)
    again = demo.plan_municipality(spec, seed=7, today=day)
    other = demo.plan_municipality(spec, seed=8, today=day)
    assert first == again
    assert [c.cpr for c in first.children] != [c.cpr for c in other.children]


def test_generated_data_is_the_same_after_a_reset_with_the_same_seed(
    small: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    def snapshot() -> list[tuple[str, str, str, dt.date]]:
        return sorted(
            Child.objects.values_list("first_name", "last_name", "cpr_hash", "birth_date")
        )

    before = snapshot()
    run_demo(capsys, children=300, seed=1, reset=True)
    assert snapshot() == before
    run_demo(capsys, children=300, seed=2, reset=True)
    assert snapshot() != before


def test_counts_and_shape(small: Run) -> None:
    muni = Municipality.objects.get(code=demo.DEMO_CODE)
    assert muni.name == demo.DEMO_NAME
    assert Child.objects.filter(municipality=muni).count() == 300
    kinds = set(Institution.objects.values_list("kind", flat=True))
    assert Institution.Kind.SKOLE in kinds
    assert kinds & Institution.DAYCARE_KINDS
    school_year = demo.current_school_year(today())
    assert Group.objects.filter(school_year=school_year).exists()
    # Every child has exactly one current, open-ended enrolment.
    current = Counter(Enrolment.objects.filter(end__isnull=True).values_list("child", flat=True))
    assert len(current) == 300 and set(current.values()) == {1}


def test_every_cpr_validates_is_unique_and_matches_sex_and_birth_date(small: Run) -> None:
    children = list(Child.objects.all())
    digits = [c.cpr_digits() for c in children]
    assert all(cpr.normalize(d) == d for d in digits)
    assert len(set(digits)) == len(digits)
    assert len({c.cpr_hash for c in children}) == len(children)
    for child, d in zip(children, digits, strict=True):
        assert child.birth_date == cpr.birth_date(d)
        expected = Child.Sex.BOY if int(d[-1]) % 2 else Child.Sex.GIRL
        assert child.sex == expected
    sexes = Counter(c.sex for c in children)
    assert sexes[Child.Sex.BOY] > 100 and sexes[Child.Sex.GIRL] > 100


def test_children_have_danish_names_of_their_sex(small: Run) -> None:
    girls = {n for n, _ in demo.danish_names.GIRLS}
    boys = {n for n, _ in demo.danish_names.BOYS}
    for child in Child.objects.all():
        names = set(child.first_name.split())
        assert names <= (boys if child.sex == Child.Sex.BOY else girls)
        assert child.last_name


def test_ages_fit_their_groups(small: Run) -> None:
    day = today()
    school_year = demo.current_school_year(day)
    for e in Enrolment.objects.filter(end__isnull=True).select_related(
        "child", "group__institution"
    ):
        child, group = e.child, e.group
        assert group.school_year == school_year
        assert e.start <= day
        age = child.age_on(day)
        if group.institution.kind == Institution.Kind.SKOLE:
            assert group.grade is not None
            assert child.birth_date.year == school_year - 6 - group.grade
            assert 5 + group.grade <= age <= 7 + group.grade
        else:
            assert group.institution.is_daycare
            assert child.birth_date.year >= school_year - 5
            assert 0 <= age <= 6


def test_some_children_have_transitions(small: Run) -> None:
    kinds: Counter[str] = Counter()
    for child in Child.objects.prefetch_related("enrolments__group__institution"):
        enrolments = sorted(child.enrolments.all(), key=lambda e: (e.start, e.pk))
        for before, after in itertools.pairwise(enrolments):
            assert before.end is not None and before.end < after.start
        kinds.update(t.kind for t in selectors.transitions(enrolments))
    assert kinds["Dagtilbud → skole"] > 0
    assert kinds["Skoleskift"] > 0
    assert sum(kinds.values()) > 30


def test_every_role_has_a_user_and_educators_have_groups(small: Run) -> None:
    memberships = Membership.objects.filter(municipality__code=demo.DEMO_CODE)
    assert set(memberships.values_list("role", flat=True)) == set(Role.values)
    assert memberships.filter(role=Role.LEAD).count() == 1
    professions = set(memberships.filter(role=Role.PPR).values_list("profession", flat=True))
    assert {Profession.PSYCHOLOGIST, Profession.SPEECH, Profession.PEDAGOGICAL} <= professions
    school_year = demo.current_school_year(today())
    for m in memberships.filter(role=Role.EDUCATOR):
        assert GroupAssignment.objects.filter(membership=m, group__school_year=school_year)
    current_groups = Group.objects.filter(school_year=school_year)
    assert not current_groups.exclude(staff_assignments__isnull=False).exists()
    assert User.objects.get(username=demo.ADMIN_USERNAME).is_superuser


def test_printed_logins_cover_every_role_and_work(small: Run) -> None:
    out = small.stdout
    for label in [*Role.labels, "Systemadministrator"]:
        assert label in out
    assert demo.DEMO_PASSWORD in out
    assert demo.DEMO_URL in out
    for login in demo.demo_logins():
        assert login.username in out
        client = Client()
        response = client.post(
            "/log-ind/", {"username": login.username, "password": login.password}
        )
        assert response.status_code == 302, login.role


def test_no_cpr_number_in_the_output(small: Run, capsys: pytest.CaptureFixture[str]) -> None:
    again = run_demo(capsys, children=300, seed=1)
    output = small.stdout + small.stderr + again.stdout + again.stderr
    for child in Child.objects.all():
        d = child.cpr_digits()
        for form in (d, f"{d[:6]}-{d[6:]}", f"{d[:6]} {d[6:]}"):
            assert form not in output
    assert cpr.redact(output) == output


def test_running_twice_does_not_duplicate(small: Run, capsys: pytest.CaptureFixture[str]) -> None:
    counts = demo.demo_counts()
    users = User.objects.count()
    again = run_demo(capsys, children=300, seed=1)
    assert "findes allerede" in again.stdout
    assert demo.demo_counts() == counts
    assert User.objects.count() == users
    assert "leder" in again.stdout


def test_three_municipalities(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    run_demo(capsys, children=900, municipalities=3, seed=1)
    # The partnership demo adds programme partners without children; the registry demo's
    # municipalities are those with children.
    with_children = Child.objects.values("municipality_id")
    munis = list(Municipality.objects.filter(pk__in=with_children).order_by("code"))
    assert len(munis) == 3
    codes = [m.code for m in munis]
    assert len(set(codes)) == 3 and all(len(c) == 3 and c.isdigit() for c in codes)
    assert next(m for m in munis if m.code == demo.DEMO_CODE).name == demo.DEMO_NAME
    assert sum(Child.objects.filter(municipality=m).count() for m in munis) == 900
    for m in munis:
        assert Child.objects.filter(municipality=m).count() >= demo.MIN_CHILDREN_PER_MUNICIPALITY
        assert Membership.objects.filter(municipality=m, role=Role.LEAD).count() == 1
        # Enrolments and groups stay inside their municipality.
        assert not Enrolment.objects.filter(child__municipality=m).exclude(municipality=m)
        assert not Enrolment.objects.filter(municipality=m).exclude(group__municipality=m)
    digits = [c.cpr_digits() for c in Child.objects.all()]
    assert len(set(digits)) == len(digits)


def test_municipality_sizes_sum_to_the_total() -> None:
    sizes = demo.municipality_sizes(1_100_000, 98, seed=1)
    assert len(sizes) == 98 and sum(sizes) == 1_100_000
    assert max(sizes) > 3 * min(sizes)  # a realistic spread, not equal shares
    with pytest.raises(ValueError):
        demo.municipality_sizes(20, 3, seed=1)


def test_too_few_children_is_a_clear_error(db: None) -> None:
    with pytest.raises(CommandError, match="mindst"):
        call_command("spor_demo", children=5, stdout=io.StringIO())
