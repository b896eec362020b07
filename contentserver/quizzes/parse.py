"""The ```quiz block of a lesson body as questions: a grammar a teacher learns from one example.

    mastery: m_of_n 3 5          (or do_all, or num_correct_in_a_row_3; optional, default do_all)
    shuffle: yes                 (optional: choices shown in a fixed mixed order)

    ? Which city is the capital?
    (x) Astana
    ( ) Almaty
    hint: It is on the Ishim.
    explain: Since 1997.

`( )`/`(x)` single choice, `[ ]`/`[x]` multiple choice, `= text` accepted text answers (several lines),
`= 9.8 +- 0.1 m/s2` a number with tolerance and unit. Kinds and mastery names are le-utils' (as kolibri/perseus.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext
from le_utils.constants import exercises

SINGLE = exercises.SINGLE_SELECTION
MULTIPLE = exercises.MULTIPLE_SELECTION
NUMBER = exercises.INPUT_QUESTION
TEXT = exercises.FREE_RESPONSE
DO_ALL = exercises.DO_ALL
M_OF_N = exercises.M_OF_N
ROW_PREFIX = "num_correct_in_a_row_"

MAX_QUESTIONS = 50
MAX_CHOICES = 26
MAX_ANSWERS = 20
MAX_LINE = 2000
MAX_MASTERY_N = 100

CHOICE_RE = re.compile(r"^([(\[])\s*([xX]?)\s*([)\]])\s*(.*)$")
# A number, an optional tolerance, an optional unit after a space: "9.8 +- 0.1 m/s2", "400 ± 5 m", "12".
NUMBER_RE = re.compile(r"^([-+]?\d+(?:[.,]\d+)?)(?:\s*(?:\+-|±|\+/-)\s*(\d+(?:[.,]\d+)?))?(?:\s+(.*))?$")
KEY_RE = re.compile(r"^(mastery|shuffle|hint|explain)\s*:\s*(.*)$", re.IGNORECASE)


def N_(text: str) -> str:
    """Marks a message for the catalog; it is translated when shown (QuizError.message)."""
    return text


MESSAGES = {
    "empty": N_("The quiz is empty: expected a question, a line starting with '?'."),
    "line_long": N_("The line is longer than %(limit)s characters."),
    "before_question": N_("Expected a question (a line starting with '?') or 'mastery:' / 'shuffle:' before it."),
    "header_late": N_("'%(key)s:' belongs at the top of the quiz, before the first question."),
    "mastery": N_(
        "Unknown mastery '%(value)s': expected do_all, m_of_n M N (1 ≤ M ≤ N ≤ 100) or num_correct_in_a_row_N."
    ),
    "shuffle": N_("Expected 'shuffle: yes' or 'shuffle: no', not '%(value)s'."),
    "prompt_empty": N_("The question after '?' is empty."),
    "unknown": N_("Expected a choice '( )' / '(x)', a checkbox '[ ]' / '[x]', an answer '= …', 'hint:' or 'explain:'."),
    "mixed": N_("This question mixes kinds of answer: use only '( )', only '[ ]' or only '=' lines in one question."),
    "choice_empty": N_("The choice has no text."),
    "answer_empty": N_("The answer after '=' is empty."),
    "number_text": N_("A number answer cannot be mixed with text answers in one question."),
    "number_once": N_("A number question has one '=' line; write a tolerance as '= 9.8 +- 0.1'."),
    "twice": N_("This question already has '%(key)s:'."),
    "too_many_choices": N_("A question may have at most %(limit)s choices or answers."),
    "too_many_questions": N_("A quiz may have at most %(limit)s questions."),
    "no_answer": N_("The question has no answers: expected '(x)', '[x]' or '=' lines after it."),
    "few_choices": N_("A choice question needs at least 2 choices."),
    "single_correct": N_("A '( )' question needs exactly one '(x)' (found %(count)s); use '[ ]' for several."),
    "multiple_correct": N_("A '[ ]' question needs at least one '[x]'."),
}


class QuizError(ValueError):
    """A malformed quiz block: `line` (1-based, within the block) and what was expected."""

    def __init__(self, line: int, code: str, **params: object) -> None:
        self.line, self.code, self.params = line, code, params
        super().__init__(f"line {line}: {self.english}")

    @property
    def english(self) -> str:
        return MESSAGES[self.code] % self.params if self.params else MESSAGES[self.code]

    @property
    def message(self) -> str:
        """Translated when shown (the teacher's preview)."""
        return gettext(MESSAGES[self.code], **self.params)


@dataclass
class Question:
    kind: str
    prompt: str
    line: int
    choices: list[tuple[str, bool]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # accepted text answers
    number: float | None = None
    tolerance: float = 0.0
    unit: str = ""
    hint: str = ""
    explain: str = ""


@dataclass
class Quiz:
    questions: list[Question]
    mastery: str = DO_ALL
    m: int | None = None  # m correct of the last n (in a row: m == n); None for do_all
    n: int | None = None
    shuffle: bool = False


def to_float(text: str) -> float:
    return float(text.replace(",", "."))


def parse_mastery(value: str, line: int) -> tuple[str, int | None, int | None]:
    words = value.split()
    if words == [DO_ALL]:
        return DO_ALL, None, None
    if len(words) == 3 and words[0] == M_OF_N and words[1].isdigit() and words[2].isdigit():
        m, n = int(words[1]), int(words[2])
        if 1 <= m <= n <= MAX_MASTERY_N:
            return M_OF_N, m, n
    if len(words) == 1 and words[0].startswith(ROW_PREFIX) and words[0][len(ROW_PREFIX) :].isdigit():
        n = int(words[0][len(ROW_PREFIX) :])
        if 1 <= n <= MAX_MASTERY_N:
            return words[0], n, n
    raise QuizError(line, "mastery", value=value[:60])


def _add_choice(question: Question, line: int, kind: str, correct: bool, text: str) -> None:
    if question.kind not in ("", kind):
        raise QuizError(line, "mixed")
    if not text:
        raise QuizError(line, "choice_empty")
    if len(question.choices) >= MAX_CHOICES:
        raise QuizError(line, "too_many_choices", limit=MAX_CHOICES)
    question.kind = kind
    question.choices.append((text, correct))


def _add_answer(question: Question, line: int, text: str) -> None:
    if not text:
        raise QuizError(line, "answer_empty")
    if question.kind in (SINGLE, MULTIPLE):
        raise QuizError(line, "mixed")
    number = NUMBER_RE.match(text)
    if question.kind == NUMBER:
        raise QuizError(line, "number_once" if number else "number_text")
    if question.kind == "" and number:
        question.kind = NUMBER
        question.number = to_float(number.group(1))
        question.tolerance = to_float(number.group(2)) if number.group(2) else 0.0
        question.unit = (number.group(3) or "").strip()
        return
    if len(question.answers) >= MAX_ANSWERS:
        raise QuizError(line, "too_many_choices", limit=MAX_ANSWERS)
    question.kind = TEXT
    question.answers.append(text)


def _finish(question: Question) -> None:
    if question.kind == "":
        raise QuizError(question.line, "no_answer")
    if question.kind in (SINGLE, MULTIPLE) and len(question.choices) < 2:
        raise QuizError(question.line, "few_choices")
    correct = sum(ok for _text, ok in question.choices)
    if question.kind == SINGLE and correct != 1:
        raise QuizError(question.line, "single_correct", count=correct)
    if question.kind == MULTIPLE and correct == 0:
        raise QuizError(question.line, "multiple_correct")


def parse_quiz(source: str) -> Quiz:
    """The quiz a block's text describes; QuizError at the first line that is not what was expected."""
    quiz = Quiz([])
    question: Question | None = None
    for number, raw in enumerate(source.splitlines(), start=1):
        if len(raw) > MAX_LINE:
            raise QuizError(number, "line_long", limit=MAX_LINE)
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        if line.startswith("?"):
            if question is not None:
                _finish(question)
            if len(quiz.questions) >= MAX_QUESTIONS:
                raise QuizError(number, "too_many_questions", limit=MAX_QUESTIONS)
            prompt = line[1:].strip()
            if not prompt:
                raise QuizError(number, "prompt_empty")
            question = Question("", prompt, number)
            quiz.questions.append(question)
            continue
        key = KEY_RE.match(line)
        if key and key.group(1).lower() in ("mastery", "shuffle"):
            name, value = key.group(1).lower(), key.group(2).strip()
            if question is not None:
                raise QuizError(number, "header_late", key=name)
            if name == "mastery":
                quiz.mastery, quiz.m, quiz.n = parse_mastery(value, number)
            elif value.lower() in ("yes", "no"):
                quiz.shuffle = value.lower() == "yes"
            else:
                raise QuizError(number, "shuffle", value=value[:60])
            continue
        if question is None:
            raise QuizError(number, "before_question")
        choice = CHOICE_RE.match(line)
        if key:
            name, value = key.group(1).lower(), key.group(2).strip()
            if getattr(question, name):
                raise QuizError(number, "twice", key=name)
            setattr(question, name, value)
        elif choice and choice.group(1) + choice.group(3) in ("()", "[]"):
            kind = SINGLE if choice.group(1) == "(" else MULTIPLE
            _add_choice(question, number, kind, bool(choice.group(2)), choice.group(4).strip())
        elif line.startswith("="):
            _add_answer(question, number, line[1:].strip())
        else:
            raise QuizError(number, "unknown")
    if question is None:
        raise QuizError(1, "empty")
    _finish(question)
    return quiz
