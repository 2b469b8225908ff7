"""The survey's pejlemærke self-assessment feeds the municipality's development plan."""

from __future__ import annotations

from tests.conftest import World


def test_the_development_plan_shows_the_latest_self_assessment(world: World) -> None:
    plan = world.extra["plan_a"]
    html = world.client_for(world.lead_a).get(f"/partnerskab/udviklingsplaner/{plan.pk}/")
    text = html.content.decode()
    assert html.status_code == 200
    assert "Selvvurdering på pejlemærkerne" in text
    assert "Efterår 2025" in text


def test_a_plan_without_a_survey_round_has_no_self_assessment_section(world: World) -> None:
    world.extra["survey_self_assessment"].delete()
    plan = world.extra["plan_a"]
    text = world.client_for(world.lead_a).get(f"/partnerskab/udviklingsplaner/{plan.pk}/")
    assert "Selvvurdering på pejlemærkerne" not in text.content.decode()
