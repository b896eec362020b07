"""HTTP helpers for the teacher tests: a cookie-keeping client that fills CSRF tokens, and accounts via the CLI."""

from __future__ import annotations

import atexit
import functools
import http.client
import re
import shutil
import socket
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

from conftest import REPO, SHARED, VENV_BIN, stop_process

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct-horse-42"


@dataclass
class Reply:
    status: int
    headers: object
    text: str
    url: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """Encode a multipart/form-data body by hand (file name bytes kept as given)."""
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
    for name, (filename, data) in files.items():
        quoted = filename.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        out += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
                f'Content-Type: application/octet-stream\r\n\r\n'
            ).encode("utf-8", "surrogateescape")
            + data
            + b"\r\n"
        )
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class _FromAddress(urllib.request.HTTPHandler):
    """Connects from a chosen loopback address (127.0.0.2 …), so one machine can be several clients."""

    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(functools.partial(http.client.HTTPConnection, source_address=(self.address, 0)), req)


class Client:
    """A browser-like HTTP client: keeps cookies, does not follow redirects unless asked.

    `source` is the loopback address it connects from (the server then sees another client)."""

    def __init__(self, base_url: str, source: str | None = None):
        self.base = base_url
        self.jar = CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()]
        self.opener = urllib.request.build_opener(*handlers, *([_FromAddress(source)] if source else []))
        self.token = ""

    def request(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        content_type: str | None = None,
        follow: bool = False,
        timeout: float = 60,
    ) -> Reply:
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={"Accept-Language": "en"})
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                reply = Reply(response.status, response.headers, response.read().decode("utf-8", "replace"), path)
        except urllib.error.HTTPError as error:
            with error:
                reply = Reply(error.code, error.headers, error.read().decode("utf-8", "replace"), path)
        found = TOKEN_RE.search(reply.text)
        if found:
            self.token = found.group(1)
        if follow and reply.status in (301, 302, 303) and reply.location:
            target = urllib.parse.urlsplit(reply.location)
            return self.get(target.path + (f"?{target.query}" if target.query else ""), follow=True)
        return reply

    def get(self, path: str, follow: bool = False) -> Reply:
        return self.request("GET", path, follow=follow)

    def post(
        self,
        path: str,
        fields: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        csrf: bool = True,
        follow: bool = False,
    ) -> Reply:
        """POST a form; the CSRF token of the last page seen is added unless csrf=False."""
        fields = dict(fields or {})
        if csrf and "csrf_token" not in fields:
            fields["csrf_token"] = self.token
        if files:
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body, content_type, follow=follow)

    def login(self, username: str, password: str = PASSWORD) -> Reply:
        self.get("/auth/login")
        return self.post("/auth/login", {"username": username, "password": password})

    def cookie(self, name: str):
        return next((c for c in self.jar if c.name == name), None)


class RawUpload:
    """A logged-in teacher's upload form sent over a socket, so the body can be sent in parts."""

    def __init__(self, site: Site, client: Client, lesson_id: str, data: bytes, pad_to: int | None = None):
        client.get(f"/teach/lessons/{lesson_id}")
        fields = {"csrf_token": client.token}
        body, content_type = multipart(fields, {"file": ("film.mp4", data)})
        if pad_to is not None:
            body, content_type = multipart(fields, {"file": ("film.mp4", data + bytes(pad_to - len(body)))})
            assert len(body) == pad_to
        self.body = body
        cookies = "; ".join(f"{c.name}={c.value}" for c in client.jar)
        self.head = (
            f"POST /teach/lessons/{lesson_id}/files HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\n"
            f"Cookie: {cookies}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        address = urllib.parse.urlsplit(site.url)
        self.sock = socket.create_connection((address.hostname, address.port), timeout=30)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> tuple[int, str]:
        """The status and the whole response, read until the server closes."""
        chunks = []
        while chunk := self.sock.recv(65536):
            chunks.append(chunk)
        self.sock.close()
        text = b"".join(chunks).decode("utf-8", "replace")
        return int(text.split(" ", 2)[1]), text


def add_user(data_dir: Path, username: str, password: str = PASSWORD, admin: bool = False) -> None:
    """Create an account the way an operator does: `contentserver user add [--admin] NAME --password-stdin`."""
    args = [str(VENV_BIN / "contentserver"), "user", "add", username, "--password-stdin", "--data", str(data_dir)] + (
        ["--admin"] if admin else []
    )
    subprocess.run(args, input=password + "\n", text=True, check=True, capture_output=True, cwd=REPO)


LESSON = {
    "title": "Photosynthesis",
    "lang": "en",
    "script": "Latn",
    "subject": "science",
    "grade": "6",
    "tags": "plants, light",
    "body": "# Photosynthesis\n\nPlants make sugar from light.\n",
    "status": "published",
    "action": "save",
}


def create_lesson(client: Client, **fields: str) -> str:
    """Create a lesson through the form; returns its id (from the redirect to its edit page)."""
    client.get("/teach/new")
    reply = client.post("/teach/new", {**LESSON, **fields})
    assert reply.status == 303, reply.text
    return reply.location.split("/teach/lessons/")[1].split("?")[0]


@dataclass
class Site:
    """A running server with an admin `boss` and teachers `anna` and `boris` (password PASSWORD)."""

    server: object
    data_dir: Path

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, username: str | None = None) -> Client:
        """A client, logged in as `username` and holding a CSRF token of its logged-in session: a login starts a
        new session, so the login page's token is void (a test whose first call was a POST got a 400)."""
        client = Client(self.url)
        if username:
            reply = client.login(username)
            assert reply.status == 303, reply.text
            client.get(urllib.parse.urlsplit(reply.location).path)
        return client


def start_site(start_server, data_dir: Path, env: dict[str, str] | None = None, threads: int = 4) -> Site:
    """A server with boss, anna and boris. A new data folder is a copy of this test process's first set-up (the
    accounts were made the same way; copying spares each test a CLI run, a login and two password hashes)."""
    if data_dir.exists():
        return _set_up_site(start_server, data_dir, env, threads)
    if not _SITE_TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="site-template-")) / "data"
        atexit.register(shutil.rmtree, template.parent, True)
        stop_process(_set_up_site(start_server, template, None, 4).server.proc)
        _SITE_TEMPLATE.append(template)
    shutil.copytree(_SITE_TEMPLATE[0], data_dir)
    return Site(start_server(data_dir=data_dir, starter="", env=env, threads=threads), data_dir)


_SITE_TEMPLATE: list[Path] = []


def _set_up_site(start_server, data_dir: Path, env: dict[str, str] | None, threads: int) -> Site:
    """Admin from the command line, teachers through the admin page, as a school would set up."""
    add_user(data_dir, "boss", admin=True)
    site = Site(start_server(data_dir=data_dir, starter="", env=env, threads=threads), data_dir)
    admin = site.client("boss")
    for name in ("anna", "boris"):
        admin.get("/admin/")
        reply = admin.post(
            "/admin/users", {"username": name, "display_name": name.title(), "password": PASSWORD}, follow=True
        )
        assert reply.status == 200 and f"Teacher {name} added" in reply.text, reply.text
    return site


def in_search(site: Site, words: str, lesson_id: str) -> bool:
    """Whether a search finds the lesson: the /search page when it exists, else the index the server wrote."""
    status, _headers, body = site.server.get("/search?" + urllib.parse.urlencode({"q": words}))
    if status != 404:
        return f"/lessons/{lesson_id}" in body.decode("utf-8")
    from whoosh import index

    root = site.data_dir / "index"
    ix = index.open_dir(str(root / (root / "CURRENT").read_text().strip()))
    try:
        with ix.searcher() as searcher:
            doc = searcher.document(id=lesson_id)
    finally:
        ix.close()
    text = f"{doc['title']} {doc['text']}".lower() if doc else ""
    return doc is not None and all(word.lower() in text for word in words.split())


class _InertChecker(HTMLParser):
    """Collects anything in a page that could run script: handlers, script URLs, active elements."""

    ACTIVE = {"iframe", "object", "embed", "base", "svg", "math", "style", "frame", "frameset", "applet"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in self.ACTIVE:
            self.problems.append(f"<{tag}>")
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.problems.append("<script> not from /static/")
        if tag == "meta" and "http-equiv" in values:
            self.problems.append("<meta http-equiv>")
        for name, value in attrs:
            target = re.sub(r"[\x00-\x20]", "", (value or "")).lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in (
                "href",
                "src",
                "action",
                "formaction",
                "data",
                "background",
                "xlink:href",
            ) and target.startswith(("javascript:", "data:", "vbscript:")):
                self.problems.append(f"<{tag} {name}={value!r}>")


def inert_problems(html: str) -> list[str]:
    """Everything in the page that could execute; an empty list means the page is inert."""
    checker = _InertChecker()
    checker.feed(html)
    checker.close()
    return checker.problems


def xss_vectors() -> list[str]:
    text = (SHARED / "hostile" / "xss-vectors.txt").read_text("utf-8")
    return [v.strip("\n") for v in re.split(r"(?m)^----$", text) if v.strip()]


def bad_names() -> list[str]:
    """The hostile file names, plus the real NUL byte where the file writes it out as \\x00."""
    lines = [line for line in (SHARED / "hostile" / "bad-names.txt").read_text("utf-8").split("\n") if line]
    return lines + [line.replace("\\x00", "\x00") for line in lines if "\\x00" in line]
