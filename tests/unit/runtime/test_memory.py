"""runtime.memory: pages a batch freed go back to the system (glibc), not kept by the heap."""

from pathlib import Path

import pytest

from runtime import memory

pytestmark = pytest.mark.skipif(memory._TRIM is None, reason="malloc_trim is glibc's")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_freed_heap_pages_in_the_middle_of_the_heap_are_returned():
    memory.give_back()
    # ~120 MB of 1 KB strings (above pymalloc's 512 bytes: glibc's heap), then one more
    # allocation on top, so that freeing the strings leaves a hole glibc does not trim itself
    batch = [bytes(1000) + i.to_bytes(4, "little") for i in range(120_000)]
    pin = [bytes(1000) for _ in range(8)]
    held = rss_mb()
    del batch
    freed = rss_mb()
    assert memory.give_back() is True
    after = rss_mb()
    assert held - freed < 20, "glibc gave the hole back on its own: the test proves nothing"
    assert freed - after > 60, (held, freed, after)
    assert len(pin) == 8
