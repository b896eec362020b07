"""`contentserver import` (and build, check) refuse a library with a malformed quiz block, naming the file, the
lesson and the line, and install nothing; a library whose quizzes are fine installs as before."""

from __future__ import annotations

from pathlib import Path

from conftest import lesson_spec
from test_cli import cli

GOOD = "```quiz\n? Which city is the capital?\n(x) Astana\n( ) Almaty\n```\n"
BROKEN = "# Primes\n\nSome text.\n\n```quiz\n? Which are prime?\n[x] 2\n[ ] 4\n? Name one.\n```\n"


def _source(root: Path, broken: bool = True) -> Path:
    """A source library folder as an author writes it: library.toml and a lesson.md per lesson."""
    root.mkdir()
    (root / "library.toml").write_text(
        'library_id = "quiz-lib"\ntitle = "Quizzes"\nversion = 1\ncreated = "2026-12-01T00:00:00Z"\n', "utf-8"
    )
    for lesson_id, body in (("capitals", GOOD), ("primes", BROKEN if broken else GOOD)):
        (root / lesson_id).mkdir()
        front = [
            "+++",
            f'title = "{lesson_id.title()}"',
            'lang = "en"',
            'script = "Latn"',
            'subject = "math"',
            "grade = 5",
            "+++",
            "",
            "",
        ]
        (root / lesson_id / "lesson.md").write_text("\n".join(front) + body, "utf-8")
    return root


def test_a_source_library_with_a_malformed_quiz_is_refused_by_file_lesson_and_line(cli, tmp_path):
    library = _source(tmp_path / "content")
    lesson_md = library / "primes" / "lesson.md"
    line = lesson_md.read_text("utf-8").splitlines().index("? Name one.") + 1
    assert line == 17  # 7 lines of front matter, a blank line (dropped from the body), then the body's line 9
    result = cli("import", library, "--data", tmp_path / "data")
    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.split())
    assert f"{lesson_md}: lessons[1].body: lesson primes, line {line}: the quiz is malformed:" in message
    assert "The question has no answers: expected '(x)', '[x]' or '=' lines after it." in message
    assert "left as it was" in message

    for verb in ("check", "build"):
        args = ("--out", tmp_path / "built") if verb == "build" else ()
        refused = cli(verb, library, *args)
        assert refused.exit_code == 2 and f"lesson primes, line {line}" in " ".join(refused.stderr.split())
    assert not (tmp_path / "built" / "manifest.json").exists()

    fixed = cli("import", _source(tmp_path / "fixed", broken=False), "--data", tmp_path / "data")
    assert fixed.exit_code == 0 and "installed library quiz-lib version 1: 2 added" in fixed.stdout  # none before


def test_a_built_library_names_the_body_object_and_its_line(cli, make_library, tmp_path):
    library = make_library([lesson_spec("capitals", body=GOOD), lesson_spec("primes", body=BROKEN)])
    result = cli("import", library, "--data", tmp_path / "data")
    message = " ".join(result.stderr.split())
    assert result.exit_code == 2
    assert "objects/" in message and "lessons[1].body: lesson primes, line 9: the quiz is malformed" in message
    good = make_library([lesson_spec("capitals", body=GOOD + "\n" + GOOD)], library_id="other-lib")
    assert cli("import", good, "--data", tmp_path / "data").exit_code == 0  # two good quizzes: fine
