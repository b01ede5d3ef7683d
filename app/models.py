"""Import every model so the metadata is complete (Alembic, drift checks)."""

from app.alerts.models import (
    Alert,
    AlertChange,
    AlertCountry,
    AlertFingerprint,
    FeedCounter,
    RecordAlert,
    RuleSetting,
)
from app.auth.models import ApiKey, Authority
from app.correlation.models import CorrelationKey, IgnoredValue, Link
from app.db import Base
from app.notifications.models import Notification
from app.parties.models import Party, PartyAlias, PartyBlock
from app.records.models import RecordCountry, RecordEvent, RecordItem, RecordParty
from app.reference.models import AnnualRequirement
from app.seizures.models import Seizure

__all__ = [
    "Alert",
    "AlertChange",
    "AlertCountry",
    "AlertFingerprint",
    "AnnualRequirement",
    "ApiKey",
    "Authority",
    "Base",
    "CorrelationKey",
    "FeedCounter",
    "IgnoredValue",
    "Link",
    "Notification",
    "Party",
    "PartyAlias",
    "PartyBlock",
    "RecordAlert",
    "RecordCountry",
    "RecordEvent",
    "RecordItem",
    "RecordParty",
    "RuleSetting",
    "Seizure",
]
