"""The search limiter: a bounded number run, as many wait briefly, the rest are turned away at once."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import import_into, lesson_spec

from contentserver.errors import Busy, ClientGone
from contentserver.search.limiter import SearchLimiter

HEART = lesson_spec(
    "heart-en",
    title="The human heart",
    subject="science",
    grade=8,
    body="# The human heart\n\nThe heart pumps blood through the arteries and veins.\n",
)


@pytest.mark.parametrize("max_waiting, places", [(None, 1), (3, 3)])  # by default as many wait as run
def test_searches_up_to_the_waiting_places_are_queued_and_one_more_is_turned_away_at_once(app, max_waiting, places):
    limiter = SearchLimiter(slots=1, wait_seconds=60.0, max_waiting=max_waiting)
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
    waiters = [threading.Thread(target=search) for _ in range(places)]
    for waiter in waiters:
        waiter.start()
    deadline = time.monotonic() + 30
    while limiter.waiting < places and time.monotonic() < deadline:
        time.sleep(0.01)
    with app.test_request_context():
        started = time.monotonic()
        with pytest.raises(Busy):  # one more would-be waiter: every place is taken
            with limiter.slot():
                pass
        assert time.monotonic() - started < 30.0  # not made to wait out the 60 s
    release.set()
    holder.join(120)
    for waiter in waiters:
        waiter.join(120)
    assert outcomes == ["ran"] * places


def test_a_queued_search_gives_up_after_its_wait(app):
    limiter = SearchLimiter(slots=1, wait_seconds=0.1)
    with app.test_request_context(), limiter.slot():
        started = time.monotonic()
        with pytest.raises(Busy) as caught, limiter.slot():
            pass
        assert time.monotonic() - started >= 0.1  # it did wait its turn before giving up
    assert caught.value.status == 503


def test_a_search_whose_client_left_while_it_waited_is_skipped_and_frees_its_slot(app):
    limiter = SearchLimiter(slots=1, wait_seconds=1.0)
    with app.test_request_context():
        with pytest.raises(ClientGone), limiter.slot(gone=lambda: True):
            pytest.fail("the search ran for a client that had left")
        with limiter.slot(gone=lambda: False):  # the slot was given back: the next search runs at once
            pass


@pytest.mark.parametrize("path", ["/search", "/api/search"])
def test_search_for_a_client_that_left_answers_499_and_runs_nothing(app, make_library, path):
    import_into(app, make_library([HEART]))
    client = app.test_client()
    left = client.get(path, query_string={"q": "heart"}, environ_base={"waitress.client_disconnected": lambda: True})
    assert left.status_code == 499
    assert len(app.extensions["search_cache"]) == 0  # no search ran, so none was kept
    here = client.get(path, query_string={"q": "heart"}, environ_base={"waitress.client_disconnected": lambda: False})
    assert here.status_code == 200 and b"heart-en" in here.data
    assert len(app.extensions["search_cache"]) == 1


def test_a_freed_slot_goes_to_the_search_that_waited_longest_not_to_a_newcomer(app):
    limiter = SearchLimiter(slots=1, wait_seconds=30.0, max_waiting=4)
    order: list[str] = []

    def waiter() -> None:
        with limiter.slot():
            order.append("waited")

    with app.test_request_context():
        with limiter.slot():
            queued = threading.Thread(target=waiter)
            queued.start()
            deadline = time.monotonic() + 30
            while limiter.waiting < 1 and time.monotonic() < deadline:
                time.sleep(0.01)
        with limiter.slot():  # asked the instant the slot was freed: it waits its turn behind the other
            order.append("newcomer")
    queued.join(60)
    assert order == ["waited", "newcomer"]
