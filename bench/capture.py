"""`precursor-alerts` with every statement it sends recorded, for bench.replay.

Run as ``python -m bench.capture OUT.pickle import FILE ...``: the command line after OUT is the
CLI's own. The steps are (kind, statement, parameters) as the driver received them, with the
transactions' begin, commit and rollback between them.
"""

import pickle
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

Step = tuple[str, str | None, Any]


def kind_of(executemany: bool, parameters: Any) -> str:
    """ "many" for rows of parameters; "one" for one row. An INSERT of many rows with RETURNING
    is sent as batches of one statement each (SQLAlchemy's "insertmanyvalues": `VALUES (..),
    (..)`), flagged as executemany but given one flat row of parameters."""
    if executemany and parameters and isinstance(parameters[0], list | tuple | dict):
        return "many"
    return "one"


@contextmanager
def recording() -> Iterator[list[Step]]:
    """Record the steps of every engine in this process while the block runs."""
    steps: list[Step] = []

    def statement(*args: Any) -> None:
        _conn, _cursor, sql, parameters, _context, executemany = args
        steps.append((kind_of(executemany, parameters), sql, parameters))

    def boundary(kind: str) -> Callable[[Any], None]:
        return lambda _conn: steps.append((kind, None, None))

    listeners = [("before_cursor_execute", statement)] + [
        (kind, boundary(kind)) for kind in ("begin", "commit", "rollback")
    ]
    for name, fn in listeners:
        event.listen(Engine, name, fn)
    try:
        yield steps
    finally:
        for name, fn in listeners:
            event.remove(Engine, name, fn)


if __name__ == "__main__":
    from app.cli import main

    out = Path(sys.argv[1])
    sys.argv = ["precursor-alerts", *sys.argv[2:]]
    with recording() as recorded:
        try:
            main()
        finally:  # the CLI ends by raising SystemExit
            out.write_bytes(pickle.dumps(recorded))
