"""Markdown rendered in a few worker processes, each render within a time budget: no text can hold the server.

Python-Markdown is quadratic on some inputs and holds the GIL while it works, so a render in the server's own
process stalls every page. Here a render runs in a worker process (render_child.py, started fresh: never a fork
of the threaded server); the thread asking waits without the GIL. The budget is the worker's CPU time, so a
busy box does not refuse a text an idle one renders; a worker still busy after WALL_FACTOR budgets of wall time
is killed and replaced. A text nested deeper than markdown_html.MAX_DEPTH is refused before any worker sees it.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Mapping
from multiprocessing.connection import Connection
from pathlib import Path

from flask_babel import gettext as _

from ..errors import Busy, Unprocessable
from .markdown_html import MAX_DEPTH, nesting_depth

log = logging.getLogger(__name__)
BUDGET_SECONDS = 2.0  # CPU seconds per render; docs/performance.md has what real and pathological bodies take
WALL_FACTOR = 5  # a worker that has not answered after this many budgets of wall time is killed; a render
# waits as long for a free worker, then the server is busy
WORKERS = 2
WORKER_MEMORY_BYTES = 1024**3  # address space of a worker: a memory bomb is a refusal, not the box swapping
CHILD = Path(__file__).with_name("render_child.py")


class RenderRefused(Unprocessable):
    """The text cannot be rendered within the bounds; `reason` is "depth" or "time"; `index` says which of many
    texts it was (render_cache.store_rendered)."""

    def __init__(self, reason: str):
        super().__init__(f"the Markdown cannot be rendered: {self.english(reason)}")
        self.reason = reason
        self.index: int | None = None

    @staticmethod
    def english(reason: str) -> str:
        if reason == "depth":
            return f"lists or quotes nest deeper than {MAX_DEPTH} levels"
        return f"formatting it takes longer than {BUDGET_SECONDS:g} seconds"

    @property
    def message(self) -> str:
        """Translated when shown (a teacher's page), so it is built here and not at raise time."""
        if self.reason == "depth":
            return _(
                "The text nests lists or quotes more than %(levels)s levels deep, so it cannot be shown as a "
                "lesson. Please use fewer levels.",
                levels=MAX_DEPTH,
            )
        return _(
            "The text is too complex to format within %(seconds)s seconds (for example, thousands of unclosed "
            "[ brackets), so it cannot be shown as a lesson. Please simplify it.",
            seconds=f"{BUDGET_SECONDS:g}",
        )


class RenderBusy(Busy):
    """Every worker stayed busy past the wait: the server is overloaded, the text itself may be fine."""


class _Worker:
    """One render_child.py process and the two ends of its pipes."""

    def __init__(self, budget: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(CHILD), str(budget), str(WORKER_MEMORY_BYTES)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.requests = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.answers = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.requests.close()
        self.answers.close()
        self.process.kill()
        self.process.wait(5)


class RenderPool:
    """A bounded set of render workers, started as needed; a worker that overran its budget is replaced."""

    def __init__(self, workers: int = WORKERS, budget: float = BUDGET_SECONDS):
        self.budget = budget
        self._slots: queue.Queue[_Worker | None] = queue.Queue()
        for _slot in range(workers):
            self._slots.put(None)  # None: a slot whose worker is not started yet
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()

    def render(self, text: str, urls: Mapping[str, str] | None = None) -> str:
        """Sanitized HTML of `text`, or RenderRefused; RenderBusy when no worker came free in time."""
        if nesting_depth(text) > MAX_DEPTH:
            raise RenderRefused("depth")
        try:
            worker = self._slots.get(timeout=self.budget * WALL_FACTOR)
        except queue.Empty:
            raise RenderBusy() from None
        try:
            if worker is None or not worker.alive():  # never started, or died while idle
                self._retire(worker)
                worker = self._start()
            worker, outcome, value = self._ask(worker, text, dict(urls or {}))
        except BaseException:
            self._retire(worker)
            self._slots.put(None)
            raise
        if outcome == "ok":
            self._slots.put(worker)
            return value
        if outcome == "refused":
            self._slots.put(worker)
        else:  # overran its budget or died: a fresh worker takes its slot, started when next needed
            self._retire(worker)
            self._slots.put(None)
        raise RenderRefused(value)

    def _ask(self, worker: _Worker, text: str, urls: dict[str, str]) -> tuple[_Worker, str, str]:
        """(the worker that answered, outcome, HTML or reason). A worker found dead without an answer may have
        died before the text reached it (killed while idle), so the text gets one more, fresh worker; a text
        that kills that one too is refused."""
        answer = self._once(worker, text, urls)
        if answer is None:
            self._retire(worker)
            worker = self._start()
            answer = self._once(worker, text, urls) or ("died", "time")
        return worker, *answer

    def _once(self, worker: _Worker, text: str, urls: dict[str, str]) -> tuple[str, str] | None:
        """The worker's answer, ("overran", "time") past the wall-clock cap, or None if it is dead."""
        try:
            worker.requests.send((text, urls))
            if not worker.answers.poll(self.budget * WALL_FACTOR):
                log.warning("a render worker gave no answer within %s s; replaced", self.budget * WALL_FACTOR)
                return "overran", "time"
            return worker.answers.recv()
        except (EOFError, OSError):
            log.warning("a render worker died (exit code %s)", worker.process.poll())
            return None

    def _start(self) -> _Worker:
        worker = _Worker(self.budget)
        with self._lock:
            self._workers.append(worker)
        return worker

    def _retire(self, worker: _Worker | None) -> None:
        if worker is None:
            return
        worker.stop()
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()


_pool: RenderPool | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def pool() -> RenderPool:
    """This process's pool (a forked child makes its own: worker pipes are not shared across processes)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool, _pool_pid = RenderPool(), os.getpid()
            atexit.register(_pool.close)  # workers would end on their own (stdin closes), but not reaped
        return _pool


def render(text: str, urls: Mapping[str, str] | None = None) -> str:
    """Render through this process's pool (see RenderPool.render)."""
    return pool().render(text, urls)
