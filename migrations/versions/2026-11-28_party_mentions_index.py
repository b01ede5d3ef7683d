"""Index a party's mentions by kind and role, with the record: lookups of a busy party's records
(how often it is named, its incidents, a trade lane) read the index alone, not one table page per
mention, so they no longer grow slower with the store.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 23:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = "ix_record_parties_party_mentions"
OLD = "ix_record_parties_party_id"


def upgrade() -> None:
    with op.batch_alter_table("record_parties") as batch_op:
        batch_op.create_index(NEW, ["party_id", "kind", "role", "record_id"], unique=False)
        batch_op.drop_index(OLD)


def downgrade() -> None:
    with op.batch_alter_table("record_parties") as batch_op:
        batch_op.create_index(OLD, ["party_id"], unique=False)
        batch_op.drop_index(NEW)
