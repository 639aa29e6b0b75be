"""A real ``ccai serve`` on the project's build and one headless Chromium for the session.

Chromium is Debian's (``/usr/bin/chromium``; ``make chromium`` installs it),
driven by Playwright (the PyPI package, pinned in ``requirements/test.lock``).
Without either the tests skip, and fail when ``CI`` is set. Every page a test
opens is watched (:class:`Watched`): console errors, uncaught exceptions, failed
requests and any request that leaves 127.0.0.1 (aborted, so nothing is fetched
from the network) fail the test. Screenshots go to ``tests/web/artifacts/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.web.test_pages import built

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHECKOUT = Path(__file__).resolve().parents[3]
AXE = CHECKOUT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser tests must run)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``ccai serve`` on the project's build; yields its base URL."""
    out = built(request)
    port = _free_port()
    env = {
        **os.environ,
        "CCAI_STORE_BACKEND": "inprocess",
        "CCAI_LOG_LEVEL": "warning",
        "PYTHONPATH": str(CHECKOUT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--store", str(out), "--port", str(port)],
        cwd=tmp_path_factory.mktemp("serve-web"),  # no stray .env
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"ccai serve exited: {process.stderr.read().decode()}")
            try:
                if httpx.get(base + "health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("ccai serve did not start")
            time.sleep(0.1)  # polling a starting process: there is no event to wait on
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Package scope, not session: Playwright's sync API runs an asyncio loop on this thread
# for as long as it is open, and the tests after these ones call asyncio.run().
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: run `make chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (requirements/test.lock)")
    if not AXE.is_file():
        _unavailable(f"{AXE} is missing: run `make web-assets`")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Watched:
    """A page and what went wrong on it."""

    page: object
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser, server):
    """``open_page(width)``: a fresh page of that width, watched until the test ends."""
    contexts = []
    watched: list[Watched] = []
    host = urlsplit(server).netloc

    def make(width: int = 1280, height: int = 900, **options: object) -> Watched:
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        w = Watched(page)
        watched.append(w)

        def route(r) -> None:
            url = urlsplit(r.request.url)
            if url.scheme in ("data", "blob") or url.netloc == host:
                r.continue_()
            else:
                w.problems.append(f"request to another host: {r.request.url}")
                r.abort()

        context.route("**/*", route)
        page.on(
            "console",
            lambda m: m.type == "error" and w.problems.append(f"console error: {m.text}"),
        )
        page.on("pageerror", lambda e: w.problems.append(f"page error: {e}"))
        # ERR_ABORTED: the page went on (a click navigated) before a request ended
        page.on(
            "requestfailed",
            lambda r: (
                "ERR_ABORTED" not in (r.failure or "")
                and w.problems.append(f"failed request: {r.url} ({r.failure})")
            ),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and w.problems.append(f"HTTP {r.status}: {r.url}"),
        )
        return w

    yield make
    for context in contexts:
        context.close()
    problems = [p for w in watched for p in w.problems]
    assert not problems, "\n".join(problems)


def axe_violations(page, exclude: tuple[str, ...] = ()) -> list[str]:
    """Serious and critical axe-core violations of the page (WCAG 2.x A and AA)."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (exclude) => {
            const context = exclude.length ? {exclude: exclude.map(s => [s])} : document;
            const r = await axe.run(context, {runOnly: ["wcag2a", "wcag2aa", "wcag21aa",
                                                         "best-practice"]});
            return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3)
                    .map(n => n.target.join(" ")).join(" | "));
        }""",
        list(exclude),
    )
    return list(result)
