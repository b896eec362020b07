"""`sync run`: the sync job as a long-lived service - pulls (then pushes) on a schedule, backs off after failures,
one at a time."""

from __future__ import annotations

import fcntl
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from flask import Flask

from contentserver.sync_schedule import record_next_attempt

from .errors import EXIT_LINK, EXIT_OK, EXIT_REFUSED, Busy
from .runner import pull_all, push_all

LOCK_NAME = "sync-service.lock"


@contextmanager
def service_lock(data_dir: Path) -> Iterator[IO[str]]:
    """Hold the service lock of a data folder for as long as the service lives; Busy if another holds it."""
    path = data_dir / "staging" / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise Busy(
                f"a sync service is already running on this data folder (pid {holder}); this one exits"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield handle
    finally:
        handle.close()


def next_wait(code: int, failures: int, interval: float, retry: float) -> float:
    """Seconds until the next pull: the interval after a success (or a refusal, which retrying soon would not
    change); after the n-th failure in a row `retry` * 2**(n-1), but never longer than the interval."""
    if code in (EXIT_OK, EXIT_REFUSED) or failures == 0:
        return interval
    return min(retry * 2 ** (failures - 1), interval)


def run_service(app: Flask, stop: threading.Event, announce: Callable[[str], None] = lambda line: None) -> int:
    """Pull, and after a successful pull push, every SYNC_INTERVAL_SECONDS until `stop` is set (SIGTERM or SIGINT
    set it when run from the CLI); a failed pull (or a push the link stopped) is retried after SYNC_RETRY_SECONDS,
    doubling. Returns 0, or EXIT_BUSY if another runs."""
    interval, retry = app.config["SYNC_INTERVAL_SECONDS"], app.config["SYNC_RETRY_SECONDS"]
    try:
        with service_lock(Path(app.config["DATA_DIR"])):
            announce(f"sync service started (pid {os.getpid()}): a pull every {interval:g} s")
            failures = 0
            while not stop.is_set():
                code = outcome = pull_all(app, quiet=True)
                pushed = ""
                if code == EXIT_OK:  # a push the link stopped is retried soon; other refusals wait
                    push_code = push_all(app, quiet=True, keyless_ok=True)
                    outcome = EXIT_LINK if push_code == EXIT_LINK else EXIT_OK
                    pushed = f", push with exit code {push_code}"
                failures = 0 if outcome == EXIT_OK else failures + 1
                wait = next_wait(outcome, failures, interval, retry)
                announce(f"pull finished with exit code {code}{pushed}; next in {wait:g} s")
                record_next_attempt(datetime.now(UTC) + timedelta(seconds=wait))
                stop.wait(wait)
            announce("sync service stopped")
            return EXIT_OK
    except Busy as exc:
        announce(str(exc))
        return exc.exit_code


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM (systemd stop) and SIGINT set: the service ends after the current pull."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop
