"""Property-based fuzzing of the ```quiz block parser and the answer checks: whatever a teacher (or an imported
library) writes, a Quiz that keeps the grammar's promises or a QuizError naming a line, never a crash, and within a
time budget. Follows test_fuzz_parsers.py: a few examples in `make test`, thousands under `make fuzz`."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contentserver.quizzes.check import is_correct, shown_answer, wrong_key
from contentserver.quizzes.parse import (
    MAX_CHOICES,
    MAX_LINE,
    MAX_QUESTIONS,
    MESSAGES,
    MULTIPLE,
    NUMBER,
    SINGLE,
    TEXT,
    QuizError,
    parse_quiz,
)

pytestmark = pytest.mark.fuzz
BUDGET = settings(deadline=2000, suppress_health_check=[HealthCheck.too_slow])
WORDS = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
# Lines a teacher's block is made of, with any text in them: reaches every rule far more often than random text.
LINE = st.one_of(
    WORDS.map(lambda t: "? " + t),
    st.tuples(st.sampled_from(["( )", "(x)", "[ ]", "[x]", "(X)", "[]", "()", "( x )", "(y)", "[x"]), WORDS).map(
        " ".join
    ),
    WORDS.map(lambda t: "= " + t),
    st.tuples(
        st.integers(-(10**6), 10**6), st.sampled_from(["", " +- 2", " ± 0,5", " +/- 1", "+-", " ± x"]), WORDS
    ).map(lambda p: f"= {p[0]}{p[1]} {p[2]}"),
    st.sampled_from(["hint: ", "explain: ", "mastery: ", "shuffle: ", "HINT:", "// "]).flatmap(
        lambda key: WORDS.map(lambda t: key + t)
    ),
    st.sampled_from(
        [
            "mastery: do_all",
            "mastery: m_of_n 3 5",
            "mastery: m_of_n 5 3",
            "mastery: num_correct_in_a_row_3",
            "mastery: num_correct_in_a_row_0",
            "shuffle: yes",
            "shuffle: no",
            "",
            "   ",
        ]
    ),
    WORDS,
)
BLOCK = st.lists(LINE, max_size=40).map("\n".join)


def _check(source: str) -> None:
    """Parsed: the grammar's promises hold (docs/library-format.md). Refused: a known message at a line of it."""
    try:
        quiz = parse_quiz(source)
    except QuizError as exc:
        assert exc.code in MESSAGES and exc.english
        assert 1 <= exc.line <= max(len(source.splitlines()), 1)
        return
    assert 1 <= len(quiz.questions) <= MAX_QUESTIONS
    for question in quiz.questions:
        assert question.prompt and question.kind in (SINGLE, MULTIPLE, TEXT, NUMBER)
        if question.kind in (SINGLE, MULTIPLE):
            correct = sum(ok for _text, ok in question.choices)
            assert 2 <= len(question.choices) <= MAX_CHOICES and all(text for text, _ok in question.choices)
            assert correct == 1 if question.kind == SINGLE else correct >= 1
        elif question.kind == TEXT:
            assert question.answers and all(question.answers)
        else:
            assert question.number is not None and question.tolerance >= 0
    assert (quiz.m is None) == (quiz.n is None) and (quiz.m is None or 1 <= quiz.m <= quiz.n <= 100)  # type: ignore[operator]


@BUDGET
@given(st.text(max_size=3000))
def test_any_text_parses_or_is_refused_at_a_line(source):
    _check(source)


@BUDGET
@given(BLOCK)
def test_any_block_of_grammar_lines_parses_or_is_refused_at_a_line(source):
    _check(source)


@BUDGET
@given(BLOCK, st.lists(st.text(max_size=600), max_size=30))
def test_any_answer_to_any_parsed_question_is_checked_and_grouped_without_a_crash(source, values):
    try:
        quiz = parse_quiz(source)
    except QuizError:
        return
    for question in quiz.questions:
        right = is_correct(question, values)
        key, shown = wrong_key(question, values)
        assert isinstance(right, bool) and len(key) <= 100 and len(shown) <= 100
        assert shown_answer(question, key, shown) is not None


def test_the_largest_block_parses_within_the_budget():
    """50 questions of 26 choices at the line limit, and a block of 10,000 lines of noise: well under a second."""
    text = "x" * (MAX_LINE - 4)
    largest = "\n".join(
        f"? {text}\n" + "\n".join(f"{'(x)' if c == 0 else '( )'} {text}" for c in range(MAX_CHOICES))
        for _ in range(MAX_QUESTIONS)
    )
    noise = "\n".join(["? q", "= a"] + ["// " + "(" * 1000] * 10_000)
    for source in (largest, noise, "(" * 1_000_000, "? " + "[x] " * 400):
        started = time.perf_counter()
        _check(source)
        assert time.perf_counter() - started < 1.0
