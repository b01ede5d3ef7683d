"""Alerts, fingerprints, the numbered change feed, rule settings; the feed counter row.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 13:46:07.047019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_fingerprints",
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("alert_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_alert_fingerprints")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("project", sa.String(length=10), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.String(length=30), nullable=True),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("previous_alert_id", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_rule"), ["rule"], unique=False)

    op.create_table(
        "feed_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_counter")),
    )
    op.create_table(
        "rule_settings",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_rule_settings")),
    )
    op.create_table(
        "alert_changes",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("project", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_changes_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_alert_changes")),
    )
    with op.batch_alter_table("alert_changes", schema=None) as batch_op:
        batch_op.create_index("ix_alert_changes_alert", ["alert_id", "seq"], unique=False)

    op.create_table(
        "alert_countries",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_countries_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("alert_id", "country", name=op.f("pk_alert_countries")),
    )
    with op.batch_alter_table("alert_countries", schema=None) as batch_op:
        batch_op.create_index("ix_alert_countries_country", ["country", "alert_id"], unique=False)

    op.create_table(
        "record_alerts",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_record_alerts_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("kind", "record_id", "alert_id", name=op.f("pk_record_alerts")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_importing_notified",
            ["importing_country", "notified_on"],
            unique=False,
        )
    op.bulk_insert(
        sa.table("feed_counter", sa.column("id", sa.Integer), sa.column("value", sa.BigInteger)),
        [{"id": 1, "value": 0}],
    )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_importing_notified")

    op.drop_table("record_alerts")
    with op.batch_alter_table("alert_countries", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_countries_country")

    op.drop_table("alert_countries")
    with op.batch_alter_table("alert_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_changes_alert")

    op.drop_table("alert_changes")
    op.drop_table("rule_settings")
    op.drop_table("feed_counter")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_rule"))
        batch_op.drop_index(batch_op.f("ix_alerts_fingerprint"))

    op.drop_table("alerts")
    op.drop_table("alert_fingerprints")
