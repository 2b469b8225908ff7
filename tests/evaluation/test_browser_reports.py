"""The evaluation reports in a real browser (Debian's Chromium through Playwright): a PPR-leder
opens the evaluation page, filters to one intervention type, orders the PDF report and the
workbook, watches the progress and downloads both. The reports are made by the background
worker (`spor_worker`) in its own process, as in production. The PDF's pages are rendered
to PNG (pdftoppm) and saved with the screenshots in test-artifacts/, and checked: at least
one page, none blank."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from spor.cases.models import InterventionType
from tests.conftest import World
from tests.evaluation.test_reports import data
from tests.factories import PASSWORD
from tests.ops.jobkit import running_worker
from tests.programme.test_browser import log_in
from tests.web.test_browser import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (CI installs it)",
    ),
    pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed"),
]


@pytest.fixture
def browser_page():  # type: ignore[no-untyped-def]
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        page = browser.new_page(locale="da-DK", viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


def pages_as_png(pdf: Path, prefix: str) -> list[Path]:
    for old in ARTIFACTS.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / prefix)],
                   check=True)  # fmt: skip
    return sorted(ARTIFACTS.glob(f"{prefix}-*.png"))


def ink(png: Path) -> float:
    """The share of pixels that are not (nearly) white."""
    img = Image.open(png).convert("L")
    histogram = img.histogram()
    dark = sum(histogram[:240])
    return dark / (img.width * img.height)


def download(page, name: str, target: Path) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text("Rapporten er klar").wait_for(timeout=600_000)
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    info.value.save_as(str(target))


@pytest.fixture
def evaluation_data(world: World) -> World:
    # Made before the browser starts: inside Playwright's context the ORM would open a second
    # connection that nothing closes (and PostgreSQL could not drop the test database).
    data(world)
    return world


@pytest.fixture
def worker(evaluation_data: World) -> Iterator[None]:
    with running_worker():
        yield


def test_a_ppr_leder_filters_the_evaluation_and_downloads_the_pdf_and_the_workbook(
    evaluation_data: World, live_server, worker: None, browser_page
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, "leder_a", PASSWORD)

    page.goto(f"{live_server.url}/evaluering/")
    page.get_by_role("heading", name="Evaluering: SDQ før og efter").wait_for()
    # 14 of the 19 are paired, but the lead's views are protected together: the 14 would
    # follow from the filtered views' counts, so it is hidden (docs/evaluation.md).
    assert "◆ par af 19 startet" in page.content()
    page.locator("#id_type").select_option(label="Konsultativt støttende")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(f"**type={InterventionType.SUPPORTIVE}**")
    assert "◆ par af ◆ startet" in page.content()  # 8 of 13: hidden with the rest
    page.screenshot(path=str(ARTIFACTS / "evaluering-filtreret.png"), full_page=True)

    page.get_by_role("button", name="Hent PDF-rapport").click()
    page.get_by_role("heading", name="PDF-rapport").wait_for()
    status = page.get_by_role("status")
    assert status.locator("progress").count() == 1
    pdf = ARTIFACTS / "evaluering-rapport.pdf"
    download(page, "Hent PDF-rapporten", pdf)
    page.screenshot(path=str(ARTIFACTS / "evaluering-rapport-klar.png"), full_page=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    pngs = pages_as_png(pdf, "evaluering-rapport-side")
    assert len(pngs) >= 1
    assert f"{len(pngs)} sider" in status.inner_text()
    for png in pngs:
        assert ink(png) > 0.005, f"{png.name} is blank"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
    flat = " ".join(text.stdout.decode().split())
    assert "Konsultativt støttende" in flat and "◆ par af ◆ startet" in flat
    assert "8 par af 13" not in flat

    page.get_by_role("link", name="Tilbage til evalueringssiden").click()
    page.wait_for_url(f"**type={InterventionType.SUPPORTIVE}**")
    page.get_by_role("button", name="Hent regneark (XLSX)").click()
    page.get_by_role("heading", name="Regneark (XLSX)").wait_for()
    xlsx = ARTIFACTS / "evaluering-regneark.xlsx"
    download(page, "Hent regnearket", xlsx)
    wb = load_workbook(io.BytesIO(xlsx.read_bytes()))
    about = {r[0]: r[1] for r in wb["Om rapporten"].iter_rows(values_only=True) if r[0]}
    assert about["Type"] == "Konsultativt støttende"
    assert wb["Hvem er med"]["A2"].value == "Par (før og efter)"
    assert wb["Hvem er med"]["B2"].value == "◆"  # the same cell hidden as on the page
    # The status page polls with htmx under the site's content security policy.
    assert not [p for p in problems if "Content Security Policy" in p or "htmx" in p], problems
