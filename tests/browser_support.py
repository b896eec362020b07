"""Browser-test fixtures: Debian's headless Chromium through Playwright, a screenshot per test, axe-core from npm.

Import the fixtures into a test module: `from browser_support import browser, new_page  # noqa: F401`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
# No call home (this machine's network refuses them, many at a time), and shared memory in a file: a container's
# /dev/shm may be too small for a tab.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PHONE = {"viewport": {"width": 360, "height": 640}}
AXE_VERSION = "4.10.3"
AXE_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "contentserver-tests" / f"axe-core-{AXE_VERSION}"
)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, tmp_path: Path) -> Callable[..., Any]:
    """new_page(**context_options) -> a page at 360×640 that fails the test on any JS dialog or page error, and
    on anything the pages' Content-Security-Policy refused (the console's reports, checked when the test ends).

    Every page is screenshotted into tmp_path when the test ends; the paths are printed, so a failing test's
    report shows where its screenshots are.
    """
    pages, contexts = [], []

    def make(**options: Any):
        context = browser.new_context(**{**PHONE, **options})
        contexts.append(context)
        page = context.new_page()
        page.dialogs, page.errors, page.csp_violations = [], [], []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("console", lambda message: _note_csp(page, message))
        pages.append(page)
        return page

    yield make
    for i, page in enumerate(pages):
        shot = tmp_path / f"screenshot-{i}.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        except Exception as exc:  # a crashed page still lets the other screenshots and teardown happen
            print(f"screenshot {shot} failed: {exc}")
    for context in contexts:
        context.close()
    violations = [text for page in pages for text in page.csp_violations]
    assert not violations, f"the Content-Security-Policy blocked something the page needs: {violations}"


def wait_until(page, predicate: str, arg=None, timeout: float = 15.0) -> None:
    """Poll a page function until it returns something true. Playwright's wait_for_function evaluates its
    predicate with eval(), which the pages' Content-Security-Policy refuses; page.evaluate is not affected."""
    for _ in range(int(timeout * 10)):
        if page.evaluate(predicate, arg):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {timeout}s: {predicate}")


def _note_csp(page, message) -> None:
    """Chromium reports what the page's Content-Security-Policy refused on the console."""
    if "Content Security Policy" in message.text:
        page.csp_violations.append(message.text)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js of a fixed axe-core version from the npm registry, installed once into a cache outside the repo."""
    script = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to fetch axe-core for the accessibility tests")
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE_CACHE),
                "--no-audit",
                "--no-fund",
                "--no-save",
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return script.read_text("utf-8")


def axe_violations(page, axe_js: str) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    page.evaluate(axe_js)  # as the devtools console runs it: the page's CSP refuses an inline <script>
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["html"][:200] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, ensure_ascii=False, indent=1)
