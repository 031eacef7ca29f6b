"""Who needs a second factor at login: decided here and nowhere else.

"Without the code one cannot log in or reach any of the projects one is connected
to": a user needs one if they turned it on, or if any project they belong to, or
their membership in it, requires it.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from auth import otp
from auth.models import User
from projects.models import Project, ProjectMember


def second_factor_required(db: Session, user: User) -> bool:
    if user.email_otp_enabled or otp.confirmed_totp(db, user) is not None:
        return True
    required_by_a_project = exists().where(
        ProjectMember.user_id == user.id,
        ProjectMember.project_id == Project.id,
        Project.deleted_at.is_(None),
        or_(ProjectMember.require_2fa, Project.require_2fa, Project.require_totp),
    )
    return bool(db.scalar(select(required_by_a_project)))
