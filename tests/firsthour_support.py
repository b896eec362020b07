"""Shared parts of the first-hour browser tests (issue 20): the views every test runs in, logging in, axe."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from browser_support import axe_violations, describe
from conftest import REPO, LiveServer, _wait_until_listening, free_port, server_environ, spawn_run_py, stop_process
from teach_http import PASSWORD

PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
# Every test runs at both sizes in both languages (issue 20's "done when").
VIEWS = [("kk-KZ", PHONE), ("ru-RU", DESKTOP), ("ru-RU", PHONE), ("kk-KZ", DESKTOP)]
VIEW_IDS = ["kk-phone", "ru-desktop", "ru-phone", "kk-desktop"]


def open_page(new_page, locale: str, viewport: dict, **options):
    return new_page(locale=locale, viewport=viewport, **options)


def log_in(page, url: str, username: str) -> None:
    page.goto(url + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def assert_axe_clean(page, axe_js: str) -> None:
    violations = axe_violations(page, axe_js)
    assert not violations, describe(violations)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@contextmanager
def serving(
    root: Path,
    starter: Path | str,
    env: dict[str, str] | None = None,
    run_py: Path = REPO / "run.py",
    host: str = "127.0.0.1",
    url_host: str = "127.0.0.1",
) -> Iterator[LiveServer]:
    """run.py (waitress) on `host` over root/data with `starter` imported at first start, for a test module."""
    port = free_port()
    # on 0.0.0.0 the server would announce itself by mDNS on the machine's real network: only test_mdns.py does,
    # inside namespaces of its own
    environ = server_environ(CONTENTSERVER_STARTER_LIBRARY=str(starter), CONTENTSERVER_MDNS_ANNOUNCE="false")
    environ.update(env or {})
    live = spawn_run_py(root / "data", port, root / "server.log", environ, 4, host, run_py, url_host)
    try:
        assert _wait_until_listening(live, port, 60), live.output()
        yield live
    finally:
        stop_process(live.proc)
