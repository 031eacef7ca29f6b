"""Registrations wait on their verification challenge; reset requests queue

Each `verify_email` challenge holds the password hash, name and locale of the
registration it was sent for; an unverified account's own password stays empty.
`reset_requests` holds password resets asked for by address until they are answered.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("otp_challenges") as table:
        table.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
        table.add_column(sa.Column("display_name", sa.Unicode(length=100), nullable=True))
        table.add_column(sa.Column("locale", sa.String(length=5), nullable=True))
    op.create_table(
        "reset_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Unicode(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reset_requests")),
    )
    op.create_index(
        op.f("ix_reset_requests_requested_at"), "reset_requests", ["requested_at"], unique=False
    )
    # Codes sent before this migration activated whatever password the account held
    # last; they end, and unverified accounts register again.
    op.execute(sa.text("DELETE FROM otp_challenges WHERE purpose = 'verify_email'"))
    op.execute(sa.text("UPDATE users SET password_hash = '' WHERE email_verified_at IS NULL"))


def downgrade() -> None:
    op.drop_index(op.f("ix_reset_requests_requested_at"), table_name="reset_requests")
    op.drop_table("reset_requests")
    with op.batch_alter_table("otp_challenges") as table:
        table.drop_column("locale")
        table.drop_column("display_name")
        table.drop_column("password_hash")
