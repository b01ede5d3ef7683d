"""Start-up's objects kept out of the garbage collector's walks (app.kit.collector): by `serve`
(tests/ops/test_ops.py) and by `import`, whose sets hold many live objects."""

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app import cli
from app.config import get_settings
from app.kit import collector


def test_frozen_objects_stay_out_and_later_cycles_are_still_collected() -> None:
    class Node:
        me: "Node"

    gc.unfreeze()
    try:
        collector.freeze_start_up()
        assert gc.get_freeze_count() > 0
        later = Node()
        later.me = later
        gone = weakref.ref(later)
        del later
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()


@pytest.mark.parametrize(("setting", "frozen"), [(None, 1), ("false", 0)])
def test_the_import_freezes_start_up_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str | None, frozen: int
) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(collector, "freeze_start_up", lambda: calls.append(1))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/import.db")
    if setting is not None:
        monkeypatch.setenv("GC_FREEZE", setting)
    get_settings.cache_clear()
    try:
        assert CliRunner().invoke(cli.cli, ["migrate"]).exit_code == 0
        empty = tmp_path / "empty.ndjson"
        empty.write_text("")
        result = CliRunner().invoke(cli.cli, ["import", str(empty)])
        assert result.exit_code == 0, result.output
    finally:
        get_settings.cache_clear()
    assert len(calls) == frozen
