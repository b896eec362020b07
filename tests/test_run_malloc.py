"""run.py tunes glibc's malloc before serving: a big block freed after a search goes back to the system."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO

# After a 4 MiB block is freed, glibc's default raises its mmap threshold past 256 KiB, so the next 256 KiB
# block comes from the heap (no mmapped chunk); with the threshold held at 128 KiB it is mmapped, and unmapped
# when freed. mallinfo2's hblks counts the mmapped chunks.
CHECK = """
import ctypes, sys
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "tuned":
    import run
    run._tune_malloc()
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks "
                "fordblks keepcost".split()]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.free(libc.malloc(4 << 20))
before = libc.mallinfo2().hblks
block = libc.malloc(256 << 10)
print(libc.mallinfo2().hblks - before)
"""


def mmapped_after_a_big_free(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(REPO), mode], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_big_block_after_a_big_free_is_still_mmapped_so_freeing_it_returns_the_memory():
    assert mmapped_after_a_big_free("default") == 0  # glibc's sliding threshold: from the heap, kept
    assert mmapped_after_a_big_free("tuned") == 1
