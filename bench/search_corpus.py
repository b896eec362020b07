"""The shared search corpus as a source-form library folder, so benches and tests import it the project's way."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LESSONS = SHARED / "corpus" / "lessons.jsonl"
QUERIES = SHARED / "corpus" / "queries-dev.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_source_library(rows: list[dict], folder: Path, library_id: str = "search-corpus", version: int = 1) -> Path:
    """Write lessons (corpus rows) as a source-form library (docs/library-format.md) into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "library.toml").write_text(
        f'library_id = "{library_id}"\ntitle = "Search corpus"\nversion = {version}\n'
        'created = "2026-11-25T00:00:00Z"\n',
        encoding="utf-8",
    )
    for row in rows:
        lesson = folder / row["id"]
        lesson.mkdir(exist_ok=True)
        tags = ", ".join(_toml_string(t) for t in row.get("tags", []))
        front = (
            f"title = {_toml_string(row['title'])}\nlang = \"{row['lang']}\"\nscript = \"{row['script']}\"\n"
            f"subject = \"{row['subject']}\"\ngrade = {int(row['grade'])}\ntags = [{tags}]\n"
        )
        (lesson / "lesson.md").write_text(f"+++\n{front}+++\n{row['body']}", encoding="utf-8")
        for name, data in row.get("files", {}).items():
            (lesson / name).write_bytes(data)
    return folder
