"""Starts run.py servers for a test process by forking one process that has already imported run.py's modules.

A server's start is almost all Python importing the web app (a second of CPU), and the suite starts a few hundred
servers: here that is paid once per test process. What runs after the fork is run.py's own `main()` with the
test's arguments, environment, working folder and log, in a process of its own, so a test still talks HTTP to a
real waitress and can signal or kill -9 it. Protocol: one JSON line per request on stdin, answered by
{"pid": N}; {"exit": N, "rc": R} lines report each child as it ends (R as Popen's returncode).
"""

from __future__ import annotations

import json
import os
import select
import sys
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run_child(request: dict) -> int:
    """In the forked child: become the requested run.py and return its exit code."""
    import run

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.close(null)
    # Stream objects of its own over the log: nothing the forking process buffered for its pipe is written twice.
    sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.argv = [str(REPO / "run.py"), *request["args"]]
    try:
        return run.main(request["args"])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        return 1


def _fork(request: dict) -> int:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = _run_child(request)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return pid


def _say(message: dict) -> None:
    sys.__stdout__.write(json.dumps(message) + "\n")
    sys.__stdout__.flush()


def _reap() -> None:
    """Report every child that has ended (without waiting for one that has not)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _say({"exit": pid, "rc": os.waitstatus_to_exitcode(status)})


def serve() -> None:
    """Fork a run.py per request until stdin closes (the test process has ended)."""
    sys.path.insert(0, str(REPO))
    import run

    run._tune_malloc()  # before the imports allocate, as run.py's main() does
    import contentserver.web  # the imports a server's start would otherwise pay

    run_modules = (
        "contentserver.books.indexing",
        "contentserver.library.importer",
        "contentserver.mdns",
        "contentserver.search.background",
        "contentserver.serving",
        "contentserver.startup",
        "contentserver.video.worker",
    )
    for name in run_modules:
        __import__(name)
    _say({"ready": os.getpid()})
    pending = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.05)
        _reap()
        if readable:
            chunk = os.read(0, 65536)
            if not chunk:
                return
            *requests, pending = (pending + chunk).split(b"\n")
            for line in requests:
                _say({"pid": _fork(json.loads(line))})


if __name__ == "__main__":
    serve()
