"""Helpers for the push tests: a school with a key and a shared lesson, a hub app's rows, a byte-counting relay."""

from __future__ import annotations

import json
import random
import socket
import threading
from pathlib import Path

from libmaker import FAKE_MP4
from nacl.signing import SigningKey
from sync_helpers import pin_hub

from contentserver.db import db
from contentserver.library.signing import keygen
from contentserver.models import Attachment, Lesson, OutgoingPush, PushedLesson, SchoolReportDay, ShareRequest


def school_with_shared_lesson(
    app, hub_url: str, size: int, lesson_id: str = "our-lesson", key: bool = True, seed: int = 1
) -> str:
    """Pin the hub, make the school key (unless not `key`) and one published, shared lesson with a `size`-byte
    video; returns the school's public key ('' without a key)."""
    pin_hub(app, hub_url, SigningKey.generate())
    public = keygen(Path(app.config["DATA_DIR"]), "school")[1] if key else ""
    share_lesson(app, lesson_id, size, seed)
    return public


def share_lesson(app, lesson_id: str, size: int, seed: int = 1) -> dict[str, int]:
    """A teacher's published lesson with a video, marked "share with the hub"; returns its objects (sha -> size)."""
    store = app.extensions["object_store"]
    video = FAKE_MP4 + random.Random(seed).randbytes(max(size - len(FAKE_MP4), 0))
    with app.app_context():
        body = store.put_bytes(f"# {lesson_id}\n\nOur own lesson.\n".encode())
        clip = store.put_bytes(video)
        db.session.add(
            Lesson(
                id=lesson_id,
                title=f"Lesson {lesson_id}",
                lang="kk",
                script="Cyrl",
                subject="physics",
                grade=7,
                body_sha256=body,
                origin="local",
                status="published",
                attachments=[
                    Attachment(
                        position=0, name="clip.mp4", sha256=clip, size=len(video), media_type="video/mp4", kind="video"
                    )
                ],
            )
        )
        db.session.add(ShareRequest(lesson_id=lesson_id, state="queued"))
        db.session.commit()
        db.session.remove()
    return {body: store.path(body).stat().st_size, clip: len(video)}


def school_state(app) -> dict:
    """Share rows (lesson -> state) and the pushes (push_id -> committed or not)."""
    with app.app_context():
        shares = {row.lesson_id: row.state for row in db.session.scalars(db.select(ShareRequest))}
        pushes = {row.push_id: row.committed_at is not None for row in db.session.scalars(db.select(OutgoingPush))}
        db.session.remove()
    return {"shares": shares, "pushes": pushes}


def hub_state(hub_app) -> dict:
    """What the hub holds: review queue entries (lesson id, push id), report days, and whether objects arrived."""
    store = hub_app.extensions["object_store"]
    with hub_app.app_context():
        queue = [(row.lesson_id, row.push_id, row.state) for row in db.session.scalars(db.select(PushedLesson))]
        entries = [json.loads(row.entry_json) for row in db.session.scalars(db.select(PushedLesson))]
        days = [row.day for row in db.session.scalars(db.select(SchoolReportDay))]
        db.session.remove()
    refs = [ref for entry in entries for ref in (entry["body"], *entry["attachments"])]
    whole = all(store.has(ref["sha256"]) and store.path(ref["sha256"]).stat().st_size == ref["size"] for ref in refs)
    return {"queue": queue, "report_days": days, "objects_whole": whole}


class Relay:
    """A TCP relay to `target` on 127.0.0.1 that counts the bytes the school sends up and can cut every
    connection (a dead uplink) and mend again."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.up = 0
        self.cut = threading.Event()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hub/"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, counted: bool) -> None:
        try:
            while data := src.recv(65536):
                if self.cut.is_set():
                    break
                if counted:
                    with self._lock:
                        self.up += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                sock.close()

    def cut_link(self) -> None:
        """Every open connection dies and new ones are refused."""
        self.cut.set()
        with self._lock:
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._open.clear()

    def mend(self) -> None:
        self.cut.clear()

    def close(self) -> None:
        self.cut_link()
        self.listener.close()
