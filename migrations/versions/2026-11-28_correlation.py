"""Correlation keys, scored links, and ignored values seeded with the usual placeholders.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 13:18:42.714667
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


DEFAULT_IGNORED = [
    *[
        ("party_name", v)
        for v in (
            "to order",
            "to the order of",
            "order",
            "unknown",
            "same as consignee",
            "not applicable",
            "na",
            "various",
            "none",
        )
    ],
    *[
        (t, v)
        for t in ("bill_of_lading", "invoice")
        for v in ("UNKNOWN", "NA", "NIL", "NONE", "TBA", "TBC", "0")
    ],
]


def upgrade() -> None:
    op.create_table(
        "correlation_keys",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("key_type", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correlation_keys")),
        sa.UniqueConstraint(
            "kind",
            "record_id",
            "key_type",
            "value",
            name=op.f("uq_correlation_keys_kind_record_id_key_type_value"),
        ),
    )
    with op.batch_alter_table("correlation_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_correlation_keys_lookup", ["key_type", "value", "kind", "record_id"], unique=False
        )

    op.create_table(
        "ignored_values",
        sa.Column("key_type", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_type", "value", name=op.f("pk_ignored_values")),
    )
    op.create_table(
        "links",
        sa.Column("seizure_id", sa.String(length=36), nullable=False),
        sa.Column("notification_id", sa.String(length=36), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_links_notification_id_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["seizure_id"], ["seizures.id"], name=op.f("fk_links_seizure_id_seizures")
        ),
        sa.PrimaryKeyConstraint("seizure_id", "notification_id", name=op.f("pk_links")),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index("ix_links_notification", ["notification_id", "score"], unique=False)

    ignored = sa.table(
        "ignored_values",
        sa.column("key_type", sa.String),
        sa.column("value", sa.String),
        sa.column("added_at", sa.DateTime(timezone=True)),
    )
    added = datetime(2026, 11, 28, tzinfo=UTC)
    op.bulk_insert(
        ignored, [{"key_type": t, "value": v, "added_at": added} for t, v in DEFAULT_IGNORED]
    )


def downgrade() -> None:
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index("ix_links_notification")

    op.drop_table("links")
    op.drop_table("ignored_values")
    with op.batch_alter_table("correlation_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_correlation_keys_lookup")

    op.drop_table("correlation_keys")
