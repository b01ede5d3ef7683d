"""Business rules of seizures: idempotent create, amendments, visibility."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import engine
from app.alerts import service as alerts
from app.alerts.models import Alert
from app.alerts.runners.base import Event
from app.auth.schemas import Principal
from app.correlation import drafts
from app.correlation import service as correlation
from app.errors import Forbidden, InvalidInput, NotFound
from app.ingest import kept, pipeline, replays, stages
from app.ingest.pipeline import Draft
from app.ingest.stages import NewRecord
from app.kit.clock import Clock
from app.records import idempotency, locks
from app.records import repository as record_repository
from app.records import service as records
from app.records.models import RecordItem, RecordParty
from app.records.schemas import RolePartyIn
from app.seizures import repository
from app.seizures.locks import draft_keys, lock_amendment
from app.seizures.models import KIND, Seizure
from app.seizures.schemas import (
    SeizureCreate,
    SeizureItemOut,
    SeizureOut,
    SeizurePatch,
)

_COLUMNS = (
    "occurred_on",
    "place",
    "origin_country",
    "destination_country",
    "transit_countries",
    "bill_of_lading",
    "air_waybill",
    "invoice_number",
    "modus_operandi",
    "notes",
)


_READ_STORED = replays.reader(Seizure, KIND)
Created = tuple[Seizure, bool, list[Alert]]


def draft(principal: Principal, body: SeizureCreate, clock: Clock) -> Draft[Created]:
    """The write of a new seizure (or of its replay), for the pipeline."""
    try:
        new: _New | InvalidInput = _new(principal, body, clock)
    except InvalidInput as refused:  # given only if the reference is not a replay's
        new = refused
    return pipeline.draft(
        draft_keys(principal, body),
        partial(_create, principal, body, new),
        [locks.party_key_of(p) for p in body.parties],
        [_READ_STORED],
        drafts.seizure(principal, body),
        None if isinstance(new, InvalidInput) else replays.NewRow(Seizure, new.values),
    )


async def create(
    session: AsyncSession, principal: Principal, body: SeizureCreate, clock: Clock
) -> Created:
    """Store a new seizure, or return the stored one for an identical replay."""
    return await pipeline.write_one(session, draft(principal, body, clock))


@dataclass(frozen=True, slots=True)
class _New:
    """A valid new seizure's columns and items, built before its set is written."""

    values: dict[str, Any]
    items: list[RecordItem]


def _new(principal: Principal, body: SeizureCreate, clock: Clock) -> _New:
    seizure_id = str(uuid.uuid4())
    items = records.build_items(KIND, seizure_id, body.items)
    now = clock.now()
    values = {
        "id": seizure_id,
        "authority_id": principal.authority_id,
        "reference": body.reference,
        "type": body.type,
        "reporting_country": principal.country,
        "country": body.country or principal.country,
        "containers": list(dict.fromkeys(body.containers)),
        "request": body.model_dump(mode="json"),
        "created_at": now,
        "updated_at": now,
        **{c: getattr(body, c) for c in _COLUMNS},
    }
    return _New(values, items)


async def _create(
    principal: Principal, body: SeizureCreate, new: _New | InvalidInput, session: AsyncSession
) -> Created:
    async def find() -> Seizure | None:
        return await repository.get_by_reference(session, principal.authority_id, body.reference)

    seizure, created = await idempotency.stored_or_inserted(
        session,
        Seizure,
        principal.authority_id,
        body,
        new if isinstance(new, InvalidInput) else new.values,
        find,
    )
    if not created:
        return seizure, False, await alerts.raised_by(session, KIND, seizure.id)
    assert not isinstance(new, InvalidInput)  # a refused body is never inserted
    parties = [(i, p.role, p) for i, p in enumerate(body.parties)]
    record = NewRecord(KIND, seizure.id, new.items, parties, partial(_countries, seizure))
    return seizure, True, await stages.created(session, record, principal, new.values["created_at"])


async def _store_parties(
    session: AsyncSession, seizure: Seizure, parties: Sequence[RolePartyIn], clock: Clock
) -> list[RecordParty]:
    """An amendment's parties, and the countries they bring."""
    stored = await records.store_parties(
        session, KIND, seizure.id, [(i, p.role, p) for i, p in enumerate(parties)], clock.now()
    )
    await records.set_countries(session, KIND, seizure.id, _countries(seizure, stored))
    return stored


def _countries(s: Seizure, parties: Sequence[RecordParty]) -> list[tuple[str, str]]:
    pairs = [(s.reporting_country, "reporting"), (s.country, "occurred")]
    pairs += [(c, "origin") for c in [s.origin_country] if c]
    pairs += [(c, "destination") for c in [s.destination_country] if c]
    pairs += [(c, "transit") for c in s.transit_countries]
    pairs += [(p.country, "party") for p in parties if p.country]
    return pairs


async def get_visible(session: AsyncSession, principal: Principal, seizure_id: str) -> Seizure:
    """Get a seizure the caller may see, or 404."""
    seizure = await repository.get(session, seizure_id)
    if seizure is None or not principal.can_see(
        await record_repository.countries_of(session, KIND, seizure_id)
    ):
        raise NotFound(f"no seizure {seizure_id!r} visible to this authority")
    return seizure


async def amend(
    session: AsyncSession, principal: Principal, seizure: Seizure, patch: SeizurePatch, clock: Clock
) -> list[Alert]:
    """Replace the fields given in the patch (reporting country only) and record the change."""
    if principal.country != seizure.reporting_country:
        raise Forbidden("only the reporting country amends a seizure")
    given = patch.model_dump(exclude_unset=True)
    if not given:
        return []
    await lock_amendment(session, seizure, patch)
    kept.forget(session)
    if patch.items is not None:
        items = records.build_items(KIND, seizure.id, patch.items)
        await session.execute(
            delete(RecordItem).where(RecordItem.kind == KIND, RecordItem.record_id == seizure.id)
        )
        session.add_all(items)
    for column in _COLUMNS:
        if column in given:
            setattr(seizure, column, getattr(patch, column))
    if patch.country is not None:
        seizure.country = patch.country
    if patch.containers is not None:
        seizure.containers = list(dict.fromkeys(patch.containers))
    if patch.parties is not None:
        await session.execute(
            delete(RecordParty).where(RecordParty.kind == KIND, RecordParty.record_id == seizure.id)
        )
        await _store_parties(session, seizure, patch.parties, clock)
    else:
        named = (await records.load_children(session, KIND, [seizure.id]))[1][seizure.id]
        await records.set_countries(session, KIND, seizure.id, _countries(seizure, named))
    seizure.updated_at = clock.now()
    seizure.version += 1
    await records.add_event(
        session,
        KIND,
        seizure.id,
        "amended",
        principal=principal,
        at=clock.now(),
        data={"fields": sorted(given)},
    )
    await correlation.correlate_seizure(session, seizure.id, clock.now())
    return await engine.dispatch(session, Event("seizure", seizure.id), clock.now())


async def render(session: AsyncSession, rows: Sequence[Seizure]) -> list[SeizureOut]:
    """Build the API view of seizures, loading their children in bulk."""
    items, parties = await records.load_children(session, KIND, [s.id for s in rows])
    return [
        SeizureOut(
            **{c: getattr(s, c) for c in _PLAIN},
            items=[records.item_out(i, SeizureItemOut) for i in items[s.id]],
            parties=[records.party_out(p) for p in parties[s.id]],
        )
        for s in rows
    ]


_PLAIN = (
    "id",
    "reference",
    "type",
    "reporting_country",
    "country",
    "containers",
    "created_at",
    "updated_at",
    *_COLUMNS,
)
