"""The lock keys of drafts (pure): writes that could meet share a key, others need not."""

import pytest

from app.auth.schemas import Principal
from app.ingest import keys
from app.ingest.locks import GATE, lock_id
from app.notifications.locks import draft_keys as notification_keys
from app.notifications.schemas import NotificationCreate
from app.seizures.locks import draft_keys as seizure_keys
from app.seizures.schemas import SeizureCreate
from tests.payloads import notification, seizure

pytestmark = pytest.mark.pure

DE = Principal("de-authority", "DE", "DE", frozenset({"reporter"}))
NL = Principal("nl-authority", "NL", "NL", frozenset({"reporter"}))


def n_keys(**over: object) -> set[keys.Key]:
    return notification_keys(DE, NotificationCreate.model_validate(notification(**over)))


def s_keys(**over: object) -> set[keys.Key]:
    return seizure_keys(NL, SeizureCreate.model_validate(seizure(**over)))


def test_a_seizure_shares_a_key_with_the_notification_of_its_container() -> None:
    shared = n_keys(bill_of_lading=None, invoice_number=None) & s_keys()
    assert ("container", "MSCU1234566") in shared  # written "MSCU 123456-6" in the seizure


def test_parties_meet_on_their_blocking_keys_whatever_the_spelling() -> None:
    plain = n_keys(containers=[], bill_of_lading=None, invoice_number=None)
    upper = s_keys(containers=[], items=[{"substance": "toluene", "quantity": 1, "unit": "kg"}])
    assert {k for k in plain & upper if k[0] == "block"}  # "Lagos Pharma Ltd" / "LAGOS PHARMA"


def test_notifications_to_one_country_share_its_alr_key_only_for_tracked_substances() -> None:
    ephedrine = n_keys(reference="A")
    assert keys.alr("NG", "ephedrine") in ephedrine
    anhydride = [{"substance": "acetic anhydride", "quantity": 1, "unit": "kg"}]
    assert not {k for k in n_keys(reference="B", items=anhydride) if k[0] == "alr"}


def test_route_keys_name_the_transit_countries_and_the_country_of_a_seizure() -> None:
    assert {k for k in n_keys() if k[0] == "route"} == {("route", "ephedrine", "AE")}
    assert {k for k in s_keys() if k[0] == "route"} == {("route", "ephedrine", "NL")}


def test_unrelated_records_share_no_key() -> None:
    other = notification(
        reference="FR-1",
        importing_country="GH",
        exporter={"name": "Kestrel Vaalbeek SARL", "country": "FR"},
        importer={"name": "Accra Zumbani Works", "country": "GH"},
        consignee=None,
        other_parties=[],
        transit_countries=[],
        containers=["TGHU1234567"],
        bill_of_lading=None,
        invoice_number=None,
    )
    assert n_keys() & notification_keys(DE, NotificationCreate.model_validate(other)) == set()


def test_the_gate_comes_first_and_entities_last() -> None:
    record_ids = [lock_id(k) for k in n_keys()]
    entity_ids = [lock_id(keys.entity(f"party-{i}")) for i in range(50)]
    assert min(record_ids) > GATE
    assert max(record_ids) < min(entity_ids)
    assert lock_id(("container", "MSCU1234566")) == lock_id(("container", "MSCU1234566"))
