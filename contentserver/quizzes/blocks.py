"""The quiz blocks of a rendered lesson body: the renderer's <pre><code class="language-quiz"> is the placeholder.

Python-Markdown's fenced_code already turns ```quiz into that element with the block's text escaped inside, and
nh3 keeps it: the render workers need no change, and the view finds the n-th block again in the same cached HTML
that the student saw, so a quiz's index in the page and in an answer always agree.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from .parse import Quiz, QuizError, parse_quiz

BLOCK_RE = re.compile(r'<pre><code class="language-quiz">(.*?)</code></pre>', re.DOTALL)


@dataclass
class Block:
    index: int
    source: str
    quiz: Quiz | None
    error: QuizError | None


def blocks(body_html: str) -> list[Block]:
    """Every quiz block of a rendered body, in page order, parsed or with its error."""
    found = []
    for index, match in enumerate(BLOCK_RE.finditer(body_html)):
        source = html.unescape(match.group(1))
        try:
            found.append(Block(index, source, parse_quiz(source), None))
        except QuizError as exc:
            found.append(Block(index, source, None, exc))
    return found


def replace_blocks(body_html: str, show: Callable[[Block], str]) -> str:
    """The body with each quiz block replaced by show(block) (HTML the caller built and escaped)."""
    parsed = iter(blocks(body_html))
    return BLOCK_RE.sub(lambda _match: show(next(parsed)), body_html)


def quiz_at(body_html: str, index: int) -> Quiz | None:
    """The index-th quiz of a rendered body; None when there is no such block or it does not parse."""
    for number, match in enumerate(BLOCK_RE.finditer(body_html)):
        if number == index:
            try:
                return parse_quiz(html.unescape(match.group(1)))
            except QuizError:
                return None
    return None


def body_line(body: str, source: str, line: int) -> int | None:
    """The line of the lesson's Markdown where line `line` of a block's text is, for the teacher's preview."""
    position = body.find(source.rstrip("\n"))
    return body[:position].count("\n") + line if position >= 0 else None
