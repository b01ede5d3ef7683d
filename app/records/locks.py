"""The keys of records as drafts and as stored: what their writes lock, and the party keys
that their parties are resolved and locked by."""

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.ingest import keys
from app.ingest.keys import Key
from app.ingest.locks import lock
from app.matching.similarity import PartyKey, party_key
from app.records.models import RecordItem, RecordParty
from app.records.schemas import PartyIn


def party_key_of(party: PartyIn) -> PartyKey:
    """What a party named on a record is resolved by."""
    ids = party.identifiers
    if ids is None:
        return party_key(party.name, party.country)
    return party_key(party.name, party.country, ids.lei, ids.vat, ids.eori)


def party_keys(parties: Iterable[PartyIn | None]) -> set[Key]:
    """The blocking keys of the parties a draft names."""
    return keys.parties(party_key_of(p) for p in parties if p is not None)


def stored_keys(
    kind: str,
    record_id: str,
    items: Sequence[RecordItem],
    parties: Sequence[RecordParty],
    route: Iterable[str | None],
    importing_country: str | None = None,
) -> set[Key]:
    """A stored record's own key, its goods' keys and its parties' entities (their blocking
    keys are not needed: whoever reaches an entity locks it)."""
    codes = [i.substance_code for i in items]
    return (
        {keys.record(kind, record_id)}
        | keys.goods(codes, route, importing_country)
        | {keys.entity(p.party_id) for p in parties}
    )


async def lock_entities(session: AsyncSession, party_ids: Iterable[str]) -> None:
    """Lock the entities parties resolved to, before anything is read about them."""
    await lock(session, {keys.entity(i) for i in party_ids})
