"""Shared fixtures: apps over a tmp data folder, synthetic libraries, the real content/, a live waitress server.

Helpers live in libmaker.py (libraries, media, hostile input) and pagecheck.py (reading pages); they are
re-exported here, so `from conftest import lesson_spec, Elements` keeps working.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from forked_servers import run_py_forks
from hypothesis import settings as hypothesis_settings
from libmaker import (
    CONTENT,
    DEFAULT_LESSON,
    EN,
    EXTENSION_TYPES,
    FAKE_MP4,
    MP4_SHA,
    PDF,
    PNG,
    REPO,
    SAMPLE_BODY,
    SHARED,
    VTT,
    build_manifest,
    hostile_names,
    lesson_spec,
    object_file,
    pdf_bytes,
    png_bytes,
    sample_lessons,
    sha,
    write_built_library,
    write_object,
    write_source_library,
    xss_vectors,
)
from pagecheck import URL_ATTRIBUTES, Elements, external_urls, points_elsewhere, url_scheme

VENV_BIN = Path(sys.executable).parent

# Property-based tests: a few examples in `make test`, thousands in `make fuzz` (HYPOTHESIS_PROFILE=fuzz).
hypothesis_settings.register_profile("default", max_examples=40, derandomize=True)
hypothesis_settings.register_profile("fuzz", max_examples=3000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def make_library(tmp_path: Path) -> Callable[..., Path]:
    """make_library(lessons=None, form="built"|"source", library_id=, version=, title=, edit=, name=) -> folder.

    `lessons` is a list of lesson_spec(...) dicts or bare ids; by default two lessons "alpha" and "beta".
    """
    counter = iter(range(1_000_000))

    def make(
        lessons: list[dict[str, Any] | str] | None = None, form: str = "built", name: str | None = None, **kwargs: Any
    ) -> Path:
        specs = [lesson_spec(s) if isinstance(s, str) else s for s in (lessons or ["alpha", "beta"])]
        root = tmp_path / "libraries" / (name or f"lib{next(counter)}")
        if form == "source":
            assert "edit" not in kwargs, "edit= applies to the built form only"
            return write_source_library(root, specs, **kwargs)
        return write_built_library(root, specs, **kwargs)

    return make


# --- apps -------------------------------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


APP_TEST_CONFIG = {"TESTING": True, "STARTER_LIBRARY": "", "LIBRARY_CHECK_SECONDS": 0.0}


@pytest.fixture
def make_app(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """make_app(**settings) -> a Flask app over tmp data; no starter library, page cache checks every request."""
    for key in list(os.environ):
        if key.startswith("CONTENTSERVER_"):
            monkeypatch.delenv(key)
    from contentserver import create_app

    apps = []

    def make(**settings: Any):
        config = {**APP_TEST_CONFIG, "DATA_DIR": str(data_dir), **settings}
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        close_app(app)


def close_app(app) -> None:
    """Close what an in-process app holds open (its database connections, book searchers)."""
    from contentserver.db import db

    if "book_searchers" in app.extensions:
        app.extensions["book_searchers"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def import_into(app, path: Path):
    """Import a library folder into `app` the way `contentserver import` does; returns the ImportResult."""
    from contentserver.library.importer import ImportLimits, import_library

    with app.app_context():
        return import_library(Path(path), app.extensions["object_store"], ImportLimits.from_config(app.config))


@pytest.fixture
def import_library_into() -> Callable[[Any, Path], Any]:
    """import_library_into(app, path) -> ImportResult (raises ManifestError when refused)."""
    return import_into


@functools.cache
def imported_data_folder() -> Path:
    """A data folder with content/ imported in process, made once per test process (imported_app copies it)."""
    from contentserver import create_app

    root = Path(tempfile.mkdtemp(prefix="imported-data-"))
    atexit.register(shutil.rmtree, root, True)
    app = create_app({**APP_TEST_CONFIG, "DATA_DIR": str(root / "data")})
    import_into(app, CONTENT)
    close_app(app)
    return root / "data"


@pytest.fixture
def imported_app(make_app, data_dir):
    """An app with the real starter library content/ imported."""
    shutil.copytree(imported_data_folder(), data_dir)
    return make_app()


@pytest.fixture
def imported_client(imported_app):
    return imported_app.test_client()


@pytest.fixture
def sample_app(app, make_library):
    """An app with sample_lessons() installed: 3 lessons, 2 subjects, grades 5 and 7, kk/ru/en, every media kind."""
    import_into(app, make_library(sample_lessons()))
    return app


@pytest.fixture
def sample_client(sample_app):
    return sample_app.test_client()


# --- a real server over HTTP ------------------------------------------------------------------------------


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Whether `check()` comes true within `seconds` (for what a background thread finishes)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, Any, bytes]:
    """(status, headers, body) of a GET; HTTP errors are returned, not raised."""
    return http_request(url, "GET", None, headers, timeout)


def http_request(
    url: str, method: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, Any, bytes]:
    """(status, headers, body) of one request; HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def stop_process(proc: subprocess.Popen, signum: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Ask a child process to stop; kill it if it has not within `timeout` seconds."""
    if proc.poll() is None:
        proc.send_signal(signum)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    proc: subprocess.Popen
    log: Path

    def get(self, path: str, headers: dict[str, str] | None = None, timeout: float = 10):
        """(status, headers, body) of a GET on this server; HTTP errors are returned, not raised."""
        return http_get(self.url + path, headers, timeout)

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


def _wait_until_listening(server: LiveServer, port: int, timeout: float) -> bool:
    """True once the server accepts connections; False if it exited; fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while server.proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"run.py did not answer within {timeout}s:\n{server.output()}")
            time.sleep(0.1)
    return False


def spawn_run_py(
    data_dir: Path,
    port: int,
    log: Path,
    environ: dict[str, str],
    threads: int = 4,
    host: str = "127.0.0.1",
    run_py: Path = REPO / "run.py",
    url_host: str = "127.0.0.1",
) -> LiveServer:
    """run.py in a process of its own over `data_dir`, its output in `log` (running: wait until it listens).
    The repository's run.py is forked from a process that has imported it (forked_servers.py); another copy of
    run.py (an install's) starts as a program of its own."""
    args = ["--host", host, "--port", str(port), "--data", str(data_dir), "--threads", str(threads)]
    if run_py == REPO / "run.py":
        return LiveServer(
            f"http://{url_host}:{port}", data_dir, run_py_forks().spawn(args, environ, log.parent, log), log
        )
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(run_py), *args], cwd=log.parent, env=environ, stdout=out, stderr=subprocess.STDOUT
        )
    return LiveServer(f"http://{url_host}:{port}", data_dir, proc, log)


def server_environ(**settings: str) -> dict[str, str]:
    """This process's environment without its CONTENTSERVER_ settings, plus `settings`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}, **settings}


def _video_work_left(data_dir: Path) -> int:
    """How many of the data folder's videos still wait for (or are in) the video worker."""
    conn = sqlite3.connect(data_dir / "library.sqlite", timeout=10)
    try:  # closed now, not when collected: the last connection to close removes the -wal and -shm files
        return conn.execute("SELECT count(*) FROM video_jobs WHERE state IN ('queued', 'running')").fetchone()[0]
    finally:
        conn.close()


@functools.cache
def starter_data_folder() -> Path:
    """A data folder where run.py imported content/ and the video worker finished, made once per test process:
    a server over the starter library starts from a copy of it, so a start imports nothing and runs no ffmpeg
    (tests of the first start itself pass fresh=True)."""
    root = Path(tempfile.mkdtemp(prefix="starter-data-"))
    atexit.register(shutil.rmtree, root, True)
    port = free_port()
    server = spawn_run_py(root / "data", port, root / "server.log", server_environ(), threads=2)
    try:
        assert _wait_until_listening(server, port, 120), server.output()
        assert eventually(lambda: _video_work_left(server.data_dir) == 0, 300), server.output()
    finally:
        stop_process(server.proc)
    return server.data_dir


@pytest.fixture
def starter_data() -> Path:
    """The starter library's data folder as run.py's first start leaves it (copy it; don't change it)."""
    return starter_data_folder()


@pytest.fixture
def start_server(tmp_path: Path) -> Callable[..., LiveServer]:
    """start_server(data_dir=None, starter=None, env=None, timeout=60, threads=4, fresh=False) -> LiveServer
    running run.py.

    `starter` sets CONTENTSERVER_STARTER_LIBRARY (None: the default, content/; "" skips it). A new data folder
    over the default starter is a copy of `starter_data_folder()` unless `fresh`: then run.py imports content/ itself.
    """
    started: list[LiveServer] = []

    def start(
        data_dir: Path | None = None,
        starter: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
        threads: int = 4,
        fresh: bool = False,
    ) -> LiveServer:
        if data_dir is None:
            data_dir = tmp_path / f"server-data{len(started)}"
            if starter is None and not fresh:
                shutil.copytree(starter_data_folder(), data_dir)
        environ = server_environ()
        if starter is not None:
            environ["CONTENTSERVER_STARTER_LIBRARY"] = starter
        environ.update(env or {})
        for attempt in range(3):  # another process may take the free port before run.py binds it
            port = free_port()
            server = spawn_run_py(data_dir, port, tmp_path / f"server{len(started)}.log", environ, threads)
            started.append(server)
            if _wait_until_listening(server, port, timeout):
                return server
            if "Address already in use" not in server.output() or attempt == 2:
                pytest.fail(f"run.py exited with {server.proc.returncode}:\n{server.output()}")

    yield start
    for server in started:
        stop_process(server.proc)


@pytest.fixture
def live_server(start_server) -> LiveServer:
    """run.py on 127.0.0.1:<free port> over a tmp data folder; first start imports content/."""
    return start_server()


@pytest.fixture
def counted(sample_app):
    """The sample app's test client, and a list that grows by one per request Flask's request handling saw
    (the fast WSGI layers in front of Flask answer without it)."""
    seen = []
    sample_app.before_request(lambda: seen.append(1))
    return sample_app.test_client(), seen


# --- tests that need root must run where there is root -----------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """CI runs as root: there a `needs_root` test that skipped (no tc, no mount, no namespace) is a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("needs_root") and os.environ.get("CI") and os.geteuid() == 0:
        report.outcome = "failed"
        report.longrepr = f"needs_root test skipped in CI as root: {report.longrepr}"
