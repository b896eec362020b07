"""Servers under test as real processes on 127.0.0.1: start on a free port, time the first page, read RSS, stop."""

from __future__ import annotations

import compileall
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
WAITRESS_THREADS = 24  # run.py's default; the hello app gets the same


def free_port() -> int:
    """A port nothing listens on now (bound to port 0, then released)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def fetch(
    base_url: str, path: str, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    """One plain GET: status, headers (lowercase names) and body."""
    host, port = base_url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def get(base_url: str, path: str, timeout: float = 10) -> tuple[int, bytes]:
    """One plain GET: status and body."""
    status, _headers, body = fetch(base_url, path, timeout=timeout)
    return status, body


def _descendants(pid: int) -> list[int]:
    """A process and all its children (nginx and others fork workers), from /proc."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return found


def status_kib(pid: int, fields: tuple[str, ...] = ("VmRSS",)) -> dict[str, int]:
    """Memory figures of one process from /proc/<pid>/status, in KiB (VmRSS, RssAnon, RssFile…)."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {line.split(":")[0]: int(line.split()[1]) for line in lines if line.split(":")[0] in fields}


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children, in KiB."""
    total = 0
    for member in _descendants(pid):
        try:
            total += status_kib(member).get("VmRSS", 0)
        except OSError:
            continue
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far: unlike wall time, hardly moved by a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A running server process; `cold_start_s` is process start to the first 200 of its ready path."""

    name: str
    process: subprocess.Popen
    base_url: str
    cold_start_s: float
    log: Path
    first_response_s: float = 0.0  # the part of cold_start_s spent answering that first request
    cold_start_cpu_s: float = 0.0  # CPU time the server used until that first 200
    extra: dict = field(default_factory=dict)

    def rss_mib(self) -> float:
        return rss_kib(self.process.pid) / 1024

    def cpu_s(self) -> float:
        """CPU seconds the server and its children (nginx's workers) have used so far."""
        total = 0.0
        for member in _descendants(self.process.pid):
            try:
                total += cpu_seconds(member)
            except OSError:
                continue
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def serving(
    name: str, command: Sequence[str], port: int, ready_path: str = "/", timeout: float = 120, env: dict | None = None
) -> Iterator[Server]:
    """Start `command` (which listens on 127.0.0.1:`port`), wait for a 200 on `ready_path`, stop it on exit."""
    base_url = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        log = Path(tmp) / "server.log"
        with open(log, "wb") as log_file:
            started = time.perf_counter()
            process = subprocess.Popen(list(command), stdout=log_file, stderr=subprocess.STDOUT, cwd=REPO, env=env)
            server = Server(name, process, base_url, 0.0, log)
            try:
                server.cold_start_s = _wait_ready(server, ready_path, started, timeout)
                yield server
            finally:
                server.stop()


def _wait_ready(server: Server, path: str, started: float, timeout: float) -> float:
    while time.perf_counter() - started < timeout:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.process.returncode}:\n"
                f"{server.log.read_text(errors='replace')[-2000:]}"
            )
        asked = time.perf_counter()
        try:
            status, _ = get(server.base_url, path, timeout=timeout)
            if status == 200:
                server.first_response_s = time.perf_counter() - asked
                ready = time.perf_counter() - started
                server.cold_start_cpu_s = cpu_seconds(server.process.pid)
                return ready
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"{server.name} did not answer 200 on {path} within {timeout:.0f} s")


@cache
def byte_compiled(tree: Path = REPO) -> None:
    """A checkout's modules compiled to .pyc once, as an installed server has them (docs/raspberry-pi.md):
    with PYTHONDONTWRITEBYTECODE set, as on this machine, every start would compile them again."""
    for package in ("contentserver", "sync"):
        compileall.compile_dir(tree / package, quiet=1)


def contentserver_command(data_dir: Path, port: int, threads: int = WAITRESS_THREADS) -> list[str]:
    """run.py with real waitress over a data folder (the project byte-compiled first)."""
    byte_compiled()
    return [
        sys.executable,
        str(REPO / "run.py"),
        "--host",
        HOST,
        "--port",
        str(port),
        "--data",
        str(data_dir),
        "--threads",
        str(threads),
    ]


def hello_command(port: int, threads: int = WAITRESS_THREADS) -> list[str]:
    """The bare Flask "hello" app under waitress: the framework's ceiling on this machine."""
    return [sys.executable, "-m", "bench.hello_app", "--port", str(port), "--threads", str(threads)]
