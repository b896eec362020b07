"""On a hub: the practice results schools push (quizzes/report.py's format), stored per school, lesson, quiz and day.

A push carries the school's last 30 days whole, so each day it names replaces what the hub held for that school and
day: pushing twice never counts twice. Everything is checked before anything is stored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from ..db import db
from ..models import School, SchoolQuizDay
from ..quizzes.report import FORMAT, MAX_ROWS
from .schools import SchoolError

MAX_COUNT = 10**9


def _row(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ValueError("a day is not an object")
    day = date.fromisoformat(item["date"]).isoformat()
    lesson_id, title, quiz = item["lesson_id"], item.get("title", ""), item["quiz"]
    if not isinstance(lesson_id, str) or not 0 < len(lesson_id) <= 200 or not isinstance(title, str):
        raise ValueError("lesson_id and title must be text")
    counts = {name: item[name] for name in ("attempts", "correct", "mastered")}
    numbers = [quiz, *counts.values()]
    if any(type(n) is not int or not 0 <= n <= MAX_COUNT for n in numbers) or counts["correct"] > counts["attempts"]:
        raise ValueError("quiz, attempts, correct and mastered must be counts, correct at most attempts")
    return {"day": day, "lesson_id": lesson_id, "title": title[:200], "quiz": quiz, **counts}


def store_quiz_results(school: School, payload: Any) -> int:
    """Check a push's quiz results and add them to the session (the caller commits); returns the rows stored.
    Refuses with a SchoolError before adding any."""
    try:
        if payload["format"] != FORMAT:
            raise ValueError(f"format {str(payload['format'])[:60]}")
        items = payload["days"]
        if not isinstance(items, list) or len(items) > MAX_ROWS:
            raise ValueError(f"days must be a list of at most {MAX_ROWS}")
        rows = [_row(item) for item in items]
    except (ValueError, KeyError, TypeError) as exc:
        raise SchoolError(f"the quiz results are not {FORMAT} ({exc.__class__.__name__}: {exc})") from None
    if len({(r["day"], r["lesson_id"], r["quiz"]) for r in rows}) != len(rows):
        raise SchoolError("the quiz results name one lesson's quiz twice on one day")
    days = {row["day"] for row in rows}
    if days:
        db.session.execute(
            delete(SchoolQuizDay).where(SchoolQuizDay.school_id == school.id, SchoolQuizDay.day.in_(days))
        )
    db.session.add_all(SchoolQuizDay(school_id=school.id, **row) for row in rows)
    return len(rows)


@dataclass(frozen=True)
class QuizDay:
    day: str
    lesson_id: str
    title: str
    quiz: int
    attempts: int
    correct: int
    mastered: int

    @property
    def share(self) -> int:
        return round(100 * self.correct / self.attempts) if self.attempts else 0


def by_school(days: int = 30, now: datetime | None = None) -> list[tuple[str, list[QuizDay]]]:
    """(school name, its quiz days, newest first) for the last `days` days, schools by name."""
    since = ((now or datetime.now(UTC)).date() - timedelta(days=days - 1)).isoformat()
    rows = db.session.execute(
        select(School.name, SchoolQuizDay)
        .join(School, School.id == SchoolQuizDay.school_id)
        .where(SchoolQuizDay.day >= since)
        .order_by(School.name, SchoolQuizDay.day.desc(), SchoolQuizDay.lesson_id, SchoolQuizDay.quiz)
    )
    found: dict[str, list[QuizDay]] = {}
    for name, row in rows:
        found.setdefault(name, []).append(
            QuizDay(row.day, row.lesson_id, row.title, row.quiz, row.attempts, row.correct, row.mastered)
        )
    return list(found.items())


def csv_text(schools: list[tuple[str, list[QuizDay]]]) -> str:
    """The page's rows as a spreadsheet file; school names and lesson titles came from schools, so a cell that would
    start a formula is made text."""
    from ..quizzes.results import spreadsheet_cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["school", "day", "lesson_id", "title", "quiz", "attempts", "correct", "mastered"])
    for name, days in schools:
        for d in days:
            texts = [spreadsheet_cell(t) for t in (name, d.day, d.lesson_id, d.title)]
            writer.writerow([*texts, d.quiz + 1, d.attempts, d.correct, d.mastered])
    return out.getvalue()
