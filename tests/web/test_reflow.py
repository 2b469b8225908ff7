"""Every page reflows (WCAG 2.1 1.4.10): at 320 CSS px no page scrolls sideways, and at
1280 px none is wider than the window. A wide table scrolls inside its own region
(``.table-scroll``), never the page.

The walk is the fuzz walk's (``tests/web/test_fuzz.py``), itself the tenancy walk's: every
route of the URL configuration, filled with Aby's objects and the world's one-time links,
opened by every persona, so a route added later is measured without touching this file.
One Chromium for the module, each persona in its own browser context, logged in once (a
test client). Django answers Chromium's requests in this process (``Pages``): each route
is asked once per persona, and only the HTML pages answered with a 200 are loaded and
measured (files, the API, 404s and redirects are not pages to reflow). On each page
Deque's axe-core (npm, ``tests/web/axe``) checks WCAG 2.1 A and AA: 0 violations.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from tests.conftest import World
from tests.web.test_browser import CHROMIUM
from tests.web.test_fuzz import ROLES, SESSION_ENDING, fuzz_world, urls  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (CI installs it)",
    ),
]

# The page's width against the window's, and the elements that stick out past its right
# edge (the innermost few), so that a failure says where to look.
MEASURE = """() => {
  const root = document.documentElement;
  const limit = root.clientWidth + 1;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= limit) continue;
    let inside = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') {
        inside = true; break;
      }
    }
    if (inside && getComputedStyle(el).position !== 'absolute') continue;
    if ([...el.children].some(c => c.getBoundingClientRect().right > limit)) continue;
    const name = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const text = (el.textContent || '').trim().slice(0, 40);
    out.push(name + ' ' + Math.round(r.right) + 'px "' + text + '"');
    if (out.length >= 3) break;
  }
  return {scroll: root.scrollWidth, client: root.clientWidth, culprits: out};
}"""


WIDTHS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"


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


AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
# Its violations on the page, one line per rule: rule, how many elements, the first one.
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return result.violations.map(v =>
    v.id + ' (' + v.impact + ', ' + v.nodes.length + '×): ' + v.nodes[0].target.join(' '));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's script, installed from tests/web/axe's lock file if it is not there yet
    (.ci/run installs it before the suites)."""
    if not AXE_SCRIPT.exists():
        if shutil.which("npm") is None:
            if os.environ.get("CI"):
                pytest.fail("npm is needed for the accessibility check (.ci/run installs it)")
            pytest.skip("npm is not installed")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR)],
            check=True,
            timeout=600,
            capture_output=True,
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


ORIGIN = "http://testserver"


class Pages:
    """Chromium's requests answered by Django in this process, through the persona's test
    client (the whole middleware stack, no sockets): the pages fetched ahead, static files
    from the finders, anything else (an htmx fragment) asked of Django when asked for."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.html: dict[str, bytes] = {}
        self.static: dict[str, bytes] = {}

    def fetch(self, url: str) -> bool:
        """GET the page; True if it is an HTML page with a 200 (the ones measured)."""
        response = self.client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            return False
        self.html[url] = response.content
        return True

    def answer(self, route) -> None:  # type: ignore[no-untyped-def]
        request = route.request
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if request.method != "GET":
            route.abort()
        elif path in self.html:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html[path])
        elif path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            name = path.split(settings.STATIC_URL.strip("/") + "/", 1)[1].split("?")[0]
            if name not in self.static:
                found = finders.find(name)
                self.static[name] = Path(found).read_bytes() if found else b""
            kind = "text/css" if name.endswith(".css") else "text/javascript"
            route.fulfill(status=200, content_type=kind, body=self.static[name])
        elif parts.path == "/favicon.ico":
            route.fulfill(status=204, body=b"")
        else:
            response = self.client.get(path)
            route.fulfill(
                status=response.status_code,
                content_type=response.get("Content-Type", "text/plain"),
                body=response.content,
            )


def client_of(world: World, role: str) -> Client:
    if role == "anonymous":
        return Client()
    person = world.extra[role] if role in world.extra else getattr(world, role)
    return world.client_for(person)


def too_wide(page, width: int) -> str | None:  # type: ignore[no-untyped-def]
    if page.viewport_size["width"] != width:
        page.set_viewport_size({"width": width, "height": 800})
    if page.evaluate(WIDTHS):
        return None
    got = page.evaluate(MEASURE)
    return f"{got['scroll']} px at {width}: " + "; ".join(got["culprits"])


def test_every_page_of_every_role_reflows_at_320_and_fits_at_1280(
    fuzz_world: World,  # noqa: F811 (the fixture)
    browser,  # type: ignore[no-untyped-def]
    axe_source: str,
) -> None:
    from django.core.cache import cache

    w = fuzz_world
    targets = [u for _, p, u in urls(w) if p.name not in SESSION_ENDING]
    failures: list[str] = []
    inaccessible: list[str] = []
    measured = 0
    started = time.monotonic()
    for role in ROLES:
        cache.clear()  # the one-time links' guessing limit is per address
        pages = Pages(client_of(w, role))
        found = [url for url in targets if not url.startswith("/api/") and pages.fetch(url)]
        context = browser.new_context(locale="da-DK", viewport={"width": 320, "height": 800})
        context.route("**/*", pages.answer)
        # An init script, not a <script> tag: the pages' content security policy allows none.
        context.add_init_script(script=axe_source)
        page = context.new_page()
        widths = [320, 1280]
        for url in found:
            page.goto(ORIGIN + url, wait_until="load")
            measured += 1
            for violation in page.evaluate(AXE_RUN):
                inaccessible.append(f"{url} as {role}: {violation}")
            for width in widths:
                wide = too_wide(page, width)
                if wide:
                    failures.append(f"{url} as {role}: {wide}")
            widths.reverse()  # the next page starts at the width this one ended at
        context.close()
        print(f"{role}: {len(found)} pages, {time.monotonic() - started:.1f} s")
    print(f"{measured} pages measured at 320 and 1280 px")
    assert measured > 100, "the walk reached too few pages to prove anything"
    assert not failures, f"{len(failures)} pages too wide:\n" + "\n".join(failures)
    assert not inaccessible, f"{len(inaccessible)} axe violations:\n" + "\n".join(inaccessible)


def test_every_table_in_the_templates_scrolls_in_its_own_region() -> None:
    """A table wider than a phone scrolls inside ``.table-scroll`` (a labelled region the
    keyboard reaches), not the page; the walk above only meets the tables its world fills."""
    root = Path(settings.BASE_DIR) / "templates"
    bare = []
    seen = 0
    for path in sorted(root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for found in re.finditer(r"<table\b", text):
            seen += 1
            before = text[: found.start()]
            wrapper = before.rfind('<div class="table-scroll" role="region" aria-label="')
            if wrapper < before.rfind("</table>") or not before.rstrip().endswith('tabindex="0">'):
                line = text.count("\n", 0, found.start()) + 1
                bare.append(f"{path.relative_to(root)}:{line}")
    assert seen > 50, "too few tables found: the test looks in the wrong place"
    assert not bare, "wrap these tables in .table-scroll (see screening/grid.html):\n" + "\n".join(
        bare
    )
