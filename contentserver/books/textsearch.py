"""Searching books' articles with the lessons' query planner and ranker, one index per book."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from markupsafe import Markup
from whoosh import index
from whoosh.filedb.filestore import FileStorage

from ..models import Book
from ..search.analysis import LANGS, analyze, words
from ..search.folding import fold, normalize_word
from ..search.query import build
from ..search.scoring import Ranker, SnapshotSearcher
from ..search.snippets import SCAN_CHARS, Marker, make_snippet
from .articles import article_text
from .entries import entry_url
from .textindex import index_dir
from .trim import trimmer

CHECK_SECONDS = 2.0  # a growing index (background indexing) shows new articles after at most this
CANDIDATES = 60
SUGGEST_TERMS = 64  # title words completing the last word typed, looked at per book
SUGGEST_DOCS = 400  # titles holding them, looked at per book (the shortest are kept)
SNIPPET_HTML_BYTES = 24_000  # a snippet is looked for in the text's first SCAN_CHARS: this much HTML holds them


@dataclass
class ArticleHit:
    book_id: str
    book_title: str
    path: str
    title: str
    lang: str
    score: float
    snippet: Markup = Markup("")  # noqa: RUF009
    keys: frozenset[str] = frozenset()  # the query's keys in this book's index, for marking the snippet

    @property
    def url(self) -> str:
        return entry_url(self.book_id, self.path)


@dataclass
class BookResults:
    hits: list[ArticleHit] = field(default_factory=list)
    unindexed: list[Book] = field(default_factory=list)  # books not (fully) searchable yet
    timed_out: bool = False


class _Open:
    def __init__(self, folder: Path):
        self.ix = FileStorage(str(folder)).open_index()
        self.generation = self.ix.latest_generation()
        self.searcher = SnapshotSearcher(self.ix.reader(), fromindex=self.ix)
        self.searcher.snapshot_key = (folder.name, self.generation)
        self.searcher.ranker = Ranker(self.searcher)
        self.checked = time.monotonic()


class BookSearchers:
    """One open searcher per book index, reopened when the index grew; one search at a time per book (the
    Ranker reads Whoosh's files with seek + read)."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self._open: dict[str, _Open] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._books: tuple[object, list[IndexedBook]] = (None, [])

    def books_of(self, version: object, load: Callable[[], list[IndexedBook]]) -> list[IndexedBook]:
        """The books (id, language, ZIM) as of a library version, read again only when the version moves: the
        suggest answers in front of Flask ask on every keystroke."""
        if self._books[0] != version:
            self._books = (version, load())
        return self._books[1]

    def _get(self, sha: str) -> _Open | None:
        folder = index_dir(self.data_dir, sha)
        current = self._open.get(sha)
        now = time.monotonic()
        if current is not None and now - current.checked < CHECK_SECONDS:
            return current
        if not index.exists_in(str(folder)):
            return None
        if current is not None and current.ix.latest_generation() == current.generation:
            current.checked = now
            return current
        fresh = _Open(folder)
        self._open[sha] = fresh
        if current is not None:  # nobody else reads it: the caller holds the book's lock
            current.searcher.close()  # a merged segment's files are open files, not maps: closed, not left to GC
        return fresh

    def close(self) -> None:
        """Close every open index (an app's end, in tests: their files would be closed by the collector)."""
        with self._lock:
            for opened in self._open.values():
                opened.searcher.close()
            self._open.clear()

    def search(self, text: str, books: list[Book], limit: int, budget: float, snippets: bool = True) -> BookResults:
        """The best `limit` articles of these books, best first; books without an index yet are named."""
        with trimmer:
            return self._search(text, books, limit, budget)

    def _search(self, text: str, books: list[Book], limit: int, budget: float) -> BookResults:
        results = BookResults()
        for book in books:
            if not book.indexed_done:
                results.unindexed.append(book)
            if not book.indexed_upto:
                continue
            with self._lock:
                lock = self._locks.setdefault(book.zim_sha256, threading.Lock())
            with lock:
                opened = self._get(book.zim_sha256)
                if opened is None:
                    continue
                plan = build(text, opened.searcher)
                if plan.empty:
                    continue
                top, timed_out = opened.searcher.ranker.top(plan.terms, CANDIDATES, None, budget)
                results.timed_out |= timed_out
                seen: set[str] = set()
                for docnum, score in top:
                    stored = opened.searcher.ranker.stored(docnum)
                    if stored["topic"] in seen:
                        continue  # an article and its redirects: one hit
                    seen.add(stored["topic"])
                    keys = frozenset(plan.keys)
                    hit = ArticleHit(book.id, book.title, stored["topic"], stored["title"], book.lang, score, keys=keys)
                    results.hits.append(hit)
        results.hits.sort(key=lambda h: -h.score)
        del results.hits[limit:]
        return results

    @staticmethod
    def add_snippets(hits: list[ArticleHit], archives, books: dict[str, Book]) -> None:
        """A few words around the matches, read from the article itself (the index stores no text). One marker per
        language and query keys, so a word's analysis is done once per page, not once per hit."""
        markers: dict[tuple[str, frozenset[str]], Marker] = {}
        for hit in hits:
            book = books.get(hit.book_id)
            if book is None:
                continue
            try:
                entry = archives.get(book.zim_sha256).get_entry_by_path(hit.path)
                text = article_text(bytes(entry.get_item().content)[:SNIPPET_HTML_BYTES])
            except (KeyError, RuntimeError):
                continue
            marker = markers.get((hit.lang, hit.keys))
            if marker is None:
                marker = Marker(hit.lang, set(hit.keys)) if hit.lang in LANGS else _FoldedMarker(set(hit.keys))
                markers[(hit.lang, hit.keys)] = marker
            hit.snippet = make_snippet(text[:SCAN_CHARS], marker)


class _FoldedMarker(Marker):
    """A Marker for a language without stems: folded surface forms only."""

    def __init__(self, keys: set[str]):
        super().__init__("en", keys)

    def __missing__(self, word: str) -> bool:
        found = word in self.query_keys or not self.query_keys.isdisjoint(analyze(normalize_word(word), None))
        self[word] = found
        return found


@dataclass(frozen=True)
class ArticleSuggestion:
    """An article title for as-you-type (a redirect's title suggests its target's)."""

    id: str  # "<book id>/<path>"
    title: str
    lang: str
    url: str


@dataclass(frozen=True)
class IndexedBook:
    id: str
    lang: str
    zim_sha256: str


def suggest_titles(
    searchers: BookSearchers, text: str, books: list[IndexedBook], limit: int
) -> list[ArticleSuggestion]:
    """Article titles holding a word that starts like the last word typed and every earlier word, shortest first."""
    typed = [fold(word) for word in words(text)]
    if not typed or limit <= 0:
        return []
    *earlier, last = typed
    out: list[ArticleSuggestion] = []
    for book in books:
        with searchers._lock:
            lock = searchers._locks.setdefault(book.zim_sha256, threading.Lock())
        with lock:
            opened = searchers._get(book.zim_sha256)
            if opened is None:
                continue
            ranker, reader = opened.searcher.ranker, opened.searcher.reader()
            docs: set[int] = set()
            for term in islice(reader.expand_prefix("title_key", last), SUGGEST_TERMS):
                docs.update(ranker.term_docs("title_key", term.decode("utf-8") if isinstance(term, bytes) else term))
            for word in earlier:
                docs &= set(ranker.term_docs("title_key", word))
            titles: dict[str, str] = {}
            for docnum in sorted(docs)[:SUGGEST_DOCS]:
                stored = ranker.stored(docnum)
                titles.setdefault(stored["topic"], stored["title"])
        for path, title in sorted(titles.items(), key=lambda item: (len(item[1]), item[1]))[:limit]:
            out.append(ArticleSuggestion(f"{book.id}/{path}", title, book.lang, entry_url(book.id, path)))
    out.sort(key=lambda s: (len(s.title), s.title))
    return out[:limit]
