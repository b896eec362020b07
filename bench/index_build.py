"""Building the search index of a synthetic library: CPU, peak disk (temporary and the generation), RSS, size.

python -m bench.index_build [--lessons N] [--budget MB]

Copies the imported library without an index (cached, as bench.search_load makes it) into a new folder on the
data disk, runs one rebuild() while sampling the disk it uses, and removes the copy. CPU seconds, not wall time:
the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cache import cache_root
from bench.search_load import lessons_without_index, working_copy
from bench.synthetic import synthetic_library
from contentserver import create_app


def folder_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                pass  # removed while walking
    return total


def measure(data: Path, budget: float | None) -> dict[str, float]:
    """One rebuild of data's index: peaks sampled every 0.5 s; the system temporary folder watched too."""
    system_tmp = Path(tempfile.mkdtemp(dir=data))
    tempfile.tempdir = str(system_tmp)
    app = create_app(
        {"DATA_DIR": str(data), "STARTER_LIBRARY": "", **({"SEARCH_BUILD_MEMORY_MB": budget} if budget else {})}
    )
    indexer = app.extensions["indexer"]
    peaks = {"generation": 0, "whoosh_tmp": 0, "system_tmp": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            for part in indexer.root.glob("*.part"):
                peaks["generation"] = max(peaks["generation"], folder_bytes(part))
                peaks["whoosh_tmp"] = max(peaks["whoosh_tmp"], folder_bytes(part / "MAIN.tmp"))
            peaks["system_tmp"] = max(peaks["system_tmp"], folder_bytes(system_tmp))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    with app.app_context():
        indexer.rebuild()
    after, wall = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - started
    done.set()
    sampler.join()
    size = folder_bytes(indexer.root / indexer.current_generation())
    with app.app_context(), indexer.searcher() as searcher:
        segments = len(searcher.leaf_searchers())
    indexer.close()
    mib = 1024 * 1024
    return {
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "wall_s": round(wall, 1),
        "max_rss_mib": round(after.ru_maxrss / 1024, 1),
        "peak_generation_mib": round(peaks["generation"] / mib, 1),
        "peak_whoosh_tmp_mib": round(peaks["whoosh_tmp"] / mib, 1),
        "peak_system_tmp_mib": round(peaks["system_tmp"] / mib, 1),
        "index_mib": round(size / mib, 1),
        "segments": segments,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=20000)
    parser.add_argument("--budget", type=float, default=None, help="SEARCH_BUILD_MEMORY_MB (default: the setting's)")
    args = parser.parse_args(argv)
    base = lessons_without_index(synthetic_library(args.lessons))
    work = Path(tempfile.mkdtemp(prefix="index-build-", dir=cache_root()))  # the data disk, not a tmpfs
    try:
        result = measure(working_copy(base, work / "data"), args.budget)
    finally:
        shutil.rmtree(work)
    print(json.dumps({"lessons": args.lessons, **result}))
    return result


if __name__ == "__main__":
    main()
