import azure.functions as func

from auth.guards import signed_in
from auth.sessions import Principal
from projects.gate import OrgAccess, ProjectAccess, org_gate, project_gate
from projects.permissions import Permission
from projects.schemas import (
    AcceptedOut,
    AcceptIn,
    AuditList,
    InvitationCreate,
    InvitationList,
    InvitationOut,
    InvitationPreview,
    MemberList,
    MemberOut,
    MemberPatch,
    MyInvitationList,
    OrgCreate,
    OrgList,
    OrgMemberList,
    OrgMemberOut,
    OrgMemberUpdate,
    OrgOut,
    OrgPatch,
    PermissionList,
    ProjectCreate,
    ProjectList,
    ProjectOut,
    ProjectPatch,
    ProjectSecurity,
    RoleCreate,
    RoleList,
    RoleOut,
    RolePatch,
    TokenIn,
)
from shared import housekeeping, http
from shared.pagination import PageQuery
from shared.problems import ProblemCode

# Each handler imports the service it calls (and with it the ORM and the tables): a
# cold start registers every function without loading them (bench/bench_cold_start.py).
bp = http.Blueprint()
PROJECT = "projects/{project_id:guid}"
ORG = "orgs/{org_id:guid}"


@bp.endpoint("GET", "permissions", response=PermissionList)
def list_permissions(ctx: http.Context) -> PermissionList:
    """The catalogue of permissions that roles are made of."""
    from projects import organisations

    return organisations.list_permissions()


# --- organisations and roles -------------------------------------------------------


@bp.endpoint("POST", "orgs", body=OrgCreate, response=OrgOut, status=201, guard=signed_in)
def create_org(ctx: http.Context) -> OrgOut:
    """Create an organisation; the caller becomes its admin, with the predefined roles."""
    from projects import organisations

    return organisations.create_org(ctx.db, ctx.established(Principal), ctx.body)


@bp.endpoint("GET", "orgs", query=PageQuery, response=OrgList, guard=signed_in)
def list_orgs(ctx: http.Context) -> OrgList:
    """The organisations the caller belongs to."""
    from projects import organisations

    return organisations.list_orgs(ctx.db, ctx.established(Principal), ctx.query)


@bp.endpoint("GET", ORG, response=OrgOut, guard=org_gate(admin=False))
def get_org(ctx: http.Context) -> OrgOut:
    """One organisation the caller belongs to."""
    from projects import organisations

    return organisations.get_org(ctx.established(OrgAccess))


@bp.endpoint("PATCH", ORG, body=OrgPatch, response=OrgOut, guard=org_gate(admin=True))
def rename_org(ctx: http.Context) -> OrgOut:
    """Rename the organisation (its admins)."""
    from projects import organisations

    return organisations.rename_org(ctx.db, ctx.established(OrgAccess), ctx.body)


@bp.endpoint(
    "GET", f"{ORG}/members", query=PageQuery, response=OrgMemberList, guard=org_gate(admin=True)
)
def list_org_members(ctx: http.Context) -> OrgMemberList:
    """The organisation's people, with org role `admin` or `member` (org admins only).

    Members belong to the organisation through their projects: leaving the last one
    ends the org membership.
    """
    from projects import organisations

    return organisations.list_org_members(ctx.db, ctx.established(OrgAccess), ctx.query)


@bp.endpoint(
    "PUT",
    f"{ORG}/members/{{user_id:guid}}",
    body=OrgMemberUpdate,
    response=OrgMemberOut,
    guard=org_gate(admin=True),
    errors={409: [ProblemCode.CONFLICT]},
)
def set_org_role(ctx: http.Context) -> OrgMemberOut:
    """Make a member an admin or a member (an organisation keeps at least one admin).

    An admin who holds no project of the organisation cannot become a member (409).
    """
    from projects import organisations

    return organisations.set_org_role(
        ctx.db, ctx.established(OrgAccess), ctx.route_id("user_id"), ctx.body
    )


@bp.endpoint("GET", f"{ORG}/roles", response=RoleList, guard=org_gate(admin=False))
def list_roles(ctx: http.Context) -> RoleList:
    """The organisation's roles: the predefined ones and its own."""
    from projects import organisations

    return organisations.list_roles(ctx.db, ctx.established(OrgAccess))


@bp.endpoint(
    "POST",
    f"{ORG}/roles",
    body=RoleCreate,
    response=RoleOut,
    status=201,
    guard=org_gate(admin=True),
)
def create_role(ctx: http.Context) -> RoleOut:
    """Add a custom role (org admins)."""
    from projects import organisations

    return organisations.create_role(ctx.db, ctx.established(OrgAccess), ctx.body)


@bp.endpoint(
    "PATCH",
    f"{ORG}/roles/{{role_id:guid}}",
    body=RolePatch,
    response=RoleOut,
    guard=org_gate(admin=True),
    errors={409: [ProblemCode.CONFLICT]},
)
def update_role(ctx: http.Context) -> RoleOut:
    """Rename a role or adjust its permissions (org admins); counts from the next request.

    Adding a permission grants it to everyone holding the role: refused (403) unless the
    caller holds it in every project where the role is held or offered.
    """
    from projects import organisations

    return organisations.update_role(
        ctx.db, ctx.established(OrgAccess), ctx.route_id("role_id"), ctx.body
    )


@bp.endpoint(
    "DELETE",
    f"{ORG}/roles/{{role_id:guid}}",
    status=204,
    guard=org_gate(admin=True),
    errors={409: [ProblemCode.CONFLICT]},
)
def delete_role(ctx: http.Context) -> None:
    """Delete a custom role that nobody holds or is offered (409 otherwise)."""
    from projects import organisations

    organisations.delete_role(ctx.db, ctx.established(OrgAccess), ctx.route_id("role_id"))


# --- projects -------------------------------------------------------------------


@bp.endpoint(
    "POST",
    "projects",
    body=ProjectCreate,
    response=ProjectOut,
    status=201,
    guard=signed_in,
    errors={404: [ProblemCode.NOT_FOUND], 409: [ProblemCode.CONFLICT]},
)
def create_project(ctx: http.Context) -> ProjectOut:
    """Create a project in one of the caller's organisations; the caller becomes Owner."""
    from projects import service

    return service.create_project(ctx.db, ctx.established(Principal), ctx.body)


@bp.endpoint("GET", "projects", query=PageQuery, response=ProjectList, guard=signed_in)
def list_projects(ctx: http.Context) -> ProjectList:
    """The projects the caller is a member of, with role, permissions and 2FA state.

    A project whose gate refuses this session (a second factor it lacks) is listed with
    its name and requirements only, `mfa_satisfied: false`.
    """
    from projects import service

    return service.list_projects(ctx.db, ctx.established(Principal), ctx.query)


@bp.endpoint("GET", PROJECT, response=ProjectOut, guard=project_gate(Permission.PROJECT_VIEW))
def get_project(ctx: http.Context) -> ProjectOut:
    """One project."""
    from projects import service

    return service.get_project(ctx.established(ProjectAccess))


@bp.endpoint(
    "PATCH",
    PROJECT,
    body=ProjectPatch,
    response=ProjectOut,
    guard=project_gate(Permission.PROJECT_EDIT),
)
def update_project(ctx: http.Context) -> ProjectOut:
    """Change the project's name, number or description."""
    from projects import service

    return service.update_project(ctx.db, ctx.established(ProjectAccess), ctx.body)


@bp.endpoint("DELETE", PROJECT, status=204, guard=project_gate(Permission.PROJECT_DELETE))
def delete_project(ctx: http.Context) -> None:
    """Delete the project: it is gone for everyone at once."""
    from projects import service

    service.delete_project(ctx.db, ctx.established(ProjectAccess))


@bp.endpoint(
    "PUT",
    f"{PROJECT}/security",
    body=ProjectSecurity,
    response=ProjectOut,
    guard=project_gate(Permission.PROJECT_SECURITY),
)
def set_security(ctx: http.Context) -> ProjectOut:
    """Require a second factor (or an authenticator app) of everyone in the project."""
    from projects import service

    return service.set_security(ctx.db, ctx.established(ProjectAccess), ctx.body)


@bp.endpoint(
    "GET",
    f"{PROJECT}/members",
    query=PageQuery,
    response=MemberList,
    guard=project_gate(Permission.MEMBERS_VIEW),
)
def list_members(ctx: http.Context) -> MemberList:
    """The project's members and their roles."""
    from projects import service

    return service.list_members(ctx.db, ctx.established(ProjectAccess), ctx.query)


@bp.endpoint(
    "PATCH",
    f"{PROJECT}/members/{{user_id:guid}}",
    body=MemberPatch,
    response=MemberOut,
    guard=project_gate(Permission.MEMBERS_MANAGE),
    errors={409: [ProblemCode.CONFLICT]},
)
def update_member(ctx: http.Context) -> MemberOut:
    """Change a member's role or their own 2FA requirement."""
    from projects import service

    return service.update_member(
        ctx.db, ctx.established(ProjectAccess), ctx.route_id("user_id"), ctx.body
    )


@bp.endpoint(
    "DELETE",
    f"{PROJECT}/members/{{user_id:guid}}",
    status=204,
    guard=project_gate(Permission.MEMBERS_MANAGE),
    errors={409: [ProblemCode.CONFLICT]},
)
def remove_member(ctx: http.Context) -> None:
    """Remove a member; their access ends with their next request."""
    from projects import service

    service.remove_member(ctx.db, ctx.established(ProjectAccess), ctx.route_id("user_id"))


@bp.endpoint(
    "POST",
    f"{PROJECT}/invitations",
    body=InvitationCreate,
    response=InvitationOut,
    status=201,
    guard=project_gate(Permission.MEMBERS_INVITE),
    errors={409: [ProblemCode.CONFLICT], 429: [ProblemCode.RATE_LIMITED]},
)
def create_invitation(ctx: http.Context) -> InvitationOut:
    """Invite someone by e-mail; the link with the token goes only to that address."""
    from projects import invitations

    return invitations.create_invitation(ctx.db, ctx.established(ProjectAccess), ctx.body)


@bp.endpoint(
    "GET",
    f"{PROJECT}/invitations",
    query=PageQuery,
    response=InvitationList,
    guard=project_gate(Permission.MEMBERS_INVITE),
)
def list_invitations(ctx: http.Context) -> InvitationList:
    """The project's pending invitations."""
    from projects import invitations

    return invitations.list_invitations(ctx.db, ctx.established(ProjectAccess), ctx.query)


@bp.endpoint(
    "DELETE",
    f"{PROJECT}/invitations/{{invitation_id:guid}}",
    status=204,
    guard=project_gate(Permission.MEMBERS_INVITE),
)
def revoke_invitation(ctx: http.Context) -> None:
    """Revoke a pending invitation."""
    from projects import invitations

    invitations.revoke_invitation(
        ctx.db, ctx.established(ProjectAccess), ctx.route_id("invitation_id")
    )


@bp.endpoint(
    "GET",
    f"{PROJECT}/audit",
    query=PageQuery,
    response=AuditList,
    guard=project_gate(Permission.AUDIT_VIEW),
)
def project_audit(ctx: http.Context) -> AuditList:
    """The project's audit events, newest first: actor, action, target, time, client IP."""
    from projects import service

    return service.project_audit(ctx.established(ProjectAccess), ctx.query)


# --- accepting invitations --------------------------------------------------------


@bp.endpoint(
    "POST",
    "invitations/preview",
    body=TokenIn,
    response=InvitationPreview,
    errors={404: [ProblemCode.NOT_FOUND]},
)
def preview_invitation(ctx: http.Context) -> InvitationPreview:
    """What an invitation is for, by its token (no session needed); 404 when not valid."""
    from projects import invitations

    return invitations.preview_invitation(ctx.db, ctx.body.token)


@bp.endpoint(
    "POST",
    "invitations/accept",
    body=AcceptIn,
    response=AcceptedOut,
    guard=signed_in,
    errors={403: [ProblemCode.FORBIDDEN], 404: [ProblemCode.NOT_FOUND]},
)
def accept_invitation(ctx: http.Context) -> AcceptedOut:
    """Join the project; the session's verified e-mail must be the invited one.

    Without a second factor the project requires, the project comes as in GET /projects:
    name and requirements only.
    """
    from projects import invitations

    return invitations.accept_invitation(ctx.db, ctx.established(Principal), ctx.body)


@bp.endpoint("GET", "me/invitations", response=MyInvitationList, guard=signed_in)
def my_invitations(ctx: http.Context) -> MyInvitationList:
    """Pending invitations to the caller's verified e-mail address."""
    from projects import invitations

    return invitations.my_invitations(ctx.db, ctx.established(Principal))


@bp.timer_trigger(schedule=housekeeping.DAILY, arg_name="timer", run_on_startup=False)
def expire_invitations(timer: func.TimerRequest) -> None:
    """Daily (shared.housekeeping): mark invitations past their 7 days expired (readers
    refuse them already); purge ended ones after 30 days, and the invitation rate limits'
    old counts."""
    from projects import invitations
    from shared import db

    def expire() -> None:
        with db.transaction() as session:
            invitations.expire_invitations(session)

    housekeeping.run(expire, "expire_invitations")
