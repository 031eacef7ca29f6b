"""Who may reach a project or an organisation, with no HTTP in it.

The guards in projects.gate establish a `ProjectAccess` or an `OrgAccess` for each
request; services take them as the caller. Timers, scripts and tests look them up
with `project_access` and `org_access`.

The guards import this module when the app starts; the tables (with the ORM) are
imported by the functions that query them, with the first request, so that a cold
start stays short (bench/bench_cold_start.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select

from auth import sessions
from auth.sessions import Principal
from shared.problems import Problem, not_found

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from auth.models import User, UserSession
    from projects.models import Organization, OrgMember, Project, ProjectMember, Role
    from shared import audit

APP_FACTORS = ("totp", "recovery")  # recovery codes stand in for the authenticator app
# Joins a role's permissions in one string; no permission name has it (projects.permissions).
PERMISSION_SEPARATOR = ","


@dataclass(frozen=True)
class ProjectAccess:
    """The caller's membership of a live project: their role and its permissions."""

    caller: Principal
    project: Project
    membership: ProjectMember
    role: Role
    permissions: frozenset[str]

    @property
    def actor(self) -> audit.Actor:
        return self.caller.actor


@dataclass(frozen=True)
class OrgAccess:
    """The caller's membership of an organisation."""

    caller: Principal
    org: Organization
    membership: OrgMember

    @property
    def actor(self) -> audit.Actor:
        return self.caller.actor


def role_permissions(db: Session, role_id: uuid.UUID) -> frozenset[str]:
    from projects.models import RolePermission

    rows = db.scalars(select(RolePermission.permission).where(RolePermission.role_id == role_id))
    return frozenset(rows)


def _permissions_held() -> Any:
    """A role's permissions as one string (a correlated subquery of `Role`)."""
    from projects.models import Role, RolePermission

    return (
        select(func.aggregate_strings(RolePermission.permission, PERMISSION_SEPARATOR))
        .where(RolePermission.role_id == Role.id)
        .correlate(Role)
        .scalar_subquery()
    )


def _granted(held: str | None) -> frozenset[str]:
    return frozenset(held.split(PERMISSION_SEPARATOR)) if held else frozenset()


@dataclass(frozen=True)
class SessionAndMembership:
    """What one statement read for a project's gate: the session a token opens, its
    account, and that account's membership of the live project (None when not a member)."""

    session: UserSession
    user: User
    membership: tuple[Project, ProjectMember, Role, frozenset[str]] | None


def session_and_membership(
    db: Session, token: str, project_id: uuid.UUID
) -> SessionAndMembership | None:
    """The session `token` opens with its account and their membership of the live
    project, in one round trip; None when no session has the token. The caller applies
    `sessions.admit` to the session before anything else."""
    from auth.models import User, UserSession
    from projects.models import Project, ProjectMember, Role

    found = db.execute(
        select(UserSession, User, Project, ProjectMember, Role, _permissions_held())
        .where(sessions.opened_by(token))
        .outerjoin(
            ProjectMember,
            and_(ProjectMember.user_id == User.id, ProjectMember.project_id == project_id),
        )
        .outerjoin(
            Project, and_(Project.id == ProjectMember.project_id, Project.deleted_at.is_(None))
        )
        .outerjoin(Role, Role.id == ProjectMember.role_id)
    ).one_or_none()
    if found is None:
        return None
    session, user, project, membership, role, held = found
    if project is None or membership is None or role is None:
        return SessionAndMembership(session, user, None)
    return SessionAndMembership(session, user, (project, membership, role, _granted(held)))


def project_access(db: Session, caller: Principal, project_id: uuid.UUID) -> ProjectAccess:
    """The caller's membership of the live project, or 404 (its existence is not revealed)."""
    from projects.models import Project, ProjectMember, Role

    # The membership and its role's permissions in one round trip.
    found = db.execute(
        select(Project, ProjectMember, Role, _permissions_held())
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .join(Role, Role.id == ProjectMember.role_id)
        .where(
            Project.id == project_id,
            Project.deleted_at.is_(None),
            ProjectMember.user_id == caller.user.id,
        )
    ).one_or_none()
    if found is None:
        raise not_found("No such project.")
    project, membership, role, held = found
    return ProjectAccess(caller, project, membership, role, _granted(held))


def org_access(db: Session, caller: Principal, org_id: uuid.UUID) -> OrgAccess:
    """The caller's membership of the organisation, or 404."""
    from projects.models import Organization, OrgMember

    found = db.execute(
        select(Organization, OrgMember)
        .join(OrgMember, OrgMember.org_id == Organization.id)
        .where(Organization.id == org_id, OrgMember.user_id == caller.user.id)
    ).one_or_none()
    if found is None:
        raise not_found("No such organisation.")
    org, membership = found
    return OrgAccess(caller, org, membership)


def second_factor_problem(
    project: Project, membership: ProjectMember, session: UserSession
) -> Problem | None:
    """Why this session may not reach this project, or None when its factors suffice."""
    return _factor_problem(
        session,
        app_required=project.require_totp,
        factor_required=project.require_2fa or membership.require_2fa,
        where="This project",
    )


def org_second_factor_problem(db: Session, found: OrgAccess) -> Problem | None:
    """The strictest second-factor refusal among the caller's projects in the organisation."""
    from projects.models import Project, ProjectMember

    requirements = db.execute(
        select(Project.require_totp, Project.require_2fa, ProjectMember.require_2fa)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(
            Project.org_id == found.org.id,
            Project.deleted_at.is_(None),
            ProjectMember.user_id == found.caller.user.id,
        )
    ).all()
    return _factor_problem(
        found.caller.session,
        app_required=any(app for app, _, _ in requirements),
        factor_required=any(project or member for _, project, member in requirements),
        where="A project of yours in this organisation",
    )


def _factor_problem(
    session: UserSession, *, app_required: bool, factor_required: bool, where: str
) -> Problem | None:
    """The refusal for a session lacking what `where` requires, or None."""
    factor = session.second_factor
    if app_required and factor not in APP_FACTORS:
        return Problem(
            403,
            "totp_required",
            f"{where} requires an authenticator app: set one up and confirm with it.",
        )
    if factor_required and factor is None:
        return Problem(
            403, "mfa_required", f"{where} requires a second factor: POST /api/auth/step-up."
        )
    return None
