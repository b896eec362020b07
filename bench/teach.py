"""Teacher figures: published save → findable in search (median of 20), and 100 MB upload vs a plain file copy."""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

from .servers import HOST, contentserver_command, free_port, serving

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "bench-password-1"
CHUNK = 1024 * 1024
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


class Session:
    """Just enough of a browser: one keep-alive connection, the session cookie, the last CSRF token."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=600)
        self.cookie, self.token = "", ""

    def send(self, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, str, str]:
        headers = {**(headers or {}), "Cookie": self.cookie, "Accept-Language": "en"}
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("Set-Cookie") or []:
            if value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        if found := TOKEN_RE.search(text):
            self.token = found.group(1)
        return response.status, response.headers.get("Location", ""), text

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        body = urllib.parse.urlencode({**fields, "csrf_token": self.token})
        return self.send("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


def _lesson(body: str) -> dict[str, str]:
    return {
        "title": "Bench lesson",
        "lang": "en",
        "script": "Latn",
        "subject": "science",
        "grade": "5",
        "tags": "bench",
        "body": body,
        "status": "published",
        "action": "save",
    }


def publish_to_search(session: Session, rounds: int) -> tuple[list[float], str]:
    """Seconds from sending a published save with a new word to the first search that finds it; the edit path."""
    session.send("GET", "/teach/new")
    _status, location, _ = session.form("/teach/new", _lesson("first version"))
    edit_path = urllib.parse.urlsplit(location).path
    lesson_id = edit_path.rsplit("/", 1)[1]
    times = []
    for _ in range(rounds):
        word = "zq" + uuid.uuid4().hex[:10]
        session.send("GET", edit_path)
        started = time.perf_counter()
        session.form(edit_path, _lesson(f"A new word: {word}."))
        while f"/lessons/{lesson_id}" not in session.send("GET", f"/search?q={word}")[2]:
            if time.perf_counter() - started > 30:
                raise RuntimeError("a published save was not searchable within 30 s")
        times.append(time.perf_counter() - started)
    return times, edit_path


def _multipart(path: Path, token: str) -> tuple[Iterator[bytes], int, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        f"Content-Type: video/mp4\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        yield head
        with open(path, "rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk
        yield tail

    return chunks(), len(head) + path.stat().st_size + len(tail), f"multipart/form-data; boundary={boundary}"


def upload_seconds(session: Session, edit_path: str, video: Path) -> float:
    session.send("GET", edit_path)
    body, length, content_type = _multipart(video, session.token)
    started = time.perf_counter()
    status, _location, text = session.send(
        "POST", edit_path + "/files", body, {"Content-Type": content_type, "Content-Length": str(length)}
    )
    if status != 303:
        raise RuntimeError(f"upload refused with {status}: {text[:300]}")
    return time.perf_counter() - started


def copy_seconds(video: Path, folder: Path) -> float:
    """A plain copy of the same file on the same disk, fsynced like the object store's."""
    target = folder / "copy.bin"
    started = time.perf_counter()
    with open(video, "rb") as source, open(target, "wb") as out:
        shutil.copyfileobj(source, out, CHUNK)
        out.flush()
        os.fsync(out.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="published saves to time (default 20)")
    parser.add_argument("--upload-mb", type=int, default=100, help="size of the uploaded file (default 100)")
    args = parser.parse_args(argv)
    from contentserver import create_app
    from contentserver.accounts.users import create_user

    with tempfile.TemporaryDirectory(prefix="bench-teach-") as tmp:
        data = Path(tmp) / "data"
        app = create_app({"DATA_DIR": str(data), "STARTER_LIBRARY": ""})
        with app.app_context(), app.test_request_context():
            create_user("bench", PASSWORD)
        video = Path(tmp) / "film.mp4"
        with open(video, "wb") as out:
            out.write(MP4_HEAD)
            for _ in range(args.upload_mb):
                out.write(os.urandom(CHUNK))
        port = free_port()
        env = {**os.environ, "CONTENTSERVER_STARTER_LIBRARY": ""}
        with serving("contentserver", contentserver_command(data, port), port, env=env):
            session = Session(port)
            session.send("GET", "/auth/login")
            session.form("/auth/login", {"username": "bench", "password": PASSWORD})
            times, edit_path = publish_to_search(session, args.rounds)
            upload = upload_seconds(session, edit_path, video)
        copy = copy_seconds(video, Path(tmp))
    size_mb = args.upload_mb
    figures = {
        "publish_to_search_median_ms": statistics.median(times) * 1000,
        "publish_to_search_max_ms": max(times) * 1000,
        "upload_mb_per_s": size_mb / upload,
        "copy_mb_per_s": size_mb / copy,
        "upload_vs_copy_ratio": copy / upload,
    }
    print(
        f"published save → findable in search: median {figures['publish_to_search_median_ms']:.0f} ms, "
        f"max {figures['publish_to_search_max_ms']:.0f} ms over {len(times)} saves"
    )
    print(
        f"upload of {size_mb} MB over loopback: {upload:.2f} s ({figures['upload_mb_per_s']:.0f} MB/s); "
        f"plain file copy: {copy:.2f} s ({figures['copy_mb_per_s']:.0f} MB/s); "
        f"upload/copy throughput ratio {figures['upload_vs_copy_ratio']:.2f}"
    )
    return figures


if __name__ == "__main__":
    main()
