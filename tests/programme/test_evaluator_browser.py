"""The programme evaluator in a real browser (Debian's Chromium through Playwright): logs
in, finds the evaluation from the partnership page, chooses the informant (the one filter;
intervention type is a row of the protected tables) and downloads the XLSX; the export
opens, carries the type's row and holds no municipality name. Screenshot in
test-artifacts/."""

from __future__ import annotations

import io
import os

import pytest
from openpyxl import load_workbook

from spor.cases.models import InterventionType
from tests.conftest import World
from tests.factories import PASSWORD
from tests.programme.test_browser import browser_page, log_in  # noqa: F401 (fixture)
from tests.programme.test_evaluator import both
from tests.web.test_browser import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (CI installs it)",
    ),
]


def test_the_evaluator_chooses_the_informant_and_downloads_the_xlsx(
    world: World,
    live_server,  # type: ignore[no-untyped-def]
    browser_page,  # noqa: F811
) -> None:
    both(world)
    page = browser_page
    log_in(page, live_server.url, world.extra["programme_evaluator"].username, PASSWORD)
    page.goto(f"{live_server.url}/partnerskab/")
    # The partnership page links the evaluation and, since, the staff survey: the first.
    page.get_by_role("link", name="Investering i den tidlige").first.click()
    page.get_by_role("heading", name="Evaluering på tværs af kommunerne").wait_for()
    assert "Aby Kommune" not in page.content() and "Bby Kommune" not in page.content()
    page.locator("select[name=informant]").select_option("ppr_fagperson")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**informant=ppr_fagperson*")
    assert InterventionType.CONSULTATIVE.label in page.content()
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "programme-evaluator.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="Hent som XLSX").click()
    content = open(info.value.path(), "rb").read()  # noqa: SIM115
    wb = load_workbook(io.BytesIO(content))
    assert "Dataordbog" in wb.sheetnames
    text = " ".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )
    assert "Pr. indsatstype" in wb.sheetnames
    kinds = [str(r[0]) for r in wb["Pr. indsatstype"].iter_rows(values_only=True) if r and r[0]]
    assert InterventionType.CONSULTATIVE.label in kinds
    assert "Aby Kommune" not in text and "Bby Kommune" not in text
