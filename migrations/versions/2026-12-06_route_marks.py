"""Route marks: ROUTE_RISK's records on each route (substance group and country) in date order,
so that a window of a busy route is read by its first few rows, not the route's whole quarter
(the bucket keys it read before). Filled from the bucket keys of the records stored.

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


def upgrade() -> None:
    op.create_table(
        "route_marks",
        sa.Column("route", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("route", "kind", "day", "record_id", name="pk_route_marks"),
    )
    op.create_index("ix_route_marks_record", "route_marks", ["kind", "record_id"])
    op.execute(SEIZURES)
    op.execute(NOTIFICATIONS)


def downgrade() -> None:
    op.drop_index("ix_route_marks_record", table_name="route_marks")
    op.drop_table("route_marks")
