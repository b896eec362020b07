"""Names made safe by construction: attachment names (format.is_safe_name) and new lesson ids."""

from __future__ import annotations

import re
import secrets
import unicodedata

from ..library.format import DEVICE_NAMES, ID_RE, MEDIA_TYPES, is_safe_name

# Kazakh and Russian Cyrillic to Latin, so a teacher's "урок.pdf" stays readable as "urok.pdf".
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "yo",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "a",
            "g",
            "q",
            "ng",
            "o",
            "u",
            "u",
            "h",
            "i",
        ],
    )
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
MAX_NAME = 100


def to_ascii(text: str) -> str:
    """Transliterate Cyrillic, drop accents and everything else that is not ASCII."""
    out = []
    for char in text:
        lower = char.lower()
        if lower in _CYRILLIC:
            latin = _CYRILLIC[lower]
            out.append(latin.capitalize() if char != lower else latin)
        else:
            out.append(char)
    decomposed = unicodedata.normalize("NFKD", "".join(out))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _stem(text: str) -> str:
    return _UNSAFE.sub("-", to_ascii(text)).strip("-_")


def clean_file_name(raw: str, media_type: str) -> str:
    """A display name for an upload: no folders, no control characters, an ending that fits its real type."""
    base = re.split(r"[/\\]", raw.split("\x00")[0])[-1]
    endings = MEDIA_TYPES[media_type][1]
    stem, dot, ending = base.rpartition(".")
    if dot and "." + ending.lower() in endings:
        suffix = "." + ending.lower()
    else:
        stem, suffix = base, endings[0]
    cleaned = re.sub(r"-{2,}", "-", _stem(stem))[: MAX_NAME - len(suffix)].strip("-_") or "file"
    if cleaned.lower() in DEVICE_NAMES:
        cleaned = "file-" + cleaned
    name = cleaned + suffix
    assert is_safe_name(name), name
    return name


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or name-2, name-3 … when another file of the lesson has it (two uploaded names can make one
    safe name: "Қарлығаш ұясы.png" and "Қарлығаш-ұясы.png"); `taken` is lowercase."""
    stem, dot, ending = name.rpartition(".")
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem[: MAX_NAME - len(ending) - 6]}-{number}{dot}{ending}"
    assert is_safe_name(candidate), candidate
    return candidate


def new_lesson_id(title: str) -> str:
    """t-<slug of the title>-<random>, matching the library format's lesson id rule."""
    slug = re.sub(r"-{2,}", "-", _stem(title).lower().replace("_", "-"))[:40].strip("-") or "lesson"
    lesson_id = f"t-{slug}-{secrets.token_hex(3)}"
    assert ID_RE.match(lesson_id), lesson_id
    return lesson_id
