"""Python's cyclic garbage collector paused while a set is written.

A set of 1,000 records holds tens of thousands of live objects (ORM states, facts, rows), and the
collector walks the young ones again at every 700 allocations: ~20 % of an import's time
(bench/fixes.md). Paused for the set, the cycles it leaves are collected once it is written; the
rest is freed by reference counting as usual. Sets written at once in one process (concurrent
batch requests) share the pause: the collector runs again when the last one ends.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_writing = 0  # sets written now in this process
_was_enabled = True


@contextmanager
def paused() -> Iterator[None]:
    """Pause automatic collection while the block runs (and others like it)."""
    global _writing, _was_enabled
    if _writing == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _writing += 1
    try:
        yield
    finally:
        _writing -= 1
        if _writing == 0 and _was_enabled:
            gc.enable()
