"""After an upgrade of the index format: the server answers at once and rebuilds in the background; CLI verbs never
rebuild; a new data folder's starter lessons are searchable from the first start."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import CONTENT, VENV_BIN, import_into, lesson_spec
from whoosh.filedb.filestore import FileStorage

from contentserver.search.indexer import WRITE_LOCK
from contentserver.search.schema import INDEX_FORMAT

EN = {"Accept-Language": "en"}
WAIT_SECONDS = 180  # a failure bound only: nothing asserts how long the rebuild takes
AXOLOTL = lesson_spec(
    "axolotl-en",
    title="The axolotl",
    subject="science",
    grade=6,
    body="# The axolotl\n\nThe axolotl regrows its legs.\n",
)


def live_generation(data_dir: Path) -> Path:
    return data_dir / "index" / (data_dir / "index" / "CURRENT").read_text().strip()


def outdated_data_folder(make_app, data_dir: Path) -> Path:
    """content/ imported, then its live index generation marked as written in format 1."""
    app = make_app()
    import_into(app, CONTENT)
    app.extensions["indexer"].close()
    generation = live_generation(data_dir)
    (generation / "FORMAT").write_text("1")
    return generation


def snapshot(folder: Path) -> list[tuple[str, int, int]]:
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir())


@contextmanager
def write_locked(generation: Path) -> Iterator[None]:
    """Hold a generation's Whoosh write lock as another process writing the index would."""
    lock = FileStorage(str(generation)).lock(WRITE_LOCK)
    assert lock.acquire()
    try:
        yield
    finally:
        lock.release()


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "contentserver"), *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def wait_for_search(server, query: str) -> tuple[int, bytes]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        status, _headers, body = server.get(f"/search?q={query}", EN)
        if status != 503 or time.monotonic() > deadline:
            return status, body
        time.sleep(0.2)


def test_a_new_data_folders_starter_lessons_are_searchable_at_first_start(live_server):
    status, _headers, body = live_server.get("/search?q=Botai", EN)
    assert status == 200
    assert b"/lessons/hist-botai-horses-en" in body
    assert "rebuilding the search index" not in live_server.output()


def test_cli_verbs_on_an_outdated_index_return_without_rebuilding(make_app, make_library, data_dir):
    generation = outdated_data_folder(make_app, data_dir)
    folders, files = sorted((data_dir / "index").iterdir()), snapshot(generation)
    added = cli("user", "add", "--password-stdin", "aigerim", "--data", str(data_dir), stdin="a long enough password\n")
    assert added.returncode == 0, added.stderr
    imported = cli("import", str(make_library([AXOLOTL], library_id="second")), "--data", str(data_dir))
    assert imported.returncode == 0, imported.stderr
    assert live_generation(data_dir) == generation
    assert (generation / "FORMAT").read_text() == "1"
    assert snapshot(generation) == files  # nothing written into the old format
    assert [p for p in sorted((data_dir / "index").iterdir()) if p.is_dir()] == [p for p in folders if p.is_dir()]


def test_the_server_answers_at_once_while_it_rebuilds_an_outdated_index(make_app, make_library, data_dir, start_server):
    generation = outdated_data_folder(make_app, data_dir)
    imported = cli("import", str(make_library([AXOLOTL], library_id="second")), "--data", str(data_dir))
    assert imported.returncode == 0, imported.stderr
    with write_locked(generation):  # the rebuild cannot finish before the lock is released
        server = start_server(data_dir=data_dir, starter="")
        status, _headers, body = server.get("/", EN)
        assert status == 200
        status, _headers, body = server.get("/lessons/hist-botai-horses-en", EN)
        assert status == 200 and b"Botai" in body
        status, headers, body = server.get("/search?q=Botai", EN)
        assert status == 503
        assert headers["Retry-After"] == "120"
        assert b"The search index is being rebuilt" in body and b"try again in a few minutes" in body
        status, headers, body = server.get("/api/search?q=Botai", EN)
        assert status == 503 and headers["Content-Type"].startswith("application/json")
        assert json.loads(body)["error"]["status"] == 503
        status, _headers, body = server.get("/search?q=Botai", {"Accept-Language": "ru"})
        assert status == 503 and "Поисковый индекс".encode() in body
        status, _headers, body = server.get("/api/suggest?q=Bota", EN)
        assert status == 200 and b"hist-botai-horses-en" in body  # titles need no index
        assert live_generation(data_dir) == generation  # the old pointer stays until the new one is complete
    status, body = wait_for_search(server, "Botai")
    assert status == 200 and b"/lessons/hist-botai-horses-en" in body
    status, body = wait_for_search(server, "axolotl")  # imported by the CLI while the index was outdated
    assert status == 200 and b"/lessons/axolotl-en" in body
    assert (live_generation(data_dir) / "FORMAT").read_text() == str(INDEX_FORMAT)
    assert "rebuilding the search index in the background" in server.output()
