"""Valid request bodies for tests, with overridable fields."""

from typing import Any


def notification(reference: str = "DE-2026-000123", **over: Any) -> dict[str, Any]:
    """A pre-export notification from Germany to Nigeria via the UAE."""
    body: dict[str, Any] = {
        "reference": reference,
        "notified_on": "2026-11-02",
        "importing_country": "NG",
        "exporter": {"name": "Chemwerk Hamburg GmbH", "address": "Hafenstr. 1", "country": "DE"},
        "importer": {"name": "Lagos Pharma Ltd", "address": "Apapa", "country": "NG"},
        "consignee": {"name": "Lagos Pharma Ltd", "country": "NG"},
        "other_parties": [{"role": "broker", "name": "Gulf Chem Trading FZE", "country": "AE"}],
        "items": [
            {
                "substance": "ephedrine",
                "form": "salt",
                "salt": "hydrochloride",
                "quantity": 500,
                "unit": "kg",
                "concentration_percent": 99.5,
            }
        ],
        "exit_point": "DEHAM",
        "entry_point": "NGLOS",
        "transit_countries": ["AE"],
        "transport_mode": "sea",
        "dispatch_date": "2026-12-01",
        "expected_arrival_date": "2027-01-10",
        "reply_due_date": "2026-11-17",
        "containers": ["MSCU1234566"],
        "bill_of_lading": "MEDU12345678",
        "invoice_number": "INV-2026-88",
        "import_permit": "NG-IP-7781",
        "end_use": "manufacture of cough syrup",
    }
    body.update(over)
    return body


def seizure(reference: str = "NL-FIOD-2026-77", **over: Any) -> dict[str, Any]:
    """A seizure in Rotterdam of goods from Germany bound for Nigeria."""
    body: dict[str, Any] = {
        "reference": reference,
        "type": "seizure",
        "occurred_on": "2026-12-20",
        "country": "NL",
        "place": "NLRTM",
        "items": [
            {
                "substance": "ephedrine",
                "quantity": 480,
                "unit": "kg",
                "declared_as": "sodium benzoate",
            }
        ],
        "origin_country": "DE",
        "transit_countries": ["AE"],
        "destination_country": "NG",
        "parties": [{"role": "consignee", "name": "LAGOS PHARMA LIMITED", "country": "NG"}],
        "containers": ["MSCU 123456-6"],
        "modus_operandi": ["mislabelled", "falsified_documents"],
        "notes": "found during a risk-based check",
    }
    body.update(over)
    return body
