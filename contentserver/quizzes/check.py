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
