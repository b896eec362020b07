"""Bytes on the wire per sync scenario against the new content's bytes, from a real nginx's $bytes_sent log.

python -m bench sync_wire: first sync of the starter library; an unchanged hub; one lesson added to a
20,000-lesson library (bench/synthetic.py); one 50 MB video added; a sync killed at half and resumed.
Wire bytes are what the hub sent (HTTP headers and bodies); targets: media ≤ 1.02×, text < 0.5×, unchanged < 2 KB.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nacl.signing import SigningKey

from contentserver import create_app
from contentserver.db import db
from contentserver.library.bundle import LibraryBundle, open_library
from contentserver.library.format import AttachmentEntry, LessonEntry, ObjectRef
from contentserver.library.publish import publish
from contentserver.models import Hub

from .servers import free_port
from .synthetic import CORPUS, synthetic_library

REPO = Path(__file__).resolve().parents[1]
TEXT_TYPES = ("text/vtt",)
LIMITS = dict(max_manifest_bytes=64 * 1024**2, max_lessons=500_000)
NGINX = """daemon off; worker_processes 1; user root; pid {run}/nginx.pid; error_log {run}/error.log crit;
events {{ worker_connections 64; }}
http {{ log_format wire '$bytes_sent'; access_log {run}/access.log wire; sendfile on; keepalive_timeout 120;
  {rate} default_type application/octet-stream;
  client_body_temp_path {run}/b; proxy_temp_path {run}/p; fastcgi_temp_path {run}/f; uwsgi_temp_path {run}/u;
  scgi_temp_path {run}/s;
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
"""


class CountingNginx:
    """nginx over a hub folder, counting what it sends."""

    def __init__(self, root: Path, run: Path, rate: str = "limit_rate 5m;"):
        self.run, port = run, free_port()
        run.mkdir(parents=True)
        (run / "nginx.conf").write_text(NGINX.format(run=run, root=root, port=port, rate=rate))
        self.proc = subprocess.Popen(["nginx", "-c", str(run / "nginx.conf"), "-p", str(run)])
        self.url = f"http://127.0.0.1:{port}/"
        while not (run / "nginx.pid").exists():
            time.sleep(0.05)
        time.sleep(0.2)

    def sent(self) -> int:
        time.sleep(0.2)
        log = self.run / "access.log"
        return sum(int(line) for line in log.read_text().split()) if log.exists() else 0

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGQUIT)
        self.proc.wait(timeout=20)


def _school(data: Path, url: str, key: SigningKey, **settings):
    app = create_app({"DATA_DIR": str(data), "STARTER_LIBRARY": "", **settings})
    with app.app_context():
        db.session.add(Hub(url=url, public_key=key.verify_key.encode().hex()))
        db.session.commit()
    return app


def _pull(app) -> None:
    from sync.runner import pull_all

    with app.app_context():
        code = pull_all(app, quiet=True)
        db.session.remove()
    if code:
        raise RuntimeError(f"sync pull exited {code}")


def _new_bytes(bundle: LibraryBundle, have: set[str]) -> tuple[int, int]:
    """(text bytes, media bytes) of the objects a school without `have` must fetch."""
    text = media = 0
    for lesson in bundle.manifest.lessons:
        for ref, kind in [(lesson.body, "text/markdown"), *((a, a.media_type) for a in lesson.attachments)]:
            if ref.sha256 not in have:
                have.add(ref.sha256)
                if kind.startswith("text/"):
                    text += ref.size
                else:
                    media += ref.size
    return text, media


def _with_lesson(bundle: LibraryBundle, lesson_id: str, body: bytes, video: Path | None = None) -> LibraryBundle:
    """The bundle plus one lesson (and maybe a video), as its next version."""
    sources = dict(bundle.sources)
    body_ref = ObjectRef(hashlib.sha256(body).hexdigest(), len(body))
    sources[body_ref.sha256] = body
    attachments = ()
    if video is not None:
        with open(video, "rb") as stream:
            sha = hashlib.file_digest(stream, "sha256").hexdigest()
        sources[sha] = video
        attachments = (AttachmentEntry("film.mp4", sha, video.stat().st_size, "video/mp4"),)
    lesson = LessonEntry(
        lesson_id, f"Lesson {lesson_id}", "kk", "Cyrl", "science", 5, ("bench",), body_ref, attachments
    )
    manifest = dataclasses.replace(
        bundle.manifest, version=bundle.manifest.version + 1, lessons=bundle.manifest.lessons + (lesson,)
    )
    return LibraryBundle(manifest, "", bundle.root, sources)


@functools.lru_cache(maxsize=1)
def _body_text() -> bytes:
    """A real lesson's Markdown (the shared corpus' first Kazakh lesson), as the one new lesson's body."""
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if (row["lang"], row["script"]) == ("kk", "Cyrl"):
            return (row["body"] + "\n\nЖаңа нұсқа.\n").encode("utf-8")
    raise RuntimeError(f"no Kazakh lesson in {CORPUS}")


def _row(rows: list, name: str, text: int, media: int, wire: int, kind: str) -> None:
    new = text + media
    if kind == "unchanged":
        target, ok = "< 2048 B", wire < 2048
    else:
        budget = 0.5 * text + 1.02 * media
        target, ok = f"< 0.5×text + 1.02×media ({budget:.0f} B)", wire < budget
    ratio = f"{wire / new:.3f}×" if new else "-"
    rows.append((name, text, media, wire, ratio, target, "ok" if ok else "MISSED"))


def _kill_at_half(app_data: Path, hub: CountingNginx, half: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync", "pull", "--quiet", "--data", str(app_data)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while proc.poll() is None and hub.sent() < half:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def main() -> dict:
    key, rows = SigningKey.generate(), []
    work = Path(tempfile.mkdtemp(prefix="sync-wire-"))
    try:
        _starter_scenarios(work, key, rows)
        _twenty_thousand(work, key, rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _print(rows)
    return {
        name: {"text": text, "media": media, "wire": wire, "target": target, "result": result}
        for name, text, media, wire, _ratio, target, result in rows
    }


def _starter_scenarios(work: Path, key: SigningKey, rows: list) -> None:
    """First sync of the starter library, unchanged hub, a 50 MB video, a 20 MB video killed at half."""
    starter = open_library(REPO / "content", **LIMITS)
    hub_dir, have = work / "hub", set()
    publish(starter, hub_dir, key, **LIMITS)
    hub = CountingNginx(hub_dir, work / "nginx")
    try:
        app = _school(work / "school", hub.url, key)
        _pull(app)
        _row(rows, "first sync, starter library", *_new_bytes(starter, have), hub.sent(), "mixed")
        before = hub.sent()
        _pull(app)
        _row(rows, "unchanged hub", 0, 0, hub.sent() - before, "unchanged")
        bigger = _with_lesson(
            starter, "film-lesson", "# Фильм\n\nfilm.mp4\n".encode(), _random_file(work / "film.mp4", 50)
        )
        publish(bigger, hub_dir, key, **LIMITS)
        before = hub.sent()
        _pull(app)
        _row(rows, "one 50 MB video added", *_new_bytes(bigger, have), hub.sent() - before, "media")
        resumed = _with_lesson(
            bigger, "film-two", "# Фильм 2\n\nfilm.mp4\n".encode(), _random_file(work / "film2.mp4", 20)
        )
        publish(resumed, hub_dir, key, **LIMITS)
        text, media = _new_bytes(resumed, have)
        before = hub.sent()
        _kill_at_half(work / "school", hub, before + media // 2)
        _pull(app)
        _row(rows, "20 MB video, killed at half, resumed", text, media, hub.sent() - before, "media")
    finally:
        hub.stop()


def _random_file(path: Path, mib: int) -> Path:
    path.write_bytes(os.urandom(mib * 1024**2))
    return path


def _twenty_thousand(work: Path, key: SigningKey, rows: list) -> None:
    """A 20,000-lesson library (bench/synthetic.py): its first sync, then one lesson added."""
    bundle = open_library(synthetic_library(20_000), **LIMITS)
    hub_dir = work / "hub20k"
    print("  publishing the 20,000-lesson library…", flush=True)
    publish(bundle, hub_dir, key, **LIMITS)
    hub = CountingNginx(hub_dir, work / "nginx20k", rate="")
    try:
        app = _school(work / "school20k", hub.url, key)
        app.extensions.pop("indexer", None)  # wire bytes only: no 20,000-lesson search index to build here
        print("  first sync of 20,000 lessons…", flush=True)
        _pull(app)
        _row(rows, "first sync, 20,000 lessons", *_new_bytes(bundle, set()), hub.sent(), "mixed")
        publish(_with_lesson(bundle, "one-more-lesson", _body_text()), hub_dir, key, **LIMITS)
        before = hub.sent()
        _pull(app)
        _row(rows, "one lesson added to 20,000", len(_body_text()), 0, hub.sent() - before, "text")
    finally:
        hub.stop()


def _print(rows: list) -> None:
    print(f"{'scenario':38} {'new text B':>11} {'new media B':>12} {'wire B':>10} {'ratio':>7}  target: result")
    for name, text, media, wire, ratio, target, result in rows:
        print(f"{name:38} {text:>11} {media:>12} {wire:>10} {ratio:>7}  {target}: {result}")


if __name__ == "__main__":
    main()
