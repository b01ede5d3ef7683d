"""What writes of notifications lock (`app.ingest.keys`): a draft's keys, a stored one's."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.schemas import Principal
from app.ingest import keys
from app.ingest.keys import Key
from app.ingest.locks import lock
from app.notifications.models import KIND, Notification
from app.notifications.schemas import NotificationCreate
from app.records import locks
from app.records import service as records
from app.records.schemas import PartyIn


def named(body: NotificationCreate) -> list[PartyIn]:
    """The parties a notification names, in their order."""
    parties = [body.exporter, body.importer, body.consignee, *body.other_parties]
    return [p for p in parties if p is not None]


def draft_keys(principal: Principal, body: NotificationCreate) -> set[Key]:
    """What a new notification could meet other writes on (`app.ingest.keys`)."""
    return (
        {keys.reference(KIND, principal.authority_id, body.reference)}
        | keys.identifiers(
            body.containers, body.air_waybill, body.bill_of_lading, body.invoice_number
        )
        | locks.party_keys(named(body))
        | keys.goods(
            (i.substance for i in body.items), body.transit_countries, body.importing_country
        )
    )


async def lock_stored(session: AsyncSession, n: Notification) -> None:
    """Lock what a change of a stored notification could meet, then read it as committed."""
    items, parties = await records.load_children(session, KIND, [n.id])
    await lock(
        session,
        keys.identifiers(n.containers, n.air_waybill, n.bill_of_lading, n.invoice_number)
        | locks.stored_keys(
            KIND, n.id, items[n.id], parties[n.id], n.transit_countries, n.importing_country
        ),
    )
    # The row too: the sweep reads its candidates under a share lock (runners/sweep.py).
    await session.refresh(n, with_for_update=True)
