"""Perseus items as quiz blocks: the grammar's plain lines, the channel's mastery kept, what cannot be said left
out and counted, long exercises split into blocks the quiz parser accepts."""

from __future__ import annotations

import re

from le_utils.constants import exercises

from contentserver.channels.exercises import exercise_markdown
from contentserver.kolibri.perseus import Choice, Question
from contentserver.quizzes.parse import parse_quiz


def _blocks(markdown: str):
    return [parse_quiz(source) for source in re.findall(r"```quiz\n(.*?)```", markdown, re.DOTALL)]


def _radio(prompt: str, **kw) -> Question:
    choices = (Choice("$4$", True), Choice("**5**", False))
    return Question("i", exercises.SINGLE_SELECTION, prompt, choices=choices, **kw)


def test_choices_numbers_and_text_answers_become_quiz_lines_with_the_mastery_model():
    questions = [
        _radio("What is $2+2$?\n\nThink."),
        Question("n", exercises.INPUT_QUESTION, "3×3?", answers=("9",), tolerance=0.5, hints=("Count.",)),
        Question("t", exercises.FREE_RESPONSE, "Capital?", answers=("Astana", "Астана")),
        Question("m", exercises.MULTIPLE_SELECTION, "Primes?", choices=(Choice("2", True), Choice("4", False),
                                                                          Choice("7", True))),
    ]  # fmt: skip
    markdown, asked, left_out = exercise_markdown('{"type": "m_of_n", "m": 3, "n": 5}', questions)
    (quiz,) = _blocks(markdown)
    assert (asked, left_out) == (4, 0) and (quiz.mastery, quiz.m, quiz.n) == ("m_of_n", 3, 5)
    first, number, text, multiple = quiz.questions
    assert first.prompt == "What is 2+2? Think." and first.choices == [("4", True), ("5", False)]
    assert (number.number, number.tolerance, number.hint) == (9.0, 0.5, "Count.")
    assert text.answers == ["Astana", "Астана"] and [ok for _c, ok in multiple.choices] == [True, False, True]


def test_a_question_whose_picture_is_not_in_the_exercise_is_left_out_and_counted():
    picture = _radio("Which shape? ![](${☣ LOCALPATH}/images/a.png)", images=("images/a.png",))
    markdown, asked, left_out = exercise_markdown(None, [picture, _radio("2+2?")])
    assert (asked, left_out) == (1, 1) and "LOCALPATH" not in markdown
    assert _blocks(markdown)[0].mastery == exercises.DO_ALL  # no model: do_all


def test_a_long_exercise_is_split_into_blocks_and_a_big_mastery_is_capped():
    markdown, asked, _ = exercise_markdown(
        '{"type": "m_of_n", "m": 200, "n": 500}', [_radio(f"Q{i}?") for i in range(120)]
    )
    blocks = _blocks(markdown)
    assert asked == 120 and [len(b.questions) for b in blocks] == [50, 50, 20]
    assert all((b.m, b.n) == (100, 100) for b in blocks)
    row, _asked, _ = exercise_markdown('{"type": "num_correct_in_a_row_5"}', [_radio("Q?")])
    assert _blocks(row)[0].mastery == "num_correct_in_a_row_5"
