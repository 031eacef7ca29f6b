"""The gate every project-scoped endpoint goes through.

session → membership of that project → permission → second factor, in that order.
Callers who are not members get 404 (a project's existence is not revealed),
members without the permission 403 `forbidden`, and members whose session lacks
the second factor the project or their membership requires 403 `mfa_required`
(`totp_required` where the project wants an authenticator app). Nothing is cached:
a changed role or a removed member counts from the next request.

The guards establish a `ProjectAccess` or an `OrgAccess` (projects.access) on the
context; routes read it with `ctx.established(ProjectAccess)`.
"""

from __future__ import annotations

from auth import sessions
from auth.guards import SIGNED_IN, establish_signed_in, session_token, signed_in
from auth.sessions import Principal
from projects.access import (
    OrgAccess,
    ProjectAccess,
    org_access,
    org_second_factor_problem,
    second_factor_problem,
    session_and_membership,
)
from projects.permissions import ORG_ADMIN, Permission
from shared.http import Context, GuardContract
from shared.problems import Problem, ProblemCode, not_found

__all__ = ["OrgAccess", "ProjectAccess", "org_gate", "project_gate"]

# A session may lack the second factor a project (or the caller's membership) asks for.
_SECOND_FACTOR_REFUSALS = [ProblemCode.MFA_REQUIRED, ProblemCode.TOTP_REQUIRED]
# `x-casai-second-factor: project`: needed where the project or membership requires it.
_AS_THE_PROJECT_REQUIRES = {"x-casai-second-factor": "project"}


class project_gate:  # noqa: N801  (used like a function: guard=project_gate(Permission.X))
    """The guard for routes under `projects/{project_id}` that need `permission`."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission
        self.contract = GuardContract(
            "required",
            {
                **SIGNED_IN.refusals,
                403: [ProblemCode.FORBIDDEN, *_SECOND_FACTOR_REFUSALS],
                404: [ProblemCode.NOT_FOUND],  # not a member: the project is not revealed
            },
            {"x-casai-permission": permission.value, **_AS_THE_PROJECT_REQUIRES},
        )

    def __call__(self, ctx: Context) -> None:
        # signed_in's checks and project_access's, on what one statement read: the
        # session and its account (always checked in the database), then the membership.
        token = session_token(ctx)
        try:
            project_id = ctx.route_id("project_id", "No such project.")
        except Problem:
            signed_in(ctx)  # without a session, 401 before anything else
            raise
        read = session_and_membership(ctx.db, token, project_id) if token is not None else None
        admitted = sessions.admit(ctx.db, read.session, read.user) if read is not None else None
        establish_signed_in(ctx, token, admitted)
        if read is None or read.membership is None:
            raise not_found("No such project.")
        found = ProjectAccess(ctx.established(Principal), *read.membership)
        if self.permission not in found.permissions:
            raise Problem(403, "forbidden", f"Your role in this project lacks {self.permission}.")
        refused = second_factor_problem(found.project, found.membership, found.caller.session)
        if refused is not None:
            raise refused
        ctx.establish(found)


class org_gate:  # noqa: N801  (used like a function: guard=org_gate(admin=True))
    """The guard for routes under `orgs/{org_id}`: members (and, if asked, only admins).

    Organisation admins manage roles; they do not see projects through this gate. A
    session lacking a second factor that one of the caller's projects in the
    organisation requires is refused as that project's gate would refuse it.
    """

    def __init__(self, *, admin: bool) -> None:
        self.admin = admin
        self.contract = GuardContract(
            "required",
            {
                **SIGNED_IN.refusals,
                403: [*([ProblemCode.FORBIDDEN] if admin else []), *_SECOND_FACTOR_REFUSALS],
                404: [ProblemCode.NOT_FOUND],
            },
            {"x-casai-org-role": "admin" if admin else "member", **_AS_THE_PROJECT_REQUIRES},
        )

    def __call__(self, ctx: Context) -> None:
        signed_in(ctx)
        org_id = ctx.route_id("org_id", "No such organisation.")
        found = org_access(ctx.db, ctx.established(Principal), org_id)
        if self.admin and found.membership.org_role != ORG_ADMIN:
            raise Problem(403, "forbidden", "Only the organisation's admins may do this.")
        refused = org_second_factor_problem(ctx.db, found)
        if refused is not None:
            raise refused
        ctx.establish(found)
