"""The gateway's view cache: per key, bounded, single-flight, dropped by writes."""

import threading
import time

from gateway.viewcache import Answer, ViewCache


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def answer(body=b"{}", status=200, complete=True):
    return Answer(status=status, body=body, content_type="application/json", complete=complete)


def counting(body=b"{}", **kw):
    calls = []

    def compute():
        calls.append(1)
        return answer(body, **kw)

    return compute, calls


def test_an_answer_is_served_again_until_its_ttl_passes():
    clock = Clock()
    cache = ViewCache(clock=clock)
    compute, calls = counting(b"A")
    got, hit = cache.get_or_compute("k", 5, compute)
    assert (got.body, hit) == (b"A", False)
    clock.now += 4.9
    got, hit = cache.get_or_compute("k", 5, compute)
    assert hit and got.body == b"A" and len(calls) == 1
    clock.now += 0.2
    assert cache.get_or_compute("k", 5, compute)[1] is False
    assert len(calls) == 2


def test_keys_are_separate_so_one_caller_never_gets_anothers_answer():
    cache = ViewCache(clock=Clock())
    cache.get_or_compute(("portrait", "office"), 5, lambda: answer(b"office"))
    got, hit = cache.get_or_compute(("portrait", "plc"), 5, lambda: answer(b"plc"))
    assert (got.body, hit) == (b"plc", False)
    assert (
        cache.get_or_compute(("portrait", "office"), 5, lambda: answer(b"x"))[0].body == b"office"
    )


def test_degraded_or_failed_answers_are_not_kept():
    cache = ViewCache(clock=Clock())
    compute, calls = counting(complete=False)
    cache.get_or_compute("k", 5, compute)
    cache.get_or_compute("k", 5, compute)
    refused, refused_calls = counting(status=422)
    cache.get_or_compute("r", 5, refused)
    cache.get_or_compute("r", 5, refused)
    assert len(calls) == 2 and len(refused_calls) == 2 and len(cache) == 0


def test_a_write_drops_everything_and_an_answer_computed_across_it_is_not_kept():
    cache = ViewCache(clock=Clock())
    cache.get_or_compute("a", 5, lambda: answer(b"old"))
    cache.invalidate()
    assert len(cache) == 0

    def compute_while_someone_writes():
        cache.invalidate()  # the answer may hold what was read before the write
        return answer(b"maybe stale")

    cache.get_or_compute("a", 5, compute_while_someone_writes)
    assert len(cache) == 0
    assert cache.get_or_compute("a", 5, lambda: answer(b"new"))[0].body == b"new"


def test_bounded_by_entries_and_bytes_least_recently_used_first():
    cache = ViewCache(max_entries=2, max_bytes=1000, clock=Clock())
    cache.get_or_compute("a", 5, lambda: answer(b"a"))
    cache.get_or_compute("b", 5, lambda: answer(b"b"))
    cache.get_or_compute("a", 5, lambda: answer(b"?"))  # a used again: b is now the oldest
    cache.get_or_compute("c", 5, lambda: answer(b"c"))
    assert cache.fresh("b", 5) is None and cache.fresh("a", 5) and cache.fresh("c", 5)
    cache.get_or_compute("big", 5, lambda: answer(b"x" * 300))  # over a quarter: not kept
    assert cache.fresh("big", 5) is None
    small = ViewCache(max_entries=100, max_bytes=1000, clock=Clock())
    for i in range(10):
        small.get_or_compute(i, 5, lambda: answer(b"x" * 200))
    assert len(small) == 5  # 5 × 200 bytes fill the room


def test_concurrent_misses_ask_the_services_once():
    cache = ViewCache()
    started = threading.Event()
    calls = []

    def slow():
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return answer(b"P")

    results = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_compute("k", 5, slow)))
    first.start()
    started.wait(2)
    others = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("k", 5, slow)))
        for _ in range(5)
    ]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join(5)
    assert len(calls) == 1
    assert sorted(hit for _, hit in results) == [False, True, True, True, True, True]
    assert {a.body for a, _ in results} == {b"P"}


def test_waiters_ask_themselves_when_the_first_answer_was_not_kept():
    cache = ViewCache()
    started = threading.Event()
    calls = []

    def degraded_then_whole():
        calls.append(1)
        if len(calls) == 1:
            started.set()
            time.sleep(0.2)
            return answer(b"partial", complete=False)
        return answer(b"whole")

    results = []
    first = threading.Thread(
        target=lambda: results.append(cache.get_or_compute("k", 5, degraded_then_whole))
    )
    first.start()
    started.wait(2)
    second = threading.Thread(
        target=lambda: results.append(cache.get_or_compute("k", 5, degraded_then_whole))
    )
    second.start()
    first.join(5)
    second.join(5)
    assert {a.body for a, _ in results} == {b"partial", b"whole"}
    assert len(calls) == 2


def test_an_error_while_computing_releases_the_waiters():
    cache = ViewCache()

    def boom():
        raise RuntimeError("service refused")

    for _ in range(2):
        try:
            cache.get_or_compute("k", 5, boom)
        except RuntimeError:
            pass
    assert cache.get_or_compute("k", 5, lambda: answer(b"ok"))[0].body == b"ok"
