"""The labelled world is deterministic, has every case class, and its labels are honest.

Honest means: for every seizure, no notification other than its label is a plausible source.
A notification is an implausible source of a seizure when at least one of these holds:
the seizure happened before the dispatch or more than 365 days after it; the substance family
differs; more than twice the notified quantity was seized; the seizure names a receiving party
(importer or consignee) that is another company. Seizures that name no receiving party and carry
no identifier (laboratories, thefts) give no evidence either way and are left out of the check:
linking them on substance, country and date alone would be a false positive.
"""

from collections import Counter
from datetime import timedelta
from functools import cache
from typing import Any

import pytest

from app.identifiers import normalize_awb, normalize_container, normalize_document_number
from app.reference.substances import Substance, catalogue
from tests.quality.generator import (
    AS_OF,
    COMPANIES,
    MAX_DAYS_AFTER_DISPATCH,
    WINDOW_DAYS,
    NotificationCase,
    SeizureCase,
    World,
    build_world,
    fold,
    phases,
)

pytestmark = pytest.mark.pure
SEED = 2026
_RECEIVING = {"importer", "consignee"}


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(SEED)


@cache
def _substance(reference: str) -> Substance:
    return catalogue().resolve(reference).substance


def _family(reference: str) -> str:
    return _substance(reference).family


def _net_kg(item: dict[str, Any]) -> float:
    substance = _substance(item["substance"])
    factor = {"kg": 1.0, "t": 1000.0, "g": 0.001, "mg": 1e-6, "l": 1.0, "ml": 0.001}
    density = float(substance.density_g_per_ml or 1) if item["unit"] in ("l", "ml") else 1.0
    return float(item["quantity"]) * factor[item["unit"]] * density


_WORLD_NAMES = frozenset(fold(c.stem) for c in COMPANIES.values())


def _receivers(s: SeizureCase) -> frozenset[str]:
    """The receiving parties a seizure names: world companies by key, strangers by name."""
    parties = tuple((p["role"], p["name"]) for p in s.body.get("parties", []))
    return _receivers_of(s.companies, parties)


@cache
def _receivers_of(
    companies: tuple[str, ...], parties: tuple[tuple[str, str], ...]
) -> frozenset[str]:
    out = {COMPANIES[k].key for k in companies if COMPANIES[k].role == "importer"}
    named = {fold(name) for role, name in parties if role in _RECEIVING}
    strangers = {n for n in named if not any(w in n for w in _WORLD_NAMES)}
    return frozenset(out | {f"stranger:{n}" for n in strangers})


def _identifiers(body: dict[str, Any]) -> set[str]:
    ids = {f"c:{normalize_container(c)}" for c in body.get("containers", [])}
    if body.get("air_waybill"):
        ids.add(f"a:{normalize_awb(body['air_waybill'])}")
    for field in ("bill_of_lading", "invoice_number"):
        if body.get(field):
            ids.add(f"{field}:{normalize_document_number(body[field])}")
    return ids


def implausible(s: SeizureCase, n: NotificationCase) -> list[str]:
    """Why `n` cannot be the source of `s` (empty when it could be)."""
    reasons = []
    days = (s.occurred_on - n.dispatch).days
    if days < 0 or days > WINDOW_DAYS:
        reasons.append("date")
    families = {_family(i["substance"]) for i in n.body["items"]}
    seized = [i for i in s.body["items"] if _family(i["substance"]) in families]
    if not seized:
        reasons.append("substance")
    else:
        notified = sum(_net_kg(i) for i in n.body["items"])
        if sum(_net_kg(i) for i in seized) > 2 * notified:
            reasons.append("quantity")
    receivers = _receivers(s)
    if receivers and not receivers & {n.importer, n.consignee}:
        reasons.append("receiver")
    return reasons


def test_world_is_deterministic() -> None:
    assert build_world(SEED) == build_world(SEED)
    other = build_world(SEED + 1)
    assert [s.body for s in other.seizures] != [s.body for s in build_world(SEED).seizures]


def test_world_has_the_size_and_classes_asked_for(world: World) -> None:
    exporters = {n.exporter for n in world.notifications}
    importers = {n.importer for n in world.notifications}
    assert len({c.key for c in COMPANIES.values() if c.role == "exporter"}) == 40
    assert len({c.key for c in COMPANIES.values() if c.role == "importer"}) == 60
    assert len(exporters) >= 35 and len(importers) >= 50
    assert len({c.country for c in COMPANIES.values()}) == 15
    assert 230 <= len(world.notifications) <= 270
    assert len(world.seizures) == 120
    derived = [s for s in world.seizures if s.label is not None]
    assert 0.55 <= len(derived) / len(world.seizures) <= 0.65
    late = [s for s in derived if "late" in s.tags]
    assert 0.15 <= len(late) / len(derived) <= 0.25
    modes = Counter(n.body["transport_mode"] for n in world.notifications)
    assert modes["sea"] > modes["air"] > modes["road"] > 5
    units = Counter(n.body["items"][0]["unit"] for n in world.notifications)
    assert units["l"] > 30 and units["kg"] > 30
    assert sum("salt" in n.body["items"][0] for n in world.notifications) > 20
    dispatched = sorted(n.dispatch for n in world.notifications if n.kind == "regular")
    assert dispatched[0].year == 2025 and dispatched[-1].year == 2026
    tags = Counter(t for s in world.seizures for t in s.tags)
    for tag in (
        "ids:container",
        "ids:air_waybill",
        "ids:bill_of_lading",
        "ids:invoice",
        "ids:none",
        "name:case",
        "name:punctuation",
        "name:legal_form",
        "name:ms_prefix",
        "name:typo_name_word",
        "name:typo_generic_word",
        "scene:in_transit",
        "scene:at_import",
        "scene:diverted_after_import",
        "quantity:partial_below_half",
        "split",
        "late",
        "unrelated:city_word",
        "unrelated:generic_word",
        "unrelated:same_lane_strangers",
        "unrelated:illicit_laboratory",
    ):
        assert tags[tag] >= 3, tag
    decoys = Counter(world.lures.values())
    for kind in (
        "decoy:out_of_window_earlier",
        "decoy:out_of_window_later",
        "decoy:small_quantity",
        "decoy:sibling_same_place",
        "decoy:sibling_generic_word",
        "decoy:container_reuse",
    ):
        assert decoys[kind] >= 3, kind
    assert sum(v for k, v in decoys.items() if k.startswith("decoy:")) >= 40


def test_derived_seizures_fit_their_notification(world: World) -> None:
    for s in world.seizures:
        if s.label is None:
            continue
        n = world.notification(s.label)
        assert not implausible(s, n), (s.reference, implausible(s, n))
        assert 1 <= (s.occurred_on - n.dispatch).days <= MAX_DAYS_AFTER_DISPATCH
        assert s.occurred_on <= AS_OF
        route = {n.body["importing_country"], *n.body["transit_countries"]}
        assert s.body["country"] in route
        assert s.body["origin_country"] == n.country
        seized, notified = s.body["items"][0], n.body["items"][0]
        assert _net_kg(seized) <= _net_kg(notified) * 1.001
        assert _substance(seized["substance"]).code == _substance(notified["substance"]).code
        assert _identifiers(s.body) <= _identifiers(n.body)


def test_no_other_notification_is_a_plausible_source(world: World) -> None:
    for s in world.seizures:
        receivers = [p for p in s.body.get("parties", []) if p["role"] in _RECEIVING]
        if not receivers and not _identifiers(s.body):
            continue  # no evidence either way
        for n in world.notifications:
            if n.reference != s.label:
                assert implausible(s, n), (s.reference, n.reference, n.kind)


def test_decoys_are_what_they_say(world: World) -> None:
    for (seizure_ref, notification_ref), kind in world.lures.items():
        s, n = world.seizure(seizure_ref), world.notification(notification_ref)
        reasons = implausible(s, n)
        if kind.startswith("decoy:out_of_window") or kind == "decoy:container_reuse":
            assert "date" in reasons
        if kind == "decoy:small_quantity":
            seized, notified = _net_kg(s.body["items"][0]), _net_kg(n.body["items"][0])
            assert seized > 3 * notified
            assert 0 < (s.occurred_on - n.dispatch).days <= 120
        if kind.startswith("decoy:sibling"):
            assert reasons == ["receiver"]
        if kind == "decoy:container_reuse":
            assert _identifiers(s.body) & _identifiers(n.body)
            assert (s.occurred_on - n.dispatch) > timedelta(days=2 * 365)
        if kind.startswith("unrelated:"):
            assert s.label is None
            assert not _identifiers(s.body) & {
                i for m in world.notifications for i in _identifiers(m.body)
            }


def test_late_notifications_come_after_their_seizures(world: World) -> None:
    plan = phases(world)
    assert [path for path, _ in plan] == [
        "/v1/notifications/batch",
        "/v1/seizures/batch",
        "/v1/notifications/batch",
    ]
    late = {body["reference"] for _, body in plan[2][1]}
    for s in world.seizures:
        if "late" in s.tags:
            assert s.label in late
        elif s.label is not None:
            assert s.label not in late
    assert sum(len(records) for _, records in plan) == len(world.notifications) + len(
        world.seizures
    )
