"""Book searches and pages give the memory a burst freed back to the system once the burst is over (malloc_trim)."""

from __future__ import annotations

import threading
import time

from contentserver.books import trim


def test_freed_memory_is_given_back_once_after_a_burst_of_searches(monkeypatch):
    monkeypatch.setattr(trim, "TRIM_DELAY", 0.05)
    trimmer = trim.Trimmer()
    assert trimmer._trim is not None, "glibc's malloc_trim is found on Linux"
    calls: list[int] = []
    trimmer._trim = calls.append  # glibc's function, recorded instead of called
    inside = threading.Barrier(3)

    def search() -> None:
        with trimmer:
            inside.wait()
            time.sleep(0.1)  # past TRIM_DELAY while the others still search: no trim meanwhile

    threads = [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == []
    time.sleep(1.0)
    assert calls == [0], "one trim after the burst"
    with trimmer:
        time.sleep(0.1)
    time.sleep(1.0)
    assert calls == [0, 0]
