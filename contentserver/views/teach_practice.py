"""A teacher's practice results for one lesson (/teach/lessons/<id>/results): attempts and share right per
question of the current version, aggregate only."""

from __future__ import annotations

from flask import Response, current_app, render_template

from ..authoring.references import page_urls
from ..downloads import content_disposition
from ..library import render_cache
from ..quizzes.blocks import blocks
from ..quizzes.results import by_day, csv_text, totals
from .access import editable_lesson


def results(lesson_id: str) -> str:
    lesson = editable_lesson(lesson_id)
    objects = current_app.extensions["object_store"]
    sha256 = lesson.body_sha256
    body_html = render_cache.page_html(
        objects, sha256, page_urls(lesson.attachments), lambda: objects.read_bytes(sha256).decode()
    )
    counted = totals(lesson.id, lesson.body_sha256)
    quizzes = [
        [(question, counted.get((block.index, number))) for number, question in enumerate(block.quiz.questions)]
        for block in blocks(body_html)
        if block.quiz is not None
    ]
    return render_template("teach/results.html", lesson=lesson, quizzes=quizzes)


def results_csv(lesson_id: str) -> Response:
    """The same counts by day as a spreadsheet file (no names, no devices, nothing finer than a day)."""
    lesson = editable_lesson(lesson_id)
    response = Response(csv_text(by_day(lesson.id, lesson.body_sha256)), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(f"{lesson.id}-practice.csv", inline=False)
    return response
