"""Start-up's objects kept out of the cyclic garbage collector's walks."""

import gc


def freeze_start_up() -> None:
    """Move every object alive now (mappers, schemas, the substance catalogue: ~375,000 after
    start-up) to the collector's permanent generation. They live as long as the process, and a
    full collection would walk them all again: a ~0.2 s stall of every request (an idle poll's
    p99 included), and ~15 % of an import, whose sets hold tens of thousands of live objects
    and so trigger full collections often (bench/fixes.md)."""
    gc.collect()
    gc.freeze()
