"""Organisation members without a live project there leave the organisation

From now on a `member` belongs to an organisation only while holding one of its
projects; rows of people removed before that rule end here.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM org_members WHERE org_role = 'member' AND NOT EXISTS ("
            "SELECT 1 FROM project_members pm JOIN projects p ON p.id = pm.project_id "
            "WHERE pm.user_id = org_members.user_id AND p.org_id = org_members.org_id "
            "AND p.deleted_at IS NULL)"
        )
    )


def downgrade() -> None:
    """Nothing to restore: the rows removed stood for no project."""
