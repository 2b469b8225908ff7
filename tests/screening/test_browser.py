"""A pedagogue rates her whole group in a real browser with the keyboard only, and PPR's
overview shows it. Screenshots of both are saved in test-artifacts/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spor.screening.models import Assessment
from tests import factories as f
from tests.conftest import World
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (CI installs it)",
    ),
]

# What the pedagogue decides, child by child: area -> colour (the rest green).
PLAN = {
    "Alma": {},
    "Bo": {"trivsel": "gul"},
    "Carla": {"relationer": "roed"},
    "Dan": {},
    "Oliver": {"laering": "gul"},
}
AREAS = ["trivsel", "udvikling", "laering", "relationer"]
STEPS = {"groen": 0, "gul": 1, "roed": 2}  # arrow presses to the right of green


@pytest.fixture
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


def log_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/log-ind/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{url}/")


def focused_name(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("document.activeElement && document.activeElement.name || ''")


def test_a_pedagogue_rates_her_group_with_the_keyboard_and_ppr_sees_it(
    world: World, live_server, browser
) -> None:  # type: ignore[no-untyped-def]
    r = world.extra["round"]
    world.extra["agreement"].delete()  # the whole group is rated afresh
    children = {"Oliver": world.child_a1}
    for n, name in enumerate(["Alma", "Bo", "Carla", "Dan"]):
        children[name] = f.child(world.a, f"1{n}0519-40{n}3", name, "Holm", groups=[world.class_a])
    ids = {name: c.pk for name, c in children.items()}

    page = browser.new_page(locale="da-DK", viewport={"width": 1400, "height": 1000})
    log_in(page, live_server.url, "laerer_a")
    page.goto(f"{live_server.url}/trivsel/")
    page.get_by_role("link", name="3.A · Aby Skole").click()
    page.get_by_role("link", name="Fælles vurdering (teamets)").click()
    # The group's own grid has the same heading and fields: wait for the joint one, or the
    # keys below could land on the page being left.
    page.wait_for_url("**?vurdering=faelles")
    page.wait_for_load_state("load")
    page.get_by_role("heading", name="3.A").wait_for()

    # Keyboard only from here: Tab to the first child's first area.
    first = min(PLAN, key=lambda name: name)  # rows are sorted by first name
    for _ in range(80):
        page.keyboard.press("Tab")
        if focused_name(page) == f"r-{ids[first]}-trivsel":
            break
    else:
        pytest.fail("Tab never reached the grid")

    for name in sorted(PLAN):
        for n, area in enumerate(AREAS):
            if n:
                page.keyboard.press("Tab")
            assert focused_name(page) == f"r-{ids[name]}-{area}"
            page.keyboard.press("Space")  # selects green, the focused first choice
            for _ in range(STEPS[PLAN[name].get(area, "groen")]):
                page.keyboard.press("ArrowRight")
        page.locator(f"#status-{ids[name]}").get_by_text("Gemt").wait_for()
        page.keyboard.press("Tab")  # the row's focus points (a <details>)
        page.keyboard.press("Tab")  # on to the next child

    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "trivsel-gitter.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5000

    agreed = {
        a.child.first_name: a.position
        for a in Assessment.objects.filter(round=r, is_agreement=True).select_related("child")
    }
    assert agreed == {
        "Alma": "groen",
        "Bo": "gul",
        "Carla": "roed",
        "Dan": "groen",
        "Oliver": "gul",
    }

    ppr = browser.new_page(locale="da-DK", viewport={"width": 1400, "height": 1000})
    log_in(ppr, live_server.url, "psykolog_a")
    ppr.goto(f"{live_server.url}/trivsel/{r.pk}/")
    row = ppr.get_by_role("row", name="Aby Skole")
    cells = row.get_by_role("cell").all_inner_texts()
    assert cells[:3] == ["2", "2", "1"]  # grøn, gul, rød
    unrated = ppr.locator("section", has=ppr.get_by_role("heading", name="Grupper, der ikke"))
    assert "4.B" in unrated.inner_text() and "3.A" not in unrated.inner_text()
    assert "Carla" not in ppr.content()  # the overview names no children
    shot = ARTIFACTS / "trivsel-overblik.png"
    ppr.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5000
