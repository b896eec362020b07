"""Practice results for the teacher: answers counted per question and day, never per student or device.

Besides attempts and right answers: the wrong answers by their folded key (the most common ones are what a teacher
explains again) and how often a device reached mastery; all kept per lesson version and day.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from ..db import db
from ..models import QuizMasteryDay, QuizResultDay, QuizWrongAnswerDay

MAX_WRONG_KEYS = 30  # distinct wrong answers kept per question and day; the rest are counted together as ""
TOP_WRONG = 5  # the most common wrong answers shown and exported per question
# One writer at a time within the process: waiting threads are woken the moment the lock is free, where SQLite's
# busy handler makes them sleep in steps of up to 100 ms (a class answering together otherwise waits on its sleeps).
_WRITING = threading.Lock()
# Every answer runs these as plain SQL on a pooled connection taken for the write alone (docs/performance.md,
# "Practice answers"): building the statements with SQLAlchemy cost more than running them, and a request's own
# session kept its connection until the page was sent, so a class answering together opened a new one per thread.
_RESULTS, _WRONG, _MASTERY = QuizResultDay.__tablename__, QuizWrongAnswerDay.__tablename__, QuizMasteryDay.__tablename__
COUNT_ANSWER = f"""INSERT INTO {_RESULTS}
(lesson_id, body_sha256, quiz, question, day, attempts, correct)
VALUES (?, ?, ?, ?, ?, 1, ?)
ON CONFLICT (lesson_id, body_sha256, quiz, question, day)
DO UPDATE SET attempts = attempts + 1, correct = correct + excluded.correct"""
_QUESTION_DAY = "lesson_id = ? AND body_sha256 = ? AND quiz = ? AND question = ? AND day = ?"
WRONG_KNOWN = f"SELECT 1 FROM {_WRONG} WHERE {_QUESTION_DAY} AND key = ?"
WRONG_KEYS = f"SELECT COUNT(*) FROM {_WRONG} WHERE {_QUESTION_DAY}"
COUNT_WRONG = f"""INSERT INTO {_WRONG}
(lesson_id, body_sha256, quiz, question, day, key, shown, count)
VALUES (?, ?, ?, ?, ?, ?, ?, 1)
ON CONFLICT (lesson_id, body_sha256, quiz, question, day, key)
DO UPDATE SET count = count + 1"""
COUNT_MASTERY = f"""INSERT INTO {_MASTERY}
(lesson_id, body_sha256, quiz, day, mastered)
VALUES (?, ?, ?, ?, 1)
ON CONFLICT (lesson_id, body_sha256, quiz, day)
DO UPDATE SET mastered = mastered + 1"""


def count_answer(
    lesson_id: str,
    body_sha256: str,
    quiz: int,
    question: int,
    right: bool,
    wrong: tuple[str, str] | None = None,
    mastered: bool = False,
) -> None:
    """One short transaction per answer, committed before the answer page is sent (so an answer a student saw
    counted survives a crash), one writer at a time (another process's writer is waited for by SQLite's busy
    timeout): 40 answers at once wait their turn, never fail. The first statement writes, so the transaction
    holds the write lock before it reads (a read first could not upgrade).

    `wrong` is (key, shown) of a wrong answer (check.py `wrong_key`); `mastered`: this answer reached mastery."""
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    place = (lesson_id, body_sha256, quiz, question, day)
    with _WRITING:
        connection = db.engine.raw_connection()  # back to the pool at once: at most one out for all the writers
        try:
            cursor = connection.cursor()
            cursor.execute(COUNT_ANSWER, (*place, int(right)))
            if wrong is not None and wrong[0]:
                _count_wrong(cursor, place, *wrong)
            if mastered:
                cursor.execute(COUNT_MASTERY, (lesson_id, body_sha256, quiz, day))
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()


def _count_wrong(cursor: Any, place: tuple[str, str, int, int, str], key: str, shown: str) -> None:
    """Count one wrong answer under its key; a question's keys per day are capped, so typing junk cannot grow
    the table without bound (the overflow is counted under "")."""
    known = cursor.execute(WRONG_KNOWN, (*place, key)).fetchone() is not None
    if not known and cursor.execute(WRONG_KEYS, place).fetchone()[0] >= MAX_WRONG_KEYS:
        key, shown = "", ""
    cursor.execute(COUNT_WRONG, (*place, key, shown))


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


def _version(model: Any, lesson_id: str, body_sha256: str) -> tuple:
    return (model.lesson_id == lesson_id, model.body_sha256 == body_sha256)


def wrong_answers(lesson_id: str, body_sha256: str, day: str | None = None) -> dict[tuple[int, int], list[Wrong]]:
    """(quiz, question) -> its most common wrong answers (at most TOP_WRONG, the capped rest last), all days or one."""
    where = _version(QuizWrongAnswerDay, lesson_id, body_sha256)
    if day is not None:
        where += (QuizWrongAnswerDay.day == day,)
    rows = db.session.execute(
        select(
            QuizWrongAnswerDay.quiz,
            QuizWrongAnswerDay.question,
            QuizWrongAnswerDay.key,
            func.min(QuizWrongAnswerDay.shown),
            func.sum(QuizWrongAnswerDay.count).label("times"),
        )
        .where(*where)
        .group_by(QuizWrongAnswerDay.quiz, QuizWrongAnswerDay.question, QuizWrongAnswerDay.key)
        .order_by(func.sum(QuizWrongAnswerDay.count).desc(), QuizWrongAnswerDay.key)
    )
    found: dict[tuple[int, int], list[Wrong]] = {}
    for quiz, question, key, shown, times in rows:
        found.setdefault((quiz, question), []).append(Wrong(key, shown, int(times)))
    for place, wrongs in found.items():
        named = [w for w in wrongs if w.key][:TOP_WRONG]
        found[place] = named + [w for w in wrongs if not w.key]
    return found


def mastery(lesson_id: str, body_sha256: str) -> dict[int, int]:
    """quiz -> how many times a device reached its mastery, all days."""
    rows = db.session.execute(
        select(QuizMasteryDay.quiz, func.sum(QuizMasteryDay.mastered))
        .where(*_version(QuizMasteryDay, lesson_id, body_sha256))
        .group_by(QuizMasteryDay.quiz)
    )
    return {quiz: int(count) for quiz, count in rows}


@dataclass(frozen=True)
class Wrong:
    key: str  # "" for the answers counted together past MAX_WRONG_KEYS
    shown: str
    count: int


@dataclass(frozen=True)
class DayRow:
    """One line of the CSV: a question's counts that day, or (question None) a quiz's mastery that day."""

    day: str
    quiz: int
    question: int | None
    attempts: int | None = None
    correct: int | None = None
    mastered: int | None = None
    wrong: tuple[Wrong, ...] = ()


def by_day(lesson_id: str, body_sha256: str) -> list[DayRow]:
    """Per day, oldest first: each quiz's mastery row, then its questions' rows with their common wrong answers."""
    rows: list[DayRow] = [
        DayRow(day, quiz, None, mastered=mastered)
        for day, quiz, mastered in db.session.execute(
            select(QuizMasteryDay.day, QuizMasteryDay.quiz, QuizMasteryDay.mastered).where(
                *_version(QuizMasteryDay, lesson_id, body_sha256)
            )
        )
    ]
    days: dict[str, dict[tuple[int, int], list[Wrong]]] = {}
    for day, quiz, question, attempts, correct in db.session.execute(
        select(
            QuizResultDay.day, QuizResultDay.quiz, QuizResultDay.question, QuizResultDay.attempts, QuizResultDay.correct
        ).where(*_version(QuizResultDay, lesson_id, body_sha256))
    ):
        if day not in days:
            days[day] = wrong_answers(lesson_id, body_sha256, day)
        wrong = tuple(days[day].get((quiz, question), ()))
        rows.append(DayRow(day, quiz, question, attempts, correct, wrong=wrong))
    return sorted(rows, key=lambda r: (r.day, r.quiz, -1 if r.question is None else r.question))


def spreadsheet_cell(text: str) -> str:
    """A student's text as a spreadsheet cell that is never a formula (=, +, -, @ start one in Excel and Calc)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(rows: list[DayRow], describe: Callable[[int, int, Wrong], str]) -> str:
    """The rows as CSV with a header; quiz and question numbered from 1, as the results page shows them; a quiz's
    mastery row has no question. `describe` gives a wrong answer's text (choices by their text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", "quiz", "question", "attempts", "correct", "mastered", "common_wrong_answers"])
    for row in rows:
        question = "" if row.question is None else row.question + 1
        wrong = ""
        if row.question is not None:
            wrong = "; ".join(f"{describe(row.quiz, row.question, w)} ({w.count})" for w in row.wrong)
        counts = ["" if value is None else value for value in (row.attempts, row.correct, row.mastered)]
        writer.writerow([row.day, row.quiz + 1, question, *counts, spreadsheet_cell(wrong)])
    return out.getvalue()
