"""The candidates pool of a set keeps itself as a read of the store would give it."""

from types import SimpleNamespace
from typing import Any

import pytest

from app.parties.pool import BLOCK_CAP, Pool

pytestmark = pytest.mark.pure


def party(pid: str) -> Any:
    return SimpleNamespace(id=pid, merged_into=None)


def test_a_block_keeps_id_order_and_is_dropped_once_too_common() -> None:
    full = [f"p{i:03d}" for i in range(1, BLOCK_CAP)]  # one short of the cap
    pool = Pool({"NG:lagos": list(full), "NG:pharma": []}, {}, {}, set(), set())
    pool.add(party("p000"), "lagos pharma", "Lagos Pharma", {"NG:lagos", "NG:pharma", "NG:x"})
    assert pool.blocks["NG:lagos"] == ["p000", *full]  # the store orders a block by id
    assert pool.blocks["NG:pharma"] == ["p000"]
    assert "NG:x" not in pool.blocks  # not looked up by the set: nothing to keep
    pool.add(party("p999"), "lagos pharma", "LAGOS PHARMA", {"NG:lagos"})
    assert pool.blocks["NG:lagos"] == [] and pool.common == {"NG:lagos"}  # cap + 1: too common
    pool.add(party("p500"), "lagos pharma", "Lagos Pharma.", {"NG:lagos"})
    assert pool.blocks["NG:lagos"] == []  # stays dropped, as the store would answer
    assert [p.id for p in pool.candidates(["NG:lagos", "NG:pharma"], None)] == ["p000"]
