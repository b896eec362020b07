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


def _flat(groups: Iterable[Iterable[int]]) -> tuple[array, array]:
    """Lists of numbers as one array and where each list starts (and the last ends)."""
    values, starts = array("I"), array("I", [0])
    for group in groups:
        values.extend(group)
        starts.append(len(values))
    return values, starts


def _joined(texts: list[str]) -> tuple[str, array]:
    """Strings as one string and where each starts (and the last ends)."""
    starts = array("I", [0])
    for text in texts:
        starts.append(starts[-1] + len(text))
    return "".join(texts), starts


class _Table:
    """Every published title in a few flat strings and arrays: its id, text, language and folded words, and for
    each folded word the titles holding it (one Python object per title cost ~1.3 KB: 26 MiB at 20,000)."""

    def __init__(self, rows: Iterable[tuple[str, str, str]]):
        ids, titles, langs, title_words = [], [], [], []
        for lesson_id, title, lang in rows:
            ids.append(lesson_id)
            titles.append(title)
            langs.append(lang)
            title_words.append({fold(word) for word in words(title)})
        self.keys = sorted(set().union(*title_words))
        number = {key: i for i, key in enumerate(self.keys)}
        holders: list[list[int]] = [[] for _ in self.keys]
        for index, keys in enumerate(title_words):
            for key in keys:
                holders[number[key]].append(index)
        self.holders, self.holder_starts = _flat(holders)
        self.title_keys, self.title_key_starts = _flat([number[key] for key in keys] for keys in title_words)
        self.ids, self.id_starts = _joined(ids)
        self.texts, self.text_starts = _joined(titles)
        self.lang_names = sorted(set(langs))
        self.langs = array("B", [self.lang_names.index(lang) for lang in langs])

    def _ends(self, starts: array, i: int) -> tuple[int, int]:
        return starts[i], starts[i + 1]

    def title(self, i: int) -> str:
        start, end = self._ends(self.text_starts, i)
        return self.texts[start:end]

    def suggestion(self, i: int) -> Suggestion:
        start, end = self._ends(self.id_starts, i)
        return Suggestion(self.ids[start:end], self.title(i), self.lang_names[self.langs[i]])

    def holding(self, key_number: int) -> array:
        start, end = self._ends(self.holder_starts, key_number)
        return self.holders[start:end]

    def words_of(self, i: int) -> list[str]:
        start, end = self._ends(self.title_key_starts, i)
        return [self.keys[k] for k in self.title_keys[start:end]]


class TitleSuggester:
    """Folded title words in sorted order, each with the titles that hold it; rebuilt when the library changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: object = None
        self._table = _Table([])

    def suggest(self, text: str, version: object, load_rows: Callable[[], Iterable[tuple[str, str, str]]],
                limit: int) -> list[Suggestion]:
        """Titles with a word starting like the last word typed and holding the earlier words as prefixes."""
        with self._lock:
            if version != self._version:
                self._table = _Table(load_rows())
                self._version = version
            table = self._table
        typed = [fold(word) for word in words(text)]
        if not typed:
            return []
        *earlier, last = typed
        found: dict[int, None] = {}
        position = bisect_left(table.keys, last)
        while position < len(table.keys) and table.keys[position].startswith(last) and len(found) < MAX_CANDIDATES:
            found.update(dict.fromkeys(table.holding(position)))
            position += 1
        matches = [i for i in found
                   if all(any(key.startswith(word) for key in table.words_of(i)) for word in earlier)]
        matches.sort(key=lambda i: (len(table.title(i)), table.title(i)))
        return [table.suggestion(i) for i in matches[:limit]]
