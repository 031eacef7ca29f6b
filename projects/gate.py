"""The gate every project-scoped endpoint goes through.

session → membership of that project → permission → second factor, in that order.
Callers who are not members get 404 (a project's existence is not revealed),
members without the permission 403 `forbidden`, and members whose session lacks
the second factor the project or their membership requires 403 `mfa_required`
(`totp_required` where the project wants an authenticator app). Nothing is cached:
a changed role or a removed member counts from the next request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.guards import principal, signed_in
from auth.models import UserSession
from auth.sessions import Principal
from projects.models import (
    Organization,
    OrgMember,
    Project,
    ProjectMember,
    Role,
    RolePermission,
)
from projects.permissions import ORG_ADMIN
from shared.http import Context
from shared.problems import Problem, not_found

APP_FACTORS = ("totp", "recovery")  # recovery codes stand in for the authenticator app


@dataclass(frozen=True)
class ProjectAccess:
    caller: Principal
    project: Project
    membership: ProjectMember
    role: Role
    permissions: frozenset[str]


def role_permissions(db: Session, role_id: uuid.UUID) -> frozenset[str]:
    rows = db.scalars(select(RolePermission.permission).where(RolePermission.role_id == role_id))
    return frozenset(rows)


def second_factor_problem(
    project: Project, membership: ProjectMember, session: UserSession
) -> Problem | None:
    """Why this session may not reach this project, or None when its factors suffice."""
    return _factor_problem(
        session,
        app_required=project.require_totp,
        factor_required=project.require_2fa or membership.require_2fa,
    )


def _factor_problem(
    session: UserSession, *, app_required: bool, factor_required: bool
) -> Problem | None:
    factor = session.second_factor
    if app_required and factor not in APP_FACTORS:
        return Problem(
            403,
            "totp_required",
            "This project requires an authenticator app: set one up and confirm with it.",
        )
    if factor_required and factor is None:
        return Problem(
            403, "mfa_required", "This project requires a second factor: POST /api/auth/step-up."
        )
    return None


def load_access(ctx: Context) -> ProjectAccess:
    """The caller's membership of the route's project, or 404."""
    caller = principal(ctx)
    wanted = ctx.route_id("project_id", "No such project.")
    db = ctx.db
    found = db.execute(
        select(Project, ProjectMember, Role)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .join(Role, Role.id == ProjectMember.role_id)
        .where(
            Project.id == wanted,
            Project.deleted_at.is_(None),
            ProjectMember.user_id == caller.user.id,
        )
    ).one_or_none()
    if found is None:
        raise not_found("No such project.")
    project, membership, role = found
    return ProjectAccess(caller, project, membership, role, role_permissions(db, role.id))


class project_gate:  # noqa: N801  (used like a function: guard=project_gate("x.y"))
    """The guard for routes under `projects/{project_id}` that need `permission`."""

    def __init__(self, permission: str) -> None:
        self.permission = permission  # also shown in the OpenAPI document

    def __call__(self, ctx: Context) -> None:
        signed_in(ctx)
        found = load_access(ctx)
        if self.permission not in found.permissions:
            raise Problem(403, "forbidden", f"Your role in this project lacks {self.permission}.")
        refused = second_factor_problem(found.project, found.membership, found.caller.session)
        if refused is not None:
            raise refused
        ctx.principal = found


def access(ctx: Context) -> ProjectAccess:
    """What the project gate established about the caller."""
    found = ctx.principal
    if not isinstance(found, ProjectAccess):
        raise RuntimeError("endpoint has no project gate")
    return found


@dataclass(frozen=True)
class OrgAccess:
    caller: Principal
    org: Organization
    membership: OrgMember


class org_gate:  # noqa: N801  (used like a function: guard=org_gate(admin=True))
    """The guard for routes under `orgs/{org_id}`: members (and, if asked, only admins).

    Organisation admins manage roles; they do not see projects through this gate. A
    session lacking a second factor that one of the caller's projects in the
    organisation requires is refused as that project's gate would refuse it.
    """

    def __init__(self, *, admin: bool) -> None:
        self.admin = admin

    def __call__(self, ctx: Context) -> None:
        signed_in(ctx)
        caller = principal(ctx)
        org_id = ctx.route_id("org_id", "No such organisation.")
        found = ctx.db.execute(
            select(Organization, OrgMember)
            .join(OrgMember, OrgMember.org_id == Organization.id)
            .where(Organization.id == org_id, OrgMember.user_id == caller.user.id)
        ).one_or_none()
        if found is None:
            raise not_found("No such organisation.")
        org, membership = found
        if self.admin and membership.org_role != ORG_ADMIN:
            raise Problem(403, "forbidden", "Only the organisation's admins may do this.")
        refused = _org_factor_problem(ctx.db, org.id, caller)
        if refused is not None:
            raise refused
        ctx.principal = OrgAccess(caller, org, membership)


def _org_factor_problem(db: Session, org_id: uuid.UUID, caller: Principal) -> Problem | None:
    """The strictest second-factor refusal among the caller's projects in the organisation."""
    requirements = db.execute(
        select(Project.require_totp, Project.require_2fa, ProjectMember.require_2fa)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(
            Project.org_id == org_id,
            Project.deleted_at.is_(None),
            ProjectMember.user_id == caller.user.id,
        )
    ).all()
    return _factor_problem(
        caller.session,
        app_required=any(app for app, _, _ in requirements),
        factor_required=any(project or member for _, project, member in requirements),
    )


def org_access(ctx: Context) -> OrgAccess:
    found = ctx.principal
    if not isinstance(found, OrgAccess):
        raise RuntimeError("endpoint has no organisation gate")
    return found
