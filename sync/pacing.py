"""How fast sync may read: yield to the school's own traffic by queueing delay (LEDBAT, RFC 6817), under a cap.

The transfer loop opens its sockets with `Pacer.create_connection` (a small receive buffer and segment size, so
few of our bytes are ever queued in the modem), reads at most `Pacer.read_size()` bytes at a time and calls
`Pacer.spend(n)` after each read, which sleeps as long as the current rate requires. Delay samples (round-trip
times through the link, see sync/delayprobe.py) go to `Pacer.observe`; the rate doubles per second while the
queueing delay is well below the target and falls quickly when it rises above, so sync uses an idle link and
gets out of the way when the school's own traffic fills the queue. The design and its figures: docs/pacing.md.
"""

from __future__ import annotations

import socket
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contentserver.ratelimit import RateCap

from .delayprobe import DelayProbe, probe_interval

BASE_BUCKET_SECONDS = 60.0  # LEDBAT keeps the lowest delay per minute ...
BASE_BUCKETS = 10  # ... for ten minutes, so a route change is forgotten
CURRENT_FILTER = 2  # queueing delay = lowest of the last samples minus the base (drops single spikes)
DOUBLE_SECONDS = 1.0  # with no queue at all the rate doubles this often
HALVE_SECONDS = 0.5  # at twice the target the rate halves this often
MAX_OFF_TARGET = 4.0  # far above the target counts as this far
MAX_UP, MAX_DOWN = 1.0, 2.0  # one sample at most doubles the rate, or quarters it
MAX_STEP_SECONDS = 2.0  # a long gap between samples counts as this much
READ_SECONDS = 0.01  # each read takes about this much of the rate
BURST_SECONDS = 0.05  # reads may catch up this much time after a pause, no more
CEILING_OVER_DELIVERY = 2.0  # the rate may not grow past this multiple of what the link actually delivered
RATE_LIMITED = 0.8  # we got at least this share of the rate we paced at: the pacing is what binds
SQUEEZED = 0.75  # we got less than this share of the best the link ever carried for us
YIELD_FRACTION = 0.15  # then a standing queue a fraction of the target long is already someone else's
PEAK_DECAY = 0.999  # per second: the link's best is forgotten in some ten minutes
WINDOW_SLACK_SECONDS = 0.02  # the receive window holds this much traffic beyond twice the base round trip
MIN_RCVBUF, MAX_RCVBUF = 1024, 256 * 1024
BUFFERS = (socket.SO_RCVBUF, socket.SO_SNDBUF)  # both: a push's upload is bounded in flight like a pull's reads
MIN_MSS, MAX_MSS = 400, 1460  # 400: two segments (TCP's smallest window) cross 64 kbit/s in 0.12 s
RECONNECT_MSS_CHANGE = 0.3  # a connection whose segments are this far off the link's gets replaced
CAP_SHARE = 0.97  # of a cap, what is left for content once requests and probes had theirs
HEADER_BYTES = 66  # Ethernet, IPv4 and TCP with timestamps, per segment
SEGMENT_SECONDS = 0.01  # a segment should cross the link in this long, so it never holds others up much


@dataclass(frozen=True)
class PacingConfig:
    """Tunables from the settings table: delay target, cap and full-speed hours, the lowest rate."""

    target_delay: float = 0.100
    min_rate: float = 1000.0  # bytes/s: even under competition, sync creeps on
    start_rate: float = float("inf")  # bytes/s: unpaced (the small window still bounds the queue) until
    # the first second of reading tells what the link delivers
    cap: RateCap = RateCap()  # noqa: RUF009

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> PacingConfig:
        """SYNC_DELAY_TARGET_MS, SYNC_MIN_KBIT, SYNC_CAP_KBIT and SYNC_FULL_SPEED_HOURS."""
        return cls(
            target_delay=int(settings.get("SYNC_DELAY_TARGET_MS", 100)) / 1000,
            min_rate=int(settings.get("SYNC_MIN_KBIT", 8)) * 1000 / 8,
            cap=RateCap.from_settings(settings),
        )


class BaseDelay:
    """The lowest delay seen, per minute for the last ten minutes (LEDBAT's base delay history)."""

    def __init__(self) -> None:
        self._buckets: deque[tuple[float, float]] = deque()  # (bucket start, lowest delay in it)

    def add(self, delay: float, now: float) -> None:
        """Record one sample taken at `now`."""
        if self._buckets and now - self._buckets[-1][0] < BASE_BUCKET_SECONDS:
            start, lowest = self._buckets[-1]
            self._buckets[-1] = (start, min(lowest, delay))
        else:
            self._buckets.append((now, delay))
        while len(self._buckets) > BASE_BUCKETS:
            self._buckets.popleft()

    def value(self) -> float:
        """The base delay (0 before any sample)."""
        return min((lowest for _, lowest in self._buckets), default=0.0)

    def known(self) -> bool:
        """Whether any sample was taken."""
        return bool(self._buckets)


class DelayController:
    """The rate (bytes/s) steered by queueing delay: up while below target, down when above; not thread-safe."""

    def __init__(self, config: PacingConfig, now: float) -> None:
        self.config = config
        self.rate = config.start_rate
        self.base = BaseDelay()
        self._recent: deque[float] = deque(maxlen=CURRENT_FILTER)
        self._last = now

    def queuing_delay(self) -> float:
        """Lowest of the latest samples above the base delay."""
        return min(self._recent, default=0.0) - self.base.value()

    def observe(self, delay: float, now: float, ceiling: float | None = None, target: float | None = None) -> float:
        """Take one delay sample; returns the new rate, never above `ceiling` (twice what was delivered).
        `target` overrides the configured delay target for this step (see Pacer.target_delay)."""
        target = target or self.config.target_delay
        self.base.add(delay, now)
        self._recent.append(delay)
        step = min(max(now - self._last, 0.0), MAX_STEP_SECONDS)
        self._last = now
        off_target = (target - self.queuing_delay()) / target
        off_target = max(min(off_target, 1.0), -MAX_OFF_TARGET)
        exponent = off_target * step / (DOUBLE_SECONDS if off_target >= 0 else HALVE_SECONDS)
        rate = self.rate * 2 ** max(min(exponent, MAX_UP), -MAX_DOWN)
        if ceiling is not None:
            rate = min(rate, ceiling)
        self.rate = max(rate, self.config.min_rate)
        return self.rate


class Pacer:
    """Paces one sync job's reads; `observe` may be called from a probe thread, the rest from the transfer loop."""

    def __init__(
        self,
        config: PacingConfig = PacingConfig(),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wallclock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.config = config
        self._clock, self._sleep, self._wallclock = clock, sleep, wallclock
        self._lock = threading.Lock()
        self._controller = DelayController(config, clock())
        self._next = clock()  # when the next read may happen
        self._window_start = clock()  # delivery measured over windows of about a second
        self._window_bytes = 0
        self._last_spend = clock()
        self.delivered = 0.0  # bytes/s over the last full window
        self.peak = 0.0  # highest delivery seen: the link's speed as far as we know
        self.bytes_read = 0
        self._probe: DelayProbe | None = None
        self._sock: weakref.ref[socket.socket] | None = None  # the connection made last
        self._rcvbuf, self._mss = 0, MAX_MSS

    @property
    def rate(self) -> float:
        """The rate reads are paced at now, in bytes/s: the controller's, under the cap in force (which counts
        the bytes on the wire, so the packets' headers, the requests and the probes are taken off it)."""
        cap = self.config.cap.bytes_per_second(self._wallclock())
        rate = self._controller.rate
        return rate if cap is None else min(rate, CAP_SHARE * cap * self._mss / (self._mss + HEADER_BYTES))

    def queuing_delay(self) -> float:
        """The latest queueing delay estimate, in seconds."""
        with self._lock:
            return self._controller.queuing_delay()

    def observe(self, delay: float) -> None:
        """Feed one round-trip time across the link (seconds), e.g. from DelayProbe or a time to first byte."""
        with self._lock:
            ceiling = CEILING_OVER_DELIVERY * self.delivered if self.delivered else None
            self._controller.observe(delay, self._clock(), ceiling, self.target_delay())

    def latency(self) -> float | None:
        """The link's round trip without a queue (the base delay), in seconds; None before any sample."""
        with self._lock:
            base = self._controller.base
            return base.value() if base.known() else None

    def target_delay(self) -> float:
        """The configured target; but when the link is full without us - we get all the rate we ask for, or
        far less than the link carried before - a standing queue is someone else's, and we yield to it as
        soon as it is a fraction of the target (or two of our segments' time on the link, if that is longer)."""
        target = self.config.target_delay
        rate_limited = self.delivered >= RATE_LIMITED * self._controller.rate
        squeezed = self.delivered < SQUEEZED * self.peak
        if not self.delivered or not (rate_limited or squeezed):
            return target
        segments = 2 * (self._mss + HEADER_BYTES) / self.peak if self.peak else target
        return min(target, max(target * YIELD_FRACTION, segments))

    def read_size(self) -> int:
        """How many bytes to read next: about 10 ms of traffic at the current rate (each read lets the
        sender send that much at once, so it is also the burst that enters the modem's queue)."""
        return int(min(max(self.rate * READ_SECONDS, 512), 16384))

    def spend(self, nbytes: int) -> None:
        """Account for `nbytes` just read; sleep until the rate allows the next read."""
        now = self._clock()
        with self._lock:
            if now - self._last_spend > 1.0:  # the loop paused (disk, verify): do not count that time
                self._window_start, self._window_bytes = now, 0
            self._last_spend = now
            self._window_bytes += nbytes
            self.bytes_read += nbytes
            window_closed = now - self._window_start >= 1.0
            if window_closed:
                self.delivered = self._window_bytes / (now - self._window_start)
                self.peak = max(self.peak * PEAK_DECAY, self.delivered)
                self._window_start, self._window_bytes = now, 0
        if window_closed:
            self._grow_receive_buffer()
        if self._probe is not None:
            self._probe.ensure_running()
        self._next = max(self._next, now - BURST_SECONDS) + nbytes / self.rate
        if self._next > now:
            self._sleep(self._next - now)

    def wants_reconnect(self) -> bool:
        """Whether the open connection's segment size is far off what the link turned out to want (it is fixed
        at connect): the transfer loop then reconnects between two requests."""
        ideal = self.socket_options()[1]
        return bool(self.link_estimate()) and abs(ideal - self._mss) > RECONNECT_MSS_CHANGE * self._mss

    def link_estimate(self) -> float:
        """The best guess of the link's speed (bytes/s): the peak delivery, else the cap; 0 when unknown."""
        return self.peak or self.config.cap.cap_kbit * 1000 / 8

    def socket_options(self) -> tuple[int, int]:
        """(SO_RCVBUF, TCP_MAXSEG) for the next connection: bytes in flight for twice the base round trip and
        20 ms more (the window fills the pipe; pacing, not the modem's queue, sets the speed), and segments
        that cross the link in 10 ms (both as small as TCP allows while the link is unknown)."""
        link = self.link_estimate()
        with self._lock:
            base = self._controller.base.value()
        rcvbuf = int(min(max(link * (2 * base + WINDOW_SLACK_SECONDS), MIN_RCVBUF), MAX_RCVBUF))
        mss = int(min(max(link * SEGMENT_SECONDS, MIN_MSS), MAX_MSS))
        return rcvbuf, mss

    def _grow_receive_buffer(self) -> None:
        """Let the open connection's window grow with what the link turns out to carry (never shrink it:
        pacing alone slows a live connection, and TCP must not take back window it has offered)."""
        rcvbuf = self.socket_options()[0]
        sock = self._sock() if self._sock is not None else None
        if sock is not None and rcvbuf > self._rcvbuf * 1.25:
            try:
                for option in BUFFERS:
                    sock.setsockopt(socket.SOL_SOCKET, option, rcvbuf)
                self._rcvbuf = rcvbuf
            except OSError:  # the connection was closed under us: the next one starts with it
                self._sock = None

    def create_connection(
        self, address: tuple[str, int], timeout: float | None = None, source_address: tuple[str, int] | None = None
    ) -> socket.socket:
        """Like socket.create_connection (http.client's hook), but with the receive buffer and segment size
        set before connecting (they must be), and the delay probe started towards the same address."""
        rcvbuf, mss = self.socket_options()
        error: OSError | None = None
        for family, kind, proto, _, addr in socket.getaddrinfo(*address, type=socket.SOCK_STREAM):
            sock = socket.socket(family, kind, proto)
            try:
                for option in BUFFERS:
                    sock.setsockopt(socket.SOL_SOCKET, option, rcvbuf)
                if hasattr(socket, "TCP_MAXSEG"):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
                if timeout is None or isinstance(timeout, (int, float)):  # else: http.client's "default"
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(addr)
            except OSError as exc:
                error = exc
                sock.close()
                continue
            self._start_probe((str(addr[0]), int(addr[1])))  # (an IP address's host and port)
            self._sock, self._rcvbuf, self._mss = weakref.ref(sock), rcvbuf, mss
            return sock
        raise error or OSError(f"no address for {address[0]}")

    def _start_probe(self, address: tuple[str, int]) -> None:
        if self._probe is None or self._probe.address != address:
            self.close()
            self._probe = DelayProbe(
                address, self.observe, lambda: probe_interval(self.link_estimate()), lambda: self._last_spend
            )
        self._last_spend = self._clock()
        self._probe.ensure_running()

    def close(self) -> None:
        """Stop the delay probe (it also stops by itself a few seconds after the last read)."""
        if self._probe is not None:
            self._probe.stop()

    def __enter__(self) -> Pacer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
