"""The test side of run_py_forks.py: run.py servers forked from one process per test process, handled as Popen."""

from __future__ import annotations

import atexit
import functools
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent


class RunPyForks:
    """One run_py_forks.py process: asks it for servers and hears when they end."""

    def __init__(self, environ: dict[str, str]):
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "run_py_forks.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environ
        )
        self.pids: queue.Queue[int] = queue.Queue()
        self.codes: dict[int, int] = {}
        self.ended = threading.Condition()
        self.asking = threading.Lock()
        threading.Thread(target=self._listen, name="run-py-forks", daemon=True).start()
        assert self.pids.get(timeout=120) == self.proc.pid, "run_py_forks.py did not start"

    def _listen(self) -> None:
        for line in self.proc.stdout:
            message = json.loads(line)
            if "exit" in message:
                with self.ended:
                    self.codes[message["exit"]] = message["rc"]
                    self.ended.notify_all()
            else:
                self.pids.put(message.get("pid", message.get("ready")))

    def spawn(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> ForkedRunPy:
        request = {"args": args, "env": env, "cwd": str(cwd), "log": str(log)}
        with self.asking:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
            return ForkedRunPy(self, self.pids.get(timeout=30), ["run.py", *args])

    def wait_for(self, pid: int, timeout: float | None) -> int | None:
        with self.ended:
            self.ended.wait_for(lambda: pid in self.codes, timeout)
            return self.codes.get(pid)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class ForkedRunPy:
    """A forked run.py as the tests use a Popen: pid, returncode, poll, wait and signals."""

    def __init__(self, forks: RunPyForks, pid: int, args: list[str]):
        self.forks, self.pid, self.args = forks, pid, args

    @property
    def returncode(self) -> int | None:
        return self.forks.codes.get(self.pid)

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        code = self.forks.wait_for(self.pid, timeout)
        if code is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return code

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


@functools.cache
def run_py_forks() -> RunPyForks:
    """The test process's forking server (started at its first use, stopped at its exit)."""
    forks = RunPyForks({k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")})
    atexit.register(forks.close)
    return forks
