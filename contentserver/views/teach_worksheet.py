"""A printable worksheet of a lesson's quizzes (/teach/lessons/<id>/worksheet): questions first, the answer key on a
last page of its own. For teachers only: the page holds the answers, which a student's page never does."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from ..errors import Forbidden, NotFound
from ..library import store
from ..models import Lesson
from ..quizzes.worksheet import LETTERS, answer_text
from .access import editable_lesson
from .quiz_forms import choice_order
from .teach_practice import lesson_quizzes


def _lesson(lesson_id: str) -> Lesson:
    """A teacher's own lesson (drafts too), else any published lesson of the library."""
    try:
        return editable_lesson(lesson_id)
    except (NotFound, Forbidden):
        return store.get_lesson(lesson_id)


def worksheet(lesson_id: str) -> str:
    """Every quiz of the lesson, or with ?quiz=N only the N-th (numbered as the results page numbers them)."""
    lesson = _lesson(lesson_id)
    quizzes: list[tuple[int, list[dict[str, Any]]]] = []
    for index, quiz in lesson_quizzes(lesson).items():
        questions = []
        for number, question in enumerate(quiz.questions):
            order = choice_order(lesson.body_sha256, index, number, len(question.choices), quiz.shuffle)
            questions.append({"question": question, "order": order, "answer": answer_text(question, order)})
        quizzes.append((len(quizzes) + 1, questions))
    only = request.args.get("quiz", type=int)
    if only is not None:
        if not 1 <= only <= len(quizzes):
            raise NotFound()
        quizzes = [quizzes[only - 1]]
    numbered = len(quizzes) > 1 or only is not None
    return render_template("teach/worksheet.html", lesson=lesson, quizzes=quizzes, numbered=numbered, letters=LETTERS)
