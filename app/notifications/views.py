"""The API view of notifications: the stored rows with their children, loaded in bulk."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import KIND, Notification
from app.notifications.schemas import Arrival, NotificationOut, Reply
from app.records import service as records
from app.records.models import RecordItem

OTHERS_FROM = 10  # positions below hold the exporter, importer and consignee


async def render(session: AsyncSession, rows: Sequence[Notification]) -> list[NotificationOut]:
    """Build the API view of notifications, loading their children in bulk."""
    items, parties = await records.load_children(session, KIND, [n.id for n in rows])
    out = []
    for n in rows:
        own = parties[n.id]
        main = {p.role: records.party_out(p) for p in own if p.position < OTHERS_FROM}
        others = [records.party_out(p) for p in own if p.position >= OTHERS_FROM]
        arrived: list[RecordItem] = items.get(f"{n.id}:arrival", [])
        out.append(
            NotificationOut(
                **{c: getattr(n, c) for c in _PLAIN},
                exporter=main["exporter"],
                importer=main["importer"],
                consignee=main.get("consignee"),
                other_parties=others,
                items=[records.item_out(i) for i in items[n.id]],
                reply=Reply(decision=n.decision, reason=n.decision_reason, replied_on=n.replied_on)
                if n.decision and n.replied_on
                else None,
                arrival=Arrival(
                    received_on=n.received_on, items=[records.item_out(i) for i in arrived]
                )
                if n.received_on
                else None,
            )
        )
    return out


_PLAIN = (
    "id",
    "reference",
    "status",
    "exporting_country",
    "importing_country",
    "notified_on",
    "reply_due_date",
    "exit_point",
    "entry_point",
    "transit_countries",
    "transport_mode",
    "dispatch_date",
    "expected_arrival_date",
    "containers",
    "bill_of_lading",
    "air_waybill",
    "invoice_number",
    "import_permit",
    "end_use",
    "created_at",
    "updated_at",
)
