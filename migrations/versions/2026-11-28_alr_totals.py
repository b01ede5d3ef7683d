"""Maintained ALR totals: what ALR_EXCEEDED reads instead of summing every notification.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The ALR-tracked substances of the catalogue shipped with this revision; a catalogue that tracks
# another one needs a migration that backfills it.
TRACKED = ("3-4-mdp-2-p", "ephedrine", "p-2-p", "pseudoephedrine")
GROUP = ["country", "substance_code", "year", "exporting_country"]


def _backfill() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        year = "CAST(EXTRACT(YEAR FROM n.notified_on) AS INTEGER)"
    else:
        year = "CAST(strftime('%Y', n.notified_on) AS INTEGER)"
    tracked = ", ".join(f"'{code}'" for code in TRACKED)
    # Counted as the service counts: not withdrawn and not objected.
    op.execute(
        "INSERT INTO alr_counted (notification_id, substance_code, country, year, "
        "exporting_country, notified_on, reference, base_mg) "
        f"SELECT n.id, i.substance_code, n.importing_country, {year}, n.exporting_country, "
        "n.notified_on, n.reference, SUM(i.base_mg) "
        "FROM notifications n JOIN record_items i "
        "ON i.kind = 'notification' AND i.record_id = n.id "
        f"WHERE i.substance_code IN ({tracked}) AND n.withdrawn_at IS NULL "
        "AND (n.decision IS NULL OR n.decision <> 'objection') "
        "GROUP BY n.id, i.substance_code, n.importing_country, n.notified_on, "
        "n.exporting_country, n.reference"
    )
    columns = ", ".join(GROUP)
    op.execute(
        f"INSERT INTO alr_totals ({columns}, base_mg, notifications) "
        f"SELECT {columns}, SUM(base_mg), COUNT(*) FROM alr_counted GROUP BY {columns}"
    )


def upgrade() -> None:
    op.create_table(
        "alr_counted",
        sa.Column("notification_id", sa.String(length=36), nullable=False),
        sa.Column("substance_code", sa.String(length=60), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("exporting_country", sa.String(length=2), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("base_mg", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("notification_id", "substance_code", name=op.f("pk_alr_counted")),
    )
    with op.batch_alter_table("alr_counted", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alr_counted_group_mass",
            ["country", "substance_code", "year", "base_mg", "notified_on", "notification_id"],
            unique=False,
        )
    op.create_table(
        "alr_totals",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("substance_code", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("exporting_country", sa.String(length=2), nullable=False),
        sa.Column("base_mg", sa.BigInteger(), nullable=False),
        sa.Column("notifications", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*GROUP, name=op.f("pk_alr_totals")),
    )
    _backfill()


def downgrade() -> None:
    op.drop_table("alr_totals")
    with op.batch_alter_table("alr_counted", schema=None) as batch_op:
        batch_op.drop_index("ix_alr_counted_group_mass")
    op.drop_table("alr_counted")
