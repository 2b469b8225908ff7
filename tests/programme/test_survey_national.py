"""The staff survey across the programme's municipalities (issue 17, item 8): for the
programme's administrator and evaluator, municipalities by pseudonym, at least 5
respondents, suppressed as the evaluation; everyone else 404."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from spor.accounts.models import Membership, Profession, Role
from spor.evaluation.national.access import municipality_pseudonym
from spor.programme.models import Programme, ProgrammeAdmin, ProgrammeParticipation
from spor.survey import items
from spor.survey.models import SurveyAnswerSet, SurveyRound
from tests import factories as f
from tests.conftest import World


def round_with(w: World, muni, name: str, n: int, value: int, *, closed: bool = True) -> None:  # type: ignore[no-untyped-def]
    lead = Membership.objects.filter(municipality=muni, role=Role.LEAD).first()
    if lead is None:
        leader = f.user(f"leder_{muni.code}", muni, Role.LEAD, Profession.LEADER)
        lead = Membership.objects.get(user=leader)
    today = timezone.localdate()
    data = items.shipped()
    rnd = SurveyRound.objects.create(
        municipality=muni,
        name=name,
        opened_on=today - dt.timedelta(days=20 if closed else 2),
        closes_on=today - dt.timedelta(days=6) if closed else today + dt.timedelta(days=10),
        closed_on=today - dt.timedelta(days=6) if closed else None,
        items=data,
        opened_by=lead,
    )
    SurveyAnswerSet.objects.bulk_create(
        [
            SurveyAnswerSet(
                municipality=muni,
                round=rnd,
                answered_on=today - dt.timedelta(days=10),
                answers=dict.fromkeys(items.codes(data), value),
            )
            for _ in range(n)
        ]
    )


def setup(w: World):  # type: ignore[no-untyped-def]
    programme = w.extra["programme"]
    c = f.municipality("Cby Kommune", "903")
    ProgrammeParticipation.objects.create(municipality=c, programme=programme, grant=1)
    # Aby: the world's old round (1 answer) and a newer closed one with 6 answers of 1.
    round_with(w, w.a, "Aby-runden efterår", 6, 1)
    # Bby: 3 answers of 3 (too few: hidden).
    round_with(w, w.b, "Bby-runden", 3, 3)
    # Cby: 7 answers of 5, and a newer round still open (9 answers of 2): not read.
    round_with(w, c, "Cby-runden", 7, 5)
    round_with(w, c, "Cby åben", 9, 2, closed=False)
    return programme, c


def url(programme: Programme) -> str:
    return f"/partnerskab/{programme.pk}/maaling/"


def row_of(html: str, pseudonym: str) -> list[str]:
    row = html.split(f'<th scope="row">{pseudonym}</th>', 1)[1].split("</tr>", 1)[0]
    return re.findall(r"<td>(.*?)</td>", row)


def test_the_administrator_and_the_evaluator_see_the_survey_by_pseudonym(world: World) -> None:
    programme, c = setup(world)
    for user in (world.extra["programme_admin"], world.extra["programme_evaluator"]):
        response = world.client_for(user).get(url(programme))
        assert response.status_code == 200
        html = response.content.decode()
        # No municipality's name, no round's name (a lead may name the municipality in it).
        for secret in ("Aby", "Bby", "Cby"):
            assert secret not in html
        a, b, cc = (municipality_pseudonym(programme.pk, m.pk) for m in (world.a, world.b, c))
        # Cby: 7 respondents, every mean 5,0; its open round is not read.
        cby = row_of(html, cc)
        assert cby[1] == "7" and cby[2:] == ["5,0"] * 5
        # Bby's 3 are hidden, and Aby's 6 with them (else 16 − 7 − 6 = 3): no mean either.
        assert row_of(html, b)[1:] == ["◆"] * 6
        assert row_of(html, a)[1:] == ["◆"] * 6
        total = html.split('<th scope="row">I alt</th>', 1)[1].split("</tr>", 1)[0]
        assert "<td>16</td>" in total
        # The programme's pooled figures are over Cby only (Aby's 1s would pull the mean down).
        pooled = html.split('<table class="survey-pooled">', 1)[1].split("</table>", 1)[0]
        assert pooled.count("<td>5,0</td>") == 5 and "Over 1 kommune med tal." in html
        assert "færre end 5 svar vises uden tal" in html


def test_the_programme_pages_link_to_it(world: World) -> None:
    programme, _ = setup(world)
    for user in (world.extra["programme_admin"], world.extra["programme_evaluator"]):
        assert url(programme) in world.client_for(user).get("/partnerskab/").content.decode()


def test_everyone_else_gets_404(world: World) -> None:
    programme, _ = setup(world)
    other = Programme.objects.create(
        name="Et andet program",
        start_on=programme.start_on,
        end_on=programme.end_on,
        grant_pool=1,
        framework=programme.framework,
    )
    stranger = f.user("programadmin_andet")
    ProgrammeAdmin.objects.create(user=stranger, programme=other)
    for user in (world.lead_a, world.ppr_a, world.teacher_a, stranger, f.user("ingen_rolle")):
        assert world.client_for(user).get(url(programme)).status_code == 404
    # A programme that does not exist looks the same.
    admin = world.client_for(world.extra["programme_admin"])
    assert admin.get(f"/partnerskab/{other.pk + 1000}/maaling/").status_code == 404
