"""Ranged, resumable, verified HTTP downloads (chunk by chunk, If-Range guarded, never past the declared size),
and the paced requests with a body that a push sends."""

from __future__ import annotations

import errno
import http.client
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from contentserver.library.objects import sha256_file

from .clock import clock_offset
from .errors import DiskFull, LinkDown, Refused
from .pacing import Pacer

CONTENT_RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
READ_BLOCK = 64 * 1024
NETWORK_ERRORS = (OSError, http.client.HTTPException)
Headers = dict[str, str] | Callable[[str], dict[str, str]]


@dataclass
class Counters:
    """What went over the wire: response bytes and request bytes (headers estimated from their text), requests."""

    bytes_down: int = 0
    bytes_up: int = 0
    requests: int = 0
    resent: int = 0


class HubClient:
    """One keep-alive connection to a hub folder's base URL, with retries, backoff and a give-up time."""

    def __init__(
        self,
        base_url: str,
        chunk: int,
        timeout: float,
        give_up: float,
        backoff_max: float,
        on_bytes: Callable[[int], None] = lambda n: None,
        pacer: Pacer | None = None,
    ):
        parts = urlsplit(base_url if base_url.endswith("/") else base_url + "/")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(f"hub URL {base_url!r} must be http:// or https://")
        self.scheme, self.host, self.port, self.prefix = parts.scheme, parts.hostname, parts.port, parts.path
        self.chunk, self.timeout, self.give_up, self.backoff_max = chunk, timeout, give_up, backoff_max
        self.on_bytes, self.counters = on_bytes, Counters()
        self.pacer = pacer  # yields the link to the school's own traffic (sync/pacing.py)
        self.conn: http.client.HTTPConnection | None = None
        self.clock_offset: float | None = None  # the hub's Date minus this box's clock, from the last answer

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            self.conn = cls(self.host, self.port, timeout=self.timeout)
            if self.pacer is not None:
                # http.client's hook that opens the socket (typeshed leaves the private attribute out)
                self.conn._create_connection = self.pacer.create_connection  # type: ignore[attr-defined]
        return self.conn

    def _exchange(
        self,
        relpath: str,
        headers: Headers,
        handle: Callable[[http.client.HTTPResponse], object],
        method: str = "GET",
        body: bytes | None = None,
    ):
        """Send one request and let `handle` read the response; network errors retry with backoff until give-up.
        `headers` may be a function of the path, called afresh for every attempt (a push signs each one)."""
        started, delay = time.monotonic(), 0.5
        while True:
            try:
                conn = self._connection()
                path = self.prefix + relpath
                sent = dict(headers(path) if callable(headers) else headers)
                if body is not None:
                    sent["Content-Length"] = str(len(body))
                self.counters.bytes_up += (
                    len(method) + len(path) + 12 + sum(len(k) + len(v) + 4 for k, v in sent.items())
                )
                conn.putrequest(method, path, skip_accept_encoding=True)  # Host and ours only: the uplink is thin
                for name, value in sent.items():
                    conn.putheader(name, value)
                conn.endheaders(None if body is None else self._paced(body))
                asked = time.time()
                response = conn.getresponse()
                self.clock_offset = clock_offset(response.getheader("Date"), asked, time.time(), self.clock_offset)
                self.counters.requests += 1
                self.counters.bytes_down += len(str(response.headers)) + 17
                try:
                    result = handle(response)
                except BaseException:
                    response.close()  # a refused or failed response lets go of its socket now, not at GC
                    raise
                if response.will_close or not response.isclosed() or (self.pacer and self.pacer.wants_reconnect()):
                    self.close()
                return result
            except (TimeoutError, *NETWORK_ERRORS) as exc:
                if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                    raise
                self.close()
                if time.monotonic() - started > self.give_up:
                    raise LinkDown(
                        f"the hub {self.host} did not answer for {int(self.give_up)} s "
                        f"({exc.__class__.__name__}: {exc}); progress is kept for the next run"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, self.backoff_max)

    def _paced(self, body: bytes) -> Iterator[bytes]:
        """The body in small blocks, each counted and paced like a read, so an upload keeps under the cap and
        yields to the school's traffic as a download does."""
        start = 0
        while start < len(body):
            block = body[start : start + (READ_BLOCK if self.pacer is None else self.pacer.read_size())]
            start += len(block)
            yield block
            self.counters.bytes_up += len(block)
            if self.pacer is not None:
                self.pacer.spend(len(block))

    def send(self, method: str, relpath: str, body: bytes, headers: Headers, limit: int) -> tuple[int, bytes]:
        """A request with a body (a push step) -> (status, response body): network errors and 5xx answers retry
        until give-up; any other status is the caller's to judge."""

        def handle(response: http.client.HTTPResponse) -> tuple[int, bytes]:
            data = self._read(response, limit, relpath)
            if response.status >= 500:
                raise http.client.HTTPException(f"the hub answered {response.status} {response.reason}")
            return response.status, data

        return self._exchange(relpath, headers, handle, method, body)

    def _read(self, response: http.client.HTTPResponse, limit: int, what: str) -> bytes:
        """The body, refused if it is longer than `limit` (whatever the server declared)."""
        declared = response.getheader("Content-Length")
        if declared is not None and int(declared) > limit:
            raise Refused(f"{what}: the hub sends {declared} bytes, more than the {limit} declared")
        data = response.read(limit + 1) if declared is None else _read_exactly(response, int(declared), self.pacer)
        if len(data) > limit:
            raise Refused(f"{what}: the hub sends more than the {limit} bytes declared")
        self.counters.bytes_down += len(data)
        self.on_bytes(len(data))
        return data

    def get_small(self, relpath: str, limit: int, etag: str | None = None) -> tuple[int, bytes, str | None]:
        """A small file (the head): (status, body, ETag); 304 when `etag` still matches."""
        headers = {"If-None-Match": etag} if etag else {}

        def handle(response):
            if response.status == 304:
                response.read()
                return 304, b"", etag
            if response.status != 200:
                response.read(READ_BLOCK)
                raise LinkDown(f"the hub answered {response.status} {response.reason} for {relpath}")
            return 200, self._read(response, limit, relpath), response.getheader("ETag")

        return self._exchange(relpath, headers, handle)

    def fetch(self, relpath: str, part: Path, size: int, sha256: str) -> None:
        """Download into `part` (resuming what is there) until it has `size` bytes hashing to `sha256`."""
        for attempt in range(2):
            resumed = part.exists() and part.stat().st_size > 0
            self._fill(relpath, part, size)
            if sha256_file(part) == sha256:
                return
            part.unlink()
            if not resumed or attempt:
                raise Refused(f"{relpath}: the bytes the hub sent do not match their sha256 {sha256}")

    def _fill(self, relpath: str, part: Path, size: int) -> None:
        validator = part.with_name(part.name + ".etag")
        if part.exists() and part.stat().st_size > size:
            part.unlink()
        restarts = 0
        while (offset := part.stat().st_size if part.exists() else 0) < size or not part.exists():
            end = min(offset + self.chunk, size) - 1
            headers = {"Range": f"bytes={offset}-{end}"} if size else {}
            etag = validator.read_text() if validator.exists() and offset else None
            if etag:
                headers["If-Range"] = etag
            chunk = self._exchange(relpath, headers, lambda r: self._chunk(r, relpath, offset, end, size))  # noqa: B023
            if chunk is None:
                restarts += 1
                if restarts > 2:
                    raise Refused(f"{relpath}: the hub does not honour Range requests")
                part.unlink(missing_ok=True)
                validator.unlink(missing_ok=True)
                continue
            data, new_etag = chunk
            if new_etag and not etag:
                validator.write_text(new_etag)
            _append(part, data)
            if not size:
                break

    def _chunk(self, response: http.client.HTTPResponse, relpath: str, offset: int, end: int, size: int):
        """The bytes offset..end from a matching 206 (or a whole small file's 200); None means restart."""
        if response.status == 404:
            response.read(READ_BLOCK)
            raise LinkDown(f"the hub has no {relpath} (it may be publishing; try again later)")
        if response.status == 206:
            match = CONTENT_RANGE_RE.match(response.getheader("Content-Range", ""))
            if not match:
                raise Refused(f"{relpath}: the hub sent a 206 without a valid Content-Range")
            first, last, total = map(int, match.groups())
            if total != size:
                raise Refused(
                    f"{relpath}: the hub has {total} bytes, but {size} are declared; "
                    "more or fewer bytes than declared are never accepted"
                )
            if (first, last) != (offset, end):
                response.close()
                return None
            return self._read(response, end - offset + 1, relpath), response.getheader("ETag")
        if response.status == 200:
            if (offset == 0 and end == size - 1) or size == 0:
                return self._read(response, size, relpath), response.getheader("ETag")
            response.close()
            return None
        if response.status == 416:
            response.read(READ_BLOCK)
            raise Refused(f"{relpath}: the hub has fewer bytes than the {size} declared")
        response.read(READ_BLOCK)
        raise LinkDown(f"the hub answered {response.status} {response.reason} for {relpath}")


def _read_exactly(response: http.client.HTTPResponse, n: int, pacer: Pacer | None = None) -> bytes:
    parts: list[bytes] = []
    left = n
    while left > 0:
        if pacer is None:
            block = response.read(min(left, READ_BLOCK))
        else:  # what has arrived, at most the pacer's share: the pacer sleeps between reads
            block = response.read1(min(left, pacer.read_size()))
            pacer.spend(len(block))
        if not block:
            raise http.client.IncompleteRead(b"".join(parts), left)
        parts.append(block)
        left -= len(block)
    return b"".join(parts)


def _append(part: Path, data: bytes) -> None:
    try:
        with open(part, "ab") as out:
            out.write(data)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFull(f"the disk filled while writing {part.name}; the old library keeps serving") from None
        raise
