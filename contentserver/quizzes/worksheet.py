"""A quiz on paper: the questions with boxes and lines to fill in, and an answer key for the last page."""

from __future__ import annotations

from flask_babel import gettext as _

from .parse import MULTIPLE, NUMBER, SINGLE, Question

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # 26: MAX_CHOICES


def _number(value: float) -> str:
    return f"{value:g}"


def answer_text(question: Question, order: list[int]) -> str:
    """The right answer as the key shows it: the choices' letters (in the printed order) and texts, the accepted
    texts, or the number with its tolerance and unit."""
    if question.kind in (SINGLE, MULTIPLE):
        return "; ".join(
            f"{LETTERS[shown]}) {question.choices[index][0]}"
            for shown, index in enumerate(order)
            if question.choices[index][1]
        )
    if question.kind == NUMBER and question.number is not None:
        text = _number(question.number)
        if question.tolerance:
            text += f" ± {_number(question.tolerance)}"
        return f"{text} {question.unit}".strip()
    return _(" or ").join(question.answers) if len(question.answers) > 1 else question.answers[0]
