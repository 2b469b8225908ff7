"""`spor manage spor_create_municipality`: the first step after migrate in production."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from spor.accounts.models import Membership
from spor.tenancy.models import Municipality

pytestmark = pytest.mark.django_db


def test_it_creates_the_municipality_and_its_first_lead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPOR_INITIAL_PASSWORD", "en-lang-og-god-adgangskode-17")
    out = io.StringIO()
    call_command(
        "spor_create_municipality", "101", "Prøvekommune", "--lead", "pia", "--first-name",
        "Pia", stdout=out,
    )  # fmt: skip
    muni = Municipality.objects.get(code="101")
    assert muni.name == "Prøvekommune"
    lead = Membership.objects.get(municipality=muni, user__username="pia")
    assert lead.role == "leder"
    assert lead.user.check_password("en-lang-og-god-adgangskode-17")
    assert "Kommunen Prøvekommune (101) er oprettet." in out.getvalue()


def test_a_weak_password_or_a_taken_code_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPOR_INITIAL_PASSWORD", "123")
    with pytest.raises(CommandError, match="Adgangskoden duer ikke"):
        call_command("spor_create_municipality", "102", "Svagby", "--lead", "svag")
    assert not Municipality.objects.filter(code="102").exists()
    call_command("spor_create_municipality", "103", "Treby", stdout=io.StringIO())
    with pytest.raises(CommandError, match="allerede en kommune med nummer 103"):
        call_command("spor_create_municipality", "103", "Andetby")
    with pytest.raises(CommandError, match="tre cifre"):
        call_command("spor_create_municipality", "1x", "Fejlby")
