"""A render worker's process, started by render_worker.py: it loads markdown_html alone, by its path, so a worker
holds Python-Markdown and nh3 and not the whole app (Flask, SQLAlchemy, Whoosh: ~35 MiB more per worker)."""

from __future__ import annotations

import importlib.util
import os
import resource
import signal
import sys
from multiprocessing.connection import Connection
from pathlib import Path


class _OverBudget(BaseException):
    """Raised by the CPU-time alarm inside a render (a BaseException: no `except Exception` in a library eats it)."""


def _over_budget(_signum: int, _frame: object) -> None:
    raise _OverBudget


def main() -> None:
    """(text, urls) in on stdin, ("ok", html) or ("refused", reason) out on stdout, until stdin closes."""
    budget, limit = float(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # a memory bomb is a refusal, not the box swapping
    signal.signal(signal.SIGPROF, _over_budget)  # ITIMER_PROF counts this process's CPU time, not the wall's
    spec = importlib.util.spec_from_file_location("markdown_html", Path(__file__).with_name("markdown_html.py"))
    assert spec is not None and spec.loader is not None
    renderer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(renderer)
    renderer.render_markdown("", {})  # Markdown and nh3 imported before any budget runs
    requests, answers = Connection(os.dup(0), writable=False), Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # anything printed goes to the log, never into the answers
    while True:
        try:
            text, urls = requests.recv()
        except (EOFError, OSError):
            return
        try:
            signal.setitimer(signal.ITIMER_PROF, budget)
            try:
                answer = ("ok", renderer.render_markdown(text, urls))
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
        except _OverBudget:
            answer = ("refused", "time")
        except RecursionError:
            answer = ("refused", "depth")
        except MemoryError:
            answer = ("refused", "time")
        answers.send(answer)


if __name__ == "__main__":
    main()
