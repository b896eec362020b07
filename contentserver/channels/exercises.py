"""A Kolibri exercise as quiz blocks: the Perseus items a plain form can ask, in the practice issue's grammar.

The `.perseus` zip in the store is converted (kolibri/perseus.py) and written as ```quiz Markdown with the
channel's mastery model; the page then goes through the same forms, signed tokens and answer checks as a lesson's
quiz. The Markdown is made from immutable objects, so its sha256 names this version of the exercise in tokens.
Quiz text is plain, one line each: Perseus's Markdown and TeX delimiters are flattened, and an item that shows a
picture (which a plain-text quiz cannot place) is counted as not available rather than asked without it.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass

from le_utils.constants import exercises

from ..kolibri.errors import ChannelError
from ..kolibri.perseus import Mastery, Question, parse_mastery, read_exercise
from ..library.objects import ObjectStore
from ..lru import LRU
from ..quizzes.parse import MAX_LINE, MAX_MASTERY_N, MAX_QUESTIONS, QuizError, parse_quiz
from .tree import Node

IMAGE_MD_RE = re.compile(r"!\[[^\[\]]*\]\([^()]*\)")
SPACES_RE = re.compile(r"\s+")
MARK_RE = re.compile(r"^(\?|=|\( \)|\(x\)|\[ \]|\[x\]) ")
TEX_RE = re.compile(r"\$([^$]{0,200})\$")


@dataclass(frozen=True)
class ChannelExercise:
    """The quiz blocks' Markdown, its sha256 (the version in question tokens), and how many items were left out."""

    markdown: str
    sha256: str
    questions: int
    left_out: int


_exercises: LRU[tuple[str, str], ChannelExercise] = LRU(256)


def _flat(text: str) -> str:
    """One plain line: TeX delimiters dropped, Markdown emphasis and line breaks flattened."""
    text = TEX_RE.sub(lambda m: m.group(1), text)
    text = text.replace("**", "").replace("\\n", " ")
    return SPACES_RE.sub(" ", text).strip()[: MAX_LINE - 10]


def _mastery_line(mastery: Mastery) -> str:
    if mastery.model == exercises.M_OF_N and mastery.m and mastery.n:
        n = min(mastery.n, MAX_MASTERY_N)
        return f"mastery: m_of_n {min(mastery.m, n)} {n}"
    if mastery.model.startswith("num_correct_in_a_row_") and mastery.n and mastery.n <= MAX_MASTERY_N:
        return f"mastery: {mastery.model}"
    return f"mastery: {exercises.DO_ALL}"


def _question_lines(question: Question) -> list[str] | None:
    """The question in the quiz grammar, or None when it cannot be said in plain text."""
    if question.images or IMAGE_MD_RE.search(question.prompt):
        return None
    prompt = _flat(question.prompt)
    if not prompt:
        return None
    lines = [f"? {prompt}"]
    if question.kind in (exercises.SINGLE_SELECTION, exercises.MULTIPLE_SELECTION):
        single = question.kind == exercises.SINGLE_SELECTION
        for choice in question.choices:
            text = _flat(choice.text)
            if not text:
                return None
            mark = ("(x)" if choice.correct else "( )") if single else ("[x]" if choice.correct else "[ ]")
            lines.append(f"{mark} {text}")
    elif question.kind == exercises.INPUT_QUESTION:
        tolerance = f" +- {question.tolerance:g}" if question.tolerance else ""
        lines.append(f"= {question.answers[0]}{tolerance}")
    else:
        lines += [f"= {_flat(answer)}" for answer in question.answers if _flat(answer)]
    hint = next((_flat(h) for h in question.hints if _flat(h) and not IMAGE_MD_RE.search(h)), "")
    if hint:
        lines.append(f"hint: {hint}")
    return lines


def _block(header: str, questions: list[list[str]]) -> str:
    return "```quiz\n" + header + "\n\n" + "\n\n".join("\n".join(q) for q in questions) + "\n```\n"


def exercise_markdown(mastery_json: str | None, questions: list[Question]) -> tuple[str, int, int]:
    """(the quiz blocks, questions asked, questions left out): at most MAX_QUESTIONS a block, each block with
    the channel's mastery model; a question the quiz parser would refuse is left out, never shown broken."""
    header = _mastery_line(parse_mastery(mastery_json))
    kept: list[list[str]] = []
    left_out = 0
    for question in questions:
        lines = _question_lines(question)
        try:
            if lines is None:
                raise QuizError(0, "empty")
            parse_quiz(header + "\n\n" + "\n".join(lines))
        except QuizError:
            left_out += 1
            continue
        kept.append(lines)
    blocks = [_block(header, kept[i : i + MAX_QUESTIONS]) for i in range(0, len(kept), MAX_QUESTIONS)]
    return "\n".join(blocks), len(kept), left_out


def channel_exercise(store: ObjectStore, node: Node) -> ChannelExercise | None:
    """The exercise's quiz Markdown (kept per exercise file and mastery model), or None without a usable file."""
    main = node.main
    if node.kind != "exercise" or main is None or not store.has(main.sha256):
        return None
    key = (main.sha256, f"{node.mastery_model}|{','.join(node.item_ids)}")
    found = _exercises.get(key)
    if found is None:
        try:
            converted = read_exercise(store.path(main.sha256), node.item_ids, node.mastery_model)
        except ChannelError:
            return None
        markdown, asked, left_out = exercise_markdown(node.mastery_model, converted.questions)
        found = ChannelExercise(markdown, hashlib.sha256(markdown.encode()).hexdigest(), asked, left_out)
        _exercises.put(key, found)
    return found


def placeholders(markdown: str) -> str:
    """The blocks as the lesson renderer leaves them (quizzes/blocks.py finds and fills these)."""
    blocks = re.findall(r"```quiz\n(.*?)```", markdown, re.DOTALL)
    return "".join(f'<pre><code class="language-quiz">{html.escape(b, quote=False)}</code></pre>\n' for b in blocks)


def exercise_text(store: ObjectStore, node: Node) -> str:
    """The questions and choices as plain text, for the search index."""
    found = channel_exercise(store, node)
    if found is None:
        return ""
    lines = [MARK_RE.sub("", line) for line in found.markdown.splitlines()]
    return "\n".join(line for line in lines if line and not line.startswith(("```", "mastery:", "hint:")))
