"""Sync's pacing: the delay controller slows on rising queueing delay and recovers, the cap and its hours hold."""

from __future__ import annotations

import socket
import threading
from datetime import datetime

import pytest

from contentserver.ratelimit import RateCap, ScheduleError, parse_windows
from sync.delayprobe import DelayProbe, handshake_time, probe_interval
from sync.pacing import MIN_MSS, MIN_RCVBUF, BaseDelay, DelayController, Pacer, PacingConfig

KBIT = 1000 / 8


class FakeTime:
    """A clock that only moves when someone sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def feed(controller: DelayController, delays: list[float], start: float, every: float = 0.25, **kwargs) -> float:
    """Samples every `every` seconds from `start`; returns the time after the last."""
    t = start
    for delay in delays:
        t += every
        controller.observe(delay, t, **kwargs)
    return t


def test_rate_slows_when_queueing_delay_rises_above_target_and_recovers_when_it_falls():
    controller = DelayController(PacingConfig(start_rate=64_000), now=0)
    t = feed(controller, [0.010] * 4, 0)  # base delay 10 ms, no queue: grows
    assert controller.rate > 64_000
    before = controller.rate
    t = feed(controller, [0.010 + 0.020 * i for i in range(1, 16)], t)  # the queue builds to 300 ms
    assert controller.queuing_delay() == pytest.approx(0.28)
    assert controller.rate < before / 8
    low = controller.rate
    feed(controller, [0.011] * 12, t)  # the queue drains
    assert controller.rate > low * 4


def test_rate_holds_at_the_target_and_never_drops_below_the_minimum():
    controller = DelayController(PacingConfig(start_rate=50_000, min_rate=2_000), now=0)
    t = feed(controller, [0.005, 0.105, 0.105], 0)
    held = controller.rate
    feed(controller, [0.105] * 8, t)  # exactly 100 ms of queue: hold
    assert controller.rate == pytest.approx(held)
    feed(controller, [2.0] * 40, 10)
    assert controller.rate == 2_000


def test_rate_never_grows_past_the_ceiling_of_what_the_link_delivered():
    controller = DelayController(PacingConfig(), now=0)  # unpaced until told what the link carries
    feed(controller, [0.001] * 10, 0, ceiling=30_000)
    assert controller.rate == 30_000


def test_a_lower_target_makes_a_small_standing_queue_count_as_too_much():
    relaxed, yielding = (DelayController(PacingConfig(start_rate=40_000), now=0) for _ in range(2))
    for controller, target in ((relaxed, None), (yielding, 0.015)):
        feed(controller, [0.001] + [0.031] * 8, 0, target=target)  # a 30 ms standing queue
    assert relaxed.rate > 40_000 > 4 * yielding.rate


def test_base_delay_forgets_a_minimum_older_than_ten_minutes():
    base = BaseDelay()
    base.add(0.002, 0)
    for minute in range(1, 12):
        base.add(0.050 + minute / 1000, minute * 60)
    assert base.value() == pytest.approx(0.052)


def test_pacer_sleeps_so_reads_average_the_rate():
    fake = FakeTime()
    pacer = Pacer(PacingConfig(start_rate=10_000), clock=fake.clock, sleep=fake.sleep)
    start = fake.now
    for _ in range(100):
        pacer.spend(pacer.read_size())
    assert pacer.bytes_read == 100 * 512
    assert fake.now - start == pytest.approx(100 * 512 / 10_000, rel=0.02)


def test_pacer_yields_to_a_standing_queue_once_it_gets_far_less_than_the_link_carried():
    """The school's own download keeps a 30 ms queue: below the 100 ms target, but we got squeezed."""
    fake = FakeTime()
    pacer = Pacer(PacingConfig(start_rate=250_000), clock=fake.clock, sleep=fake.sleep)

    def read(seconds: float, link: float, delay: float) -> None:
        end = fake.now + seconds
        while fake.now < end:
            pacer.spend(512)
            fake.now += 512 / link  # the read itself waits for the link
            pacer.observe(delay)

    read(3, 250_000, 0.001)
    assert pacer.target_delay() == pytest.approx(0.1)
    alone = pacer.rate
    read(4, 40_000, 0.031)  # someone else takes most of the link
    assert pacer.target_delay() < 0.031
    assert pacer.rate < alone / 8


def test_cap_applies_outside_the_full_speed_hours_and_counts_header_bytes():
    cap = RateCap(400, parse_windows("18:00-07:00, 12:30-13:00"))
    hours = {
        "lesson": datetime(2026, 3, 2, 10, 0),
        "night": datetime(2026, 3, 2, 23, 15),
        "early": datetime(2026, 3, 2, 6, 59),
        "lunch": datetime(2026, 3, 2, 12, 45),
    }
    assert cap.bytes_per_second(hours["lesson"]) == 400 * KBIT
    assert [cap.bytes_per_second(hours[h]) for h in ("night", "early", "lunch")] == [None] * 3
    for when, limited in (("lesson", True), ("night", False)):
        pacer = Pacer(PacingConfig(start_rate=1e6, cap=cap), wallclock=lambda: hours[when])
        assert (pacer.rate < 400 * KBIT) is limited
        assert pacer.rate > 0.9 * 400 * KBIT


def test_bad_full_speed_hours_and_negative_cap_are_refused():
    for text in ("18-07", "25:00-07:00", "18:00-07:60", "18:00"):
        with pytest.raises(ScheduleError):
            parse_windows(text)
    with pytest.raises(ScheduleError):
        RateCap.from_settings({"SYNC_CAP_KBIT": -5})
    assert parse_windows("") == ()


def test_config_reads_the_settings_table():
    config = PacingConfig.from_settings(
        {"SYNC_DELAY_TARGET_MS": 60, "SYNC_MIN_KBIT": 16, "SYNC_CAP_KBIT": 256, "SYNC_FULL_SPEED_HOURS": "19:00-06:30"}
    )
    assert (config.target_delay, config.min_rate, config.cap.cap_kbit) == (0.06, 2000, 256)
    assert config.cap.bytes_per_second(datetime(2026, 1, 5, 20, 0)) is None


@pytest.fixture
def listener():
    """A TCP port on 127.0.0.1 that accepts and drops connections."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except (TimeoutError, OSError):
                continue

    thread = threading.Thread(target=serve)
    thread.start()
    yield server.getsockname()[:2]
    stop.set()
    thread.join()
    server.close()


def test_connections_get_small_buffers_and_segments_until_the_link_is_known_then_reconnect(listener):
    with Pacer() as pacer:
        assert pacer.socket_options() == (MIN_RCVBUF, MIN_MSS)
        with pacer.create_connection(listener, timeout=5) as sock:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) <= 4 * MIN_RCVBUF
        assert not pacer.wants_reconnect()
        pacer.peak = 250_000  # a 2 Mbit/s link: bigger segments, a wider window
        rcvbuf, mss = pacer.socket_options()
        assert rcvbuf > 2 * MIN_RCVBUF and mss > 1000
        assert pacer.wants_reconnect()  # the segment size is fixed at connect


def test_probe_times_handshakes_and_feeds_them_to_the_pacer(listener):
    assert 0 < handshake_time(listener, timeout=2) < 1
    assert probe_interval(8_000) == 2.0 and probe_interval(10**6) == 0.25
    samples: list[float] = []
    got = threading.Event()

    def observe(delay: float) -> None:
        samples.append(delay)
        got.set()

    probe = DelayProbe(listener, observe, interval=lambda: 0.05, last_read=lambda: 1e12)
    probe.ensure_running()
    try:
        assert got.wait(5)
    finally:
        probe.stop()
    assert samples and all(0 < s < 1 for s in samples)
