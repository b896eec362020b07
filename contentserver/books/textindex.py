"""Each book's search index: its articles through the lessons' own analyzers, built in batches that resume.

One Whoosh index per ZIM object, in `books-index/<sha256>-f<INDEX_FORMAT>/`, with the lessons' schema, so
the lessons' query planner and BM25F ranker read it unchanged. A batch of entries is committed, then the book
row's `indexed_upto` moves past it: a kill repeats at most one batch, which `update_document` makes harmless.
"""

from __future__ import annotations

import fcntl
import itertools
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from whoosh import index
from whoosh.filedb.filestore import FileStorage

from ..search.analysis import LANGS
from ..search.schema import INDEX_FORMAT, build_schema
from ..search.segments import FAN_IN, merge
from .articles import article_text
from .entries import DAMAGE

if TYPE_CHECKING:  # only the type: libzim is loaded where an archive is opened
    from libzim.reader import Archive

FOLDER = "books-index"
BATCH = 2000  # entries per commit: a kill loses at most this much work; a commit costs ~0.1 s
# A batch's postings sorted in memory: at 32 MB Whoosh spilled a batch as pickled runs to disk and read them back
# (a third of the build's time in the profile; docs/performance.md). 128 MB holds a batch of the bench's articles
# and bounds a batch of long ones at ~300 MiB of the index job's memory.
LIMIT_MB = 128
# Each batch is its own segment, not merged by Whoosh's policy (which pours merged segments' postings back through
# its sort, again and again as the book grows); every SMALL_SEGMENTS batch segments are merged into one, streaming
# (search/segments.py): a 250,000-article book ends in ~13 segments, each document merged once.
SMALL_SEGMENTS = 10
HTML_TYPES = ("text/html", "application/xhtml+xml")
# ARTICLE_FIELDS: an article's body is indexed by its folded keys and its stems, not by exact forms as a lesson's
# is: that field holds the most postings (every word form, stopwords too) and took 60% of the indexing time
# (400 bench articles: 14.7 s with it, 5.8 s without), while ranking by the keys and stems finds the same
# articles; titles keep their exact forms.


def index_root(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


def index_dir(data_dir: Path, zim_sha256: str) -> Path:
    """The index of one ZIM in the current index format (another format is a different folder: rebuilt)."""
    return index_root(data_dir) / f"{zim_sha256}-f{INDEX_FORMAT}"


def analysis_lang(lang: str) -> str | None:
    """kk, ru and en have stems; every other language is searched by folded surface forms."""
    return lang if lang in LANGS else None


def open_or_create(folder: Path) -> index.Index:
    folder.mkdir(parents=True, exist_ok=True)
    storage = FileStorage(str(folder))
    return storage.open_index() if index.exists_in(str(folder)) else storage.create_index(build_schema())


def _document(archive: Archive, entry_id: int, lang: str | None, subject: str) -> dict | None:
    """The index document of one entry, or None for a damaged one: the rest of the book is still indexed."""
    try:
        return _entry_document(archive, entry_id, lang, subject)
    except DAMAGE:
        return None


def _entry_document(archive: Archive, entry_id: int, lang: str | None, subject: str) -> dict | None:
    """An article with its text, a redirect as an alternate title of its target (indexed under the target's path,
    so a hit on either opens the article), anything else nothing."""
    entry = archive._get_entry_by_id(entry_id)
    if entry.is_redirect:
        target = entry.get_redirect_entry()
        if target.is_redirect or not entry.title or entry.title == target.title:
            return None
        path, title, texts = target.path, target.title, {"title": entry.title}
    else:
        item = entry.get_item()
        if item.mimetype.split(";")[0] not in HTML_TYPES:
            return None
        body = article_text(bytes(item.content))
        if not body:
            return None
        path, title, texts = entry.path, entry.title or entry.path, {"title": entry.title or "", "body": body}
    doc = {
        "id": f"{path}\x00{entry_id}" if entry.is_redirect else path,
        "lang": lang or "",
        "script": "",
        "subject": subject,
        "grade": "0",
        "topic": path,
        "kinds": "article",
        "title": title,
    }
    for part, value in texts.items():
        if value:
            if part == "title":  # body text has no exact-form field: see ARTICLE_FIELDS
                doc[f"{part}_exact"] = value
            doc[f"{part}_key"] = value
            if lang:
                doc[f"{part}_stem_{lang}"] = value
    return doc


def index_batch(
    folder: Path,
    archive: Archive,
    start: int,
    lang: str | None,
    subject: str,
    should_stop: Callable[[], bool] = lambda: False,
    batch: int | None = None,
) -> int:
    """Index entries start… (at most `batch`, default BATCH) and commit; returns the next entry to index."""
    ix = open_or_create(folder)
    end = min(archive.entry_count, start + (batch or BATCH))
    writer = ix.writer(limitmb=LIMIT_MB)
    try:
        for entry_id in range(start, end):
            doc = _document(archive, entry_id, lang, subject)
            if doc is not None:
                writer.update_document(**doc)  # a batch repeated after a kill replaces, never duplicates
            if entry_id % 64 == 0:
                time.sleep(0)  # let serving threads run between articles (the GIL)
                if should_stop():
                    end = entry_id
                    break
        writer.commit(merge=False)
    except BaseException:
        writer.cancel()
        raise
    try:
        compact(ix, batch or BATCH, done=end >= archive.entry_count)
    finally:
        ix.close()
    return end


def compact(ix: index.Index, batch: int, done: bool) -> None:
    """Merge the batch segments at the index's end into one once there are SMALL_SEGMENTS of them, or when the
    book is done: each document is merged once, and a search reads a few big segments. A kill while merging
    leaves the segments as they were: the merge commits at its end, and the book is recorded done after it."""
    segments = ix._segments()  # type: ignore[attr-defined]
    small = [s.segment_id() for s in itertools.takewhile(lambda s: s.doc_count_all() <= batch, reversed(segments))]
    if len(small) >= SMALL_SEGMENTS or (done and len(small) > 1):
        names = small[::-1]
        while len(names) > 1:
            names = [merge(ix, names[i : i + FAN_IN]) for i in range(0, len(names), FAN_IN)]


class IndexLock:
    """One process builds book indexes at a time (the server; a second server or the CLI waits its turn)."""

    def __init__(self, data_dir: Path):
        self.path = index_root(data_dir) / ".lock"
        self.handle: IO[str] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "w")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def remove_unused(data_dir: Path, wanted: set[str]) -> None:
    """Drop the indexes of ZIMs no book uses any more (a replaced ZIM's, an older index format's)."""
    root = index_root(data_dir)
    if not root.is_dir():
        return
    keep = {index_dir(data_dir, sha).name for sha in wanted}
    for folder in root.iterdir():
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)
