"""Party resolution: spellings seen, blocking keys, merges; backfilled for stored parties.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 13:38:17.292729
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "party_aliases",
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.Column("normalized_name", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_party_aliases_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("party_id", "normalized_name", name=op.f("pk_party_aliases")),
    )
    op.create_table(
        "party_blocks",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_party_blocks_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("key", "party_id", name=op.f("pk_party_blocks")),
    )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_parties_merged_into_parties"), "parties", ["merged_into"], ["id"]
        )
    _backfill()


def _backfill() -> None:
    """Give every stored party its first spelling and blocking keys, as the app would."""
    from app.matching.names import normalize_name
    from app.matching.similarity import blocking_keys, party_key

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name, country, lei, vat, eori FROM parties")).all()
    aliases, blocks = [], set()
    for party_id, name, country, lei, vat, eori in rows:
        aliases.append(
            {"party_id": party_id, "normalized_name": normalize_name(name)[:200], "name": name}
        )
        keys = set(blocking_keys(party_key(name, country, lei, vat, eori)))
        if country:
            keys |= set(blocking_keys(party_key(name, None)))
        blocks |= {(k, party_id) for k in keys}
    if aliases:
        op.bulk_insert(
            sa.table(
                "party_aliases",
                sa.column("party_id"),
                sa.column("normalized_name"),
                sa.column("name"),
            ),
            aliases,
        )
        op.bulk_insert(
            sa.table("party_blocks", sa.column("key"), sa.column("party_id")),
            [{"key": k, "party_id": p} for k, p in sorted(blocks)],
        )


def downgrade() -> None:
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_parties_merged_into_parties"), type_="foreignkey")
        batch_op.drop_column("merged_into")

    op.drop_table("party_blocks")
    op.drop_table("party_aliases")
