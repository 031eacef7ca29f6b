"""The change feed of a working revision: change numbers and remembered deletions

`schedule_revisions.change_seq` counts the transactions that wrote a revision's rows;
each row carries the number of the one that last wrote it (`schedule_rows.changed_seq`,
0 for the rows there before this migration) and `schedule_row_deletions` remembers the
rows deleted, for a while, with `changes_forgotten_before` the highest number swept
(quantities.changes).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("schedule_revisions") as batch:
        batch.add_column(
            sa.Column("change_seq", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "changes_forgotten_before", sa.BigInteger(), server_default="0", nullable=False
            )
        )
    with op.batch_alter_table("schedule_rows") as batch:
        batch.add_column(
            sa.Column("changed_seq", sa.BigInteger(), server_default="0", nullable=False)
        )
    op.create_index(
        "ix_schedule_rows_revision_id_changed_seq",
        "schedule_rows",
        ["revision_id", "changed_seq"],
        unique=False,
    )
    op.create_table(
        "schedule_row_deletions",
        sa.Column("revision_id", sa.Uuid(), nullable=False),
        sa.Column("changed_seq", sa.BigInteger(), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["schedule_revisions.id"],
            name=op.f("fk_schedule_row_deletions_revision_id_schedule_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "revision_id", "changed_seq", "row_id", name=op.f("pk_schedule_row_deletions")
        ),
    )
    op.create_index(
        op.f("ix_schedule_row_deletions_deleted_at"),
        "schedule_row_deletions",
        ["deleted_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_schedule_row_deletions_deleted_at"), table_name="schedule_row_deletions")
    op.drop_table("schedule_row_deletions")
    op.drop_index("ix_schedule_rows_revision_id_changed_seq", table_name="schedule_rows")
    # SQL Server names the columns' DEFAULT constraints itself; they go with the columns.
    with op.batch_alter_table("schedule_rows") as batch:
        batch.drop_column("changed_seq", mssql_drop_default=True)
    with op.batch_alter_table("schedule_revisions") as batch:
        batch.drop_column("changes_forgotten_before", mssql_drop_default=True)
        batch.drop_column("change_seq", mssql_drop_default=True)
