"""Measure the link's round trip as sync runs: time a bare TCP handshake with the hub (about 300 bytes).

A SYN-ACK waits in the modem's queue behind whatever fills it, exactly like the school's own small requests,
so the handshake time over its lowest value is the queueing delay. The probe needs nothing from the hub but
the open port sync already uses, and closes with a reset (no request, no log line on nginx, no TIME_WAIT).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable

MIN_INTERVAL, MAX_INTERVAL = 0.25, 2.0
PROBE_BUDGET = 16000.0  # bytes/s of link per probe per second: a 64 kbit/s link is probed every 2 s
IDLE_STOP_SECONDS = 5.0  # the thread ends when the transfer has not read for this long
RESET = struct.pack("ii", 1, 0)


def probe_interval(link_bytes_per_second: float) -> float:
    """Seconds between probes: often on a fast link, rarely on a slow one (each probe costs the same)."""
    return min(max(PROBE_BUDGET / max(link_bytes_per_second, 1.0), MIN_INTERVAL), MAX_INTERVAL)


def handshake_time(address: tuple[str, int], timeout: float) -> float:
    """Seconds for one TCP connect to `address`; `timeout` when it did not complete (a full or dead link)."""
    started = time.monotonic()
    try:
        with socket.create_connection(address, timeout=timeout) as sock:
            elapsed = time.monotonic() - started
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
            return elapsed
    except TimeoutError:
        return timeout


class DelayProbe:
    """A thread that times handshakes while the transfer reads, feeding each result to `observe`."""

    def __init__(
        self,
        address: tuple[str, int],
        observe: Callable[[float], None],
        interval: Callable[[], float],
        last_read: Callable[[], float],
        timeout: float = 3.0,
    ) -> None:
        self.address, self.timeout = address, timeout
        self._observe, self._interval, self._last_read = observe, interval, last_read
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failures = 0

    def ensure_running(self) -> None:
        """Start the thread unless it runs (it ends by itself once the transfer stops reading)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sync-delay-probe", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """End the thread now and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 1)

    def _run(self) -> None:
        while not self._stop.is_set() and time.monotonic() - self._last_read() < IDLE_STOP_SECONDS:
            try:
                self._observe(handshake_time(self.address, self.timeout))
            except OSError:  # refused or unreachable: the transfer itself will notice and retry
                self.failures += 1
            self._stop.wait(self._interval())
