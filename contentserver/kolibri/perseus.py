"""Kolibri exercises (Perseus items) as quiz questions a form can ask without JavaScript, and their mastery model.

Only widgets whose meaning a plain form keeps are converted: radio (single and multiple choice), numeric-input
and input-number (a number, with its tolerance; a non-numeric answer is a short text answer), dropdown (single
choice). Anything else needs Perseus's own JavaScript (graphs, drag-and-drop, expressions, graphie images) and is
listed as "not available on this server" with the reason, never shown broken.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from le_utils.constants import exercises

from .appzip import MemberNotFound, check_zip, read_member
from .errors import ChannelError

MAX_ITEM_BYTES = 256 << 10  # Khan Academy's largest items are a few tens of KiB, images apart
MAX_MASTERY_BYTES = 4096
MAX_WIDGETS = 20
MAX_CHOICES = 26
MAX_TEXT = 20_000
WIDGET_RE = re.compile(r"\[\[\u2603 ([a-z0-9-]+ \d+)\]\]")
IMAGE_RE = re.compile(r"\$\{\u2623 LOCALPATH\}/(images/[A-Za-z0-9._-]{1,200})")
ALT_UNSAFE_RE = re.compile(r"[\[\]()\s]+")
GRAPHIE = "web+graphie:"
ROW_RE = re.compile(r"^num_correct_in_a_row_(\d{1,3})$")
DECORATIVE = {"image"}  # a picture inside the question; shown as it is
NOT_AVAILABLE = "not available on this server"


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool


@dataclass(frozen=True)
class Question:
    """One question in the quiz-block shape: `kind` is le-utils' question type."""

    item_id: str
    kind: str
    prompt: str
    choices: tuple[Choice, ...] = ()
    answers: tuple[str, ...] = ()  # accepted text answers, or the number(s) as written
    tolerance: float = 0.0
    hints: tuple[str, ...] = ()
    images: tuple[str, ...] = ()  # members of the exercise zip the prompt, choices or hints show
    randomize: bool = False


@dataclass(frozen=True)
class Unavailable:
    item_id: str
    reason: str


@dataclass(frozen=True)
class Mastery:
    """Kolibri's mastery model: `m` correct of the last `n` (in a row: m == n; do_all: None, None)."""

    model: str
    m: int | None = None
    n: int | None = None
    note: str = ""


@dataclass
class Exercise:
    mastery: Mastery
    questions: list[Question] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)


def parse_mastery(raw: str | bytes | None) -> Mastery:
    """The channel's mastery model JSON; one that is missing or broken falls back to do_all and says so."""
    if not raw or len(raw) > MAX_MASTERY_BYTES:
        return Mastery(exercises.DO_ALL, note="the channel gave no usable mastery model")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return Mastery(exercises.DO_ALL, note="the channel's mastery model is not JSON")
    model = value.get("type") if isinstance(value, dict) else None
    if model == exercises.M_OF_N:
        m, n = value.get("m"), value.get("n")
        if type(m) is int and type(n) is int and 1 <= m <= n <= 1000:
            return Mastery(exercises.M_OF_N, m, n)
        return Mastery(exercises.DO_ALL, note="the channel's m_of_n lacks a valid m and n")
    if isinstance(model, str) and (row := ROW_RE.match(model)) and 1 <= int(row.group(1)) <= 100:
        return Mastery(model, int(row.group(1)), int(row.group(1)))
    if isinstance(model, str) and model in {choice for choice, _label in exercises.MASTERY_MODELS}:
        return Mastery(model)
    return Mastery(exercises.DO_ALL, note=f"unknown mastery model {str(model)[:40]!r}")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("a text field is not text")
    if len(value) > MAX_TEXT:
        raise ValueError("a text field is too long")
    return value.strip()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _radio(options: dict) -> tuple[str, tuple[Choice, ...]]:
    raw = options.get("choices")
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_CHOICES:
        raise ValueError("a choice question needs 2 to 26 choices")
    choices = tuple(Choice(_text(c.get("content", "")), c.get("correct") is True) for c in raw if isinstance(c, dict))
    correct = sum(c.correct for c in choices)
    if len(choices) != len(raw) or correct == 0:
        raise ValueError("a choice question without a correct choice")
    if options.get("noneOfTheAbove"):
        raise ValueError("'none of the above' is drawn by Perseus's script")
    multiple = options.get("multipleSelect") is True or correct > 1
    return (exercises.MULTIPLE_SELECTION if multiple else exercises.SINGLE_SELECTION), choices


def _dropdown(options: dict) -> tuple[str, tuple[Choice, ...]]:
    kind, choices = _radio(options)
    if kind != exercises.SINGLE_SELECTION:
        raise ValueError("a dropdown with several correct choices")
    return kind, choices


def _numeric(options: dict) -> tuple[str, tuple[str, ...], float]:
    """numeric-input: its correct answers; non-numeric values make it a short text answer."""
    raw = options.get("answers")
    if not isinstance(raw, list) or not raw:
        raise ValueError("an answer box without answers")
    right = [a for a in raw if isinstance(a, dict) and a.get("status", "correct") == "correct"]
    if not right:
        raise ValueError("an answer box without a correct answer")
    values = [a.get("value") for a in right]
    tolerance = max((_number(a.get("maxError")) or 0.0) for a in right)
    if all(_number(v) is not None for v in values):
        return exercises.INPUT_QUESTION, tuple(str(v).strip() for v in values), abs(tolerance)
    return exercises.FREE_RESPONSE, tuple(_text(v) for v in values if isinstance(v, str) and v.strip()), 0.0


def _input_number(options: dict) -> tuple[str, tuple[str, ...], float]:
    value = _number(options.get("value"))
    if value is None or options.get("answerType", "number") not in ("number", "integer", "decimal"):
        raise ValueError("input-number that is not a plain number (fractions and pi need Perseus)")
    tolerance = abs(_number(options.get("maxError")) or 0.0) if options.get("inexact") else 0.0
    return exercises.INPUT_QUESTION, (str(options.get("value")).strip(),), tolerance


def _images(*texts: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for t in texts for m in IMAGE_RE.findall(t)))


def convert_item(item_id: str, raw: bytes | str) -> Question:
    """One Perseus item JSON as a question; a ChannelError says why it cannot be asked without Perseus."""
    where = f"exercise item {item_id[:100]}"
    if len(raw) > MAX_ITEM_BYTES:
        raise ChannelError(f"is {len(raw)} bytes; at most {MAX_ITEM_BYTES} are read", where)
    try:
        item = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ChannelError(f"is not valid JSON ({str(exc)[:100]})", where) from None
    try:
        return _convert(item_id, item)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ChannelError(f"{NOT_AVAILABLE}: {exc}", where) from None


def _convert(item_id: str, item: Any) -> Question:
    question = item.get("question") if isinstance(item, dict) else None
    if not isinstance(question, dict):
        raise ValueError("no question")
    content = _text(question.get("content", ""))
    widgets = question.get("widgets") or {}
    if not isinstance(widgets, dict) or len(widgets) > MAX_WIDGETS:
        raise ValueError("too many widgets")
    placed = WIDGET_RE.findall(content)
    answering = [w for w in placed if str((widgets.get(w) or {}).get("type")) not in DECORATIVE]
    pictures = {w: _image_widget(widgets.get(w) or {}) for w in placed if w not in answering}
    for name in placed:
        kind = str((widgets.get(name) or {}).get("type") or name.rsplit(" ", 1)[0])
        if kind not in DECORATIVE | {"radio", "dropdown", "numeric-input", "input-number"}:
            raise ValueError(f"the {kind[:40]} widget needs Perseus's script")
    if len(answering) != 1:
        raise ValueError("a question must have exactly one answer box" if answering else "a question without answer")
    if GRAPHIE in content:
        raise ValueError("graphie images are drawn by Perseus's script")
    widget = widgets[answering[0]]
    options, kind = widget.get("options") or {}, widget.get("type")
    prompt = WIDGET_RE.sub(lambda m: pictures.get(m.group(1), ""), content).strip()
    hints = tuple(_text(h.get("content", "")) for h in (item.get("hints") or []) if isinstance(h, dict))
    hints = tuple(h for h in hints if GRAPHIE not in h and not WIDGET_RE.search(h))  # drawn by Perseus: left out
    if kind in ("radio", "dropdown"):
        qkind, choices = _radio(options) if kind == "radio" else _dropdown(options)
        images = _images(prompt, *hints, *(c.text for c in choices))
        shuffle = options.get("randomize") is True
        return Question(item_id, qkind, prompt, choices=choices, hints=hints, images=images, randomize=shuffle)
    qkind, answers, tolerance = _numeric(options) if kind == "numeric-input" else _input_number(options)
    if not answers:
        raise ValueError("an answer box without a usable answer")
    images = _images(prompt, *hints)
    return Question(item_id, qkind, prompt, answers=answers, tolerance=tolerance, hints=hints, images=images)


def _image_widget(widget: dict) -> str:
    """Perseus's image widget as the Markdown picture it shows (a file of the exercise); one Perseus draws (a
    graphie) or that loads from outside the exercise cannot be shown."""
    options = widget.get("options") or {}
    background = options.get("backgroundImage") if isinstance(options, dict) else None
    url = background.get("url") if isinstance(background, dict) else None
    if not isinstance(url, str) or GRAPHIE in url or not IMAGE_RE.fullmatch(url):
        raise ValueError("an image widget without a picture file of the exercise")
    alt = options.get("alt")
    alt = ALT_UNSAFE_RE.sub(" ", alt)[:200].strip() if isinstance(alt, str) else ""
    return f"![{alt}]({url})"


def read_exercise(path: Path, item_ids: tuple[str, ...], mastery_json: str | None) -> Exercise:
    """The `.perseus` zip of an exercise (checked as any zip from a drive): each item converted or listed as not
    available, with the reason."""
    check_zip(path)
    exercise = Exercise(parse_mastery(mastery_json))
    for item_id in item_ids:
        try:
            raw, _type = read_member(path, f"{item_id}.json", max_bytes=MAX_ITEM_BYTES + 1)
            exercise.questions.append(convert_item(item_id, raw))
        except MemberNotFound:
            exercise.unavailable.append(Unavailable(item_id, "the question is not in the exercise file"))
        except ChannelError as exc:
            exercise.unavailable.append(Unavailable(item_id, exc.reason))
    return exercise
