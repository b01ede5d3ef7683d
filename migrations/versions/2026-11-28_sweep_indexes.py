"""Partial indexes for the sweep: notifications still waiting for a reply or an arrival.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNREPLIED = "decision IS NULL AND withdrawn_at IS NULL"
UNARRIVED = "received_on IS NULL AND withdrawn_at IS NULL"
NO_ETA = "received_on IS NULL AND expected_arrival_date IS NULL AND withdrawn_at IS NULL"
INDEXES = [
    ("ix_notifications_unreplied", ["reply_due_date", "id"], UNREPLIED),
    ("ix_notifications_unarrived_eta", ["expected_arrival_date", "id"], UNARRIVED),
    ("ix_notifications_unarrived_no_eta", ["dispatch_date", "notified_on", "id"], NO_ETA),
]


def upgrade() -> None:
    for name, columns, where in INDEXES:
        op.create_index(
            name,
            "notifications",
            columns,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )


def downgrade() -> None:
    for name, _, _ in INDEXES:
        op.drop_index(name, table_name="notifications")
