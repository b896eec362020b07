"""Objects pushed in chunks: each school's partial files resume at the offset the hub holds, and an object
enters the store only whole and verified by its sha256 (a mismatch deletes the partial)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..authoring.uploads import check_free_space
from ..db import db
from ..errors import BadRequest, Conflict, NotFound, PayloadTooLarge, Unprocessable
from ..library.format import SHA256_RE
from ..library.objects import ObjectStore, sha256_file
from ..models import Attachment, Lesson, PushedObject

CHUNK_BYTES = 256 * 1024
MAX_HAVE = 10_000
FOLDER = "push"


def part_path(store: ObjectStore, school_id: int, sha256: str) -> Path:
    """staging/push/<school>/<sha256>.part: one school's partial never mixes with another's."""
    if not SHA256_RE.match(sha256):
        raise NotFound(f"{sha256!r} is not a sha256 (64 lowercase hex digits)")
    return store.staging / FOLDER / str(school_id) / f"{sha256}.part"


def _held(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def in_library(sha256: str) -> bool:
    """Whether a published lesson of this hub uses the object: then any school may know it exists."""
    body = select(Lesson.id).where(Lesson.body_sha256 == sha256, Lesson.status == "published")
    attached = (
        select(Attachment.id)
        .join(Lesson, Lesson.id == Attachment.lesson_id)
        .where(Attachment.sha256 == sha256, Lesson.status == "published")
    )
    return db.session.execute(body.union_all(attached).limit(1)).first() is not None


def visible(store: ObjectStore, school_id: int, sha256: str) -> bool:
    """Whether the hub holds the object as far as this school may know: in its library, or uploaded by this
    school. Another school's upload still under review stays unknown to it (issue 15 item 9)."""
    if not store.has(sha256):
        return False
    uploaded = db.session.get(PushedObject, (school_id, sha256)) is not None
    return uploaded or in_library(sha256)


def _uploaded(school_id: int, sha256: str) -> None:
    db.session.execute(sqlite_insert(PushedObject).values(school_id=school_id, sha256=sha256).on_conflict_do_nothing())
    db.session.commit()


def missing(store: ObjectStore, school_id: int, request: Any) -> dict[str, int]:
    """Step 2: of the objects a school names, those it has not uploaded and the library lacks, with the bytes
    of each already held."""
    objects = request.get("objects") if isinstance(request, dict) else None
    if not isinstance(objects, list) or len(objects) > MAX_HAVE:
        raise BadRequest(
            f"the body must be {{\"objects\": [{{\"sha256\": …, \"size\": …}}, …]}} with at most {MAX_HAVE} objects"
        )
    answer = {}
    for item in objects:
        sha = item.get("sha256") if isinstance(item, dict) else None
        if not isinstance(sha, str) or not SHA256_RE.match(sha):
            raise BadRequest(f"{item!r} does not name an object by its sha256")
        if not visible(store, school_id, sha):
            answer[sha] = _held(part_path(store, school_id, sha))
    return answer


def _locked_part(path: Path) -> BinaryIO:
    """The partial file open for appending under an exclusive lock (another request for it waits)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(path, "ab")  # noqa: SIM115
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
                return handle
        except FileNotFoundError:
            pass
        handle.close()  # the file was finished or deleted while we waited: start again on the current one


def put_chunk(
    store: ObjectStore,
    school_id: int,
    sha256: str,
    offset: int,
    size: int,
    data: bytes,
    max_object_bytes: int,
    disk_reserve: int,
) -> int:
    """Step 3: append `data` at `offset` of the object; returns the bytes held (`size` once it is stored)."""
    path = part_path(store, school_id, sha256)
    if size > max_object_bytes:
        raise PayloadTooLarge(f"object {sha256} is {size} bytes; this hub accepts at most {max_object_bytes}")
    if len(data) > CHUNK_BYTES:
        raise PayloadTooLarge(f"a chunk may be at most {CHUNK_BYTES} bytes")
    if offset < 0 or size < 0:
        raise BadRequest("offset and size must not be negative")
    with _locked_part(path) as part:
        held = os.fstat(part.fileno()).st_size
        if visible(store, school_id, sha256):  # finished by a request that held the lock before us, or public
            path.unlink()
            return size
        if offset != held:
            if held == 0:
                path.unlink()
            raise Conflict(f"this hub holds {held} bytes of {sha256}: send from there", extra={"have": held})
        if held + len(data) > size:
            path.unlink()
            raise Unprocessable(f"more bytes than the declared size {size} of {sha256}; the partial was deleted")
        check_free_space(store.staging, size - held, disk_reserve)
        part.write(data)
        part.flush()
        os.fsync(part.fileno())
        held += len(data)
        if held < size:
            return held
        try:
            if sha256_file(path) != sha256:
                raise Unprocessable(f"the {size} bytes sent do not hash to {sha256}; the partial was deleted")
            if not store.has(sha256):  # another school's upload of the same bytes may be there already
                store.adopt(path, sha256)  # fsynced chunk by chunk: renamed into the store, never copied
            _uploaded(school_id, sha256)
        finally:
            path.unlink(missing_ok=True)
    return size
