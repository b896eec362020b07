"""As-you-type titles from an in-memory prefix table: no search slot and no index read per keystroke."""

from __future__ import annotations

import ctypes
import gc
import logging
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice

from .analysis import words
from .folding import fold

MAX_CANDIDATES = 400
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    id: str
    title: str
    lang: str


@dataclass(frozen=True)
class TitleSource:
    """Where the titles come from: every (id, title, lang) for a build, in any thread (e.g. in its own app
    context); and the titles of a few ids for an answer. The table keeps no title text (6.1 of its 13.4 MiB at
    100,000 titles): the ≤ 8 shown are read when an answer is made."""

    rows: Callable[[], Iterable[tuple[str, str, str]]]
    titles: Callable[[list[str]], dict[str, str]]


def _joined(texts: list[str]) -> tuple[bytes, array]:
    """Strings as one UTF-8 string and where each starts (and the last ends), in bytes: one Cyrillic letter in a
    joined str made every letter 2 bytes (100,000 titles: 7.5 MiB as str, 6.1 MiB as UTF-8; ids 1 byte each)."""
    starts = array("I", [0])
    for text in texts:
        starts.append(starts[-1] + len(text.encode("utf-8")))  # each freed at once: no peak of small objects
    return "".join(texts).encode("utf-8"), starts


def _numbers(count: int) -> array:
    """An array for numbers below `count`: 2 bytes each while they fit (title words number in the thousands)."""
    return array("H" if count <= 1 << 16 else "I")


def _give_back_freed_heap() -> None:
    """Return what a build freed to the OS: without this the heap stays at the build's peak (the rows, lists
    and strings: ~3 MiB more RSS at 20,000 titles; docs/performance.md). Not glibc: nothing to give back."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _built(load_rows: Callable[[], Iterable[tuple[str, str, str]]]) -> _Table:
    """A table of what `load_rows` yields, its iterator closed in this thread even on failure (a generator
    holding an app context must pop it where it pushed it)."""
    rows = load_rows()
    try:
        return _Table(rows)
    finally:
        getattr(rows, "close", lambda: None)()


def _zeros(count: int) -> array:
    return array("I", bytes(4 * count))


class _Table:
    """Every published title in a few flat strings and arrays: its id, language and folded words, and for
    each folded word the titles holding it (one Python object per title cost ~1.3 KB: 26 MiB at 20,000).

    Titles are numbered shortest first, so a title's number is its rank among suggestions. The build keeps no
    set per title nor list per word (they made a ~30 MiB peak at 20,000 titles that the heap kept): each title's
    words go straight into one array, numbered as first seen, renumbered once the words are sorted."""

    def __init__(self, rows: Iterable[tuple[str, str, str]]):
        ids, titles, langs = [], [], []
        for lesson_id, title, lang in rows:
            ids.append(lesson_id)
            titles.append(title)
            langs.append(lang)
        order = sorted(range(len(titles)), key=ids.__getitem__)  # stable sorts: no key tuple per title
        order.sort(key=titles.__getitem__)
        order.sort(key=[len(title) for title in titles].__getitem__)
        titles = [titles[i] for i in order]
        self.ids, self.id_starts = _joined([ids[i] for i in order])
        self.lang_names = sorted(set(langs))
        self.langs = array("B", [self.lang_names.index(langs[i]) for i in order])
        del ids, langs, order
        seen: dict[str, int] = {}
        first_seen, self.title_key_starts = array("I"), array("I", [0])
        for title in titles:
            first_seen.extend(seen.setdefault(key, len(seen)) for key in dict.fromkeys(map(fold, words(title))))
            self.title_key_starts.append(len(first_seen))
        del titles
        self.keys = sorted(seen)
        renumber = _zeros(len(seen))
        for number, key in enumerate(self.keys):
            renumber[seen[key]] = number
        del seen
        self.title_keys = _numbers(len(self.keys))
        self.title_keys.extend(renumber[n] for n in first_seen)
        del first_seen
        self.holders, self.holder_starts = self._holders(len(self.keys))

    def _holders(self, key_count: int) -> tuple[array, array]:
        """For each word number, the titles holding it in ascending order (a counting sort of title_keys)."""
        starts = _zeros(key_count + 1)
        for key in self.title_keys:
            starts[key + 1] += 1
        for key in range(key_count):
            starts[key + 1] += starts[key]
        holders, free = _zeros(len(self.title_keys)), starts[:-1]
        for i in range(len(self.title_key_starts) - 1):
            for key in self.title_keys[self.title_key_starts[i] : self.title_key_starts[i + 1]]:
                holders[free[key]] = i
                free[key] += 1
        return holders, starts

    def _ends(self, starts: array, i: int) -> tuple[int, int]:
        return starts[i], starts[i + 1]

    def id_and_lang(self, i: int) -> tuple[str, str]:
        start, end = self._ends(self.id_starts, i)
        return self.ids[start:end].decode("utf-8"), self.lang_names[self.langs[i]]

    def holding(self, key_number: int) -> array:
        start, end = self._ends(self.holder_starts, key_number)
        return self.holders[start:end]

    def words_of(self, i: int) -> list[str]:
        start, end = self._ends(self.title_key_starts, i)
        return [self.keys[k] for k in self.title_keys[start:end]]


class TitleSuggester:
    """Folded title words in sorted order, each with the titles that hold it; rebuilt when the library changes.

    The first table is built in the request that first asks (the server starts without it: no build for a box
    where nobody types). After a change the old table keeps answering while one thread builds the new one and
    swaps it in: a build held the lock and the GIL for ~1.2 s at 20,000 titles, stalling every request. So
    `source.rows` must work in any thread (e.g. push its own app context)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: object = None
        self._table: _Table | None = None
        self._building = False

    def suggest(self, text: str, version: object, source: TitleSource, limit: int) -> list[Suggestion]:
        """Titles with a word starting like the last word typed and holding the earlier words as prefixes."""
        return self.answer(text, version, source, limit)[0]

    def answer(self, text: str, version: object, source: TitleSource, limit: int) -> tuple[list[Suggestion], object]:
        """The suggestions, and the library version of the table that gave them (an older one during a build;
        a lesson gone since is left out, a renamed one shows its new title)."""
        with self._lock:
            if self._table is None:
                self._table, self._version = _built(source.rows), version
                _give_back_freed_heap()
            elif version != self._version and not self._building:
                self._building = True
                threading.Thread(
                    target=self._rebuild, args=(version, source.rows), name="title-table", daemon=True
                ).start()
            table, table_version = self._table, self._version
        found = self._lookup(table, text, limit)
        titles = source.titles([lesson_id for lesson_id, _ in found]) if found else {}
        return [
            Suggestion(lesson_id, titles[lesson_id], lang) for lesson_id, lang in found if lesson_id in titles
        ], table_version

    def _rebuild(self, version: object, load_rows: Callable[[], Iterable[tuple[str, str, str]]]) -> None:
        """Build the table for `version` and swap it in; on failure keep the old one (a later request retries)."""
        try:
            table = _built(load_rows)
        except Exception:
            logger.exception("title table for library version %s not built; keeping the old one", version)
            table = None
        with self._lock:
            if table is not None:
                self._table, self._version = table, version
            self._building = False
        del table
        _give_back_freed_heap()

    @staticmethod
    def _lookup(table: _Table, text: str, limit: int) -> list[tuple[str, str]]:
        typed = [fold(word) for word in words(text)]
        if not typed:
            return []
        *earlier, last = typed
        found: set[int] = set()
        position = bisect_left(table.keys, last)
        while position < len(table.keys) and table.keys[position].startswith(last) and len(found) < MAX_CANDIDATES:
            found.update(table.holding(position))
            position += 1
        matches = (
            i
            for i in sorted(found)  # titles are numbered shortest first
            if all(any(key.startswith(word) for key in table.words_of(i)) for word in earlier)
        )
        return [table.id_and_lang(i) for i in islice(matches, limit)]
