"""The one bounded LRU behind the page, search-result and suggestion caches."""

from __future__ import annotations

import threading

from contentserver.lru import LRU


def test_the_least_recently_used_goes_first_when_the_count_is_reached():
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now b is the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)


def test_the_cost_budget_holds_and_a_replaced_entry_is_counted_once():
    cache: LRU[str, bytes] = LRU(100, max_cost=10, cost=len)
    cache.put("a", b"12345")
    cache.put("a", b"1234")  # replaced, not added
    assert cache.cost == 4
    cache.put("b", b"12345")
    cache.put("c", b"12")
    assert cache.get("a") is None and cache.cost == 7  # 4 + 5 + 2 > 10: the oldest went
    cache.put("huge", b"x" * 11)  # larger than the whole budget: kept nowhere
    assert cache.get("huge") is None and cache.cost <= 10


def test_update_changes_an_entry_in_place_or_leaves_it():
    cache: LRU[str, bytes] = LRU(2, max_cost=100, cost=len)
    cache.put("a", b"long body")
    cache.put("b", b"x")
    cache.update("a", lambda old: old[:4])
    cache.update("b", lambda old: None)  # declined: unchanged
    cache.update("gone", lambda old: b"never")
    assert (cache.get("a"), cache.get("b"), cache.get("gone"), cache.cost) == (b"long", b"x", None, 5)
    cache.put("c", b"y")  # a was updated, not used: b was used last (get), so a goes
    assert cache.get("a") is None


def test_threads_putting_at_once_keep_the_bounds():
    cache: LRU[int, bytes] = LRU(50, max_cost=400, cost=len)

    def fill(start: int) -> None:
        for n in range(start, start + 2000):
            cache.put(n % 97, b"x" * (n % 13))
            cache.get((n * 7) % 97)

    threads = [threading.Thread(target=fill, args=(i * 1000,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) <= 50 and cache.cost <= 400
    assert cache.cost == sum(len(cache.get(k) or b"") for k in range(97))
    cache.clear()
    assert (len(cache), cache.cost) == (0, 0)
