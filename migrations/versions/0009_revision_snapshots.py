"""Issued revisions: a label unique per schedule, and the snapshot's SHA-256

Each schedule has one working revision (label NULL) and any number of issued ones,
so `(schedule_id, label)` is unique on every backend, SQL Server's NULL rule included.
`snapshot_sha256` is the hash of the issued revision's JSON snapshot in Blob storage.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("schedule_revisions") as batch:
        batch.add_column(sa.Column("snapshot_sha256", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(
            "uq_schedule_revisions_schedule_id_label", ["schedule_id", "label"]
        )


def downgrade() -> None:
    with op.batch_alter_table("schedule_revisions") as batch:
        batch.drop_constraint("uq_schedule_revisions_schedule_id_label", type_="unique")
        batch.drop_column("snapshot_sha256")
