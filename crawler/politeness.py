"""Per-host politeness as a promise kept by one object: at most one request in flight per
host at any moment, and a pause of the host's delay between the end of one request and the
start of the next — whatever ``DOWNLOAD_DELAY``, AutoThrottle or concurrency settings say.

``HostGate`` is the whole contract (``acquire``/``release``/``set_delay``); a shared
implementation (Redis, for scrapy-redis workers on many machines) only has to provide
the same three methods.

>>> import asyncio
>>> gate = HostGate(default_delay=0.0)
>>> async def two():
...     await gate.acquire("a"); gate.release("a"); await gate.acquire("a"); gate.release("a")
...     return gate.in_flight("a")
>>> asyncio.run(two())
0
"""

from __future__ import annotations

import asyncio
import time


class HostGate:
    """One request at a time per host, ``delay(host)`` seconds apart (end → next start)."""

    def __init__(self, default_delay: float = 0.0):
        self.default_delay = default_delay
        self._locks: dict[str, asyncio.Lock] = {}
        self._delays: dict[str, float] = {}
        self._released: dict[str, float] = {}
        self.waiting: dict[str, int] = {}

    def delay(self, host: str) -> float:
        return max(self.default_delay, self._delays.get(host, 0.0))

    def set_delay(self, host: str, seconds: float) -> None:
        """A host's own delay (robots.txt ``Crawl-delay``); never below the default."""
        self._delays[host] = max(0.0, seconds)

    def in_flight(self, host: str) -> int:
        lock = self._locks.get(host)
        return int(bool(lock and lock.locked()))

    async def acquire(self, host: str) -> None:
        """Wait until no request to ``host`` is in flight and its delay has passed."""
        lock = self._locks.setdefault(host, asyncio.Lock())
        self.waiting[host] = self.waiting.get(host, 0) + 1
        try:
            await lock.acquire()
        finally:
            self.waiting[host] -= 1
        try:
            pause = self._released.get(host, float("-inf")) + self.delay(host) - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
        except BaseException:  # cancelled while pausing: let the next one in
            lock.release()
            raise

    def release(self, host: str) -> None:
        self._released[host] = time.monotonic()
        lock = self._locks.get(host)
        if lock and lock.locked():
            lock.release()
