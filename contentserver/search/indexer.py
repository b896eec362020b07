"""The one writer of the search index and the source of consistent searchers.

The index lives in DATA_DIR/index/<generation>/; the file CURRENT names the live generation and is replaced
atomically, so a rebuild switches in one step and a crashed writer never leaves readers without an index.
A live generation of another INDEX_FORMAT (after an upgrade) is neither searched nor written: the web server
rebuilds it in the background, and changes made meanwhile are remembered (pending.py) for the rebuild to apply.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeGuard

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from whoosh import index
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import LockError
from whoosh.util.filelock import FileLock, try_for

from ..db import db
from ..errors import Rebuilding
from ..library.objects import ObjectStore
from ..models import Lesson
from ..settings import SETTINGS_BY_NAME
from . import pending
from .schema import INDEX_FORMAT, build_schema, lesson_document
from .scoring import Ranker, SnapshotSearcher
from .segments import write

log = logging.getLogger(__name__)
POINTER = "CURRENT"
FORMAT_FILE = "FORMAT"  # in each generation: the INDEX_FORMAT it was written in
WRITE_LOCK = "MAIN_WRITELOCK"  # the lock file of Whoosh's writer in a generation
BUILD_LOCK = "BUILD_LOCK"  # held while a generation is built (there may be no live one to lock)
PART = ".part"  # a generation's folder while it is built; renamed once complete
TEMP = "MAIN.tmp"  # Whoosh's temporary folder in a generation (cleared by the writer that finishes)
WRITE_LOCK_SECONDS = 30.0
CHECK_SECONDS = 0.2
BATCH = 500


class _Storage(FileStorage):
    """Index files closed when the reader that opened them is dropped, as the mmap of a compound segment was:
    an app that is never closed (tests) leaves no open file behind. Live searchers are closed explicitly."""

    def open_file(self, name: str, **kwargs) -> StructFile:
        opened = super().open_file(name, **kwargs)
        weakref.finalize(opened, opened.file.close)
        return opened


def _open_dir(folder: Path) -> index.Index:
    return _Storage(str(folder)).open_index()


class _Snapshot:
    """One open searcher and how many searches use it; closed once retired and unused."""

    def __init__(self, generation: str, ix: index.Index):
        self.generation, self.ix = generation, ix
        self.searcher = SnapshotSearcher(ix.reader(), fromindex=ix)  # what ix.searcher() makes
        self.key = (generation, ix.latest_generation())  # names this snapshot for caches
        self.searcher.snapshot_key = self.key
        self.searcher.ranker = Ranker(self.searcher)
        self.users = 0
        self.retired = False


class Indexer:
    """Indexes published lessons; update_lessons and rebuild are synchronous (searchable on return)."""

    def __init__(
        self,
        data_dir: Path,
        store: ObjectStore,
        build_memory_mb: float = SETTINGS_BY_NAME["SEARCH_BUILD_MEMORY_MB"].default,
    ):
        self.root = Path(data_dir) / "index"
        self.root.mkdir(parents=True, exist_ok=True)
        self.store = store
        self.build_memory_mb = build_memory_mb  # postings held before a segment is written (segments.write)
        self.schema = build_schema()
        self._write_lock = threading.RLock()
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._checked = 0.0

    # -- generations -------------------------------------------------------------------------------------
    def current_generation(self) -> str | None:
        try:
            name = (self.root / POINTER).read_text().strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name).is_dir() else None

    def _point_to(self, generation: str) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".pointer-")
        with os.fdopen(fd, "w") as out:
            out.write(generation)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.root / POINTER)

    def _remove_leftovers(self) -> None:
        """Remove what a killed build or update left behind (half-built generations, Whoosh's temporary folder),
        unless another process is writing them right now."""
        generation = self.current_generation()
        places = [(self.root / BUILD_LOCK, list(self.root.glob("*" + PART)))]
        if generation:
            places.append((self.root / generation / WRITE_LOCK, [self.root / generation / TEMP]))
        for lock_file, folders in places:
            lock = FileLock(str(lock_file))
            if lock.acquire():
                for folder in folders:
                    shutil.rmtree(folder, ignore_errors=True)
                lock.release()

    def _remove_old_generations(self, keep: set[str]) -> None:
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.name not in keep and not folder.name.endswith(PART):
                shutil.rmtree(folder, ignore_errors=True)

    def _usable(self, generation: str | None) -> TypeGuard[str]:
        try:
            written = (self.root / generation / FORMAT_FILE).read_text().strip() if generation else None
        except FileNotFoundError:
            return False  # written before index formats were named
        return written == str(INDEX_FORMAT)

    def outdated(self) -> bool:
        """True when there is no live generation or it was written in another format: only a rebuild helps."""
        return not self._usable(self.current_generation())

    def ensure_built(self) -> None:
        """At every start: an index that needs building is built at once only when there is nothing to index (a
        new data folder); with lessons, that is the web server's background rebuild (rebuild_if_outdated)."""
        self._remove_leftovers()
        if not self.outdated():
            self._apply_pending()  # left by a rebuild or an update that stopped half-way
        elif db.session.scalar(select(Lesson.id).where(Lesson.status == "published").limit(1)) is None:
            self.rebuild()

    def rebuild_if_outdated(self) -> None:
        """Rebuild unless the live generation is usable (another process may have rebuilt it meanwhile); while
        another process writes the index, wait for it."""
        while self.outdated():
            try:
                self.rebuild(only_if_outdated=True)
            except LockError:
                log.info("another process is writing the search index; waiting to rebuild it")

    # -- writing -----------------------------------------------------------------------------------------
    def _documents(self, lesson_ids: list[str] | None) -> Iterator[tuple[str, dict | None]]:
        """(id, document or None) for the given ids (None: every lesson), reading rows in batches."""
        query = select(Lesson).options(selectinload(Lesson.attachments)).order_by(Lesson.id)
        if lesson_ids is None:
            offset = 0
            while rows := db.session.scalars(
                query.where(Lesson.status == "published").limit(BATCH).offset(offset)
            ).all():
                offset += len(rows)
                for lesson in rows:
                    yield lesson.id, lesson_document(lesson, self.store)
                db.session.expunge_all()
            return
        for start in range(0, len(lesson_ids), BATCH):
            chunk = lesson_ids[start : start + BATCH]
            found = {lesson.id: lesson for lesson in db.session.scalars(query.where(Lesson.id.in_(chunk)))}
            for lesson_id in chunk:
                row = found.get(lesson_id)
                published = row if row is not None and row.status == "published" else None
                yield lesson_id, lesson_document(published, self.store) if published is not None else None

    def _apply_pending(self) -> None:
        """Index what changed while the index was outdated (after the rebuild switched, so nothing is missed)."""
        with pending.taken(self.root) as ids:
            self.update_lessons(ids)

    def update_lessons(self, lesson_ids: Iterable[str]) -> None:
        """Re-read these lessons from the database: index the published ones, remove the rest. On an outdated
        index nothing is written: the ids are remembered for the rebuild, which applies them once it switched."""
        ids = sorted(set(lesson_ids))  # in id order, as a rebuild numbers them: their postings compress better
        if not ids:
            return
        if self.outdated():
            pending.remember(self.root, ids)
            if self.outdated():  # else a rebuild switched (and took PENDING) meanwhile: index them here
                return
        with self._write_lock:
            while True:
                generation = self.current_generation()
                assert generation is not None  # not outdated: there is a live generation, replaced, never removed
                with self._locked(self.root / generation / WRITE_LOCK):
                    if generation != self.current_generation():
                        continue  # a rebuild switched generations while we waited for the lock
                    write(
                        _open_dir(self.root / generation),
                        self._documents(ids),
                        replace=True,
                        budget_mb=self.build_memory_mb,
                    )
                    break
        self.refresh(force=True)

    @contextmanager
    def _locked(self, lock_file: Path | None) -> Iterator[None]:
        """Hold a lock file, e.g. a generation's Whoosh write lock (without opening it: an old format may not)."""
        if lock_file is None:
            yield
            return
        lock = FileLock(str(lock_file))
        if not try_for(lock.acquire, timeout=WRITE_LOCK_SECONDS, delay=0.1):
            raise LockError(f"the search index ({lock_file.parent.name}) is being written by another process")
        try:
            yield
        finally:
            lock.release()

    def rebuild(self, only_if_outdated: bool = False) -> None:
        """Index every published lesson into a new generation, then switch to it atomically."""
        with self._write_lock:
            old = self.current_generation()
            with self._locked(self.root / old / WRITE_LOCK if old else None), self._locked(self.root / BUILD_LOCK):
                if only_if_outdated and not self.outdated():
                    return  # another process rebuilt it while we waited for the lock
                generation = self._build()
                self._point_to(generation)
            self._remove_old_generations({generation, old} if old else {generation})
            self._apply_pending()
        self.refresh(force=True)

    def _build(self) -> str:
        """A new generation of every published lesson, built in a .part folder (a kill leaves only that)."""
        for leftover in self.root.glob("*" + PART):  # we hold the build lock: no one else builds these
            shutil.rmtree(leftover, ignore_errors=True)
        generation = time.strftime("g%Y%m%d-%H%M%S-") + os.urandom(3).hex()
        folder = self.root / (generation + PART)
        folder.mkdir()
        try:
            (folder / FORMAT_FILE).write_text(str(INDEX_FORMAT))
            write(
                _Storage(str(folder)).create_index(self.schema),
                self._documents(None),
                replace=False,
                budget_mb=self.build_memory_mb,
            )
            folder.rename(self.root / generation)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return generation

    # -- reading -----------------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Reopen the searcher when the index changed (cheap: at most every CHECK_SECONDS unless forced)."""
        now = time.monotonic()
        if not force and now - self._checked < CHECK_SECONDS and self._snapshot is not None:
            return
        self._checked = now
        with self._lock:
            current = self._snapshot
        generation = self.current_generation()
        if (
            current is not None
            and generation == current.generation
            and current.ix.latest_generation() == current.key[1]
        ):
            return
        if not self._usable(generation):
            return  # being rebuilt: a usable snapshot this process has stays in use
        fresh = _Snapshot(generation, _open_dir(self.root / generation))
        with self._lock:
            old, self._snapshot = self._snapshot, fresh
            if old is not None:
                old.retired = True
                if old.users == 0:
                    old.searcher.close()

    @contextmanager
    def searcher(self) -> Iterator[SnapshotSearcher]:
        """A consistent searcher for one search; index changes show up in the next one. Raises Rebuilding when
        there is no usable index yet (it is being rebuilt)."""
        self.refresh()
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None:
                raise Rebuilding()
            snapshot.users += 1
        try:
            yield snapshot.searcher
        finally:
            with self._lock:
                snapshot.users -= 1
                if snapshot.retired and snapshot.users == 0:
                    snapshot.searcher.close()

    @staticmethod
    def state(searcher: SnapshotSearcher) -> tuple[str, int]:
        """Which snapshot a searcher reads (generation folder and commit), for caches keyed on it."""
        return searcher.snapshot_key

    def close(self) -> None:
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.retired = True
                if self._snapshot.users == 0:
                    self._snapshot.searcher.close()
                self._snapshot = None

    def doc_count(self) -> int:
        with self.searcher() as searcher:
            return searcher.doc_count()
