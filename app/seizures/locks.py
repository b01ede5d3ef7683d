"""What writes of seizures lock (`app.ingest.keys`): a draft's keys, an amendment's."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.schemas import Principal
from app.ingest import keys
from app.ingest.keys import Key
from app.ingest.locks import lock
from app.records import locks
from app.records import service as records
from app.seizures.models import KIND, Seizure
from app.seizures.schemas import SeizureCreate, SeizurePatch

_IDENTIFIERS = ("containers", "air_waybill", "bill_of_lading", "invoice_number")


def draft_keys(principal: Principal, body: SeizureCreate) -> set[Key]:
    """What a new seizure could meet other writes on."""
    return (
        {keys.reference(KIND, principal.authority_id, body.reference)}
        | keys.identifiers(*(getattr(body, f) for f in _IDENTIFIERS))
        | locks.party_keys(body.parties)
        | keys.goods((i.substance for i in body.items), [body.country or principal.country])
    )


async def lock_amendment(session: AsyncSession, seizure: Seizure, patch: SeizurePatch) -> None:
    """Lock what the seizure met before the amendment and what it meets after it, then read
    it as committed."""
    items, parties = await records.load_children(session, KIND, [seizure.id])
    given = patch.model_fields_set

    def after(name: str) -> Any:
        return getattr(patch, name) if name in given else getattr(seizure, name)

    own = items[seizure.id]
    refs = [i.substance for i in patch.items] if patch.items else [i.substance_code for i in own]
    await lock(
        session,
        locks.stored_keys(KIND, seizure.id, own, parties[seizure.id], [seizure.country])
        | keys.identifiers(*(getattr(seizure, f) for f in _IDENTIFIERS))
        | keys.identifiers(*(after(f) for f in _IDENTIFIERS))
        | locks.party_keys(patch.parties or [])
        | keys.goods(refs, [after("country")]),
    )
    await session.refresh(seizure)
