"""The Kazakh stems the stemmer knows: so it never cuts a word below a real stem (теңге is not тең+ге).

kazakh_stems.txt is derived from Debian's hunspell-kk by bench/kazakh_hunspell.py (licence in its header);
kazakh_stems_extra.txt adds the school library's own words that the dictionary lacks. Read once, on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .folding import fold_latin, to_latin_lower

FILES = (Path(__file__).with_name("kazakh_stems.txt"), Path(__file__).with_name("kazakh_stems_extra.txt"))
SHORT_ROOT = 2  # ел, ал, ат: a known root may be this short; an unknown stem keeps three letters


def read_words(path: Path) -> list[str]:
    """The words of a stem file: one a line, # starts a comment line."""
    return [
        line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()[:1] not in "#"
    ]


@dataclass(frozen=True)
class Known:
    """Stems of one spelling (2021 Latin, or folded as typed without Kazakh letters): words, and verb roots
    (written with a trailing - in the files: баста-), which stand bare only before a verb's suffixes."""

    words: frozenset[str]
    roots: frozenset[str]


@cache
def stems() -> tuple[Known, Known]:
    """Known stems in 2021 Latin, and the same folded."""
    lines = [to_latin_lower(line) for path in FILES if path.exists() for line in read_words(path)]
    words = {line for line in lines if not line.endswith("-") and len(line) >= SHORT_ROOT}
    roots = {line[:-1] for line in lines if line.endswith("-") and len(line) > SHORT_ROOT}
    return Known(frozenset(words), frozenset(roots)), Known(
        frozenset(map(fold_latin, words)), frozenset(map(fold_latin, roots))
    )
