"""As-you-type titles from an in-memory prefix table: no search slot and no index read per keystroke."""
from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from typing import Callable, Iterable

from .analysis import words
from .folding import fold

MAX_CANDIDATES = 400


@dataclass(frozen=True)
class Suggestion:
    id: str
    title: str
    lang: str


class TitleSuggester:
    """Folded title words in sorted order, each with the titles that hold it; rebuilt when the library changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: object = None
        self._keys: list[str] = []
        self._postings: list[array] = []
        self._titles: list[Suggestion] = []
        self._title_keys: list[frozenset[str]] = []

    def _build(self, rows: Iterable[tuple[str, str, str]]) -> None:
        titles, title_keys, postings = [], [], {}
        for index, (lesson_id, title, lang) in enumerate(rows):
            keys = frozenset(fold(word) for word in words(title))
            titles.append(Suggestion(lesson_id, title, lang))
            title_keys.append(keys)
            for key in keys:
                postings.setdefault(key, array("I")).append(index)
        self._keys = sorted(postings)
        self._postings = [postings[key] for key in self._keys]
        self._titles, self._title_keys = titles, title_keys

    def suggest(self, text: str, version: object, load_rows: Callable[[], Iterable[tuple[str, str, str]]],
                limit: int) -> list[Suggestion]:
        """Titles with a word starting like the last word typed and holding the earlier words as prefixes."""
        with self._lock:
            if version != self._version:
                self._build(load_rows())
                self._version = version
            keys, postings, titles, title_keys = self._keys, self._postings, self._titles, self._title_keys
        typed = [fold(word) for word in words(text)]
        if not typed:
            return []
        *earlier, last = typed
        found: dict[int, None] = {}
        position = bisect_left(keys, last)
        while position < len(keys) and keys[position].startswith(last) and len(found) < MAX_CANDIDATES:
            found.update(dict.fromkeys(postings[position]))
            position += 1
        matches = [i for i in found
                   if all(any(key.startswith(word) for key in title_keys[i]) for word in earlier)]
        matches.sort(key=lambda i: (len(titles[i].title), titles[i].title))
        return [titles[i] for i in matches[:limit]]
