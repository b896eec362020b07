"""Searching channels' resources with the lessons' query planner and ranker, one index per channel tree.

Hits take the shape of book articles (books/textsearch.py ArticleHit) with their own URL, so the search page
ranks lessons, articles and channel resources together by the same BM25F scores.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from whoosh import index
from whoosh.filedb.filestore import FileStorage

from ..books.textsearch import SUGGEST_DOCS, SUGGEST_TERMS, ArticleHit, ArticleSuggestion
from ..search.analysis import words
from ..search.folding import fold
from ..search.query import build
from ..search.scoring import Ranker, SnapshotSearcher
from ..search.snippets import SCAN_CHARS, Marker, make_snippet
from .catalog import InstalledChannel
from .textindex import index_dir
from .tree import ChannelTree

CANDIDATES = 60


@dataclass
class ChannelHit(ArticleHit):
    kind: str = ""

    @property
    def url(self) -> str:
        return f"/channels/{self.book_id}/{self.path}"


class _Open:
    def __init__(self, folder: Path):
        self.ix = FileStorage(str(folder)).open_index()
        self.searcher = SnapshotSearcher(self.ix.reader(), fromindex=self.ix)
        self.searcher.snapshot_key = (folder.name, self.ix.latest_generation())
        self.searcher.ranker = Ranker(self.searcher)
        self.lock = threading.Lock()  # the Ranker reads Whoosh's files with seek + read: one search at a time


class ChannelSearchers:
    """One open searcher per channel index (an index never changes: a new tree is a new folder)."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self._open: dict[str, _Open] = {}
        self._lock = threading.Lock()

    def _get(self, tree_sha256: str) -> _Open | None:
        with self._lock:
            found = self._open.get(tree_sha256)
            if found is None:
                folder = index_dir(self.data_dir, tree_sha256)
                if not index.exists_in(str(folder)):
                    return None
                found = self._open[tree_sha256] = _Open(folder)
            return found

    def search(self, text: str, channels: list[InstalledChannel], limit: int, budget: float) -> list[ChannelHit]:
        """The best `limit` resources of these channels, best first (a channel not indexed yet finds nothing)."""
        hits: list[ChannelHit] = []
        for channel in channels:
            opened = self._get(channel.tree_sha256)
            if opened is None:
                continue
            with opened.lock:
                plan = build(text, opened.searcher)
                if plan.empty:
                    continue
                top, _timed_out = opened.searcher.ranker.top(plan.terms, CANDIDATES, None, budget)
                keys = frozenset(plan.keys)
                for docnum, score in top:
                    stored = opened.searcher.ranker.stored(docnum)
                    hits.append(
                        ChannelHit(channel.id, channel.title, stored["id"], stored["title"], stored["lang"], score,
                                   keys=keys)
                    )  # fmt: skip
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]


def add_snippets(hits: list[ChannelHit], trees: dict[str, ChannelTree]) -> None:
    """A few words of the resource's description around the matches."""
    markers: dict[tuple[str, frozenset[str]], Marker] = {}
    for hit in hits:
        tree = trees.get(hit.book_id)
        node = tree.nodes.get(hit.path) if tree else None
        if node is None:
            continue
        hit.kind = node.kind
        if node.description:
            lang = hit.lang if hit.lang in ("kk", "ru", "en") else "en"
            marker = markers.setdefault((lang, hit.keys), Marker(lang, set(hit.keys)))
            hit.snippet = make_snippet(node.description[:SCAN_CHARS], marker)


def suggest_titles(
    searchers: ChannelSearchers, text: str, channels: list[InstalledChannel], limit: int
) -> list[ArticleSuggestion]:
    """Resource titles holding a word that starts like the last word typed and every earlier word, shortest
    first (as books' article titles are suggested)."""
    typed = [fold(word) for word in words(text)]
    if not typed or limit <= 0:
        return []
    *earlier, last = typed
    out: list[ArticleSuggestion] = []
    for channel in channels:
        opened = searchers._get(channel.tree_sha256)
        if opened is None:
            continue
        with opened.lock:
            ranker, reader = opened.searcher.ranker, opened.searcher.reader()
            docs: set[int] = set()
            for term in islice(reader.expand_prefix("title_key", last), SUGGEST_TERMS):
                docs.update(ranker.term_docs("title_key", term.decode("utf-8") if isinstance(term, bytes) else term))
            for word in earlier:
                docs &= set(ranker.term_docs("title_key", word))
            found = [ranker.stored(docnum) for docnum in sorted(docs)[:SUGGEST_DOCS]]
        for stored in sorted(found, key=lambda s: (len(s["title"]), s["title"]))[:limit]:
            url = f"/channels/{channel.id}/{stored['id']}"
            out.append(ArticleSuggestion(f"{channel.id}/{stored['id']}", stored["title"], stored["lang"], url))
    out.sort(key=lambda s: (len(s.title), s.title))
    return out[:limit]
