"""Practice results for the teacher: answers counted per question and day, never per student or device."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.sqlite import insert

from ..db import db
from ..models import QuizResultDay


def count_answer(lesson_id: str, body_sha256: str, quiz: int, question: int, right: bool) -> None:
    """One upsert in its own short transaction: 40 answers at once wait on SQLite's busy timeout, never fail."""
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    statement = insert(QuizResultDay).values(
        lesson_id=lesson_id,
        body_sha256=body_sha256,
        quiz=quiz,
        question=question,
        day=day,
        attempts=1,
        correct=int(right),
    )
    statement = statement.on_conflict_do_update(
        index_elements=["lesson_id", "body_sha256", "quiz", "question", "day"],
        set_={"attempts": QuizResultDay.attempts + 1, "correct": QuizResultDay.correct + int(right)},
    )
    db.session.execute(statement)
    db.session.commit()


@dataclass(frozen=True)
class Totals:
    attempts: int
    correct: int

    @property
    def share(self) -> int:
        """Percent right, rounded."""
        return round(100 * self.correct / self.attempts) if self.attempts else 0


def totals(lesson_id: str, body_sha256: str) -> dict[tuple[int, int], Totals]:
    """(quiz, question) -> attempts and right answers, all days, for one version of the lesson."""
    rows = db.session.execute(
        select(
            QuizResultDay.quiz,
            QuizResultDay.question,
            func.sum(QuizResultDay.attempts),
            func.sum(QuizResultDay.correct),
        )
        .where(QuizResultDay.lesson_id == lesson_id, QuizResultDay.body_sha256 == body_sha256)
        .group_by(QuizResultDay.quiz, QuizResultDay.question)
    )
    return {(quiz, question): Totals(int(attempts), int(correct)) for quiz, question, attempts, correct in rows}


def by_day(lesson_id: str, body_sha256: str) -> list[tuple[str, int, int, int, int]]:
    """(day, quiz, question, attempts, right) rows for one version of the lesson, oldest day first."""
    rows = db.session.execute(
        select(
            QuizResultDay.day, QuizResultDay.quiz, QuizResultDay.question, QuizResultDay.attempts, QuizResultDay.correct
        )
        .where(QuizResultDay.lesson_id == lesson_id, QuizResultDay.body_sha256 == body_sha256)
        .order_by(QuizResultDay.day, QuizResultDay.quiz, QuizResultDay.question)
    )
    return [(day, quiz, question, attempts, correct) for day, quiz, question, attempts, correct in rows]


def csv_text(rows: list[tuple[str, int, int, int, int]]) -> str:
    """The rows as CSV with a header; quiz and question numbered from 1, as the results page shows them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", "quiz", "question", "attempts", "correct"])
    for day, quiz, question, attempts, correct in rows:
        writer.writerow([day, quiz + 1, question + 1, attempts, correct])
    return out.getvalue()
