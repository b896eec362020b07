"""A library to be imported (or built) with a malformed quiz block is refused, naming the file, lesson and line.

A lesson page only hides a broken quiz from students (the teacher's preview shows why); a library from outside has
no preview, so its author learns of the broken block here, before anything is installed. The blocks are found by
the renderer itself (the page's own placeholders, blocks.py), but only bodies that mention a quiz are rendered.
"""

from __future__ import annotations

from ..library.bundle import LibraryBundle
from ..library.format import ManifestError
from ..library.render_worker import RenderBusy, RenderRefused, render
from ..library.source import LESSON_FILE
from .blocks import blocks, body_line

MARKERS = ("```quiz", "~~~quiz", "``` quiz", "~~~ quiz")


def check_quizzes(bundle: LibraryBundle) -> None:
    """Raise ManifestError at the first malformed quiz block: the lesson's file (lesson.md of a source folder, the
    body object of a built one), its id, the line in that file and what was expected."""
    for index, lesson in enumerate(bundle.manifest.lessons):
        with bundle.open_object(lesson.body.sha256) as stream:
            body = stream.read().decode("utf-8", "replace")
        if not any(marker in body for marker in MARKERS):
            continue
        try:
            body_html = render(body, {})
        except (RenderRefused, RenderBusy):
            continue  # the importer refuses a body that cannot render, with its own reason
        for block in blocks(body_html):
            if block.error is None:
                continue
            file, offset = _file_of(bundle, lesson.id, lesson.body.sha256, body)
            line = body_line(body, block.source, block.error.line)
            where = f"line {line + offset}" if line is not None else f"quiz {block.index + 1}, line {block.error.line}"
            raise ManifestError(
                f"lesson {lesson.id}, {where}: the quiz is malformed: {block.error.english}",
                file=file,
                field=f"lessons[{index}].body",
            )


def _file_of(bundle: LibraryBundle, lesson_id: str, sha256: str, body: str) -> tuple[str, int]:
    """The file a body came from and the lines before the body in it (a lesson.md's front matter)."""
    source = bundle.root / lesson_id / LESSON_FILE
    if sha256 in bundle.sources and source.is_file():
        text = source.read_text("utf-8", "replace")
        position = text.find(body[:200])
        return str(source), text[:position].count("\n") if position >= 0 else 0
    return bundle.describe(sha256), 0
