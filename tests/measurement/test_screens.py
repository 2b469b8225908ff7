"""The measurement as its users meet it: staff send links, see their status, withdraw one
and type in paper forms; a parent answers through the link. Bad input — forged, expired,
reused and withdrawn links, half-filled forms sent twice, guessing — gets a clear Danish
page and saves nothing."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from spor.audit.models import AccessLogEntry, Action
from spor.cases.models import DeliveryStatus
from spor.lib.links import new_token
from spor.measurement.models import Informant, MeasurementRequest, Phase, Response
from tests.conftest import World
from tests.measurement.helpers import answers, post_data, tokens_in_outbox
from tests.measurement.world import WORLD_TOKEN


def counts() -> tuple[int, int]:
    return MeasurementRequest.objects.count(), Response.objects.count()


def page_url(world: World) -> str:
    return f"/maaling/indsats/{world.extra['case_delivery'].pk}/"


def send_parent(world: World, client: Client, **changes: str) -> object:
    Response.objects.filter(informant=Informant.PARENT).delete()
    MeasurementRequest.objects.update(revoked_at=timezone.now())
    data = {
        "fase": "foer",
        "foer-phase": "foer",
        "foer-informants": ["foraelder"],
        "foer-name_foraelder": "Mette Nielsen",
        "foer-email_foraelder": "mette@example.org",
    }
    data.update(changes)
    return client.post(f"{page_url(world)}send/", data)


def parent_link(world: World) -> str:
    response = send_parent(world, world.client_for(world.ppr_a))
    assert response.status_code == 302, response.content.decode()[:2000]
    return f"/svar/{tokens_in_outbox()[-1]}/"


# --------------------------------------------------------------------------- staff


def test_the_team_sees_results_and_links_on_the_delivery_and_the_case(world: World) -> None:
    client = world.client_for(world.ppr_a)
    page = client.get(page_url(world)).content.decode()
    assert "Send førmåling" in page and "Mette Nielsen" in page
    assert "UK, oprindelige 3 bånd (normal/grænse/afvigende) (uk-3band@1)" in page
    assert "Afvigende" in page and "Sendt" in page
    assert AccessLogEntry.objects.filter(
        action=Action.VIEW, what="Forløb: SDQ-måling på indsats", child=world.child_a1
    ).exists()
    case = client.get(f"/forloeb/{world.extra['case'].pk}/").content.decode()
    assert "SDQ før og efter" in case and "Lærer/pædagog" in case
    assert "<svg" in case and "Samlet vanskelighedsscore" in case and "uk-3band@1" in case


def test_staff_send_the_baseline_from_the_screen(world: World) -> None:
    client = world.client_for(world.ppr_a)
    response = send_parent(world, client)
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["mette@example.org"]
    page = client.get(page_url(world)).content.decode()
    assert "Førmåling er sendt" in page and "mette@example.org" in page


def test_the_links_are_counted_in_danish_and_their_forms_named(world: World) -> None:
    client = world.client_for(world.ppr_a)
    response = send_parent(world, client)
    page = client.get(response["Location"]).content.decode()
    assert "er sendt: 1 link pr. e-mail." in page and "link(s)" not in page
    assert "<td>Forældreskema, 4–17 år</td>" in page and "<td>parent-4-17</td>" not in page


def test_the_optional_follow_up_questions_say_optional_once(world: World) -> None:
    delivery = world.extra["case_delivery"]
    delivery.end, delivery.status = timezone.localdate(), DeliveryStatus.FINISHED
    delivery.save()
    url = f"{page_url(world)}papir/?fase=efter&informant=foraelder"
    page = world.client_for(world.ppr_a).get(url).content.decode()
    assert "Er problemerne blevet bedre" in page and "(valgfrit)" in page
    assert "(opfølgning)" not in page


def test_the_after_measurement_goes_to_whom_the_before_measurement_went(world: World) -> None:
    # The mother's address had to be typed again for the after-measurement.
    client = world.client_for(world.ppr_a)
    send_parent(world, client)
    delivery = world.extra["case_delivery"]
    delivery.end, delivery.status = timezone.localdate(), DeliveryStatus.FINISHED
    delivery.save()
    page = client.get(page_url(world)).content.decode()
    after = page[page.index('id="send-efter"') :]
    assert 'name="efter-email_foraelder" value="mette@example.org"' in after
    assert 'name="efter-name_foraelder" value="Mette Nielsen"' in after
    assert 'name="efter-informants" value="foraelder" checked' in after
    response = client.post(
        f"{page_url(world)}send/",
        {
            "fase": "efter",
            "efter-phase": "efter",
            "efter-informants": ["foraelder"],
            "efter-name_foraelder": "Mette Nielsen",
            "efter-email_foraelder": "mette@example.org",
        },
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["mette@example.org"]


def test_a_bad_e_mail_address_is_shown_on_the_form_and_nothing_is_sent(world: World) -> None:
    client = world.client_for(world.ppr_a)
    before = counts()
    response = send_parent(world, client, **{"foer-email_foraelder": "mette.example.org"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Skriv en gyldig e-mailadresse til forælderen" in page
    assert 'value="mette.example.org"' in page  # kept for correction
    assert counts() == before and len(mail.outbox) == 0


def test_no_informant_chosen_is_a_clear_error(world: World) -> None:
    response = world.client_for(world.ppr_a).post(
        f"{page_url(world)}send/", {"fase": "foer", "foer-phase": "foer"}
    )
    assert response.status_code == 400
    assert "Vælg mindst én informant." in response.content.decode()


def test_the_follow_up_form_appears_when_the_delivery_has_ended(world: World) -> None:
    delivery = world.extra["case_delivery"]
    client = world.client_for(world.ppr_a)
    assert "Send eftermåling" not in client.get(page_url(world)).content.decode()
    delivery.end, delivery.status = timezone.localdate(), DeliveryStatus.FINISHED
    delivery.save()
    page = client.get(page_url(world)).content.decode()
    assert "Send eftermåling" in page


def test_revoking_a_link_from_the_screen(world: World) -> None:
    req = world.extra["measurement_request"]
    client = world.client_for(world.ppr_a)
    response = client.post(f"/maaling/link/{req.pk}/tilbagekald/")
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.revoked_at is not None
    got = Client().get(f"/svar/{WORLD_TOKEN}/")
    assert got.status_code == 410 and "trukket tilbage" in got.content.decode()


def test_paper_entry_through_the_screen_scores_and_shows_the_result(world: World) -> None:
    client = world.client_for(world.ppr_a)
    url = f"{page_url(world)}papir/?fase=foer&informant=foraelder"
    page = client.get(url).content.decode()
    assert "parent-4-17" in page and "Passer delvist" in page
    data = post_data(answers(0, sdq5=2, sdq12=2), {"ebddiff": 1, "distres": 1})
    data.update(
        fase="foer",
        informant="foraelder",
        answered_on=timezone.localdate().isoformat(),
        respondent_name="Mette",
    )
    response = client.post(f"{page_url(world)}papir/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Response.objects.get(informant=Informant.PARENT, phase=Phase.BEFORE)
    assert saved.on_paper and saved.scores["conduct"] == 6  # 5, 12 and reversed 7


def test_a_half_filled_paper_form_keeps_the_answers_and_saves_nothing(world: World) -> None:
    client = world.client_for(world.ppr_a)
    data = post_data(answers(1, sdq2=None, sdq10=None, sdq15=None))
    data.update(fase="foer", informant="foraelder", answered_on=timezone.localdate().isoformat())
    before = counts()
    for _ in range(2):
        response = client.post(f"{page_url(world)}papir/", data)
        assert response.status_code == 400
        page = response.content.decode()
        assert "Besvar mindst 3 af de 5 spørgsmål om hyperaktivitet/opmærksomhed" in page
        assert 'name="q-sdq1" value="1" checked' in page
    assert counts() == before


def test_outsiders_of_the_case_get_404(world: World) -> None:
    req = world.extra["measurement_request"]
    for user in (world.ppr_b, world.lead_b, world.teacher_a2, world.health_a):
        client = world.client_for(user)
        assert client.get(page_url(world)).status_code == 404
        assert client.post(f"/maaling/link/{req.pk}/tilbagekald/").status_code == 404
    req.refresh_from_db()
    assert req.revoked_at is None


# --------------------------------------------------------------------------- the link


def test_a_parent_answers_once_and_sees_thanks(world: World) -> None:
    url = parent_link(world)
    parent = Client()
    page = parent.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "Spørgeskema om Oliver" in text and "Nielsen" not in text
    assert "Passer ikke" in text and "korte stikord" in text
    response = parent.post(url, post_data(answers(1), {"ebddiff": 0}))
    assert response.status_code == 302 and response["Location"] == "/svar/tak/"
    assert "Tak for dit svar" in parent.get("/svar/tak/").content.decode()
    saved = Response.objects.get(informant=Informant.PARENT)
    assert saved.scores["total"] == 20 and saved.scores["norm_set"] == "uk-3band@1"

    again = parent.post(url, post_data(answers(2), {"ebddiff": 0}))
    assert again.status_code == 410 and "allerede besvaret" in again.content.decode()
    assert parent.get(url).status_code == 410
    saved.refresh_from_db()
    assert saved.answers == answers(1)


def test_the_childs_access_log_shows_an_answer_through_a_link(world: World) -> None:
    url = parent_link(world)
    response = Client().post(url, post_data(answers(1), {"ebddiff": 0}))
    assert response.status_code == 302
    page = world.client_for(world.lead_a).get(f"/boern/{world.child_a1.pk}/adgangslog/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Forælder (via engangslink)" in text
    assert "SDQ-førmåling besvaret via engangslink" in text


def test_a_half_filled_form_sent_twice_keeps_the_answers_and_saves_nothing(world: World) -> None:
    url = parent_link(world)
    parent = Client()
    data = post_data(answers(2, sdq7=None, sdq19=None), {"ebddiff": None})
    before = counts()
    for _ in range(2):
        response = parent.post(url, data)
        assert response.status_code == 400
        page = response.content.decode()
        assert "Besvar spørgsmål 7: Gør som voksne beder om." in page
        assert "Besvar spørgsmål 19" in page
        assert "samlet set har vanskeligheder" in page
        assert 'name="q-sdq1" value="2" checked' in page
    assert counts() == before
    req = MeasurementRequest.objects.latest("pk")
    assert req.used_at is None  # still open: the parent can finish


def test_impact_questions_are_needed_when_there_are_difficulties(world: World) -> None:
    url = parent_link(world)
    response = Client().post(url, post_data(answers(1), {"ebddiff": 2, "distres": 1}))
    assert response.status_code == 400
    assert "besvar også »Påvirker hjemmet«" in response.content.decode()


def test_a_forged_value_is_refused(world: World) -> None:
    url = parent_link(world)
    response = Client().post(url, post_data(answers(1, sdq4=3), {"ebddiff": 0}))
    assert response.status_code == 400
    assert "Vælg et af svarene til spørgsmål 4" in response.content.decode()


def test_forged_expired_and_revoked_links(world: World) -> None:
    anonymous = Client()
    forged = anonymous.get(f"/svar/{new_token()[0]}/")
    assert forged.status_code == 404 and "Linket findes ikke" in forged.content.decode()
    assert anonymous.get("/svar/kort/").status_code == 404

    req = world.extra["measurement_request"]
    MeasurementRequest.objects.filter(pk=req.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = anonymous.get(f"/svar/{WORLD_TOKEN}/")
    assert expired.status_code == 410 and "Linket er udløbet" in expired.content.decode()
    posted = anonymous.post(f"/svar/{WORLD_TOKEN}/", post_data(answers(1)))
    assert posted.status_code == 410 and Response.objects.filter(request=req).count() == 0


def test_link_guessing_is_rate_limited_per_address(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SPOR_MEASUREMENT_GUESS_LIMIT = 5
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        assert guesser.get(f"/svar/{new_token()[0]}/").status_code == 404
    blocked = guesser.get(f"/svar/{WORLD_TOKEN}/")  # even a real link, while blocked
    assert blocked.status_code == 429 and "For mange forsøg" in blocked.content.decode()
    assert guesser.post(f"/svar/{WORLD_TOKEN}/").status_code == 429
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.get(f"/svar/{WORLD_TOKEN}/").status_code == 200


def test_used_links_do_not_count_as_guesses(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SPOR_MEASUREMENT_GUESS_LIMIT = 2
    MeasurementRequest.objects.update(used_at=timezone.now())
    client = Client()
    for _ in range(4):
        assert client.get(f"/svar/{WORLD_TOKEN}/").status_code == 410


def test_the_licensed_wording_is_shown_when_the_municipality_has_loaded_it(
    world: World, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import json

    texts = {f"sdq{n}": f"Licenseret udsagn nummer {n}" for n in range(1, 26)}
    (tmp_path / "parent-4-17.json").write_text(
        json.dumps({"instrument": "parent-4-17", "items": texts}), encoding="utf-8"
    )
    settings.SPOR_SDQ_WORDING_DIR = str(tmp_path)
    page = Client().get(f"/svar/{WORLD_TOKEN}/").content.decode()
    assert "Licenseret udsagn nummer 7" in page and "korte stikord" not in page


def test_the_case_shows_change_and_the_reliable_change_category(world: World) -> None:
    from spor.measurement import services
    from tests.measurement.helpers import actor

    delivery = world.extra["case_delivery"]
    delivery.end, delivery.status = timezone.localdate(), DeliveryStatus.FINISHED
    delivery.save()
    # Teacher before: total 20 (world). After: every item "Passer ikke" → total 10 (the
    # reversed items 7, 11, 14, 21, 25 count 2 each): RCI = −10 / (√2 · 6.0 · √(1 − .62)) ≈ −1.91
    # with the retest reliability: not a reliable change, but 10 is inside the teacher's
    # normal range (0–11) under uk-3band.
    services.enter_paper(
        actor=actor(world, world.ppr_a),
        delivery=delivery,
        phase=Phase.AFTER,
        informant=Informant.TEACHER,
        answers=answers(0),
        impact={"ebddiff": 0},
        answered_on=timezone.localdate(),
    )
    page = world.client_for(world.ppr_a).get(f"/forloeb/{world.extra['case'].pk}/")
    text = page.content.decode()
    assert "Flyttet ind i normalområdet" in text
    assert "RCI -1,91 med SD 6,0 og reliabilitet r = 0,62 (test-retest)" in text
    # ... and where the reliability comes from (the norm set's data, per informant)
    assert "kilde til r: Goodman 2001" in text and "lærerskemaets samlede score" in text
    assert '<td class="num">-10</td>' in text
    assert "Lærer/pædagog: før 20, efter 10." in text  # the chart's text alternative
    assert "Ukontrolleret før/efter-måling" in text


def test_the_paper_forms_date_is_shown_in_the_date_fields_own_format(world: World) -> None:
    """A type="date" field shows only an ISO value: "02.12.2026" left it blank, so the
    date a person had (or the default today) disappeared on every rendering."""
    client = world.client_for(world.ppr_a)
    url = f"{page_url(world)}papir/?fase=efter&informant=foraelder"
    today = timezone.localdate().isoformat()
    assert f'name="answered_on" value="{today}"' in client.get(url).content.decode()
    # Sent back with a missing answer: the page comes again with the date kept.
    data = {"fase": "efter", "informant": "foraelder", "answered_on": "2026-11-20"}
    again = client.post(f"{page_url(world)}papir/", data)
    assert again.status_code == 400
    assert 'name="answered_on" value="2026-11-20"' in again.content.decode()


def test_the_answer_page_works_while_the_shared_cache_is_down(world: World) -> None:
    # Redis gone (nothing listens on port 1): the guess limit is an aid and lapses; the
    # parent still answers, a wrong link is still "not found", and nobody gets a 500.
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    anonymous = Client(raise_request_exception=False)
    with override_settings(CACHES=down):
        forged = anonymous.get(f"/svar/{new_token()[0]}/")
        assert forged.status_code == 404 and "Linket findes ikke" in forged.content.decode()
        assert anonymous.get(f"/svar/{WORLD_TOKEN}/").status_code == 200
        posted = anonymous.post(f"/svar/{WORLD_TOKEN}/", post_data(answers(1)))
    assert posted.status_code in (200, 302)
    assert Response.objects.filter(request=world.extra["measurement_request"]).count() == 1
