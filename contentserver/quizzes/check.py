"""Whether a student's answer is right: choices by index, text folded across Kazakh scripts, numbers with tolerance."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..search.folding import WORD_RE, fold, normalize
from .parse import MULTIPLE, NUMBER, SINGLE, TEXT, Question, to_float

MAX_ANSWER_CHARS = 500  # longer than any short answer; more is cut before it is compared or stored


def text_key(text: str) -> str:
    """One key for every spelling of an answer: case, surrounding spaces, punctuation, Cyrillic/Latin and plain
    keyboards ignored (search/folding.py's key), so Astana, Астана and астана meet."""
    return " ".join(fold(word) for word in WORD_RE.findall(normalize(text[:MAX_ANSWER_CHARS])))


def read_number(text: str, unit: str) -> float | None:
    """The number a student typed, with or without the unit, a decimal comma allowed; None if it is not one."""
    text = text[:MAX_ANSWER_CHARS].strip()
    if unit and text.lower().endswith(unit.lower()):
        text = text[: -len(unit)].strip()
    try:
        value = to_float(text.replace(" ", "").replace("\u00a0", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def is_correct(question: Question, values: Sequence[str]) -> bool:
    """`values` are the form's values for the question: choice indexes, or one typed answer."""
    if question.kind in (SINGLE, MULTIPLE):
        picked = {v for v in values if v.isdigit() and int(v) < len(question.choices)}
        right = {str(i) for i, (_text, ok) in enumerate(question.choices) if ok}
        return picked == right and (question.kind == MULTIPLE or len(values) == 1)
    typed = values[0] if values else ""
    if question.kind == TEXT:
        key = text_key(typed)
        return bool(key) and key in {text_key(answer) for answer in question.answers}
    if question.kind == NUMBER and question.number is not None:
        value = read_number(typed, question.unit)
        return value is not None and abs(value - question.number) <= question.tolerance + 1e-9 * max(1.0, abs(value))
    return False


WRONG_CHARS = 100  # a wrong answer is grouped and shown by this much of it


def wrong_key(question: Question, values: Sequence[str]) -> tuple[str, str]:
    """(key, shown) of a wrong answer: the picked choices, the number read, or the text's folded key, so that
    `Almaty`, ` almaty ` and `Алматы` are one wrong answer; `shown` is how it is shown (the first spelling seen)."""
    if question.kind in (SINGLE, MULTIPLE):
        picked = sorted({int(v) for v in values if v.isdigit() and int(v) < len(question.choices)})
        key = "c:" + ",".join(map(str, picked))
        return key, key
    typed = " ".join((values[0] if values else "")[:MAX_ANSWER_CHARS].split())
    if question.kind == NUMBER:
        value = read_number(typed, question.unit)
        if value is not None:
            shown = f"{value:g}" + (f" {question.unit}" if question.unit else "")
            return f"n:{value:g}"[:WRONG_CHARS], shown[:WRONG_CHARS]
    folded = text_key(typed) or typed.lower()
    return f"t:{folded}"[:WRONG_CHARS], typed[:WRONG_CHARS]


def shown_answer(question: Question, key: str, shown: str) -> str | None:
    """A counted wrong answer as text for the teacher (plain text, escaped where it is shown); None for the
    answers counted together past the cap."""
    if not key:
        return None
    if key.startswith("c:"):
        picked = [int(i) for i in key[2:].split(",") if i.isdigit() and int(i) < len(question.choices)]
        return " + ".join(question.choices[i][0] for i in picked) or "—"
    return shown or "—"
