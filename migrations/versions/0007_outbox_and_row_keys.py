"""The audit outbox, and sibling order by gapped keys

Audit events are written to `audit_outbox` in the transaction of their change and
forwarded to Table storage after the commit (shared.audit). Rows order among their
siblings by `position`, now a 64-bit key with room between neighbours
(quantities.placement): existing positions 0, 1, 2, … are spread out by the spacing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPACING = 2**32  # quantities.placement.SPACING when this migration was written


def upgrade() -> None:
    op.create_table(
        "audit_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partition_key", sa.Unicode(length=100), nullable=False),
        sa.Column("row_key", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("target", sa.Unicode(length=100), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("details", sa.UnicodeText(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_outbox")),
    )
    op.create_index(op.f("ix_audit_outbox_at"), "audit_outbox", ["at"], unique=False)
    with op.batch_alter_table("schedule_rows") as batch:
        batch.alter_column(
            "position", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )
        batch.drop_index("ix_schedule_rows_revision_id")
        batch.create_index(
            "ix_schedule_rows_revision_id_parent_id_position",
            ["revision_id", "parent_id", "position"],
            unique=False,
        )
    op.execute(
        sa.text("UPDATE schedule_rows SET position = position * :spacing").bindparams(
            spacing=SPACING
        )
    )


def downgrade() -> None:
    # Keys back to 0, 1, 2, … per parent, in their order.
    op.execute(
        sa.text(
            "UPDATE schedule_rows SET position = (SELECT COUNT(*) FROM schedule_rows s "
            "WHERE s.revision_id = schedule_rows.revision_id "
            "AND (s.parent_id = schedule_rows.parent_id "
            "OR (s.parent_id IS NULL AND schedule_rows.parent_id IS NULL)) "
            "AND (s.position < schedule_rows.position "
            "OR (s.position = schedule_rows.position AND s.id < schedule_rows.id)))"
        )
    )
    with op.batch_alter_table("schedule_rows") as batch:
        batch.drop_index("ix_schedule_rows_revision_id_parent_id_position")
        batch.create_index("ix_schedule_rows_revision_id", ["revision_id"], unique=False)
        batch.alter_column(
            "position", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
    op.drop_index(op.f("ix_audit_outbox_at"), table_name="audit_outbox")
    op.drop_table("audit_outbox")
