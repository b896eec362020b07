"""The search limiter: a bounded number run, as many wait briefly, the rest are turned away at once."""
from __future__ import annotations

import threading
import time

import pytest

from contentserver.errors import Busy
from contentserver.search.limiter import SearchLimiter


def test_searches_over_the_limit_and_the_queue_are_turned_away_at_once(app):
    limiter = SearchLimiter(slots=1, wait_seconds=60.0)
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with limiter.slot():
            entered.set()
            release.wait(120)

    def wait_in_queue(results: list) -> None:
        try:
            with limiter.slot():
                results.append("ran")
        except Busy:
            results.append("busy")

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    queued: list = []
    waiter = threading.Thread(target=wait_in_queue, args=(queued,))
    waiter.start()
    time.sleep(0.2)  # the waiter is now queued for the one slot
    with app.test_request_context():
        started = time.monotonic()
        with pytest.raises(Busy):
            with limiter.slot():
                pass
        assert time.monotonic() - started < 30.0  # not made to wait out the 60 s: the queue is full
    release.set()
    holder.join(120)
    waiter.join(120)
    assert queued == ["ran"]


def test_a_queued_search_gives_up_after_its_wait(app):
    limiter = SearchLimiter(slots=1, wait_seconds=0.1)
    with app.test_request_context():
        with limiter.slot():
            started = time.monotonic()
            with pytest.raises(Busy) as caught:
                with limiter.slot():
                    pass
            assert time.monotonic() - started >= 0.1  # it did wait its turn before giving up
    assert caught.value.status == 503


def test_searches_up_to_max_waiting_are_queued_not_turned_away(app):
    limiter = SearchLimiter(slots=1, wait_seconds=60.0, max_waiting=3)
    entered, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def hold() -> None:
        with limiter.slot():
            entered.set()
            release.wait(120)

    def search() -> None:
        try:
            with limiter.slot():
                outcomes.append("ran")
        except Busy:
            outcomes.append("busy")

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    waiters = [threading.Thread(target=search) for _ in range(3)]
    for waiter in waiters:
        waiter.start()
    deadline = time.monotonic() + 30
    while limiter.waiting < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    with app.test_request_context():
        with pytest.raises(Busy):  # the fourth would-be waiter: the queue is full
            with limiter.slot():
                pass
    release.set()
    holder.join(120)
    for waiter in waiters:
        waiter.join(120)
    assert outcomes == ["ran", "ran", "ran"]
