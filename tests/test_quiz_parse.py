"""The ```quiz grammar: every construct parsed, every error with its line and what was expected, answer checks."""

from __future__ import annotations

import pytest

from contentserver.quizzes.check import MAX_ANSWER_CHARS, is_correct, read_number, text_key
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

EXAMPLE = """\
mastery: m_of_n 3 5
shuffle: yes

? Which city is the capital of Kazakhstan?
(x) Astana
( ) Almaty
hint: It is on the Ishim.
explain: Since 1997.

? Which numbers are prime?
[x] 2
[ ] 4
[X] 7

? Name the capital.
= Astana
= Nur-Sultan

? How long is a running track?
= 400 +- 5 m
"""


def test_the_example_parses_into_every_kind():
    quiz = parse_quiz(EXAMPLE)
    assert (quiz.mastery, quiz.m, quiz.n, quiz.shuffle) == ("m_of_n", 3, 5, True)
    single, multiple, text, number = quiz.questions
    assert (single.kind, single.prompt, single.line) == (SINGLE, "Which city is the capital of Kazakhstan?", 4)
    assert single.choices == [("Astana", True), ("Almaty", False)]
    assert (single.hint, single.explain) == ("It is on the Ishim.", "Since 1997.")
    assert multiple.kind == MULTIPLE and multiple.choices == [("2", True), ("4", False), ("7", True)]
    assert text.kind == TEXT and text.answers == ["Astana", "Nur-Sultan"]
    assert (number.kind, number.number, number.tolerance, number.unit) == (NUMBER, 400.0, 5.0, "m")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", ("do_all", None, None, False)),
        ("mastery: do_all", ("do_all", None, None, False)),
        ("mastery: num_correct_in_a_row_3", ("num_correct_in_a_row_3", 3, 3, False)),
        ("mastery: num_correct_in_a_row_10\nshuffle: no", ("num_correct_in_a_row_10", 10, 10, False)),
        ("Shuffle: YES", ("do_all", None, None, True)),
        ("mastery: m_of_n 1 1", ("m_of_n", 1, 1, False)),
    ],
)
def test_mastery_and_shuffle_headers(header, expected):
    quiz = parse_quiz(header + "\n? Q\n= a\n")
    assert (quiz.mastery, quiz.m, quiz.n, quiz.shuffle) == expected


@pytest.mark.parametrize(
    ("answer", "number", "tolerance", "unit"),
    [
        ("= 12", 12.0, 0.0, ""),
        ("= -3,5", -3.5, 0.0, ""),
        ("= 9.8 ± 0.1 m/s2", 9.8, 0.1, "m/s2"),
        ("= 9.8 +/- 0,2", 9.8, 0.2, ""),
        ("= 100 км", 100.0, 0.0, "км"),
    ],
)
def test_number_answers(answer, number, tolerance, unit):
    question = parse_quiz(f"? Q\n{answer}\n").questions[0]
    assert (question.kind, question.number, question.tolerance, question.unit) == (NUMBER, number, tolerance, unit)


@pytest.mark.parametrize("answer", ["= 1st", "= 400m", "= Abai", "= 12 345 apples?x", "= e"])
def test_text_that_does_not_read_as_a_number_is_text(answer):
    question = parse_quiz(f"? Q\n{answer}\n").questions[0]
    if answer == "= 12 345 apples?x":
        assert question.kind == NUMBER  # "12" and a unit: documented, an answer starting with a number is one
    else:
        assert question.kind == TEXT


def test_comments_blank_lines_and_spaces_are_ignored():
    quiz = parse_quiz("// a note for teachers\n\n   ? Q  \n\n  (x)   yes  \n( ) no\n")
    assert quiz.questions[0].choices == [("yes", True), ("no", False)]


ERRORS = [
    ("", 1, "empty"),
    ("   \n// only a comment\n", 1, "empty"),
    ("? Q\n= " + "a" * MAX_LINE, 2, "line_long"),
    ("(x) a", 1, "before_question"),
    ("hint: h\n? Q\n= a", 1, "before_question"),
    ("? Q\n= a\nmastery: do_all", 3, "header_late"),
    ("mastery: m_of_n 5 3\n? Q\n= a", 1, "mastery"),
    ("mastery: m_of_n 3\n? Q\n= a", 1, "mastery"),
    ("mastery: num_correct_in_a_row_0\n? Q\n= a", 1, "mastery"),
    ("mastery: everything\n? Q\n= a", 1, "mastery"),
    ("mastery: m_of_n 1 101\n? Q\n= a", 1, "mastery"),
    ("shuffle: maybe\n? Q\n= a", 1, "shuffle"),
    ("?   \n= a", 1, "prompt_empty"),
    ("? Q\nAstana", 2, "unknown"),
    ("? Q\n(y) a", 2, "unknown"),
    ("? Q\n(x] a", 2, "unknown"),
    ("? Q\n(x) a\n[ ] b", 3, "mixed"),
    ("? Q\n(x) a\n= b", 3, "mixed"),
    ("? Q\n= b\n(x) a", 3, "mixed"),
    ("? Q\n(x)\n( ) b", 2, "choice_empty"),
    ("? Q\n=   ", 2, "answer_empty"),
    ("? Q\n= 12\n= twelve", 3, "number_text"),
    ("? Q\n= 12\n= 13", 3, "number_once"),
    ("? Q\nhint: a\nhint: b\n= c", 3, "twice"),
    ("? Q\nexplain: a\n= c\nexplain: b", 4, "twice"),
    ("? Q\n" + "\n".join(f"( ) c{i}" for i in range(MAX_CHOICES + 1)), MAX_CHOICES + 2, "too_many_choices"),
    ("? Q\n" + "\n".join(f"= a{i}" for i in range(21)), 22, "too_many_choices"),
    ("".join(f"? Q{i}\n= a\n" for i in range(MAX_QUESTIONS + 1)), 2 * MAX_QUESTIONS + 1, "too_many_questions"),
    ("? Q\nhint: h", 1, "no_answer"),
    ("? Q1\n\n? Q2\n= a", 1, "no_answer"),
    ("? Q\n(x) a", 1, "few_choices"),
    ("? Q\n( ) a\n( ) b", 1, "single_correct"),
    ("? Q\n(x) a\n(x) b", 1, "single_correct"),
    ("? Q\n[ ] a\n[ ] b", 1, "multiple_correct"),
]


@pytest.mark.parametrize(("source", "line", "code"), ERRORS)
def test_errors_name_the_line_and_what_was_expected(source, line, code):
    with pytest.raises(QuizError) as caught:
        parse_quiz(source)
    assert (caught.value.line, caught.value.code) == (line, code)
    assert str(caught.value).startswith(f"line {line}: ")
    assert "%(" not in caught.value.english


def test_every_error_message_has_a_table_test():
    assert {code for _source, _line, code in ERRORS} == set(MESSAGES)


def test_error_messages_are_translated(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("ru"):
        with pytest.raises(QuizError) as caught:
            parse_quiz("? Q\n(x) a\n(x) b")
        assert caught.value.message != caught.value.english
        assert "2" in caught.value.message


@pytest.mark.parametrize("typed", ["Astana", "Астана", "астана", "  ASTANA ", "astana.", "Nur Sultan", "Нұр-Сұлтан"])
def test_short_text_ignores_case_spaces_and_kazakh_script(typed):
    question = parse_quiz("? Capital?\n= Astana\n= Nur-Sultan").questions[0]
    assert is_correct(question, [typed])


@pytest.mark.parametrize("typed", ["", "   ", "Almaty", "Astan", "Astana Almaty"])
def test_short_text_wrong_answers(typed):
    question = parse_quiz("? Capital?\n= Astana").questions[0]
    assert not is_correct(question, [typed])


def test_kazakh_letters_typed_on_a_plain_keyboard_match():
    question = parse_quiz("? Country?\n= Қазақстан").questions[0]
    assert all(is_correct(question, [typed]) for typed in ("Qazaqstan", "казакстан", "Kazakstan"))


@pytest.mark.parametrize(
    ("typed", "right"),
    [("400", True), ("404,5", True), ("395 m", True), ("406", False), ("-400", False), ("four", False), ("", False)],
)
def test_numbers_with_tolerance_and_unit(typed, right):
    question = parse_quiz("? Track?\n= 400 +- 5 m").questions[0]
    assert is_correct(question, [typed]) is right


def test_numbers_without_tolerance_are_exact_and_nan_is_no_number():
    question = parse_quiz("? Half?\n= 0.5").questions[0]
    assert is_correct(question, ["0,5"]) and not is_correct(question, ["0.51"])
    assert read_number("nan", "") is None and read_number("inf", "") is None


@pytest.mark.parametrize(
    ("values", "right"), [(["0"], True), (["1"], False), (["0", "1"], False), ([], False), (["9"], False)]
)
def test_single_choice_by_index(values, right):
    question = parse_quiz("? Q\n(x) a\n( ) b").questions[0]
    assert is_correct(question, values) is right


@pytest.mark.parametrize(
    ("values", "right"), [(["0", "2"], True), (["2", "0"], True), (["0"], False), (["0", "1", "2"], False)]
)
def test_multiple_choice_needs_exactly_the_right_set(values, right):
    question = parse_quiz("? Q\n[x] a\n[ ] b\n[x] c").questions[0]
    assert is_correct(question, values) is right


def test_huge_answers_are_cut_before_comparing():
    question = parse_quiz("? Q\n= a").questions[0]
    assert not is_correct(question, ["a" * 10_000_000])
    assert len(text_key("a " * MAX_ANSWER_CHARS * 4)) < MAX_ANSWER_CHARS * 2
