"""A device's practice progress, kept in its own cookie: which quizzes, recent results, mastery — nothing personal.

The dict is small and plain so a signed cookie can carry it (browsers keep about 4 KB a cookie): the oldest
quizzes are dropped first when it would not fit.
"""

from __future__ import annotations

from typing import Any

from .parse import Quiz

MAX_QUIZZES = 20
RECENT = 10  # results kept for do_all (m_of_n keeps its n)
MAX_COOKIE_BYTES = 3800


def quiz_key(lesson_id: str, quiz: int) -> str:
    return f"{lesson_id}/{quiz}"


def mastered(quiz: Quiz, entry: dict[str, Any]) -> bool:
    """Kolibri's models: do_all, every question right once; m_of_n and num_correct_in_a_row_N, m right of the
    last n answers (in a row is m == n)."""
    if quiz.m is None or quiz.n is None:
        return set(entry["c"]) >= set(range(len(quiz.questions)))
    return entry["r"][-quiz.n :].count("1") >= quiz.m


def record(
    progress: dict[str, Any],
    lesson_id: str,
    title: str,
    index: int,
    quiz: Quiz,
    question: int,
    right: bool,
    minute: int,
) -> tuple[dict[str, Any], bool]:
    """(the entry after this answer, whether it was recorded): a question already answered within this minute is
    checked but not recorded, so many submissions from one device count once per question, even alternating
    between two ("w": the minute and the questions recorded in it; "l", the last one, is what older cookies had)."""
    key = quiz_key(lesson_id, index)
    entry = progress.pop(key, None) or {"t": title[:80], "r": "", "c": [], "n": 0, "m": False, "l": None}
    progress[key] = entry  # most recent last: the oldest are dropped first
    seen = entry.get("w")
    seen = seen if isinstance(seen, list) and seen[:1] == [minute] else [minute]
    if entry["l"] == [question, minute] or question in seen[1:]:
        return entry, False
    entry["l"] = [question, minute]
    entry["w"] = [*seen, question]
    entry["n"] += 1
    entry["r"] = (entry["r"] + ("1" if right else "0"))[-(quiz.n or RECENT) :]
    if right and question not in entry["c"]:
        entry["c"] = sorted([*entry["c"], question])
    entry["m"] = bool(entry["m"] or mastered(quiz, entry))
    entry["q"] = len(quiz.questions)
    entry["need"] = [quiz.m, quiz.n]
    while len(progress) > MAX_QUIZZES:
        progress.pop(next(iter(progress)))
    return entry, True


def valid(progress: Any) -> dict[str, Any]:
    """A progress dict as the cookie gave it, or an empty one when it is not one of ours (old or hand-made)."""
    if not isinstance(progress, dict):
        return {}
    keep = {}
    for key, entry in progress.items():
        if isinstance(key, str) and isinstance(entry, dict) and {"t", "r", "c", "n", "m", "l"} <= entry.keys():
            keep[key] = entry
    return keep
