"""Initial schema: authorities, keys, parties, records, items, history, ALR.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 13:12:11.065778
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annual_requirements",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("substance_code", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("mg", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.String(length=36), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "country", "substance_code", "year", name=op.f("pk_annual_requirements")
        ),
    )
    op.create_table(
        "authorities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorities")),
    )
    with op.batch_alter_table("authorities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_authorities_country"), ["country"], unique=False)

    op.create_table(
        "parties",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("normalized_name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("lei", sa.String(length=20), nullable=True),
        sa.Column("vat", sa.String(length=20), nullable=True),
        sa.Column("eori", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
    )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.create_index(
            "ix_parties_country_normalized_name", ["country", "normalized_name"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_parties_eori"), ["eori"], unique=False)
        batch_op.create_index(batch_op.f("ix_parties_lei"), ["lei"], unique=False)
        batch_op.create_index(batch_op.f("ix_parties_vat"), ["vat"], unique=False)

    op.create_table(
        "record_countries",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind", "record_id", "country", "role", name=op.f("pk_record_countries")
        ),
    )
    with op.batch_alter_table("record_countries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_record_countries_country_kind", ["country", "kind", "record_id"], unique=False
        )

    op.create_table(
        "record_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_events")),
    )
    with op.batch_alter_table("record_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_record_events_kind_record", ["kind", "record_id", "id"], unique=False
        )

    op.create_table(
        "record_items",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("substance", sa.String(length=200), nullable=False),
        sa.Column("substance_code", sa.String(length=60), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=False),
        sa.Column("salt", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("concentration_percent", sa.String(length=20), nullable=False),
        sa.Column("dosage_units", sa.BigInteger(), nullable=True),
        sa.Column("mg_per_unit", sa.String(length=40), nullable=True),
        sa.Column("declared_as", sa.String(length=200), nullable=True),
        sa.Column("net_mg", sa.BigInteger(), nullable=False),
        sa.Column("base_mg", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_items")),
    )
    with op.batch_alter_table("record_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_record_items_kind_record", ["kind", "record_id", "position"], unique=False
        )
        batch_op.create_index(
            "ix_record_items_substance_kind", ["substance_code", "kind"], unique=False
        )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name=op.f("fk_api_keys_authority_id_authorities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_keys_authority_id"), ["authority_id"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("exporting_country", sa.String(length=2), nullable=False),
        sa.Column("importing_country", sa.String(length=2), nullable=False),
        sa.Column("transit_countries", sa.JSON(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("reply_due_date", sa.Date(), nullable=False),
        sa.Column("dispatch_date", sa.Date(), nullable=True),
        sa.Column("expected_arrival_date", sa.Date(), nullable=True),
        sa.Column("exit_point", sa.String(length=5), nullable=True),
        sa.Column("entry_point", sa.String(length=5), nullable=True),
        sa.Column("transport_mode", sa.String(length=10), nullable=True),
        sa.Column("containers", sa.JSON(), nullable=False),
        sa.Column("bill_of_lading", sa.String(length=60), nullable=True),
        sa.Column("air_waybill", sa.String(length=12), nullable=True),
        sa.Column("invoice_number", sa.String(length=60), nullable=True),
        sa.Column("import_permit", sa.String(length=60), nullable=True),
        sa.Column("end_use", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("replied_on", sa.Date(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_notifications_authority_id_authorities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "authority_id", "reference", name=op.f("uq_notifications_authority_id_reference")
        ),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_created", ["created_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notifications_exporting_country"), ["exporting_country"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_importing_country"), ["importing_country"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notifications_status"), ["status"], unique=False)

    op.create_table(
        "record_parties",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("lei", sa.String(length=20), nullable=True),
        sa.Column("vat", sa.String(length=20), nullable=True),
        sa.Column("eori", sa.String(length=20), nullable=True),
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_record_parties_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_parties")),
    )
    with op.batch_alter_table("record_parties", schema=None) as batch_op:
        batch_op.create_index(
            "ix_record_parties_kind_record", ["kind", "record_id", "position"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_record_parties_party_id"), ["party_id"], unique=False)

    op.create_table(
        "seizures",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("reporting_country", sa.String(length=2), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("place", sa.String(length=5), nullable=True),
        sa.Column("origin_country", sa.String(length=2), nullable=True),
        sa.Column("destination_country", sa.String(length=2), nullable=True),
        sa.Column("transit_countries", sa.JSON(), nullable=False),
        sa.Column("containers", sa.JSON(), nullable=False),
        sa.Column("bill_of_lading", sa.String(length=60), nullable=True),
        sa.Column("air_waybill", sa.String(length=12), nullable=True),
        sa.Column("invoice_number", sa.String(length=60), nullable=True),
        sa.Column("modus_operandi", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name=op.f("fk_seizures_authority_id_authorities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seizures")),
        sa.UniqueConstraint(
            "authority_id", "reference", name=op.f("uq_seizures_authority_id_reference")
        ),
    )
    with op.batch_alter_table("seizures", schema=None) as batch_op:
        batch_op.create_index("ix_seizures_created", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seizures_occurred_on"), ["occurred_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_seizures_reporting_country"), ["reporting_country"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_seizures_type"), ["type"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("seizures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seizures_type"))
        batch_op.drop_index(batch_op.f("ix_seizures_reporting_country"))
        batch_op.drop_index(batch_op.f("ix_seizures_occurred_on"))
        batch_op.drop_index("ix_seizures_created")

    op.drop_table("seizures")
    with op.batch_alter_table("record_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_parties_party_id"))
        batch_op.drop_index("ix_record_parties_kind_record")

    op.drop_table("record_parties")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_status"))
        batch_op.drop_index(batch_op.f("ix_notifications_importing_country"))
        batch_op.drop_index(batch_op.f("ix_notifications_exporting_country"))
        batch_op.drop_index("ix_notifications_created")

    op.drop_table("notifications")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_authority_id"))

    op.drop_table("api_keys")
    with op.batch_alter_table("record_items", schema=None) as batch_op:
        batch_op.drop_index("ix_record_items_substance_kind")
        batch_op.drop_index("ix_record_items_kind_record")

    op.drop_table("record_items")
    with op.batch_alter_table("record_events", schema=None) as batch_op:
        batch_op.drop_index("ix_record_events_kind_record")

    op.drop_table("record_events")
    with op.batch_alter_table("record_countries", schema=None) as batch_op:
        batch_op.drop_index("ix_record_countries_country_kind")

    op.drop_table("record_countries")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parties_vat"))
        batch_op.drop_index(batch_op.f("ix_parties_lei"))
        batch_op.drop_index(batch_op.f("ix_parties_eori"))
        batch_op.drop_index("ix_parties_country_normalized_name")

    op.drop_table("parties")
    with op.batch_alter_table("authorities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorities_country"))

    op.drop_table("authorities")
    op.drop_table("annual_requirements")
