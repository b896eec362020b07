"""Across a real weaklink (512 kbit/s, 1 s modem buffer): sync keeps its cap on the wire and yields to the school.

Root only (network namespaces). The sync side is the real transfer path (sync.transfer.HubClient with a Pacer)
run in the school's namespace by bench/weak_link.py's client; nginx serves the hub side. Bounded: about 40 s.
Precise figures belong to the benchmark; these assertions are tolerant.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from bench.weak_link import bytes_between, hub_sent_bytes, result, start, weak_link

pytestmark = [pytest.mark.needs_root, pytest.mark.slow]
pytestmark.append(
    pytest.mark.skipif(
        os.geteuid() != 0 or shutil.which("tc") is None or shutil.which("nginx") is None,
        reason="needs root, iproute2 and nginx for a weaklink",
    )
)
LINK = 512_000 / 8  # bytes/s


def name(suffix: str) -> str:
    return f"wlt{os.getpid() % 10000}{suffix}"


def test_capped_sync_stays_under_the_cap_measured_on_the_hub_side():
    link = name("c")
    with weak_link(link, "512kbit") as url:
        before, started = hub_sent_bytes(link), time.monotonic()
        samples = result(start(link, "sync", url, 10, 200))["samples"]
        sent, elapsed = hub_sent_bytes(link) - before, time.monotonic() - started
    on_wire = sent * 8 / elapsed / 1000
    payload = bytes_between(samples, samples[0][0], samples[-1][0]) * 8 / (samples[-1][0] - samples[0][0]) / 1000
    assert on_wire <= 200 * 1.05, f"{on_wire:.0f} kbit/s on the wire over a 200 kbit/s cap"
    assert 120 < payload < 200, f"{payload:.0f} kbit/s of content under a 200 kbit/s cap"


def test_sync_uses_an_idle_link_yields_to_a_school_download_and_takes_the_link_back_after():
    link = name("y")
    with weak_link(link, "512kbit") as url:
        sync = start(link, "sync", url, 22)
        time.sleep(6)
        rival = result(start(link, "plain", url, 10))["samples"]
        ours = result(sync)["samples"]
    began, rival_from, rival_to, ended = ours[0][0], rival[0][0], rival[-1][0], ours[-1][0]

    def speed(samples: list, t0: float, t1: float) -> float:
        return bytes_between(samples, t0, t1) / (t1 - t0)

    alone = speed(ours, began + 2, rival_from)
    during, theirs = speed(ours, rival_from + 3, rival_to), speed(rival, rival_from + 3, rival_to)
    after = speed(ours, rival_to + 2, ended)
    assert alone > 0.6 * LINK, f"alone sync got {alone / LINK:.0%} of an idle link"
    assert during < 0.4 * (during + theirs) and during < alone / 3, (
        f"sync kept {during / LINK:.0%} of the link against the school's {theirs / LINK:.0%}"
    )
    assert after > 2 * during, f"sync did not come back after the download: {after / LINK:.0%} of the link"
