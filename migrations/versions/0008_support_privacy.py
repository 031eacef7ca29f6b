"""Support tickets, platform administrators, deleted accounts, rows' last editor

`support_tickets` holds tickets as sent until the retention timer deletes closed ones;
`support_ticket_intake` is one row that ticket submissions lock so their limits count
exactly. Accounts get `platform_admin` (granted by `python -m admin`) and `deleted_at`
(their holder deleted them; the row stays, anonymised). Schedule rows get
`last_edited_by`, for the privacy export; rows written before stay without one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("platform_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("schedule_rows") as batch:
        batch.add_column(sa.Column("last_edited_by", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            "fk_schedule_rows_last_edited_by_users", "users", ["last_edited_by"], ["id"]
        )
        batch.create_index("ix_schedule_rows_last_edited_by", ["last_edited_by"], unique=False)
    op.create_table(
        "support_tickets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.Unicode(length=200), nullable=False),
        sa.Column("message", sa.UnicodeText(), nullable=False),
        sa.Column("email", sa.Unicode(length=254), nullable=True),
        sa.Column("name", sa.Unicode(length=100), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("project_name", sa.Unicode(length=200), nullable=True),
        sa.Column("sender_manages", sa.Boolean(), nullable=False),
        sa.Column("person_email", sa.Unicode(length=254), nullable=True),
        sa.Column("person_is_member", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("forward_state", sa.String(length=10), nullable=False),
        sa.Column("forward_attempts", sa.Integer(), nullable=False),
        sa.Column("forward_claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forwarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("intercom_ticket_id", sa.String(length=64), nullable=True),
        sa.Column("confirmation_pending", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_support_tickets_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_support_tickets_closed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_tickets")),
        sa.UniqueConstraint("reference", name=op.f("uq_support_tickets_reference")),
    )
    op.create_index(
        op.f("ix_support_tickets_user_id"), "support_tickets", ["user_id"], unique=False
    )
    op.create_index(
        "ix_support_tickets_forward_state_created_at",
        "support_tickets",
        ["forward_state", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_support_tickets_status_created_at",
        "support_tickets",
        ["status", "created_at"],
        unique=False,
    )
    intake = op.create_table(
        "support_ticket_intake",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_ticket_intake")),
    )
    # A plain INSERT, as in 0001 (op.bulk_insert would add IDENTITY_INSERT for mssql).
    op.execute(intake.insert().values(id=1))


def downgrade() -> None:
    op.drop_table("support_ticket_intake")
    op.drop_index("ix_support_tickets_status_created_at", table_name="support_tickets")
    op.drop_index("ix_support_tickets_forward_state_created_at", table_name="support_tickets")
    op.drop_index(op.f("ix_support_tickets_user_id"), table_name="support_tickets")
    op.drop_table("support_tickets")
    with op.batch_alter_table("schedule_rows") as batch:
        batch.drop_index("ix_schedule_rows_last_edited_by")
        batch.drop_constraint("fk_schedule_rows_last_edited_by_users", type_="foreignkey")
        batch.drop_column("last_edited_by")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("platform_admin")
