"""Route marks: the records on each route in date order, so that a rule reads a window of a busy
route by its first few rows: ROUTE_RISK's routes (substance group and country), filled from the
bucket keys of the records stored (it read whole quarter buckets before), and SPLIT_CONSIGNMENT's
lanes (exporter entity, importer entity, substance), filled from the notifications' parties and
items (it read every notification of the rarer party of a lane before).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A bucket key's value is "family:country:YYYYQn": its route is what precedes the quarter.
ROUTE = "substr(k.value, 1, length(k.value) - 7)"
COUNTRY = "substr(k.value, length(k.value) - 8, 2)"
SEIZURES = f"""
INSERT INTO route_marks (route, kind, day, record_id)
SELECT DISTINCT {ROUTE}, 'seizure', s.occurred_on, s.id
FROM correlation_keys k JOIN seizures s ON s.id = k.record_id
WHERE k.kind = 'seizure' AND k.key_type = 'bucket' AND {COUNTRY} = s.country
  AND s.type IN ('seizure', 'stopped_shipment')
"""
NOTIFICATIONS = f"""
INSERT INTO route_marks (route, kind, day, record_id)
SELECT DISTINCT {ROUTE}, 'notification', coalesce(n.dispatch_date, n.notified_on), n.id
FROM correlation_keys k JOIN notifications n ON n.id = k.record_id
JOIN record_countries c ON c.kind = 'notification' AND c.record_id = n.id
  AND c.role = 'transit' AND c.country = {COUNTRY}
WHERE k.kind = 'notification' AND k.key_type = 'bucket'
"""

LANES = """
INSERT INTO route_marks (route, kind, day, record_id)
SELECT DISTINCT 'lane:' || e.party_id || ':' || i.party_id || ':' || t.substance_code,
  'notification', coalesce(n.dispatch_date, n.notified_on), n.id
FROM notifications n
JOIN record_parties e ON e.kind = 'notification' AND e.record_id = n.id AND e.role = 'exporter'
JOIN record_parties i ON i.kind = 'notification' AND i.record_id = n.id AND i.role = 'importer'
JOIN record_items t ON t.kind = 'notification' AND t.record_id = n.id
WHERE e.party_id IS NOT NULL AND i.party_id IS NOT NULL
"""


def upgrade() -> None:
    op.create_table(
        "route_marks",
        sa.Column("route", sa.String(160), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("route", "kind", "day", "record_id", name="pk_route_marks"),
    )
    op.create_index("ix_route_marks_record", "route_marks", ["kind", "record_id"])
    op.execute(SEIZURES)
    op.execute(NOTIFICATIONS)
    op.execute(LANES)


def downgrade() -> None:
    op.drop_index("ix_route_marks_record", table_name="route_marks")
    op.drop_table("route_marks")
