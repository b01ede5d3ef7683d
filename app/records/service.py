"""Store and load what every record has: items, parties, countries and history."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.schemas import Principal
from app.db import before_commit, pause
from app.errors import InvalidInput
from app.identifiers import base_mg, mg_to_kg, net_mg
from app.ingest import entities
from app.kit import deferred
from app.parties import service as party_service
from app.records import children, locks, statements
from app.records.models import RecordItem, RecordParty
from app.records.schemas import (
    ItemIn,
    ItemOut,
    PartyIn,
    RolePartyOut,
)
from app.reference.substances import canonical_salt, catalogue


def _salt(value: str | None) -> str | None:
    return None if value is None else canonical_salt(value)


def build_items(
    kind: str, record_id: str, items: Sequence[ItemIn], *, prefix: str = "items"
) -> list[RecordItem]:
    """Resolve substances and compute net and base masses; 422 names the failing field."""
    rows: list[RecordItem] = []
    errors: list[tuple[str, str]] = []
    for position, item in enumerate(items):
        where = f"{prefix}.{position}"
        resolved = catalogue().resolve(item.substance)
        substance = resolved.substance
        salt = _salt(item.salt) or resolved.salt
        if item.salt and resolved.salt and _salt(item.salt) != resolved.salt:
            errors.append(
                (f"{where}.salt", f"differs from the salt named in substance: {resolved.salt}")
            )
            continue
        form = item.form or ("preparation" if item.dosage_units else "salt" if salt else "base")
        if salt and form == "base":
            errors.append((f"{where}.form", "a salt is named, so form cannot be 'base'"))
            continue
        try:
            factor = catalogue().salt_factor(substance, salt) if salt else Decimal(1)
        except ValueError as exc:
            errors.append((f"{where}.salt", str(exc)))
            continue
        concentration = item.concentration_percent or Decimal(100)
        if (
            item.unit in ("l", "ml")
            and substance.density_g_per_ml is None
            and not item.dosage_units
        ):
            errors.append((f"{where}.unit", f"{substance.code} is not a liquid: give a mass unit"))
            continue
        try:
            if item.dosage_units is not None and item.mg_per_unit is not None:
                net = net_mg(Decimal(item.dosage_units), "units", mg_per_unit=item.mg_per_unit)
                concentration = Decimal(100)
            else:
                net = net_mg(item.quantity, item.unit, density_g_per_ml=substance.density_g_per_ml)
        except ValueError as exc:
            errors.append((f"{where}.quantity", str(exc)))
            continue
        rows.append(
            RecordItem(
                kind=kind,
                record_id=record_id,
                position=position,
                substance=item.substance,
                substance_code=substance.code,
                form=form,
                salt=salt,
                quantity=str(item.quantity),
                unit=item.unit,
                concentration_percent=str(item.concentration_percent or Decimal(100)),
                dosage_units=item.dosage_units,
                mg_per_unit=None if item.mg_per_unit is None else str(item.mg_per_unit),
                declared_as=getattr(item, "declared_as", None),
                net_mg=net,
                base_mg=base_mg(net, salt_factor=factor, concentration_percent=concentration),
            )
        )
    if errors:
        raise InvalidInput(errors)
    return rows


async def store_parties(
    session: AsyncSession,
    kind: str,
    record_id: str,
    parties: Iterable[tuple[int, str, PartyIn]],
    now: datetime,
) -> list[RecordParty]:
    """Resolve each (position, role, party) to an entity and store it against the record."""
    rows: list[dict[str, Any]] = []
    parties = list(parties)
    pool = party_service.set_pool(session) or await party_service.load_pool(
        session, [locks.party_key_of(p) for _, _, p in parties]
    )
    for position, role, party in parties:
        await pause(session)  # matching a party against its candidates is the longest CPU stretch
        ids = party.identifiers
        entity = await party_service.resolve(
            session,
            name=party.name,
            country=party.country,
            lei=ids.lei if ids else None,
            vat=ids.vat if ids else None,
            eori=ids.eori if ids else None,
            now=now,
            pool=pool,
        )
        rows.append(
            {
                "kind": kind,
                "record_id": record_id,
                "position": position,
                "role": role,
                "name": party.name,
                "address": party.address,
                "country": party.country,
                "lei": ids.lei if ids else None,
                "vat": ids.vat if ids else None,
                "eori": ids.eori if ids else None,
                "party_id": entity.id,
            }
        )
    # Rules and links read what other records say of these entities: wait for writes to them.
    await locks.lock_entities(session, sorted({r["party_id"] for r in rows}))
    if rows:
        await deferred.insert_later(session, statements.PARTIES_TABLE, rows)
        entities.mentioned(session, kind, rows)
    # Unsaved copies for the caller: the stored rows are not kept in the session.
    return [RecordParty(**row) for row in rows]


async def set_countries(
    session: AsyncSession,
    kind: str,
    record_id: str,
    countries: Iterable[tuple[str, str]],
    *,
    new: bool = False,
) -> None:
    """Replace the (country, role) pairs a record concerns (a new record has none to drop)."""
    if not new:
        await session.execute(statements.DROP_COUNTRIES, {"kind": kind, "record_id": record_id})
    rows = [
        {"kind": kind, "record_id": record_id, "country": country, "role": role}
        for country, role in sorted(set(countries))
    ]
    await deferred.insert_later(session, statements.COUNTRIES_TABLE, rows)


EVENTS = "pending_events"  # on session.info: history entries written just before commit


async def add_event(
    session: AsyncSession,
    kind: str,
    record_id: str,
    event: str,
    *,
    principal: Principal | None,
    at: datetime,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append a change to a record's history. A transaction's entries are written together just
    before it commits, in the order they came (one statement, not one each); the change itself
    is written before anything reads its table (`app.kit.deferred.flush_before`)."""
    row = {
        "kind": kind,
        "record_id": record_id,
        "event": event,
        "at": at,
        "authority_id": principal.authority_id if principal else None,
        "country": principal.country if principal else None,
        "note": note,
        "data": data or {},
    }
    session.info.setdefault(EVENTS, []).append(row)
    before_commit(session, _write_events)


async def _write_events(session: AsyncSession) -> None:
    if rows := session.info.pop(EVENTS, []):
        await session.execute(statements.INSERT_EVENT, rows)


def pending_events(session: AsyncSession, kind: str, record_id: str) -> list[str]:
    """The names of a record's history entries not written yet, oldest first."""
    pending: list[dict[str, Any]] = session.info.get(EVENTS, [])
    return [r["event"] for r in pending if (r["kind"], r["record_id"]) == (kind, record_id)]


async def load_children(
    session: AsyncSession, kind: str, record_ids: Sequence[str]
) -> tuple[dict[str, list[RecordItem]], dict[str, list[RecordParty]]]:
    """Load items (arrivals under `<id>:arrival`) and parties of many records in two queries."""
    items: dict[str, list[RecordItem]] = defaultdict(list)
    parties: dict[str, list[RecordParty]] = defaultdict(list)
    missing = children.fill(session, kind, record_ids, items, parties)
    if not missing:
        return items, parties
    params = {"kind": kind, "arrival": f"{kind}_arrival", "ids": missing}
    for item in await session.scalars(statements.ITEMS, params):
        items[item.record_id if item.kind == kind else f"{item.record_id}:arrival"].append(item)
    for party in await session.scalars(statements.PARTIES, params):
        parties[party.record_id].append(party)
    return items, parties


def item_out(row: RecordItem, model: type[ItemOut] = ItemOut) -> ItemOut:
    """Render a stored item as `model` (which may add `declared_as`)."""
    return model(
        declared_as=row.declared_as,
        substance=row.substance,
        substance_code=row.substance_code,
        form=row.form,
        salt=row.salt,
        quantity=float(Decimal(row.quantity)),
        unit=row.unit,
        concentration_percent=float(Decimal(row.concentration_percent)),
        dosage_units=row.dosage_units,
        mg_per_unit=None if row.mg_per_unit is None else float(Decimal(row.mg_per_unit)),
        net_kg=float(mg_to_kg(row.net_mg)),
        base_kg=float(mg_to_kg(row.base_mg)),
    )


def party_out(row: RecordParty) -> RolePartyOut:
    """Render a stored party."""
    identifiers = None
    if row.lei or row.vat or row.eori:
        identifiers = {"lei": row.lei, "vat": row.vat, "eori": row.eori}
    return RolePartyOut.model_validate(
        {
            "role": row.role,
            "name": row.name,
            "address": row.address,
            "country": row.country,
            "identifiers": identifiers,
            "party_id": row.party_id,
        }
    )
