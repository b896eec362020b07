"""Shared fixtures: apps over a tmp data folder, synthetic libraries, the real content/, a live waitress server."""
from __future__ import annotations

import hashlib
import html
import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CONTENT = REPO / "content"
VENV_BIN = Path(sys.executable).parent

EXTENSION_TYPES = {
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm", ".vtt": "text/vtt",
    ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg", ".m4a": "audio/mp4",
    ".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".webp": "image/webp", ".gif": "image/gif",
}


# --- hostile input from ../shared/hostile (read in place) ---------------------------------------------------

def hostile_names() -> list[str]:
    """bad-names.txt, one name a line; plus the real NUL byte and the newline name the file spells on 2 lines."""
    lines = (SHARED / "hostile" / "bad-names.txt").read_text("utf-8").split("\n")
    names = [line for line in lines if line]
    # "file\nname.pdf" cannot be written one-a-line: the file has it as two lines "file" and "name.pdf".
    if "file" in names and "name.pdf" in names:
        names = [n for n in names if n not in ("file", "name.pdf")] + ["file\nname.pdf"]
    names += [n.replace("\\x00", "\x00") for n in names if "\\x00" in n]
    return names


def xss_vectors() -> list[str]:
    """xss-vectors.txt: script-injection vectors separated by lines of `----`."""
    text = (SHARED / "hostile" / "xss-vectors.txt").read_text("utf-8")
    return [v.strip("\n") for v in text.split("\n----\n") if v.strip()]


# --- reading pages as a browser would ---------------------------------------------------------------------

class Elements(HTMLParser):
    """Every start tag with its attributes (entities decoded), and the text inside each <script>."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data

    def find(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.elements if t == tag]


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "data", "xlink:href", "poster", "srcset",
                  "cite", "longdesc", "usemap", "dynsrc", "lowsrc", "ping", "manifest", "content"}


def url_scheme(value: str) -> str:
    """The scheme a browser would use: entities decoded, whitespace and control characters dropped."""
    cleaned = "".join(c for c in html.unescape(value) if c > " " and c != "\x7f").lower()
    return cleaned.split(":", 1)[0] if ":" in cleaned.split("/", 1)[0].split("?", 1)[0] else ""


def points_elsewhere(url: str | None) -> bool:
    """Would a browser leave this host for this URL (another scheme, or //host, or /\\host)?"""
    if url is None:
        return False
    cleaned = "".join(c for c in html.unescape(url) if c > " ").replace("\\", "/")
    return cleaned.startswith("//") or url_scheme(url) not in ("", "mailto")


def external_urls(page: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, url) for every URL in a page that leads to another host."""
    found = []
    for tag, attrs in Elements(page).elements:
        for name, value in attrs.items():
            if name in URL_ATTRIBUTES and name != "content" and points_elsewhere(value):
                found.append((tag, name, value))
            if name == "content" and value and "url=" in value.lower():
                found.append((tag, name, value))
    return found


# --- small but real media files -------------------------------------------------------------------------

def png_bytes(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def pdf_bytes(text: str = "worksheet") -> bytes:
    """A tiny valid one-page PDF."""
    stream = f"BT /F1 18 Tf 20 100 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello\n".encode()
FAKE_MP4 = bytes(range(256)) * 8  # 2048 known bytes: good for Range arithmetic; no player needed


# --- synthetic libraries ----------------------------------------------------------------------------------

DEFAULT_LESSON = {"title": "Lesson", "lang": "en", "script": "Latn", "subject": "science", "grade": 5,
                  "tags": ["test"], "body": "# Lesson\n\nSome text.\n", "attachments": {}}


def lesson_spec(lesson_id: str, **fields: Any) -> dict[str, Any]:
    """A lesson for make_library: DEFAULT_LESSON with `fields` over it; attachments map name -> bytes."""
    spec = {**DEFAULT_LESSON, "id": lesson_id, "title": f"Lesson {lesson_id}", **fields}
    spec["attachments"] = dict(spec["attachments"])
    return spec


def _attachment_entries(attachments: dict[str, bytes], lang: str) -> list[dict[str, Any]]:
    """Manifest entries in name order; subtitles <video-stem>.<lang>.vtt belong to their video."""
    entries = []
    for name in sorted(attachments):
        data = attachments[name]
        ext = os.path.splitext(name)[1].lower()
        entry = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                 "type": EXTENSION_TYPES.get(ext, "application/pdf")}
        if ext == ".vtt":
            parts = name.split(".")
            sub_lang = parts[-2] if len(parts) >= 3 and parts[-2] in ("kk", "ru", "en") else lang
            stem = ".".join(parts[:-2] if sub_lang == parts[-2] else parts[:-1])
            video = next((n for n in sorted(attachments) if n.rsplit(".", 1)[0] == stem and n != name), None)
            entry.update(subtitles_for=video, lang=sub_lang)
        entries.append(entry)
    return entries


def write_object(root: Path, data: bytes) -> Path:
    sha = hashlib.sha256(data).hexdigest()
    path = root / "objects" / sha[:2] / sha[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def build_manifest(lessons: list[dict[str, Any]], library_id: str, version: int, title: str) -> dict[str, Any]:
    """The manifest dict (docs/library-format.md) for lesson specs, written independently of the code under test."""
    out = []
    for spec in lessons:
        body = spec["body"].encode("utf-8") if isinstance(spec["body"], str) else spec["body"]
        out.append({k: spec[k] for k in ("id", "title", "lang", "script", "subject", "grade", "tags")}
                   | {"body": {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)},
                      "attachments": _attachment_entries(spec["attachments"], spec["lang"])})
    return {"format": "contentserver-library", "format_version": 1, "library_id": library_id, "title": title,
            "version": version, "created": "2026-11-25T00:00:00Z", "lessons": out}


def write_built_library(root: Path, lessons: list[dict[str, Any]], library_id: str = "test-lib",
                        version: int = 1, title: str = "Test library",
                        edit: Callable[[dict[str, Any]], Any] | None = None) -> Path:
    """A library in the built form; `edit(manifest_dict)` may change the manifest before it is written."""
    root.mkdir(parents=True, exist_ok=True)
    for spec in lessons:
        body = spec["body"].encode("utf-8") if isinstance(spec["body"], str) else spec["body"]
        write_object(root, body)
        for data in spec["attachments"].values():
            write_object(root, data)
    manifest = build_manifest(lessons, library_id, version, title)
    if edit is not None:
        edit(manifest)
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return root


def write_source_library(root: Path, lessons: list[dict[str, Any]], library_id: str = "test-lib",
                         version: int = 1, title: str = "Test library") -> Path:
    """A library in the source form (library.toml + <id>/lesson.md with TOML front matter + media files)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "library.toml").write_text(
        f'library_id = "{library_id}"\ntitle = {json.dumps(title)}\nversion = {version}\n'
        f'created = "2026-11-25T00:00:00Z"\n', "utf-8")
    for spec in lessons:
        folder = root / spec["id"]
        folder.mkdir()
        front = "\n".join(f"{key} = {json.dumps(spec[key], ensure_ascii=False)}"
                          for key in ("title", "lang", "script", "subject", "grade", "tags"))
        (folder / "lesson.md").write_text(f"+++\n{front}\n+++\n{spec['body']}", "utf-8")
        for name, data in spec["attachments"].items():
            (folder / name).write_bytes(data)
    return root


@pytest.fixture
def make_library(tmp_path: Path) -> Callable[..., Path]:
    """make_library(lessons=None, form="built"|"source", library_id=, version=, title=, edit=, name=) -> folder.

    `lessons` is a list of lesson_spec(...) dicts or bare ids; by default two lessons "alpha" and "beta".
    """
    counter = iter(range(1_000_000))

    def make(lessons: list[dict[str, Any] | str] | None = None, form: str = "built", name: str | None = None,
             **kwargs: Any) -> Path:
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


@pytest.fixture
def make_app(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """make_app(**settings) -> a Flask app over tmp data; no starter library, page cache checks every request."""
    for key in list(os.environ):
        if key.startswith("CONTENTSERVER_"):
            monkeypatch.delenv(key)
    from contentserver import create_app
    from contentserver.db import db

    apps = []

    def make(**settings: Any):
        config = {"TESTING": True, "DATA_DIR": str(data_dir), "STARTER_LIBRARY": "",
                  "LIBRARY_CHECK_SECONDS": 0.0, **settings}
        app = create_app(config)
        apps.append(app)
        return app
    yield make
    for app in apps:
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


@pytest.fixture
def imported_app(app):
    """An app with the real starter library content/ imported."""
    import_into(app, CONTENT)
    return app


@pytest.fixture
def imported_client(imported_app):
    return imported_app.test_client()


# --- a real server over HTTP ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    proc: subprocess.Popen
    log: Path

    def get(self, path: str, headers: dict[str, str] | None = None, timeout: float = 10):
        """(status, headers, body) of a GET; HTTP errors are returned, not raised."""
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()

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


@pytest.fixture
def start_server(tmp_path: Path) -> Callable[..., LiveServer]:
    """start_server(data_dir=None, starter=None, env=None, timeout=60) -> LiveServer running run.py (waitress).

    `starter` sets CONTENTSERVER_STARTER_LIBRARY (None: the default, content/; "" skips it).
    """
    started: list[LiveServer] = []

    def start(data_dir: Path | None = None, starter: str | None = None, env: dict[str, str] | None = None,
              timeout: float = 60) -> LiveServer:
        data_dir = data_dir or tmp_path / f"server-data{len(started)}"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
        if starter is not None:
            environ["CONTENTSERVER_STARTER_LIBRARY"] = starter
        environ.update(env or {})
        for attempt in range(3):  # another process may take the free port before run.py binds it
            port = free_port()
            log = tmp_path / f"server{len(started)}.log"
            with open(log, "wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, str(REPO / "run.py"), "--host", "127.0.0.1", "--port", str(port),
                     "--data", str(data_dir), "--threads", "4"],
                    cwd=tmp_path, env=environ, stdout=out, stderr=subprocess.STDOUT)
            server = LiveServer(f"http://127.0.0.1:{port}", data_dir, proc, log)
            started.append(server)
            if _wait_until_listening(server, port, timeout):
                return server
            if "Address already in use" not in server.output() or attempt == 2:
                pytest.fail(f"run.py exited with {proc.returncode}:\n{server.output()}")

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.proc.terminate()
            try:
                server.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.proc.kill()
                server.proc.wait()


@pytest.fixture
def live_server(start_server) -> LiveServer:
    """run.py on 127.0.0.1:<free port> over a tmp data folder; first start imports content/."""
    return start_server()
