"""Request bodies capped per route before waitress stores them, and spools held to the disk reserve (issue 15).

waitress reads a whole body before the app sees the request, spooling past inbuf_overflow into the data folder's
tmp/ (serving.spool_in): two anonymous 899 MiB posts to /auth/login put 1.8 GB there. Refusing on the headers
(max_request_body_size) makes browsers still sending see a reset connection, not a page. So a body over its
route's cap, or one the disk reserve has no room for, is read and thrown away as it arrives (nothing stored),
and the app then answers its own readable 413 or 507 page (views/refusals.py) to a client that has finished
sending. Only a signed-in session may send big bodies, and only to the teacher pages.
"""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from waitress.buffers import OverflowableBuffer
from waitress.parser import HTTPRequestParser
from waitress.receiver import ChunkedReceiver, FixedStreamReceiver
from werkzeug.http import parse_cookie

from .accounts import logins
from .authoring.uploads import LIMIT_SETTINGS
from .db import db

REFUSAL_KEY = "contentserver.body_refused"  # environ: (status, cap, an upload route?) when a body was not kept
ANONYMOUS_BODY = 64 * 1024  # a login form is a few hundred bytes; no anonymous page takes more
SIGNED_IN_FORM = 5 * 1024**2  # views/access.py's FORM_MEMORY (a long Cyrillic lesson, percent-encoded) + slack
PUSH_JSON = 8 * 1024**2  # views/intake.py's MAX_JSON_BYTES: the body is signed, so no one is known before it
FORM_SLACK = 1024**2  # the upload form around the file (views/access.py)
CLAIM_STEP = 1024**2  # a body of unknown length (chunked) claims disk room this much at a time


class SpoolBudget:
    """Disk room promised to bodies being received, so concurrent spools together keep DISK_RESERVE_BYTES free."""

    def __init__(self, folder: Path, reserve: int):
        self.folder, self.reserve = folder, reserve
        self.promised = 0  # claimed and not written yet
        self._lock = threading.Lock()

    def claim(self, nbytes: int) -> bool:
        with self._lock:
            if shutil.disk_usage(self.folder).free - self.promised - nbytes < self.reserve:
                return False
            self.promised += nbytes
            return True

    def settle(self, nbytes: int) -> None:
        """Written (now counted by the disk itself) or given back."""
        with self._lock:
            self.promised -= nbytes


@dataclass(frozen=True)
class BodyPolicy:
    """How large a body each request may send, decided on its headers."""

    upload_cap: int
    push_cap: int | None  # None unless HUB_MODE
    session_cookie: str
    session_serializer: object  # itsdangerous URLSafeTimedSerializer of Flask's cookie sessions
    session_seconds: int
    session_live: Callable[[str], bool]  # accounts/logins.py: the login the cookie names was not ended
    budget: SpoolBudget
    inbuf_overflow: int

    @classmethod
    def for_app(cls, app: Flask, spool_folder: Path, inbuf_overflow: int) -> BodyPolicy:
        config = app.config
        with app.app_context():
            engine = db.engine
        return cls(
            upload_cap=max(config[name] for name in LIMIT_SETTINGS.values()) + FORM_SLACK,
            push_cap=PUSH_JSON if config["HUB_MODE"] else None,
            session_cookie=config["SESSION_COOKIE_NAME"],
            session_serializer=app.session_interface.get_signing_serializer(app),
            session_seconds=int(app.permanent_session_lifetime.total_seconds()),
            session_live=logins.live_checker(engine),
            budget=SpoolBudget(spool_folder, config["DISK_RESERVE_BYTES"]),
            inbuf_overflow=inbuf_overflow,
        )

    def signed_in(self, cookie_header: str) -> bool:
        """A session cookie this server signed for a login still live (a forged one needs SECRET_KEY; a copy
        kept past its logout names an ended login: one indexed SQLite read, only for signed cookies)."""
        value = parse_cookie(cookie_header).get(self.session_cookie)
        if not value or self.session_serializer is None:
            return False
        try:
            login = self.session_serializer.loads(value, max_age=self.session_seconds).get("_user_id")
        except Exception:  # itsdangerous's BadSignature, expired or malformed: anonymous
            return False
        return isinstance(login, str) and self.session_live(login)

    def cap(self, path: str, headers: dict[str, str]) -> tuple[int, bool]:
        """(largest body, whether it is an upload route) for a request."""
        if self.push_cap is not None and path.startswith("/hub/push/"):
            return self.push_cap, False
        if not self.signed_in(headers.get("COOKIE", "")):
            return ANONYMOUS_BODY, False
        if path.startswith("/teach/"):
            return self.upload_cap, True
        return SIGNED_IN_FORM, False


class CappedBuffer:
    """waitress's body buffer, kept to a cap and to the disk room it claimed; past either it throws bytes away."""

    def __init__(self, policy: BodyPolicy, cap: int, upload: bool, declared: int | None):
        self.budget, self.cap, self.upload = policy.budget, cap, upload
        self.spool_from = policy.inbuf_overflow  # below this waitress keeps the body in memory
        self.inner: OverflowableBuffer | None = OverflowableBuffer(policy.inbuf_overflow)
        self.length = self.claimed = 0
        self.refusal: tuple[int, int, bool] | None = None
        if declared is not None and declared > cap:
            self._refuse(413)
        elif declared is not None and declared > self.spool_from and not self._claim(declared):
            self._refuse(507)

    def _claim(self, nbytes: int) -> bool:
        if not self.budget.claim(nbytes):
            return False
        self.claimed += nbytes
        return True

    def _refuse(self, status: int) -> None:
        self.refusal = (status, self.cap, self.upload)
        self._release()

    def _release(self) -> None:
        if self.inner is not None:
            self.inner.close()
            self.inner = None
        self.budget.settle(self.claimed)
        self.claimed = 0

    def append(self, data: bytes) -> None:
        if self.refusal is not None:
            return  # drained: the client finishes sending, then reads the app's page
        if self.length + len(data) > self.cap:
            self._refuse(413)
            return
        spooled = self.length + len(data) > self.spool_from
        if spooled and len(data) > self.claimed and not self._claim(max(CLAIM_STEP, len(data) - self.claimed)):
            self._refuse(507)
            return
        self.inner.append(data)
        self.length += len(data)
        written = min(self.claimed, len(data)) if spooled else 0
        self.claimed -= written
        self.budget.settle(written)  # on the disk now, which counts it itself

    def __len__(self) -> int:
        return 0 if self.inner is None else len(self.inner)

    def getfile(self):
        return io.BytesIO() if self.inner is None else self.inner.getfile()

    def close(self) -> None:
        self._release()


def capped_parser(policy: BodyPolicy) -> type[HTTPRequestParser]:
    """waitress's request parser with every body in a CappedBuffer sized for its route."""

    class CappedParser(HTTPRequestParser):
        @property
        def refusal(self) -> tuple[int, int, bool] | None:
            buffer = self.body_rcv.getbuf() if self.body_rcv is not None else None
            return getattr(buffer, "refusal", None)

        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            if self.body_rcv is None:
                return
            self.body_rcv.getbuf().close()  # waitress's own, still empty
            cap, upload = policy.cap(self.path, self.headers)
            buffer = CappedBuffer(policy, cap, upload, None if self.chunked else self.content_length)
            if self.chunked:
                self.body_rcv = ChunkedReceiver(buffer)
            else:
                self.body_rcv = FixedStreamReceiver(self.content_length, buffer)
                if buffer.refusal is not None:
                    self.headers["CONTENT_LENGTH"] = "0"  # the app reads no body (REFUSAL_KEY says why)

        def received(self, data: bytes) -> int:
            consumed = super().received(data)
            if self.completed and self.refusal is not None:
                self.headers["CONTENT_LENGTH"] = "0"
            return consumed

    return CappedParser
