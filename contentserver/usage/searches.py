"""A search as it is counted: its words normalized as the index reads them (case, look-alikes, apostrophes), and
the script it was typed in, so "Абай", "абай " and "абаи" typed the same way count as one."""

from __future__ import annotations

from ..search.analysis import words
from ..search.folding import CYRILLIC_RE, LATIN_RE


def normalized(text: str) -> str:
    return " ".join(words(text))


def script_of(text: str) -> str:
    """ISO 15924 code of the letters typed: Cyrl, Latn, both (mixed) or neither (other: digits, say)."""
    cyrillic, latin = bool(CYRILLIC_RE.search(text)), bool(LATIN_RE.search(text))
    if cyrillic and latin:
        return "mixed"
    return "Cyrl" if cyrillic else "Latn" if latin else "other"
