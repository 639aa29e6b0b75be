"""The web interface in a real browser (headless Chromium) against ``ccai serve``.

Each kind of page at 1280 and 390 px (no horizontal overflow, no serious or
critical axe-core violation, a screenshot in ``tests/web/artifacts/``); the
paths a visitor takes: landing → entity → through its graph, search as you
type, a query in the SPARQL editor, the language switch. Every page is
watched for console errors, failed requests and requests to other hosts
(``conftest.py``).
"""

from __future__ import annotations

import re

import pytest

from tests.web.browser.conftest import ARTIFACTS, axe_violations
from tests.web.test_pages import PAGES

pytestmark = pytest.mark.slow

#: Third-party widgets axe-core does not judge (their markup is not ours).
THIRD_PARTY = {"/sparql": ("#yasgui",), "/docs": ("#swagger-ui",), "/redoc": ("redoc",)}


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "landing"


@pytest.mark.parametrize("width", [1280, 390])
def test_every_kind_of_page(open_page, server, width):
    watched = open_page(width)
    page = watched.page
    for path in [*PAGES, "/docs", "/redoc"]:
        # the editor and the API docs fetch after `load` (queries, /openapi.json)
        busy = path in ("/sparql", "/docs", "/redoc")
        page.goto(server + path.lstrip("/"), wait_until="networkidle" if busy else "load")
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{path} at {width}px is {overflow}px wide (cut off)"
        page.screenshot(path=str(ARTIFACTS / f"{_name(path)}-{width}.png"))
        if width == 1280 or path in ("/", "/id/organisation/nemo"):
            bad = axe_violations(page, THIRD_PARTY.get(path.split("?")[0], ()))
            assert not bad, (path, bad)


def test_landing_to_entity_and_through_its_graph(open_page, server):
    # tall enough that the graph is in view without scrolling (cytoscape caches where
    # its container is; a click right after a scroll can miss)
    page = open_page(1280, height=1600).page
    page.goto(server, wait_until="networkidle")
    page.get_by_role("link", name="Browse by kind").click()
    page.get_by_role("link", name="Organisation", exact=True).first.click()
    page.wait_for_url(re.compile(r"/id/organisation(\?|$)"))
    page.get_by_role("link", name="NEMO", exact=True).click()
    page.wait_for_url(re.compile(r"/id/organisation/nemo$"))
    assert page.locator("h1").inner_text() == "NEMO"
    page.wait_for_function("window.ccaiGraph && window.ccaiGraph.nodes().length > 1")
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    # click a neighbour in the cytoscape graph: its page opens
    target = page.evaluate(
        """() => {
            const node = window.ccaiGraph.nodes().filter(n => !n.data('centre'))[0];
            const box = document.getElementById('graph').getBoundingClientRect();
            const p = node.renderedPosition();
            return {x: box.left + p.x, y: box.top + p.y, href: node.data('href')};
        }"""
    )
    page.mouse.click(target["x"], target["y"])
    page.wait_for_url(target["href"])
    assert page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "clicked-through-graph.png"))


def test_search_as_you_type_then_results(open_page, server):
    page = open_page(390).page
    page.goto(server + "search", wait_until="networkidle")
    page.locator("#q").press_sequentially("museu")
    first = page.locator("#suggestions li a").first
    first.wait_for()
    href = first.get_attribute("href")
    first.click()
    page.wait_for_url(href)
    # Dutch labels: the results page
    page.goto(server + "search", wait_until="networkidle")
    page.select_option("#in", "nl")
    page.locator("#q").fill("musea")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"q=musea"))
    results = page.locator("ol.results li a")
    assert results.count() > 0
    results.first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text()


def test_query_in_the_sparql_editor(open_page, server):
    page = open_page(1280).page
    page.goto(server + "sparql", wait_until="networkidle")
    page.locator(".yasqe_queryButton:visible").click()
    rows = page.locator(".yasr table tbody tr:visible")
    rows.first.wait_for()
    assert rows.count() > 3
    assert "ccai" in page.locator(".yasr table").inner_text().lower() or rows.count() > 3
    page.screenshot(path=str(ARTIFACTS / "sparql-results.png"))
    # an example query opens in its own tab and runs
    page.select_option("#examples", index=1)
    page.locator(".yasqe_queryButton:visible").click()
    page.locator(".yasr table tbody tr:visible").first.wait_for()


def test_language_switch(open_page, server):
    page = open_page(1280).page
    page.goto(server, wait_until="networkidle")
    page.get_by_role("link", name="Nederlands").click()
    page.wait_for_url(re.compile(r"lang=nl"))
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_role("link", name="Uitdagingen", exact=True).click()  # the menu, in Dutch
    page.wait_for_url(re.compile(r"/challenges"))
    assert page.locator("html").get_attribute("lang") == "nl"  # remembered
    assert page.locator("h1").inner_text() == "Uitdagingen en aanbevelingen"
    page.goto(server + "id/organisation/nemo", wait_until="networkidle")
    assert page.get_by_role("link", name="soort organisatie").count() == 1
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.get_by_role("link", name="organisation kind").count() == 1
