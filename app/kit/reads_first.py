"""Reads first: a write about to run a statement waits while reads are in flight, a bounded time.

One event loop serves every request of a process. Under ingest it is busy with writes, and a
dashboard's poll waits behind their steps at each of its own awaits; parked writes leave the loop
(and the database) to the read. A write waits at most its budget in all, so a stream of reads
slows writes down but never stops them.
"""

import asyncio
import time
from collections.abc import Callable


class ReadsFirst:
    """Counts the read transactions in flight and parks writers while there are any."""

    def __init__(self, budget_s: float, on_wait: Callable[[float], None] | None = None) -> None:
        self.budget_s = budget_s
        self.on_wait = on_wait  # told each wait's seconds (the metrics count them)
        self.readers = 0
        self.waiting = 0  # writers parked now
        self.waited_s = 0.0  # writers' time parked, in all
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        """A read transaction began."""
        self.readers += 1
        self._idle.clear()

    def leave(self) -> None:
        """A read transaction ended."""
        self.readers = max(0, self.readers - 1)
        if not self.readers:
            self._idle.set()

    async def give_way(self, spent_s: float) -> float:
        """Wait until no read is in flight or the budget left after `spent_s` is used up;
        return the seconds waited."""
        left = self.budget_s - spent_s
        if not self.readers or left <= 0:
            return 0.0
        started = time.monotonic()
        self.waiting += 1
        try:
            async with asyncio.timeout(left):
                await self._idle.wait()
        except TimeoutError:
            pass
        finally:
            self.waiting -= 1
        waited = time.monotonic() - started
        self.waited_s += waited
        if self.on_wait is not None:
            self.on_wait(waited)
        return waited
