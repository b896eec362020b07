"""Quiz blocks of a lesson page as plain forms, each with a signed question token (never the answers).

Signing is done here, in the web process, with the app's SECRET_KEY: the render workers never see the key.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import lru_cache

from flask import current_app, render_template
from itsdangerous import URLSafeTimedSerializer

from ..quizzes.blocks import Block, body_line, replace_blocks

QUESTION_SALT = "practice-question"
# Long enough for a lesson page kept in the page cache or saved on a phone; the body's sha256 inside the token is
# what refuses answers for a changed lesson.
TOKEN_MAX_AGE = 30 * 24 * 3600


def serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=8)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=QUESTION_SALT)


def as_typed(text: str) -> str:
    """A quiz text as it was typed (the template escapes it): lessons' quiz texts are plain text."""
    return text


def question_token(lesson_id: str, body_sha256: str, quiz: int, question: int) -> str:
    return serializer().dumps({"l": lesson_id, "b": body_sha256, "z": quiz, "q": question})


def choice_order(body_sha256: str, quiz: int, question: int, count: int, shuffle: bool) -> list[int]:
    """The order choices are shown in: as written, or mixed the same way on every view of this version (and on its
    printed worksheet)."""
    order = list(range(count))
    if shuffle:
        random.Random(f"{body_sha256}:{quiz}:{question}").shuffle(order)
    return order


def fill_quizzes(
    body_html: str,
    lesson_id: str,
    body_sha256: str,
    action: str,
    body: str | None = None,
    text: Callable[[str], str] | None = None,
) -> str:
    """Each quiz block as forms; a malformed one is left out for students. With `body` (the teacher's preview)
    a malformed block shows its line in the Markdown and the reason, and the forms are not for answering.
    `text` makes a quiz text HTML (a channel exercise's pictures); by default texts are shown as typed."""

    def show(block: Block) -> str:
        if block.error is not None:
            if body is None:
                return ""
            line = body_line(body, block.source, block.error.line)
            return render_template("practice/_quiz_error.html", line=line, error=block.error)
        assert block.quiz is not None
        quiz = block.quiz
        questions = [
            {
                "question": question,
                "number": number,
                "anchor": f"quiz-{block.index}-{number}",
                "order": choice_order(body_sha256, block.index, number, len(question.choices), quiz.shuffle),
                "token": None if body is not None else question_token(lesson_id, body_sha256, block.index, number),
            }
            for number, question in enumerate(quiz.questions)
        ]
        return render_template(
            "practice/_quiz.html", quiz=quiz, questions=questions, action=action, show=text or as_typed
        )

    return replace_blocks(body_html, show)
