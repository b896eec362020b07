"""A teacher's practice results for one lesson (/teach/lessons/<id>/results) or one channel exercise
(/teach/channels/<channel id>/<node id>/results, listed at /teach/channels/): attempts, share right and the most
common wrong answers per question, mastery reached per quiz, of the current version; aggregate only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, current_app, render_template, url_for
from sqlalchemy import func, select

from ..authoring.references import page_urls
from ..channels.catalog import get_channel, get_node, list_channels, load_tree
from ..channels.exercises import ChannelExercise, channel_exercise, placeholders
from ..channels.tree import Node
from ..db import db
from ..downloads import content_disposition
from ..errors import NotFound
from ..library import render_cache
from ..models import Lesson, QuizResultDay
from ..quizzes.blocks import blocks
from ..quizzes.check import shown_answer
from ..quizzes.parse import Quiz
from ..quizzes.results import Wrong, by_day, csv_text, mastery, totals, wrong_answers
from .access import editable_lesson
from .channels import exercise_pictures, exercise_quiz_id
from .quiz_forms import as_typed

MAX_LISTED = 500  # channel exercises on the list, most answered first


def lesson_quizzes(lesson: Lesson) -> dict[int, Quiz]:
    """The quizzes of the lesson's current version by their index in the page (a malformed one is left out)."""
    objects = current_app.extensions["object_store"]
    sha256 = lesson.body_sha256
    body_html = render_cache.page_html(
        objects, sha256, page_urls(lesson.attachments), lambda: objects.read_bytes(sha256).decode()
    )
    return {block.index: block.quiz for block in blocks(body_html) if block.quiz is not None}


def _quiz_rows(quizzes: dict[int, Quiz], lesson_id: str, body_sha256: str) -> list[dict]:
    counted = totals(lesson_id, body_sha256)
    wrong = wrong_answers(lesson_id, body_sha256)
    mastered = mastery(lesson_id, body_sha256)
    return [
        {
            "index": index,
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
        for index, quiz in quizzes.items()
    ]


def _csv(quizzes: dict[int, Quiz], lesson_id: str, body_sha256: str, filename: str) -> Response:
    """The counts by day as a spreadsheet file (no names, no devices, nothing finer than a day)."""

    def describe(quiz: int, question: int, wrong: Wrong) -> str:
        asked = quizzes.get(quiz)
        if asked is None or question >= len(asked.questions):
            return wrong.shown
        shown = shown_answer(asked.questions[question], wrong.key, wrong.shown)
        return "…" if shown is None else shown

    response = Response(csv_text(by_day(lesson_id, body_sha256), describe), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(filename, inline=False)
    return response


def results(lesson_id: str) -> str:
    lesson = editable_lesson(lesson_id)
    return render_template(
        "teach/results.html",
        title=lesson.title,
        back=url_for("teach.edit", lesson_id=lesson.id),
        csv_url=url_for("teach.results_csv", lesson_id=lesson.id),
        worksheet=lambda quiz=None: url_for("teach.worksheet", lesson_id=lesson.id, quiz=quiz),
        quizzes=_quiz_rows(lesson_quizzes(lesson), lesson.id, lesson.body_sha256),
        show=as_typed,
    )


def results_csv(lesson_id: str) -> Response:
    lesson = editable_lesson(lesson_id)
    return _csv(lesson_quizzes(lesson), lesson.id, lesson.body_sha256, f"{lesson.id}-practice.csv")


@dataclass(frozen=True)
class ChannelExerciseResults:
    """One channel exercise on the teachers' list: its answers, of its current version and of earlier ones."""

    channel_id: str
    channel_title: str
    node: Node
    attempts: int
    correct: int
    earlier: int  # answers to versions of the exercise the channel has since replaced

    @property
    def share(self) -> int:
        return round(100 * self.correct / self.attempts) if self.attempts else 0


def _exercise(channel_id: str, node_id: str) -> tuple[str, Node, ChannelExercise]:
    """(the channel's title, the exercise node, its quiz as now); NotFound when it is not an installed exercise."""
    store = current_app.extensions["object_store"]
    channel = get_channel(store, channel_id)
    node = get_node(load_tree(store, channel), node_id)
    exercise = channel_exercise(store, node)
    if exercise is None:
        raise NotFound()
    return channel.title, node, exercise


def channel_exercises() -> str:
    """Every channel exercise answered on this server, most answered first, with its current version's counts."""
    rows = db.session.execute(
        select(QuizResultDay.lesson_id, QuizResultDay.body_sha256, func.sum(QuizResultDay.attempts),
               func.sum(QuizResultDay.correct))
        .where(QuizResultDay.lesson_id.like("channels/%"))
        .group_by(QuizResultDay.lesson_id, QuizResultDay.body_sha256)
    )  # fmt: skip
    versions: dict[str, list[tuple[str, int, int]]] = {}
    for quiz_id, sha256, attempts, correct in rows:
        versions.setdefault(quiz_id, []).append((sha256, int(attempts), int(correct)))
    listed = []
    for quiz_id, counted in sorted(versions.items(), key=lambda kv: -sum(a for _s, a, _c in kv[1]))[:MAX_LISTED]:
        _prefix, channel_id, node_id = (quiz_id.split("/") + ["", ""])[:3]
        try:
            channel_title, node, exercise = _exercise(channel_id, node_id)
        except NotFound:
            continue  # the channel or the exercise is no longer installed
        now = [(a, c) for sha, a, c in counted if sha == exercise.sha256]
        attempts, correct = now[0] if now else (0, 0)
        earlier = sum(a for sha, a, _c in counted if sha != exercise.sha256)
        listed.append(ChannelExerciseResults(channel_id, channel_title, node, attempts, correct, earlier))
    return render_template("teach/channel_exercises.html", exercises=listed, channels=list_channels(
        current_app.extensions["object_store"]))  # fmt: skip


def _channel_quizzes(exercise: ChannelExercise) -> dict[int, Quiz]:
    return {block.index: block.quiz for block in blocks(placeholders(exercise.markdown)) if block.quiz is not None}


def channel_results(channel_id: str, node_id: str) -> str:
    channel_title, node, exercise = _exercise(channel_id, node_id)
    show: Callable[[str], str] = exercise_pictures(channel_id, node, exercise)
    return render_template(
        "teach/results.html",
        title=node.title,
        subtitle=channel_title,
        back=url_for("teach.channel_exercises"),
        page=url_for("channels.node", channel_id=channel_id, node_id=node_id),
        csv_url=url_for("teach.channel_results_csv", channel_id=channel_id, node_id=node_id),
        worksheet=None,
        quizzes=_quiz_rows(_channel_quizzes(exercise), exercise_quiz_id(channel_id, node_id), exercise.sha256),
        show=show,
    )


def channel_results_csv(channel_id: str, node_id: str) -> Response:
    _title, node, exercise = _exercise(channel_id, node_id)
    quiz_id = exercise_quiz_id(channel_id, node_id)
    return _csv(_channel_quizzes(exercise), quiz_id, exercise.sha256, f"exercise-{node.id}-practice.csv")
