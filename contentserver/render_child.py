"""A render worker's process, started by render_worker.py: it loads markdown_html alone, by its path, so a worker
holds Python-Markdown and nh3 and not the whole app (Flask, SQLAlchemy, Whoosh: ~35 MiB more per worker)."""

from __future__ import annotations

import importlib.util
import os
import resource
import sys
from multiprocessing.connection import Connection
from pathlib import Path


def main() -> None:
    """(text, urls) in on stdin, ("ok", html) or ("refused", reason) out on stdout, until stdin closes."""
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # a memory bomb is a refusal, not the box swapping
    spec = importlib.util.spec_from_file_location("markdown_html", Path(__file__).with_name("markdown_html.py"))
    assert spec is not None and spec.loader is not None
    renderer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(renderer)
    requests, answers = Connection(os.dup(0), writable=False), Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # anything printed goes to the log, never into the answers
    while True:
        try:
            text, urls = requests.recv()
        except (EOFError, OSError):
            return
        try:
            answers.send(("ok", renderer.render_markdown(text, urls)))
        except RecursionError:
            answers.send(("refused", "depth"))
        except MemoryError:
            answers.send(("refused", "time"))


if __name__ == "__main__":
    main()
