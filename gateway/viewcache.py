"""A short-lived cache of cross-service views (the portrait, the dashboard), per caller.

A portrait asks five services at once; sixteen office staff opening the same subject in a
meeting would ask them eighty times for the same answer. The gateway keeps each caller's
answer for a few seconds (config ``view_cache_seconds``), and:

- the key holds the caller (user, unit, role): need-to-know is decided by the services for
  each caller, so one caller's answer is never served to another;
- a write through this gateway (any POST/PUT/PATCH/DELETE not refused with a 4xx) drops every entry, and
  an answer computed while a write happened is not kept: whoever changes something sees it at
  once; changes arriving otherwise (agency records, another gateway replica, timers) show
  within the TTL;
- a degraded answer (a service unavailable) is not kept;
- concurrent misses for one key compute it once (the others wait for that answer);
- ``Cache-Control: no-cache`` from the client asks the services again;
- bounded by entries and bytes, least recently used dropped first.

Plain Python (threading primitives, green under eventlet): tested without a broker.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from nameko.extensions import DependencyProvider


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str
    complete: bool = True  # False: a service did not answer; not kept
    stored_at: float = 0.0


class ViewCache:
    def __init__(
        self,
        max_entries: int = 512,
        max_bytes: int = 64 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_entries, self.max_bytes, self.clock = max_entries, max_bytes, clock
        self._entries: OrderedDict[Hashable, Answer] = OrderedDict()
        self._bytes = 0
        self._inflight: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()
        self.generation = 0  # bumped by every invalidation

    def __len__(self) -> int:
        return len(self._entries)

    def fresh(self, key: Hashable, ttl: float) -> Answer | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                return None
            if self.clock() - answer.stored_at >= ttl:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return answer

    def get_or_compute(
        self,
        key: Hashable,
        ttl: float,
        compute: Callable[[], Answer],
        keep: Callable[[Answer], bool] = lambda a: a.status == 200 and a.complete,
    ) -> tuple[Answer, bool]:
        """(answer, served from the cache). ``compute`` runs once per key at a time."""
        while True:
            answer = self.fresh(key, ttl)
            if answer is not None:
                return answer, True
            with self._lock:
                waiting = self._inflight.get(key)
                if waiting is None:
                    mine = self._inflight[key] = threading.Event()
                    generation = self.generation
            if waiting is None:
                break
            # someone is computing this very answer: wait for it rather than ask again
            if not waiting.wait(timeout=30):
                return compute(), False
            if self.fresh(key, ttl) is None:
                # theirs was not kept (degraded, or a write came between): ask ourselves
                return compute(), False
        try:
            answer = compute()
            if keep(answer):
                self._store(key, answer, generation)
            return answer, False
        finally:
            with self._lock:
                self._inflight.pop(key, None)
            mine.set()

    def invalidate(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self._bytes = 0

    def _store(self, key: Hashable, answer: Answer, generation: int) -> None:
        size = len(answer.body)
        with self._lock:
            if generation != self.generation or size > self.max_bytes // 4:
                return  # computed across a write, or too big to be worth a quarter of the room
            self._drop(key)
            answer.stored_at = self.clock()
            self._entries[key] = answer
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)


class Views(DependencyProvider):
    """One cache per gateway container (a test process may run several gateways)."""

    def setup(self):
        self.cache = ViewCache()

    def get_dependency(self, worker_ctx):
        return self.cache
