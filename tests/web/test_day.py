"""A day in the life, in a real browser (Debian's Chromium through Playwright, one live
server): the loop through the screens, person by person, each asserting what that person
sees.

- the teacher rates Oliver red in the screening grid and raises a concern from his row;
- the psychologist opens a forløb from the concern, sets a goal in the child's words,
  starts an intervention and sends the before-measurement to the mother;
- the mother answers the SDQ through the one-time link on a 390-px phone;
- the PPR lead reads the municipality's evaluation;
- the programme administrator reads the partnership and its initiatives;
- the evaluator reads the evaluation across municipalities, with no name in it.

Screenshots at 1280 and 390 px go to ``$SPOR_SCREENSHOTS`` or to pytest's temporary
directory (never the repository). Runs on SQLite and PostgreSQL alike (the live server's
requests run as the app role, as every request does).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from spor.cases.models import Case, Delivery
from spor.concerns.models import Concern
from spor.measurement.models import Informant, MeasurementRequest, Response
from tests.conftest import World
from tests.factories import PASSWORD
from tests.web.test_browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (CI installs it)",
    ),
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CONCERN = "Oliver leger alene i frikvartererne og siger, at ingen vil være sammen med ham."
GOAL = "Oliver har en fast legekammerat i frikvartererne"
CHILD_WORDS = "Jeg vil have nogen at lege med"


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("SPOR_SCREENSHOTS")
    if where:
        path = Path(where)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("dagen")


class Person:
    """One person's browser (own context: own cookies), logged in through the login page."""

    def __init__(self, browser, url: str, shots: Path, username: str | None, **context) -> None:  # type: ignore[no-untyped-def]
        self.url = url
        self.shots = shots
        self.context = browser.new_context(locale="da-DK", **context)
        self.page = self.context.new_page()
        if username:
            self.page.goto(f"{url}/log-ind/")
            self.page.get_by_label("Brugernavn").fill(username)
            self.page.get_by_label("Adgangskode").fill(PASSWORD)
            self.page.get_by_role("button", name="Log ind").click()
            self.page.wait_for_url(f"{url}/")

    def go(self, path: str) -> None:
        self.page.goto(self.url + path)

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def snap(self, name: str) -> None:
        """The page at 1280 and at 390 px, whole; no sideways scrolling at either."""
        page = self.page
        original = page.viewport_size
        for label, size in (("1280", DESKTOP), ("390", PHONE)):
            page.set_viewport_size(size)
            path = self.shots / f"{name}-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 5000
            wide = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert wide <= 1, f"{name} at {label} px scrolls sideways by {wide} px"
        page.set_viewport_size(original)


def test_a_day_teacher_psychologist_parent_lead_programme_evaluator(
    world: World,
    live_server,  # type: ignore[no-untyped-def]
    browser,  # type: ignore[no-untyped-def]
    shots: Path,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.SPOR_BASE_URL = live_server.url
    MeasurementRequest.objects.update(revoked_at=timezone.now())  # the world's open link
    url = live_server.url
    oliver = world.child_a1
    follow_up = (timezone.localdate() + dt.timedelta(days=14)).isoformat()

    # --- The teacher: rates Oliver in her class's grid, raises a concern from his row.
    teacher = Person(browser, url, shots, "laerer_a", viewport=DESKTOP)
    t = teacher.page
    t.get_by_role("link", name="Trivsel").first.click()
    t.get_by_role("link", name="3.A · Aby Skole").first.click()
    t.get_by_role("heading", name="3.A").first.wait_for()
    row = t.locator(f"#barn-{oliver.pk}")
    assert "Oliver Nielsen" in row.inner_text()
    assert "Ida Hansen" not in teacher.text()  # another class
    row.locator(f'input[name="r-{oliver.pk}-relationer"][value="roed"]').check()
    status = t.locator(f"#status-{oliver.pk}")
    status.get_by_text("Gemt").wait_for()
    raise_concern = status.get_by_role("link", name="Opret bekymring")
    raise_concern.wait_for()
    teacher.snap("1-laerer-trivselsgitter")
    # On a tablet, upright and on its side, the row's "Gemt" is on screen without scrolling
    # sideways (a card per child below 832 px, the whole table from there).
    for width in (768, 1024):
        t.set_viewport_size({"width": width, "height": 1024})
        box = status.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        t.screenshot(path=str(shots / f"1-laerer-trivselsgitter-{width}.png"), full_page=True)
    header = t.get_by_role("columnheader", name="Gemt")
    box = header.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1024, f"'Gemt' off screen: {box}"
    t.set_viewport_size(DESKTOP)
    raise_concern.click()
    t.get_by_role("heading", name="Ny bekymring").wait_for()
    assert "Oliver Nielsen" in teacher.text()
    assert t.get_by_label("Barnets CPR-nummer").count() == 0  # teachers have no CPR numbers
    t.get_by_label("Hvad er du bekymret for?").fill(CONCERN)
    t.get_by_label("Kategori").select_option(index=1)
    t.get_by_label("Ansvarlig").fill("psykolog_a")
    t.get_by_label("Opfølgningsdato").fill(follow_up)
    teacher.snap("2-laerer-ny-bekymring")
    t.get_by_role("button", name="Opret bekymring").click()
    t.get_by_text(CONCERN).wait_for()
    concern = Concern.objects.filter(child=oliver, description=CONCERN).get()
    assert "Oliver Nielsen" in teacher.text()
    teacher.snap("3-laerer-bekymringen")
    teacher.context.close()

    # --- The psychologist: the concern, a forløb from it, a goal, an intervention, and the
    # before-measurement to the mother.
    psychologist = Person(browser, url, shots, "psykolog_a", viewport=DESKTOP)
    p = psychologist.page
    psychologist.go(f"/bekymringer/{concern.pk}/")
    p.get_by_text(CONCERN).wait_for()
    assert "Oliver Nielsen" in psychologist.text()
    p.get_by_role("link", name="Start forløb ud fra bekymringen").click()
    p.get_by_role("heading", name="Nyt forløb").wait_for()
    assert "Oliver Nielsen" in psychologist.text()
    p.get_by_label("Titel").fill("Venskaber i frikvarteret")
    p.locator('input[name="level"]').first.check()
    psychologist.snap("4-psykolog-nyt-forloeb")
    p.get_by_role("button", name="Start forløbet").click()
    p.get_by_role("heading", name="Mål").wait_for()
    case = Case.objects.filter(source_concern=concern).get()
    assert p.url.endswith(f"/forloeb/{case.pk}/")
    assert "Venskaber i frikvarteret" in psychologist.text()

    p.locator("#goal_form summary").click()
    goal_form = p.locator("#goal_form")
    goal_form.locator("textarea[name=maal-text]").fill(GOAL)
    goal_form.get_by_label("Med barnets egne ord").fill(CHILD_WORDS)
    goal_form.get_by_label("Opfølgningsdato").fill(follow_up)
    goal_form.get_by_role("button", name="Gem mål").click()
    p.get_by_text(CHILD_WORDS).first.wait_for()
    assert GOAL in psychologist.text()

    psychologist.go(f"/forloeb/{case.pk}/indsatser/")
    p.get_by_role("heading", name="Iværksæt indsats").wait_for()
    p.get_by_label("Indsats").select_option(label="Samtaleforløb for børn med bekymringer")
    p.get_by_label("Start").fill(timezone.localdate().isoformat())
    p.get_by_role("button", name="Iværksæt indsatsen").click()
    p.get_by_text("Samtaleforløb for børn med bekymringer").first.wait_for()
    delivery = Delivery.objects.filter(case=case).get()
    psychologist.snap("5-psykolog-forloebet")

    psychologist.go(f"/maaling/indsats/{delivery.pk}/")
    p.get_by_text("Send førmåling", exact=True).first.click()
    send = p.locator("#send-foer")
    send.get_by_label("Send til en forælder").check()
    send.get_by_label("Forælderens navn").fill("Mette Nielsen")
    send.get_by_label("Forælderens e-mail").fill("mette@example.org")
    send.get_by_role("button", name="Send førmåling").click()
    p.get_by_text("Førmåling er sendt").wait_for()
    psychologist.snap("6-psykolog-foermaaling-sendt")
    (link,) = re.findall(r"http://\S+/svar/\S+/", mail.outbox[-1].body)

    # --- The mother, on a phone, no login: answers every question with taps.
    mother = Person(browser, url, shots, None, viewport=PHONE, is_mobile=True, has_touch=True)
    m = mother.page
    m.goto(link)
    m.get_by_role("heading", name="Spørgeskema om Oliver").wait_for()
    assert "Nielsen" not in m.content()  # the first name only
    for n in range(1, 26):
        label = "Passer godt" if n in (1, 4, 9, 17, 20, 11, 14) else "Passer delvist"
        if n in (5, 12, 18, 22):
            label = "Passer ikke"
        m.locator(f'fieldset:has(input[name="q-sdq{n}"])').get_by_text(label, exact=True).tap()
    m.locator('fieldset:has(input[name="q-ebddiff"])').get_by_text("Nej", exact=True).tap()
    mother.snap("7-forælder-sdq-mobil")
    m.get_by_role("button", name="Send svar").tap()
    m.get_by_role("heading", name="Tak for dit svar").wait_for()
    mother.snap("8-forælder-tak")
    mother.context.close()
    saved = Response.objects.get(informant=Informant.PARENT, request__delivery=delivery)
    assert saved.scores["total"] == 14

    # The psychologist sees the mother's answer, scored and banded, on the forløb.
    psychologist.go(f"/forloeb/{case.pk}/")
    panel = p.locator("#sdq-maaling")
    panel.get_by_text("Forælder").first.wait_for()
    assert "Grænseområdet" in panel.inner_text()
    psychologist.snap("9-psykolog-sdq-resultat")
    psychologist.context.close()

    # --- The PPR lead: the municipality's evaluation, honest about what it is.
    lead = Person(browser, url, shots, "leder_a", viewport=DESKTOP)
    lead.go("/evaluering/")
    lead.page.get_by_role("heading", name="Evaluering: SDQ før og efter").wait_for()
    text = lead.text()
    assert "Sådan skal tallene læses" in text and "uden en kontrol" in text
    assert "Oliver" not in text  # figures, not children
    lead.snap("10-leder-evaluering")
    lead.context.close()

    # --- The programme administrator: the partnership and its initiatives.
    admin_user = world.extra["programme_admin"]
    admin = Person(browser, url, shots, admin_user.username, viewport=DESKTOP)
    admin.go("/partnerskab/")
    admin.page.get_by_role("heading", name="Partnerskab og pejlemærker").wait_for()
    programme = world.extra["programme"]
    admin.page.get_by_role("link", name=programme.name).first.click()
    admin.page.get_by_role("heading", name=programme.name).wait_for()
    assert "Aby Kommune" in admin.text()  # the participating municipalities
    admin.snap("11-programadministrator-partnerskab")
    admin.go(f"/partnerskab/{programme.pk}/initiativer/")
    admin.page.get_by_role("heading", name="Initiativoversigt").wait_for()
    assert "Oliver" not in admin.text()
    admin.snap("12-programadministrator-initiativer")
    admin.context.close()

    # --- The evaluator: the evaluation across municipalities; no municipality, no child.
    evaluator_user = world.extra["programme_evaluator"]
    evaluator = Person(browser, url, shots, evaluator_user.username, viewport=DESKTOP)
    evaluator.go("/partnerskab/")
    evaluator.page.get_by_role("link", name=programme.name).first.click()
    evaluator.page.get_by_role("heading", name="Evaluering på tværs af kommunerne").wait_for()
    text = evaluator.text()
    assert "Ingen sammenligning" in text and "vist ved et pseudonym" in text
    for name in ("Aby Kommune", "Bby Kommune", "Oliver", "Nielsen"):
        assert name not in text
    evaluator.snap("13-evaluator-evaluering")
    evaluator.context.close()
