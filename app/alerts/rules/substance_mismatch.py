"""SUBSTANCE_MISMATCH: a linked seizure holds another substance, or was declared otherwise."""

from typing import Any

from app.alerts.rules.base import Evidence, Firing
from app.records.facts import LinkFacts, NotificationFacts, SeizureFacts
from app.reference.substances import catalogue

CODE = "SUBSTANCE_MISMATCH"


def _declared_truly(declared: str, code: str) -> bool:
    try:
        return catalogue().resolve(declared).substance.code == code
    except ValueError:
        return False


def evaluate(
    seizure: SeizureFacts, notification: NotificationFacts, link: LinkFacts, params: dict[str, Any]
) -> list[Firing]:
    """Fire when a linked seizure's substance or declaration differs from the notification."""
    del params
    if not link.linked:
        return []
    notified = {i.substance_code for i in notification.items}
    evidence = [
        Evidence("substance", f"seized {i.substance_code}, notified {', '.join(sorted(notified))}")
        for i in seizure.items
        if i.substance_code not in notified
    ]
    evidence += [
        Evidence("declared_as", f"{i.substance_code} declared as {i.declared_as!r}")
        for i in seizure.items
        if i.declared_as and not _declared_truly(i.declared_as, i.substance_code)
    ]
    if not evidence:
        return []
    return [
        Firing(
            rule=CODE,
            key=f"{seizure.id}:{notification.id}",
            severity="high",
            title=f"Seizure {seizure.reference} differs from notification {notification.reference}",
            summary="; ".join(e.detail for e in evidence),
            countries=seizure.countries | notification.countries,
            project=next((i.project for i in notification.items if i.project), None),
            notifications=(notification.id,),
            seizures=(seizure.id,),
            score=link.score,
            evidence=tuple(evidence),
        )
    ]
