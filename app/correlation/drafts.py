"""What the correlation of a record not yet written will look up, known from its draft alone: its
identifiers and the buckets of its substances, route and dates (its parties' keys wait for their
entities), and the windows of routes ROUTE_RISK will read (`routes.Window`). A set reads them all
at once (`service.read_for_set`, `routes.read`)."""

from collections.abc import Iterable
from datetime import date

from app.auth.schemas import Principal
from app.ingest import keys, lanes, routes
from app.matching import keys as keyspace
from app.matching.similarity import PartyKey
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.schemas import NotificationCreate
from app.records.facts import ItemFacts, NotificationFacts, SeizureFacts, item_facts
from app.reference.substances import catalogue
from app.seizures.models import KIND as SEIZURE
from app.seizures.schemas import SeizureCreate

Lookup = tuple[str, str, str]  # the kind of record looked up, a key type, a value
AnyLookup = Lookup | routes.Window | lanes.Lanes


def _items(refs: Iterable[str]) -> tuple[ItemFacts, ...]:
    """The substance lines as far as correlation keys need them (their families)."""
    found = []
    for ref in refs:
        try:
            found.append(item_facts(catalogue().resolve(ref).substance.code, 0, 0))
        except ValueError:
            continue  # the record will be refused
    return tuple(found)


def notification(
    principal: Principal, body: NotificationCreate, today: date, ends: tuple[PartyKey, PartyKey]
) -> set[AnyLookup]:
    """The seizure keys a new notification will look up, and its lanes (`ends`: the keys of
    its exporter and importer, as its draft built them)."""
    notified_on = body.notified_on or today
    draft = NotificationFacts(
        id="",
        reference=body.reference,
        exporting_country=principal.country,
        importing_country=body.importing_country,
        transit_countries=tuple(body.transit_countries),
        notified_on=notified_on,
        reply_due_date=notified_on,
        items=_items(i.substance for i in body.items),
        parties=(),
        dispatch_date=body.dispatch_date,
        identifiers=_identifiers(
            body.containers, body.air_waybill, body.bill_of_lading, body.invoice_number
        ),
    )
    found: set[AnyLookup] = {(SEIZURE, t, v) for t, v in keyspace.notification_lookups(draft)}
    found.add(lanes.lanes_of(draft, *ends))
    return found | routes.lookups(draft)


def seizure(principal: Principal, body: SeizureCreate) -> set[AnyLookup]:
    """The notification keys a new seizure will look up, and the seizure keys of its
    identifiers (the seizures it may cluster with)."""
    draft = SeizureFacts(
        id="",
        reference=body.reference,
        type=body.type,
        reporting_country=principal.country,
        country=body.country or principal.country,
        place=body.place,
        occurred_on=body.occurred_on,
        origin_country=body.origin_country,
        destination_country=body.destination_country,
        transit_countries=tuple(body.transit_countries),
        items=_items(i.substance for i in body.items),
        parties=(),
        identifiers=_identifiers(
            body.containers, body.air_waybill, body.bill_of_lading, body.invoice_number
        ),
    )
    found: set[AnyLookup] = {(NOTIFICATION, t, v) for t, v in keyspace.seizure_lookups(draft)}
    found |= {(SEIZURE, t, v) for t, v in draft.identifiers}
    return found | routes.lookups(draft)


def _identifiers(
    containers: Iterable[str], awb: str | None, bol: str | None, invoice: str | None
) -> frozenset[tuple[str, str]]:
    return frozenset((t, v) for t, v in keys.identifiers(containers, awb, bol, invoice))
