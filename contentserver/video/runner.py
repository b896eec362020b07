"""ffmpeg and ffprobe as children that cannot hurt the server: lowest CPU and disk priority, a memory cap, a
time cap, and death with the server (so a killed server leaves no ffmpeg writing into staging)."""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

PR_SET_PDEATHSIG = 1
MEMORY_CAP = 1536 * 1024**2  # address space: a 4K decode with x264 at 360p stays far below; a bomb does not
IOPRIO_IDLE = ["ionice", "-c", "3"] if shutil.which("ionice") else []  # disk reads only when no one else reads
# loaded here, in the parent: a dlopen in a forked child of a threaded server could wait for a lock forever
_LIBC = ctypes.CDLL(None)


class Timeout(Exception):
    """The child ran past its time cap and was killed."""


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: bytes
    stderr: str  # the tail: ffmpeg's last words say why it failed


def _child_setup() -> None:
    """In the child, before exec: die with the server, the lowest CPU priority (SCHED_IDLE where allowed, else
    nice 19), and a memory cap, so a transcode takes only what browsing leaves (docs/performance.md)."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.nice(19)
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (OSError, AttributeError):
        pass
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run(
    command: list[str],
    seconds: float,
    on_line: Callable[[str], None] | None = None,
    processes: list[subprocess.Popen] | None = None,
) -> Finished:
    """Run a tool of Debian's ffmpeg package under the caps; `on_line` sees each stdout line as it comes
    (ffmpeg's -progress). Raises Timeout after `seconds`. `processes`, if given, holds the child while it runs
    (so a test or a shutdown can kill it)."""
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(  # a fixed tool, arguments as a list, no shell
            IOPRIO_IDLE + command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            preexec_fn=_child_setup,  # as the book indexer's: only syscalls run in it
        )
        if processes is not None:
            processes.append(child)
        timer = threading.Timer(seconds, child.kill)
        timer.start()
        started = time.monotonic()
        try:
            assert child.stdout is not None
            out = bytearray()
            for raw in child.stdout:
                if on_line is not None:
                    on_line(raw.decode("utf-8", "replace").strip())
                elif len(out) < 1024**2:
                    out += raw
            child.wait()
        finally:
            timer.cancel()
            if child.poll() is None:
                child.kill()
                child.wait()
            if child.stdout is not None:
                child.stdout.close()
            if processes is not None:
                processes.remove(child)
        if child.returncode == -signal.SIGKILL and time.monotonic() - started >= seconds:
            raise Timeout(f"{command[0]} ran longer than {seconds:.0f} s")
        errors.seek(max(0, os.fstat(errors.fileno()).st_size - 4096))
        return Finished(child.returncode, bytes(out), errors.read().decode("utf-8", "replace"))
