"""The capped key look-ups under party resolution and correlation, on both databases: each key
is cut at its own cap, rows come in key then id order, and a key held too widely brings nothing.
(PostgreSQL reads the keys as arrays joined LATERAL, SQLite as a union of capped parts.)"""

from datetime import UTC, datetime

from sqlalchemy import insert

from app.correlation import repository as correlation
from app.correlation.models import CorrelationKey
from app.matching.keys import BUCKET
from app.parties import repository as parties
from app.parties.models import Party, PartyBlock

IDS = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(6)]


async def test_blocking_keys_are_capped_each_on_its_own(app):
    now = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        {"id": i, "name": f"Firm {n}", "normalized_name": f"firm {n}", "created_at": now}
        for n, i in enumerate(IDS)
    ]
    held = {"NG:busy": IDS[:4], "NG:few": [IDS[3], IDS[1]], "NG:one": [IDS[4]]}
    async with app.state.sessionmaker() as session:
        await session.execute(insert(Party), rows)
        await session.execute(
            insert(PartyBlock), [{"key": k, "party_id": p} for k, ps in held.items() for p in ps]
        )
        found = await parties.blocked_map(
            session, ["NG:one", "NG:busy", "NG:few", "NG:none", "NG:few"], cap=3
        )
        assert found == {
            "NG:busy": [],  # 4 parties > cap 3: too common to tell them apart
            "NG:few": [IDS[1], IDS[3]],
            "NG:none": [],
            "NG:one": [IDS[4]],
        }
        assert list(found) == sorted(found)
        assert await parties.blocked_map(session, [], cap=3) == {}
        await session.rollback()


async def test_correlation_keys_are_capped_each_on_its_own(app):
    held = {
        ("container", "MSCU1234566"): IDS[:2],
        ("invoice", "INV-1"): IDS[:3],  # over the cap of 2: dropped
        (BUCKET, "PSE|GH|2026Q1"): [IDS[5], IDS[4], IDS[3], IDS[0]],
    }
    rows = [
        {"kind": "notification", "record_id": r, "key_type": t, "value": v}
        for (t, v), ids in held.items()
        for r in ids
    ]
    async with app.state.sessionmaker() as session:
        await session.execute(insert(CorrelationKey), rows)
        found = await correlation.candidates(
            session, "notification", list(held), cap=2, bucket_cap=4, bucket_budget=1
        )
        # Strong keys first; the bucket then adds to those found and, within its budget of one,
        # the first other record in id order.
        assert found == {
            IDS[0]: {"container", BUCKET},
            IDS[1]: {"container"},
            IDS[3]: {BUCKET},
        }
        capped = await correlation.candidates(
            session, "notification", list(held), cap=2, bucket_cap=3, bucket_budget=1
        )
        assert capped == {IDS[0]: {"container"}, IDS[1]: {"container"}}
        other_kind = await correlation.candidates(
            session, "seizure", list(held), cap=2, bucket_cap=4
        )
        assert other_kind == {}
        await session.rollback()
