"""A server without books never loads libzim (7.6 MiB resident in every worker); the first book opened does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, VENV_BIN
from zims import RAY

CHECK = """
import sys
from contentserver import create_app
app = create_app({"DATA_DIR": sys.argv[1], "STARTER_LIBRARY": "", "TESTING": True})
client = app.test_client()
for path in ("/", "/books/", "/search?q=water", "/api/search?q=water", "/api/suggest?q=wa", "/catalog/books"):
    assert client.get(path).status_code == 200, path
before = "libzim" in sys.modules
for path in sys.argv[2:]:
    assert client.get(path).status_code in (200, 302), path
print(before, "libzim" in sys.modules)
"""


def loaded_libzim(data_dir: Path, *then: str) -> list[str]:
    """Whether libzim was loaded after the listings and searches, and after then opening `then`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    command = [sys.executable, "-c", CHECK, str(data_dir), *then]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_libzim_is_loaded_only_when_a_book_is_there(tmp_path: Path):
    assert loaded_libzim(tmp_path / "empty") == ["False", "False"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    subprocess.run(
        [str(VENV_BIN / "contentserver"), "import", str(RAY), "--data", str(tmp_path / "books")],
        cwd=REPO,
        env={**env, "CONTENTSERVER_STARTER_LIBRARY": ""},
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert loaded_libzim(tmp_path / "books", "/books/wikipedia-en-ray-charles/") == ["False", "True"]
