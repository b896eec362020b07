"""The practice results a school's push carries to its hub: per lesson, quiz and UTC day, counts only (docs/push.md).

Questions and lesson versions are summed: the hub sees how much a quiz was practised, how often right, how often
mastered; never a device, a student, an answer's text or a time finer than a day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ..channels.catalog import exercise_title
from ..db import db
from ..library.objects import ObjectStore
from ..models import Lesson, QuizMasteryDay, QuizResultDay

FORMAT = "contentserver-quiz-results/1"
DAYS = 30  # as the connectivity report: a push after a month offline still brings the whole month
MAX_ROWS = 5000  # (lesson, quiz, day) rows in one push; the newest days first


def build_quiz_results(
    days: int = DAYS, now: datetime | None = None, store: ObjectStore | None = None
) -> dict[str, Any]:
    """{"format", "days": [{"date", "lesson_id", "title", "quiz", "attempts", "correct", "mastered"}]}, oldest first.
    A channel exercise's `lesson_id` is `channels/<channel id>/<node id>`; with the `store` its title is named."""
    since = ((now or datetime.now(UTC)).date() - timedelta(days=days - 1)).isoformat()
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    answered = (
        select(QuizResultDay.day, QuizResultDay.lesson_id, QuizResultDay.quiz)
        .add_columns(func.sum(QuizResultDay.attempts), func.sum(QuizResultDay.correct))
        .where(QuizResultDay.day >= since)
        .group_by(QuizResultDay.day, QuizResultDay.lesson_id, QuizResultDay.quiz)
        .order_by(QuizResultDay.day.desc())
        .limit(MAX_ROWS)
    )
    for day, lesson_id, quiz, attempts, correct in db.session.execute(answered):
        rows[(day, lesson_id, quiz)] = {"attempts": int(attempts), "correct": int(correct), "mastered": 0}
    mastered = (
        select(QuizMasteryDay.day, QuizMasteryDay.lesson_id, QuizMasteryDay.quiz, func.sum(QuizMasteryDay.mastered))
        .where(QuizMasteryDay.day >= since)
        .group_by(QuizMasteryDay.day, QuizMasteryDay.lesson_id, QuizMasteryDay.quiz)
    )
    for day, lesson_id, quiz, count in db.session.execute(mastered):
        if (day, lesson_id, quiz) in rows:
            rows[(day, lesson_id, quiz)]["mastered"] = int(count)
    ids = {lesson_id for _day, lesson_id, _quiz in rows}
    named = db.session.execute(select(Lesson.id, Lesson.title).where(Lesson.id.in_(ids)))
    titles = {key: title for key, title in named}
    if store is not None:
        titles.update({i: exercise_title(store, i) for i in ids if i.startswith("channels/")})
    return {
        "format": FORMAT,
        "days": [
            {"date": day, "lesson_id": lesson_id, "title": titles.get(lesson_id, "")[:200], "quiz": quiz, **counts}
            for (day, lesson_id, quiz), counts in sorted(rows.items())
        ],
    }
