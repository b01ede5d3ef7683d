"""The rule codes (part of the contract) with their default parameters."""

from app.alerts.rules.base import RuleSpec

RULES: dict[str, RuleSpec] = {
    spec.code: spec
    for spec in (
        RuleSpec(
            "SEIZURE_MATCHES_NOTIFICATION",
            "a seizure is linked to a notification; critical after an objection or an arrival",
            {"window_days": 365},
        ),
        RuleSpec(
            "SUBSTANCE_MISMATCH", "a linked seizure holds another substance, or declared_as differs"
        ),
        RuleSpec("ALR_EXCEEDED", "notified base kg to a country in a year exceeds its ALR"),
        RuleSpec(
            "MISSING_ALR", "a notification of an ALR-tracked substance to a country without an ALR"
        ),
        RuleSpec(
            "SPLIT_CONSIGNMENT",
            ">= count notifications exporter -> importer, one substance, within window_days",
            {"count": 3, "window_days": 30},
        ),
        RuleSpec(
            "COMPANY_SHOPPING",
            "a refused importer (or one in a stopped shipment) is notified by another exporter",
            {"window_days": 365},
        ),
        RuleSpec(
            "PARTY_IN_PRIOR_INCIDENT",
            "a party of a notification was named in an earlier incident",
            {"window_days": 1095},
        ),
        RuleSpec(
            "ROUTE_RISK",
            "a notification transits a country with >= count seizures of its substance group",
            {"count": 2, "window_days": 180},
        ),
        RuleSpec("NO_LEGITIMATE_USE", "a notification of a substance with no legitimate use"),
        RuleSpec("REPLY_OVERDUE", "no reply by reply_due_date (sweep)"),
        RuleSpec(
            "ARRIVAL_OVERDUE",
            "no arrival grace_days after expected arrival, or dispatch + no_eta_days (sweep)",
            {"grace_days": 30, "no_eta_days": 60},
        ),
        RuleSpec(
            "QUANTITY_SHORTFALL",
            "arrived quantity below notified by more than tolerance_percent",
            {"tolerance_percent": 2},
        ),
        RuleSpec("ARRIVAL_AFTER_OBJECTION", "an arrival on a notification that had an objection"),
        RuleSpec(
            "SEIZURE_CLUSTER",
            ">= count seizures not linked to any notification share a party or an identifier",
            {"count": 2},
        ),
    )
}
