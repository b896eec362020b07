"""One push to a hub (docs/push.md, contentserver-push/1): session, have, chunked PUTs from the hub's offset, commit."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask
from nacl.signing import SigningKey

from contentserver import outbox
from contentserver.connectivity import build_report
from contentserver.library.signing import public_key_hex
from contentserver.models import OutgoingPush
from contentserver.push_auth import sign_request
from contentserver.quizzes.report import build_quiz_results
from contentserver.usage.counter import SchoolDay
from contentserver.usage.report import usage_report

from .errors import LinkDown, NotConfigured, Refused, SyncError
from .progress import Display
from .transfer import HubClient

MAX_ANSWER = 1024 * 1024  # the hub's JSON answers are small; an error page may be larger, never this large
MAX_HAVE = 10_000  # objects per `have` request (docs/push.md)
NO_SESSION = "-"  # the session header of the request that opens one
STALLS = 3  # a hub that takes a chunk and holds no more bytes this often in a row is refused


@dataclass
class PushResult:
    """What a run sent, for the exit line and the log."""

    push_ids: list[str] = field(default_factory=list)
    accepted: int = 0
    marked: int = 0
    objects: int = 0
    object_bytes: int = 0
    held: int = 0  # bytes of partly sent objects the hub already had: not sent again
    skipped: list[str] = field(default_factory=list)


class Pusher:
    """Pushes this school's share queue and report to one hub; the caller holds the sync lock."""

    def __init__(self, app: Flask, hub_url: str, client: HubClient, key: SigningKey, display: Display):
        self.app, self.hub_url, self.client, self.key, self.display = app, hub_url, client, key, display
        self.store = app.extensions["object_store"]
        self.chunk = app.config["SYNC_CHUNK_BYTES"]
        self.session: str | None = None
        self.sequence = 0

    def run(self) -> PushResult:
        """Finish a push an earlier run started, then send what is queued now (or the report, when it is due)."""
        result = PushResult()
        push = outbox.pending(self.hub_url)
        if push is not None:
            self._send(push, result)
        push, result.skipped = outbox.start_push(
            self.hub_url, self.store, outbox.report_due(self.hub_url), self.app.config["PUSH_VIDEO_ORIGINALS"]
        )
        if push is not None:
            self._send(push, result)
        return result

    def _send(self, push: OutgoingPush, result: PushResult) -> None:
        lessons = outbox.entries(push)
        objects = outbox.objects_of(lessons)
        missing = self._have(objects)
        if any(not self.store.has(sha) for sha in missing):
            outbox.drop(push)  # it never committed (the hub lacks an object); its lessons are pinned afresh
            return
        result.held += sum(missing.values())
        self.display.start(len(missing), sum(objects[sha] - held for sha, held in missing.items()))
        for sha, held in sorted(missing.items(), key=lambda item: objects[item[0]]):
            result.object_bytes += self._upload(sha, objects[sha], held)
            result.objects += 1
            self.display.add_object()
        self.display.stop()
        report = build_report(self.app.config["SCHOOL_ID_GIGA"], self.app.config["SCHOOL_ID_GOVT"])
        usage = usage_report(date.fromisoformat(SchoolDay(self.app.config["TIMEZONE"]).today()))
        body = {
            "push_id": push.push_id,
            "lessons": lessons,
            "report": report,
            "quiz_results": build_quiz_results(store=self.store),
            "usage": usage,
        }
        status, answer = self._request("POST", "push/commit", _json_bytes(body))
        if status != 200:
            raise self._refusal(status, answer, "the commit")
        if answer.get("push_id") != push.push_id or not isinstance(answer.get("accepted"), int):
            raise Refused(f"the hub's answer to the commit does not name push {push.push_id}: {str(answer)[:200]}")
        result.push_ids.append(push.push_id)
        result.accepted += answer["accepted"]
        result.marked += outbox.committed(push, answer["accepted"])

    def _have(self, objects: dict[str, int]) -> dict[str, int]:
        """sha256 -> bytes the hub holds, for every object it does not hold whole."""
        missing: dict[str, int] = {}
        shas = sorted(objects)
        for start in range(0, len(shas), MAX_HAVE):
            batch = shas[start : start + MAX_HAVE]
            body = {"objects": [{"sha256": sha, "size": objects[sha]} for sha in batch]}
            status, answer = self._request("POST", "push/have", _json_bytes(body))
            if status != 200:
                raise self._refusal(status, answer, "the question which objects the hub has")
            listed = answer.get("missing")
            if not isinstance(listed, dict) or any(
                sha not in batch or not isinstance(held, int) or not 0 <= held < objects[sha]
                for sha, held in listed.items()
            ):
                raise Refused(f"the hub's answer to `have` is not what docs/push.md describes: {str(answer)[:200]}")
            missing.update(listed)
        return missing

    def _upload(self, sha: str, size: int, held: int) -> int:
        """Send the object from what the hub holds, a chunk at a time; returns the bytes sent."""
        offset, sent, stalls = held, 0, 0
        with open(self.store.path(sha), "rb") as stream:
            while True:
                stream.seek(offset)
                data = stream.read(min(self.chunk, size - offset))
                status, answer = self._request("PUT", f"push/objects/{sha}?offset={offset}&size={size}", data)
                have = answer.get("have")
                if status not in (200, 409) or not isinstance(have, int) or not 0 <= have <= size:
                    raise self._refusal(status, answer, f"object {sha}")
                sent += len(data)
                stalls = stalls + 1 if have <= offset else 0
                if stalls >= STALLS:
                    raise Refused(f"object {sha}: the hub takes chunks but holds no more of it (at {have} bytes)")
                self.display.add_bytes(max(have - offset, 0))
                offset = have
                if offset >= size:
                    return sent

    def _request(self, method: str, relpath: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """One signed request in the session (opened, or opened again once when the hub forgot it)."""
        for attempt in range(2):
            if self.session is None:
                self._open_session()
            status, raw = self.client.send(
                method, relpath, body, lambda path: self._sign(method, path, body), MAX_ANSWER
            )
            answer = _answer(raw)
            if status == 409 and "have" not in answer and attempt == 0:
                self.session = None  # expired, or the hub restarted: a new session, signed afresh
                continue
            return status, answer
        raise LinkDown(f"the hub refused two sessions in a row ({status}: {_message(answer)})")

    def _open_session(self) -> None:
        self.sequence = 0
        status, raw = self.client.send(
            "POST",
            "push/session",
            b"",
            lambda path: sign_request(self.key, "POST", path, NO_SESSION, 0, b""),
            MAX_ANSWER,
        )
        answer = _answer(raw)
        if status != 200:
            raise self._refusal(status, answer, "the push session")
        session = answer.get("session")
        if not isinstance(session, str) or not session:
            raise Refused(f"the hub's answer to push/session names no session: {str(answer)[:200]}")
        self.session = session

    def _sign(self, method: str, path: str, body: bytes) -> dict[str, str]:
        """The headers of one attempt: a retry gets the next sequence number, so it is never a replay."""
        self.sequence += 1
        return sign_request(self.key, method, path, self.session or NO_SESSION, self.sequence, body)

    def _refusal(self, status: int, answer: dict[str, Any], what: str) -> SyncError:
        """Why the hub said no to `what`, as the error that sets the exit code; nothing is marked sent."""
        message = _message(answer)
        if status == 401:
            return Refused(f"{what}: the hub refused this school's signature ({message})")
        if status == 403:
            key = public_key_hex(self.key)
            return Refused(
                f"the hub does not know this school ({message}): register its key there with "
                f"`contentserver school add NAME --key {key}`; nothing was marked sent"
            )
        if status == 404:
            return NotConfigured(
                f"the hub {self.hub_url} takes no pushes ({what}: 404): it must run contentserver "
                "with HUB_MODE (docs/push.md)"
            )
        if status in (400, 413, 422):
            return Refused(f"{what}: the hub refused it ({status}: {message}); nothing was marked sent")
        return LinkDown(f"{what}: the hub answered {status} ({message}); the push resumes on the next run")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _answer(raw: bytes) -> dict[str, Any]:
    """The hub's JSON answer, or {"error": its text} when it is not a JSON object (an error page)."""
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"error": raw[:300].decode("utf-8", "replace").strip()}


def _message(answer: dict[str, Any]) -> str:
    """The hub's reason: its JSON error's message (views/error_pages.py), else what it sent."""
    error = answer.get("error")
    return str(error.get("message") or error if isinstance(error, dict) else error or answer)[:300]
