"""Kazakh-aware text normalization: NFC, Kazakh Latin casing, look-alikes, Cyrillic→2021 Latin, keyboard folding.

Students type Kazakh in Cyrillic or in the 2021 Latin alphabet, often on keyboards without Kazakh letters.
Folding maps every spelling of a word to one key, so the index and the query meet in one key space.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Kazakh Cyrillic → 2021 Latin, letter by letter (lowercase; case is restored by cyrillic_to_latin).
CYR_TO_LAT = {
    "а": "a",
    "ә": "ä",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "ğ",
    "д": "d",
    "е": "e",
    "ё": "io",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "қ": "q",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "ñ",
    "о": "o",
    "ө": "ö",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ұ": "ū",
    "ү": "ü",
    "ф": "f",
    "х": "h",
    "һ": "h",
    "ц": "ts",
    "ч": "ç",
    "ш": "ş",
    "щ": "şş",
    "ъ": "",
    "ы": "y",
    "і": "ı",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}
# Uppercase forms whose Latin capital is not simply str.upper() of the lowercase value.
UPPER_SPECIAL = {"И": "İ", "Й": "İ", "Ё": "İo", "Ю": "İu", "Я": "İa", "І": "I", "Ц": "Ts", "Щ": "Şş"}

# Look-alikes typed in the wrong script: Latin schwa for ә, Latin i/h inside Cyrillic words for і/һ,
# and the other Latin letters that look like Cyrillic ones.
LATIN_LOOKALIKE_IN_CYRILLIC = {
    "i": "і",
    "h": "һ",
    "ə": "ә",
    "a": "а",
    "e": "е",
    "o": "о",
    "p": "р",
    "c": "с",
    "y": "у",
    "x": "х",
    "k": "к",
    "m": "м",
    "t": "т",
    "b": "в",
}
SCHWA = {"ə": "ä", "Ə": "Ä", "ә": "ä"}  # in Latin words
APOSTROPHES = "'’ʼ`´"
WORD_RE = re.compile(r"\w+")

CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f\u0259]")
KAZAKH_CYRILLIC_LETTERS = set("әғқңөұүһі")
KAZAKH_LATIN_LETTERS = set("äğıñöşüūçq")
# Informal Latin spellings folded to the key's single letters (after diacritics are gone).
DIGRAPHS = (("zh", "j"), ("sh", "s"), ("ch", "c"), ("kh", "h"), ("ya", "ia"), ("yu", "iu"), ("yo", "io"))
KEYBOARD = str.maketrans({"ı": "i", "q": "k", "ə": "a", "ł": "l", "ø": "o", "w": "u"})


def lower(text: str) -> str:
    """Lowercase that is right for Kazakh Latin: İ→i without a stray combining dot (I→i is folded later)."""
    return unicodedata.normalize("NFC", text.replace("İ", "i").replace("\u0307", "")).lower()


@lru_cache(maxsize=8192)  # bounded: see analysis.WORD_CACHE
def fix_lookalikes(word: str) -> str:
    """A word mostly in one script gets its stray look-alike letters from the other script put right."""
    if word.isascii():
        return word
    cyr = len(CYRILLIC_RE.findall(word))
    lat = len(LATIN_RE.findall(word))
    if cyr and lat and cyr >= lat:
        word = "".join(LATIN_LOOKALIKE_IN_CYRILLIC.get(ch, ch) for ch in word)
    if not cyr:
        word = "".join(SCHWA.get(ch, ch) for ch in word)
    return word


def normalize(text: str) -> str:
    """NFC, Kazakh-correct lowercase, look-alikes fixed per word, apostrophes inside words dropped."""
    text = lower(text)
    for mark in APOSTROPHES:
        text = text.replace(mark, "")
    return WORD_RE.sub(lambda m: fix_lookalikes(m.group()), text)


def normalize_word(word: str) -> str:
    """normalize() of one word of a text (a \\w+ run: no apostrophes, nothing to split), without its regex pass:
    snippets normalize each of ~300 words a page."""
    return fix_lookalikes(lower(word))


def cyrillic_to_latin(text: str) -> str:
    """Kazakh Cyrillic text in the 2021 Latin alphabet, keeping case; other characters pass through."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in UPPER_SPECIAL:
            out.append(UPPER_SPECIAL[ch])
        elif ch.lower() in CYR_TO_LAT:
            latin = CYR_TO_LAT[ch.lower()]
            out.append(latin.capitalize() if ch.isupper() else latin)
        else:
            out.append(ch)
    return "".join(out)


def has_cyrillic(text: str) -> bool:
    return bool(CYRILLIC_RE.search(text))


def to_latin_lower(word: str) -> str:
    """A normalized word in lowercase 2021 Latin (Cyrillic transliterated, Latin kept with its letters)."""
    return cyrillic_to_latin(word) if has_cyrillic(word) else word


def strip_marks(word: str) -> str:
    """Remove diacritics: ä→a, ş→s, ü/ū→u, ñ→n, ğ→g, ç→c (and accents of other Latin alphabets)."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_latin(word: str) -> str:
    """Fold a lowercase Latin word to the key: no diacritics, ı/i and q/k merged, informal digraphs undone."""
    word = strip_marks(word).translate(KEYBOARD)
    for digraph, letter in DIGRAPHS:
        word = word.replace(digraph, letter)
    return word


def fold(word: str) -> str:
    """The script- and keyboard-independent key of one normalized word (ё is read as е, as Russians type it)."""
    return fold_latin(to_latin_lower(word.replace("ё", "е")))


def is_plain(word: str) -> bool:
    """True when a word has no Kazakh-specific letter, so it may have been typed on a plain keyboard."""
    return not (set(word) & (KAZAKH_CYRILLIC_LETTERS | KAZAKH_LATIN_LETTERS))


# Letters only a Kazakh keyboard gives: ш, ч (on Russian keyboards) and Latin q (on every Latin one) are not.
KAZAKH_KEYBOARD_LETTERS = KAZAKH_CYRILLIC_LETTERS | (KAZAKH_LATIN_LETTERS - {"q"})


def typed_plain(word: str) -> bool:
    """True when a lowercase word (in the script it was typed in) has no letter that needs a Kazakh keyboard:
    шаш, qazaqsha and casha are plain; қаша, şaş are not. Decide before transliterating (ш becomes ş)."""
    return not (set(word) & KAZAKH_KEYBOARD_LETTERS)
