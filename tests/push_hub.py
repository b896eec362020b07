"""Test helpers for the hub's push intake: a hub server in hub mode, a school key, and a signing HTTP pusher."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import http_request
from libmaker import EXTENSION_TYPES, sha
from nacl.signing import SigningKey

from contentserver.push_auth import sign_request

PREFIX = "/hub/push/"
CHUNK = 256 * 1024
HUB_ENV = {"CONTENTSERVER_HUB_MODE": "1", "CONTENTSERVER_PUSH_MAX_OBJECT_BYTES": str(2 * 1024**2)}


@dataclass
class Reply:
    status: int
    body: dict[str, Any]


def http(url: str, method: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
    """One request; HTTP errors are returned as replies with their JSON body."""
    status, _headers, answer = http_request(
        url,
        method,
        body if method != "GET" else None,
        {"Content-Type": "application/json", **(headers or {})},
        timeout=30,
    )
    return Reply(status, json.loads(answer or b"{}"))


@dataclass
class Pusher:
    """The school side of docs/push.md, just enough to drive the hub: every request signed with `key`."""

    base: str
    key: SigningKey
    session: str = "-"
    seq: int = 0
    sent: list[tuple[str, str, bytes, dict[str, str]]] = field(default_factory=list)

    def signed(
        self, method: str, path: str, body: bytes = b"", seq: int | None = None, key: SigningKey | None = None
    ) -> Reply:
        """Send with the next sequence number (or `seq`), signed by `key` (default: the school's)."""
        if seq is None:
            self.seq += 1
            seq = self.seq
        headers = sign_request(key or self.key, method, path, self.session, seq, body)
        self.sent.append((method, path, body, headers))
        return http(self.base + path, method, body, headers)

    def replay(self, index: int = -1) -> Reply:
        method, path, body, headers = self.sent[index]
        return http(self.base + path, method, body, headers)

    def open(self) -> Reply:
        self.session, self.seq = "-", 0
        reply = self.signed("POST", PREFIX + "session", seq=0)
        if reply.status == 200:
            self.session = reply.body["session"]
        return reply

    def have(self, *objects: bytes) -> Reply:
        items = [{"sha256": sha(o), "size": len(o)} for o in objects]
        return self.signed("POST", PREFIX + "have", json.dumps({"objects": items}).encode())

    def chunk(self, data: bytes, offset: int, end: int, size: int | None = None, name: str | None = None) -> Reply:
        query = f"?offset={offset}&size={len(data) if size is None else size}"
        return self.signed("PUT", PREFIX + f"objects/{name or sha(data)}{query}", data[offset:end])

    def upload(self, data: bytes, start: int = 0) -> Reply:
        """Every chunk of `data` from `start`; the last reply."""
        reply = Reply(200, {"have": start})
        for offset in range(start, max(len(data), 1), CHUNK):
            reply = self.chunk(data, offset, offset + CHUNK)
            assert reply.status == 200, reply
        return reply

    def commit(self, lessons: list[dict[str, Any]], push_id: str | None = None, report: Any = None) -> Reply:
        body = {"push_id": push_id or uuid.uuid4().hex, "lessons": lessons, "report": report}
        return self.signed("POST", PREFIX + "commit", json.dumps(body).encode())


def entry(lesson_id: str, body: bytes, **attachments: bytes) -> dict[str, Any]:
    """A manifest lesson entry over these objects (attachment types from their names)."""
    return {
        "id": lesson_id,
        "title": f"Lesson {lesson_id}",
        "lang": "en",
        "script": "Latn",
        "subject": "science",
        "grade": 6,
        "tags": ["pushed"],
        "body": {"sha256": sha(body), "size": len(body)},
        "attachments": [
            {
                "name": name.replace("_", "."),
                "sha256": sha(data),
                "size": len(data),
                "type": EXTENSION_TYPES[Path(name.replace("_", ".")).suffix],
            }
            for name, data in attachments.items()
        ],
    }


def register_school(app, name: str, key: SigningKey) -> None:
    from contentserver.hub.schools import add_school

    with app.app_context():
        add_school(name, key.verify_key.encode().hex())
