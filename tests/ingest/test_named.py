"""The records of an incident rule's window, chosen in memory from the records naming each party,
are those the capped window query per party chose (its SQL is the oracle, run in sqlite3)."""

import sqlite3
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ingest.named import newest_per_party

pytestmark = pytest.mark.pure

# The statement the in-memory choice replaced: the `cap` newest (or earliest) per party.
WINDOW = """
SELECT DISTINCT id, on_ FROM (
    SELECT id, on_, row_number() OVER (PARTITION BY party ORDER BY on_ {order}, id {order}) AS r
    FROM (SELECT DISTINCT party, id, on_ FROM named)
) WHERE r <= ? ORDER BY on_, id
"""

parties = st.sampled_from(["p1", "p2", "p3"])
records = st.sampled_from([f"r{i}" for i in range(12)])
days = st.integers(0, 6).map(lambda d: date(2026, 1, 1) + timedelta(days=d))


@given(
    rows=st.lists(st.tuples(parties, records), max_size=30),
    dated=st.dictionaries(records, days),
    cap=st.integers(1, 4),
    newest=st.booleans(),
)
def test_the_choice_is_the_capped_window_query(
    rows: list[tuple[str, str]], dated: dict[str, date], cap: int, newest: bool
) -> None:
    by_party: dict[str, list[str]] = {}
    for party, record in rows:
        by_party.setdefault(party, []).append(record)

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE named (party TEXT, id TEXT, on_ TEXT)")
    db.executemany(
        "INSERT INTO named VALUES (?, ?, ?)",
        [(p, r, dated[r].isoformat()) for p, r in rows if r in dated],
    )
    order = "DESC" if newest else "ASC"
    expected = [row[0] for row in db.execute(WINDOW.format(order=order), (cap,))]

    assert newest_per_party(by_party, dated, cap, newest) == expected


def test_records_without_a_date_in_the_window_are_left_out() -> None:
    on = {"a": date(2026, 1, 2), "b": date(2026, 1, 1)}
    assert newest_per_party({"p": ["a", "b", "c"]}, on, 5, True) == ["b", "a"]
    assert newest_per_party({"p": ["a", "b"], "q": ["b"]}, on, 1, True) == ["b", "a"]
