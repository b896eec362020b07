"""A real nginx serving a folder on 127.0.0.1 (a free port), with a log of the bytes it sent per request."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import free_port, stop_process

CONFIG = """daemon off;
master_process on;
worker_processes 1;
user root;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 128; }}
http {{
  log_format wire '$status $bytes_sent $body_bytes_sent $http_range $request_uri';
  access_log {run}/access.log wire;
  default_type application/octet-stream;
  sendfile on;
  keepalive_timeout 60;
  client_body_temp_path {run}/body; proxy_temp_path {run}/proxy; fastcgi_temp_path {run}/fastcgi;
  uwsgi_temp_path {run}/uwsgi; scgi_temp_path {run}/scgi;
  {extra}
  server {{
    listen {host}:{port};
    root {root};
    location / {{ }}
  }}
}}
"""


class Nginx:
    """nginx over `root`; `wire()` is the bytes it has sent since the last `reset()` (headers included)."""

    def __init__(self, root: Path, run: Path, host: str = "127.0.0.1", netns: str | None = None, extra: str = ""):
        self.root, self.run, self.host = root, run, host
        self.port = free_port()
        run.mkdir(parents=True, exist_ok=True)
        conf = run / "nginx.conf"
        conf.write_text(CONFIG.format(run=run, root=root, host=host, port=self.port, extra=extra))
        prefix = ["ip", "netns", "exec", netns] if netns else []
        self.proc = subprocess.Popen(
            [*prefix, "nginx", "-c", str(conf), "-p", str(run)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.url = f"http://{host}:{self.port}/"
        self._wait(prefix)

    def _wait(self, prefix: list[str]) -> None:
        deadline = time.monotonic() + 10
        while not (self.run / "nginx.pid").exists() or not self._answers(prefix):
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode()}")
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not start")
            time.sleep(0.05)

    def _answers(self, prefix: list[str]) -> bool:
        if prefix:
            return (
                subprocess.run(
                    [*prefix, "bash", "-c", f"exec 3<>/dev/tcp/{self.host}/{self.port}"], capture_output=True
                ).returncode
                == 0
            )
        try:
            with socket.create_connection((self.host, self.port), timeout=1):
                return True
        except OSError:
            return False

    def log_lines(self) -> list[tuple[int, int, str]]:
        """(status, bytes sent with headers, URI) per response."""
        return [(status, sent, uri) for status, sent, _body, _range, uri in self.log_records()]

    def log_records(self) -> list[tuple[int, int, int, str, str]]:
        """(status, bytes sent, body bytes sent, Range header or '-', URI) per response."""
        path = self.run / "access.log"
        if not path.exists():
            return []
        out = []
        for line in path.read_text().splitlines():
            status, sent, body, ranges, uri = line.split(" ", 4)
            out.append((int(status), int(sent), int(body), ranges, uri))
        return out

    def reset(self) -> None:
        (self.run / "access.log").unlink(missing_ok=True)
        os.kill(int((self.run / "nginx.pid").read_text()), signal.SIGUSR1)  # reopen the log
        time.sleep(0.1)

    def wire(self) -> int:
        """Bytes sent by nginx, as its $bytes_sent log says (the log is written when a response ends)."""
        time.sleep(0.05)
        return sum(sent for _status, sent, _uri in self.log_lines())

    def stop(self) -> None:
        stop_process(self.proc, signal.SIGQUIT)  # graceful: finish the responses under way
        self.proc.stderr.close()


@pytest.fixture
def nginx(tmp_path: Path):
    """nginx(root) -> a started Nginx serving `root`; all are stopped after the test."""
    started: list[Nginx] = []

    def start(root: Path, **kwargs) -> Nginx:
        server = Nginx(root, tmp_path / f"nginx{len(started)}", **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
