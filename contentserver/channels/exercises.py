"""A Kolibri exercise as quiz blocks: the Perseus items a plain form can ask, in the practice issue's grammar.

The `.perseus` zip in the store is converted (kolibri/perseus.py) and written as ```quiz Markdown with the
channel's mastery model; the page then goes through the same forms, signed tokens and answer checks as a lesson's
quiz. The Markdown is made from immutable objects, so its sha256 names this version of the exercise in tokens.
Quiz text is plain, one line each: Perseus's Markdown and TeX delimiters are flattened. A picture of the exercise
(`${☣ LOCALPATH}/images/…`, a file in its zip) stays in the line as `![alt](images/name)`, and the channel's pages
alone show it as an image read from the zip in the store (`picture_markup`); lessons' quiz text is never read
that way, so their grammar is unchanged. A picture that is not in the zip, not a picture file, or from outside
the box makes the question "not available" rather than asked without it.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from le_utils.constants import exercises
from markupsafe import Markup, escape

from ..imagesize import read_size
from ..kolibri.appzip import read_member
from ..kolibri.errors import ChannelError
from ..kolibri.perseus import ALT_UNSAFE_RE, Mastery, Question, parse_mastery, read_exercise
from ..library.objects import ObjectStore
from ..lru import LRU
from ..quizzes.parse import MAX_LINE, MAX_MASTERY_N, MAX_QUESTIONS, QuizError, parse_quiz
from .tree import Node

# Perseus's picture of a file of the exercise, and the same picture as it stays in a quiz line
PERSEUS_PICTURE_RE = re.compile(
    r"!\[([^\[\]]{0,500})\]\(\s*\$\{\u2623 LOCALPATH\}/(images/[A-Za-z0-9._-]{1,200})(?:\s+\"[^\"]{0,200}\")?\s*\)"
)
PICTURE_RE = re.compile(r"!\[([^\[\]]{0,200})\]\((images/[A-Za-z0-9._-]{1,200})\)")
PICTURE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",  # shown by <img>, where no script runs; served alone under a sandbox policy
}
MAX_PICTURE_BYTES = 4 << 20  # Khan Academy's pictures are a few KiB to a few hundred
Size = tuple[int, int] | None
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
    pictures: dict[str, Size] = field(default_factory=dict)  # `images/…` members shown, with their sizes


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


def picture_name(name: str) -> bool:
    return name.rsplit(".", 1)[-1].lower() in PICTURE_TYPES


def _line_text(text: str, pictures: frozenset[str]) -> str | None:
    """One plain line with its pictures as `![alt](images/name)`; None when a picture cannot be shown (not in the
    exercise's zip, not a picture file, from outside the box, or cut by the line's length)."""

    def short(match: re.Match) -> str:
        alt, name = ALT_UNSAFE_RE.sub(" ", match.group(1))[:200].strip(), match.group(2)
        return f"![{alt}]({name})" if name in pictures and picture_name(name) else "![]()"

    flat = _flat(PERSEUS_PICTURE_RE.sub(short, text))
    if flat.count("![") != len(PICTURE_RE.findall(flat)) or "LOCALPATH" in flat:
        return None
    return flat


def _question_lines(question: Question, pictures: frozenset[str] = frozenset()) -> list[str] | None:
    """The question in the quiz grammar, or None when it cannot be said in plain text and pictures."""
    prompt = _line_text(question.prompt, pictures)
    if not prompt:
        return None
    lines = [f"? {prompt}"]
    if question.kind in (exercises.SINGLE_SELECTION, exercises.MULTIPLE_SELECTION):
        single = question.kind == exercises.SINGLE_SELECTION
        for choice in question.choices:
            text = _line_text(choice.text, pictures)
            if not text:
                return None
            mark = ("(x)" if choice.correct else "( )") if single else ("[x]" if choice.correct else "[ ]")
            lines.append(f"{mark} {text}")
    elif question.kind == exercises.INPUT_QUESTION:
        tolerance = f" +- {question.tolerance:g}" if question.tolerance else ""
        lines.append(f"= {question.answers[0]}{tolerance}")
    else:
        lines += [f"= {_flat(answer)}" for answer in question.answers if _flat(answer) and "![" not in answer]
    hints = (_line_text(h, pictures) for h in question.hints)
    hint = next((h for h in hints if h), "")
    if hint:
        lines.append(f"hint: {hint}")
    return lines


def _block(header: str, questions: list[list[str]]) -> str:
    return "```quiz\n" + header + "\n\n" + "\n\n".join("\n".join(q) for q in questions) + "\n```\n"


def exercise_markdown(
    mastery_json: str | None, questions: list[Question], pictures: frozenset[str] = frozenset()
) -> tuple[str, int, int]:
    """(the quiz blocks, questions asked, questions left out): at most MAX_QUESTIONS a block, each block with
    the channel's mastery model; a question the quiz parser would refuse is left out, never shown broken.
    `pictures`: the exercise zip's picture files (`images/…`) a question may show."""
    header = _mastery_line(parse_mastery(mastery_json))
    kept: list[list[str]] = []
    left_out = 0
    for question in questions:
        lines = _question_lines(question, pictures)
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
        path = store.path(main.sha256)
        try:
            converted = read_exercise(path, node.item_ids, node.mastery_model)
            members = _picture_members(path) if any(q.images for q in converted.questions) else frozenset()
            markdown, asked, left_out = exercise_markdown(node.mastery_model, converted.questions, members)
            shown = dict.fromkeys(name for _alt, name in PICTURE_RE.findall(markdown))
            pictures = {name: _picture_size(path, name) for name in shown}
        except ChannelError:
            return None
        sha256 = hashlib.sha256(markdown.encode()).hexdigest()
        found = ChannelExercise(markdown, sha256, asked, left_out, pictures)
        _exercises.put(key, found)
    return found


def _picture_members(path: Path) -> frozenset[str]:
    """The picture files of a (checked) exercise zip, small enough to serve."""
    try:
        with zipfile.ZipFile(path) as archive:
            return frozenset(
                i.filename for i in archive.infolist()
                if i.filename.startswith("images/") and picture_name(i.filename) and i.file_size <= MAX_PICTURE_BYTES
            )  # fmt: skip
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ChannelError(f"cannot be read ({exc})", "exercise") from None


def _picture_size(path: Path, name: str) -> Size:
    """Width and height from the picture's header (an SVG's are left to the page's style)."""
    if name.lower().endswith(".svg"):
        return None
    return read_size(io.BytesIO(read_member(path, name, MAX_PICTURE_BYTES)[0]))


def read_picture(store: ObjectStore, node: Node, name: str) -> tuple[bytes, str]:
    """A picture the exercise's questions show, read from its zip in the store; NotFound-worthy ChannelError for
    any other member."""
    found = channel_exercise(store, node)
    main = node.main
    if found is None or main is None or name not in found.pictures:
        raise ChannelError("is not a picture of this exercise", name[:200])
    data, _type = read_member(store.path(main.sha256), name, MAX_PICTURE_BYTES)
    return data, PICTURE_TYPES[name.rsplit(".", 1)[-1].lower()]


def picture_markup(url_of: Callable[[str], str], sizes: dict[str, Size]) -> Callable[[str], Markup]:
    """How a channel exercise's quiz text is shown: text escaped, each `![alt](images/name)` of the exercise as a
    lazily loaded image; anything else stays text."""

    def show(text: str) -> Markup:
        out, at = [], 0
        for match in PICTURE_RE.finditer(text):
            name = match.group(2)
            if name not in sizes:
                continue
            size = sizes[name]
            dims = Markup(' width="%d" height="%d"') % size if size else Markup("")
            out += [escape(text[at : match.start()])]
            out += [Markup('<img class="quiz-picture" src="%s" alt="%s"%s loading="lazy" decoding="async">') % (
                url_of(name), match.group(1), dims)]  # fmt: skip
            at = match.end()
        out.append(escape(text[at:]))
        return Markup("").join(out)

    return show


def placeholders(markdown: str) -> str:
    """The blocks as the lesson renderer leaves them (quizzes/blocks.py finds and fills these)."""
    blocks = re.findall(r"```quiz\n(.*?)```", markdown, re.DOTALL)
    return "".join(f'<pre><code class="language-quiz">{html.escape(b, quote=False)}</code></pre>\n' for b in blocks)


def exercise_text(store: ObjectStore, node: Node) -> str:
    """The questions and choices as plain text, for the search index."""
    found = channel_exercise(store, node)
    if found is None:
        return ""
    lines = [MARK_RE.sub("", PICTURE_RE.sub(r"\1", line)) for line in found.markdown.splitlines()]
    return "\n".join(line for line in lines if line and not line.startswith(("```", "mastery:", "hint:")))
