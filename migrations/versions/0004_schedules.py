"""Schedules (mängdförteckningar), their revisions and rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.db import ExactDecimal  # NUMERIC, or exact text on SQLite

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Unicode(length=200), nullable=False),
        sa.Column("doc_no", sa.Unicode(length=50), nullable=True),
        sa.Column("standard", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_schedules_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_schedules_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    op.create_index(op.f("ix_schedules_project_id"), "schedules", ["project_id"], unique=False)

    op.create_table(
        "schedule_revisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("is_working", sa.Boolean(), nullable=False),
        sa.Column("label", sa.Unicode(length=50), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_schedule_revisions_issued_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_schedule_revisions_schedule_id_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_revisions")),
    )
    op.create_index(
        op.f("ix_schedule_revisions_schedule_id"),
        "schedule_revisions",
        ["schedule_id"],
        unique=False,
    )

    op.create_table(
        "schedule_rows",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("revision_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("code", sa.Unicode(length=50), nullable=True),
        sa.Column("title", sa.Unicode(length=500), nullable=False),
        sa.Column("description", sa.Unicode(length=4000), nullable=True),
        sa.Column("unit", sa.Unicode(length=16), nullable=True),
        sa.Column("quantity", ExactDecimal(precision=18, scale=3), nullable=True),
        sa.Column("unit_price", ExactDecimal(precision=18, scale=2), nullable=True),
        sa.Column("lump_sum", ExactDecimal(precision=18, scale=2), nullable=True),
        sa.Column("entry_rule", sa.String(length=20), nullable=False),
        sa.Column("regulation", sa.String(length=2), nullable=True),
        sa.Column("cost_bearer", sa.Unicode(length=50), nullable=True),
        sa.Column("note", sa.Unicode(length=2000), nullable=True),
        sa.Column("stable_key", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["schedule_revisions.id"],
            name=op.f("fk_schedule_rows_revision_id_schedule_revisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit"], ["units.code"], name=op.f("fk_schedule_rows_unit_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_rows")),
    )
    op.create_index("ix_schedule_rows_revision_id", "schedule_rows", ["revision_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_schedule_rows_revision_id", table_name="schedule_rows")

    op.drop_table("schedule_rows")
    op.drop_index(op.f("ix_schedule_revisions_schedule_id"), table_name="schedule_revisions")

    op.drop_table("schedule_revisions")
    op.drop_index(op.f("ix_schedules_project_id"), table_name="schedules")

    op.drop_table("schedules")
