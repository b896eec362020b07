"""A teacher's practice results for one lesson (/teach/lessons/<id>/results): attempts, share right and the most
common wrong answers per question, mastery reached per quiz, of the current version; aggregate only."""

from __future__ import annotations

from flask import Response, current_app, render_template

from ..authoring.references import page_urls
from ..downloads import content_disposition
from ..library import render_cache
from ..models import Lesson
from ..quizzes.blocks import blocks
from ..quizzes.check import shown_answer
from ..quizzes.parse import Quiz
from ..quizzes.results import Wrong, by_day, csv_text, mastery, totals, wrong_answers
from .access import editable_lesson


def lesson_quizzes(lesson: Lesson) -> dict[int, Quiz]:
    """The quizzes of the lesson's current version by their index in the page (a malformed one is left out)."""
    objects = current_app.extensions["object_store"]
    sha256 = lesson.body_sha256
    body_html = render_cache.page_html(
        objects, sha256, page_urls(lesson.attachments), lambda: objects.read_bytes(sha256).decode()
    )
    return {block.index: block.quiz for block in blocks(body_html) if block.quiz is not None}


def results(lesson_id: str) -> str:
    lesson = editable_lesson(lesson_id)
    counted = totals(lesson.id, lesson.body_sha256)
    wrong = wrong_answers(lesson.id, lesson.body_sha256)
    mastered = mastery(lesson.id, lesson.body_sha256)
    quizzes = [
        {
            "mastered": mastered.get(index, 0),
            "questions": [
                (
                    question,
                    counted.get((index, number)),
                    [(shown_answer(question, w.key, w.shown), w.count) for w in wrong.get((index, number), [])],
                )
                for number, question in enumerate(quiz.questions)
            ],
        }
        for index, quiz in lesson_quizzes(lesson).items()
    ]
    return render_template("teach/results.html", lesson=lesson, quizzes=quizzes)


def results_csv(lesson_id: str) -> Response:
    """The same counts by day as a spreadsheet file (no names, no devices, nothing finer than a day)."""
    lesson = editable_lesson(lesson_id)
    quizzes = lesson_quizzes(lesson)

    def describe(quiz: int, question: int, wrong: Wrong) -> str:
        asked = quizzes.get(quiz)
        if asked is None or question >= len(asked.questions):
            return wrong.shown
        shown = shown_answer(asked.questions[question], wrong.key, wrong.shown)
        return "…" if shown is None else shown

    response = Response(csv_text(by_day(lesson.id, lesson.body_sha256), describe), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(f"{lesson.id}-practice.csv", inline=False)
    return response
