"""Organisations, roles, projects, members and invitations: the rules.

Guards against escalation, everywhere a role changes hands:
- nobody grants a role holding a permission they lack, and nobody changes or
  removes a member whose role holds a permission they lack;
- a project always keeps at least one member who can manage members;
- an organisation always keeps at least one admin.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from auth.models import User
from auth.sessions import Principal, principal
from projects import emails
from projects.gate import (
    ProjectAccess,
    access,
    org_access,
    role_permissions,
    second_factor_problem,
)
from projects.models import (
    Invitation,
    Organization,
    OrgMember,
    Project,
    ProjectMember,
    Role,
    RolePermission,
)
from projects.permissions import BUILTIN_ROLES, MANAGE_MEMBERS, PERMISSIONS
from projects.schemas import (
    AcceptedOut,
    AcceptIn,
    AuditEventOut,
    AuditList,
    InvitationCreate,
    InvitationList,
    InvitationOut,
    InvitationPreview,
    MemberList,
    MemberOut,
    MemberPatch,
    MyInvitation,
    MyInvitationList,
    OrgCreate,
    OrgList,
    OrgMemberList,
    OrgMemberOut,
    OrgMemberUpdate,
    OrgOut,
    OrgPatch,
    PermissionList,
    PermissionOut,
    ProjectCreate,
    ProjectList,
    ProjectOut,
    ProjectPatch,
    ProjectSecurity,
    RoleCreate,
    RoleList,
    RoleOut,
    RolePatch,
    RoleRef,
)
from shared import audit, clock, crypto, email
from shared.config import get_settings
from shared.http import Context
from shared.pagination import PageQuery, page
from shared.problems import Problem, validation_error

INVITATION_LIFETIME = timedelta(days=7)
ENDED_INVITATIONS_KEPT = timedelta(days=30)


def list_permissions() -> PermissionList:
    return PermissionList(
        [
            PermissionOut(key=key, description=english, description_sv=swedish)
            for key, (english, swedish) in PERMISSIONS.items()
        ]
    )


# --- helpers --------------------------------------------------------------------


def _record(scope: str, action: str, ctx: Context, caller: Principal, **details: Any) -> None:
    target = details.pop("target", None)
    audit.record(
        scope,
        action,
        actor_id=str(caller.user.id),
        target=str(target) if target is not None else None,
        ip=ctx.client_ip,
        **details,
    )


def _role_ref(role: Role, locale: str) -> RoleRef:
    return RoleRef(id=role.id, key=role.key, name=role.name_en if locale == "en" else role.name_sv)


def _permissions_by_role(db: Session, role_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    wanted = set(role_ids)
    found: dict[uuid.UUID, set[str]] = {role_id: set() for role_id in wanted}
    if wanted:
        rows = db.execute(
            select(RolePermission.role_id, RolePermission.permission).where(
                RolePermission.role_id.in_(wanted)
            )
        )
        for role_id, permission in rows:
            found[role_id].add(permission)
    return found


def _project_out(
    project: Project,
    membership: ProjectMember,
    role: Role,
    permissions: Iterable[str],
    caller: Principal,
) -> ProjectOut:
    return ProjectOut(
        id=project.id,
        org_id=project.org_id,
        name=project.name,
        number=project.number,
        description=project.description,
        require_2fa=project.require_2fa,
        require_totp=project.require_totp,
        created_at=clock.as_utc(project.created_at),
        my_role=_role_ref(role, caller.user.locale),
        my_permissions=sorted(permissions),
        mfa_satisfied=second_factor_problem(project, membership, caller.session) is None,
    )


def _out(found: ProjectAccess) -> ProjectOut:
    return _project_out(
        found.project, found.membership, found.role, found.permissions, found.caller
    )


def _keeps_a_manager(
    db: Session,
    project_id: uuid.UUID,
    *,
    without: uuid.UUID | None = None,
    new_role: tuple[uuid.UUID, uuid.UUID] | None = None,
    changed_role: tuple[uuid.UUID, set[str]] | None = None,
) -> bool:
    """Whether the project still has a member with members.manage after a change.

    `without` removes a member; `new_role` is (user, role) for a role change;
    `changed_role` is (role, permissions) for a role whose permissions change.
    """
    members = dict(
        db.execute(
            select(ProjectMember.user_id, ProjectMember.role_id).where(
                ProjectMember.project_id == project_id
            )
        ).all()
    )
    if without is not None:
        members.pop(without, None)
    if new_role is not None:
        members[new_role[0]] = new_role[1]
    permissions = _permissions_by_role(db, members.values())
    if changed_role is not None and changed_role[0] in permissions:
        permissions[changed_role[0]] = changed_role[1]
    return any(MANAGE_MEMBERS in permissions[role] for role in members.values())


def _users_by_id(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    return {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))}


def _is_member(db: Session, project_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return db.get(ProjectMember, (project_id, user_id)) is not None


def _org_role(db: Session, org_id: uuid.UUID, role_id: uuid.UUID, field: str) -> Role:
    role = db.get(Role, role_id)
    if role is None or role.org_id != org_id:
        raise validation_error(
            "Unknown role.", [{"field": field, "message": "no such role in this organisation"}]
        )
    return role


def _may_grant(found: ProjectAccess, role_permissions_: set[str] | frozenset[str]) -> None:
    missing = set(role_permissions_) - found.permissions
    if missing:
        raise Problem(
            403,
            "forbidden",
            "You cannot hand out permissions you do not hold: " + ", ".join(sorted(missing)),
        )


# --- organisations --------------------------------------------------------------


def create_org(ctx: Context, body: OrgCreate) -> OrgOut:
    caller = principal(ctx)
    db = ctx.db
    now = clock.now()
    org = Organization(name=body.name, created_at=now, created_by=caller.user.id)
    db.add(org)
    db.flush()
    db.add(OrgMember(org_id=org.id, user_id=caller.user.id, org_role="admin", added_at=now))
    for key, name_sv, name_en, permissions in BUILTIN_ROLES:
        role = Role(
            org_id=org.id,
            key=key,
            name_sv=name_sv,
            name_en=name_en,
            description="",
            builtin=True,
            created_at=now,
        )
        db.add(role)
        db.flush()
        db.add_all(RolePermission(role_id=role.id, permission=p) for p in sorted(permissions))
    _record(f"org:{org.id}", "org_created", ctx, caller, target=org.id, name=body.name)
    return OrgOut(id=org.id, name=org.name, my_org_role="admin", created_at=now)


def list_orgs(ctx: Context, paging: PageQuery) -> OrgList:
    caller = principal(ctx)
    db = ctx.db
    query = (
        select(Organization)
        .join(OrgMember, OrgMember.org_id == Organization.id)
        .where(OrgMember.user_id == caller.user.id)
    )
    orgs, cursor = page(
        db, query, Organization.created_at, Organization.id, paging, lambda o: (o.created_at, o.id)
    )
    roles = dict(
        db.execute(
            select(OrgMember.org_id, OrgMember.org_role).where(
                OrgMember.user_id == caller.user.id,
                OrgMember.org_id.in_([o.id for o in orgs]),
            )
        ).all()
    )
    return OrgList(
        items=[
            OrgOut(
                id=o.id,
                name=o.name,
                my_org_role=roles[o.id],
                created_at=clock.as_utc(o.created_at),
            )
            for o in orgs
        ],
        next_cursor=cursor,
    )


def get_org(ctx: Context) -> OrgOut:
    found = org_access(ctx)
    return OrgOut(
        id=found.org.id,
        name=found.org.name,
        my_org_role="admin" if found.membership.org_role == "admin" else "member",
        created_at=clock.as_utc(found.org.created_at),
    )


def rename_org(ctx: Context, body: OrgPatch) -> OrgOut:
    found = org_access(ctx)
    found.org.name = body.name
    _record(f"org:{found.org.id}", "org_renamed", ctx, found.caller, name=body.name)
    return get_org(ctx)


def list_org_members(ctx: Context, paging: PageQuery) -> OrgMemberList:
    found = org_access(ctx)
    db = ctx.db
    query = select(OrgMember).where(OrgMember.org_id == found.org.id)
    members, cursor = page(
        db, query, OrgMember.added_at, OrgMember.user_id, paging, lambda m: (m.added_at, m.user_id)
    )
    users = _users_by_id(db, [m.user_id for m in members])
    return OrgMemberList(
        items=[
            OrgMemberOut(
                user_id=m.user_id,
                email=users[m.user_id].email,
                display_name=users[m.user_id].display_name,
                org_role="admin" if m.org_role == "admin" else "member",
                added_at=clock.as_utc(m.added_at),
            )
            for m in members
        ],
        next_cursor=cursor,
    )


def set_org_role(ctx: Context, user_id: uuid.UUID, body: OrgMemberUpdate) -> OrgMemberOut:
    found = org_access(ctx)
    db = ctx.db
    member = db.get(OrgMember, (found.org.id, user_id))
    user = db.get(User, user_id)
    if member is None or user is None:
        raise Problem(404, "not_found", "No such member of this organisation.")
    if member.org_role == "admin" and body.org_role != "admin":
        admins = db.scalars(
            select(OrgMember.user_id).where(
                OrgMember.org_id == found.org.id, OrgMember.org_role == "admin"
            )
        ).all()
        if len(admins) <= 1:
            raise Problem(409, "conflict", "An organisation keeps at least one admin.")
    member.org_role = body.org_role
    _record(
        f"org:{found.org.id}",
        "org_role_changed",
        ctx,
        found.caller,
        target=user_id,
        org_role=body.org_role,
    )
    return OrgMemberOut(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        org_role=body.org_role,
        added_at=clock.as_utc(member.added_at),
    )


# --- roles ----------------------------------------------------------------------


def _role_out(role: Role, permissions: Iterable[str], locale: str) -> RoleOut:
    return RoleOut(
        id=role.id,
        key=role.key,
        name=role.name_en if locale == "en" else role.name_sv,
        name_sv=role.name_sv,
        name_en=role.name_en,
        description=role.description,
        permissions=sorted(permissions),
        builtin=role.builtin,
    )


def _org_role_for_change(ctx: Context, role_id: uuid.UUID) -> Role:
    role = ctx.db.get(Role, role_id)
    if role is None or role.org_id != org_access(ctx).org.id:
        raise Problem(404, "not_found", "No such role.")
    return role


def list_roles(ctx: Context) -> RoleList:
    found = org_access(ctx)
    db = ctx.db
    roles = list(
        db.scalars(
            select(Role).where(Role.org_id == found.org.id).order_by(Role.created_at, Role.key)
        )
    )
    permissions = _permissions_by_role(db, [r.id for r in roles])
    locale = found.caller.user.locale
    return RoleList(items=[_role_out(r, permissions[r.id], locale) for r in roles])


def create_role(ctx: Context, body: RoleCreate) -> RoleOut:
    found = org_access(ctx)
    db = ctx.db
    role = Role(
        org_id=found.org.id,
        key=f"custom-{uuid.uuid4().hex[:12]}",
        name_sv=body.name_sv,
        name_en=body.name_en,
        description=body.description,
        builtin=False,
        created_at=clock.now(),
    )
    db.add(role)
    db.flush()
    db.add_all(RolePermission(role_id=role.id, permission=p) for p in body.permissions)
    _record(
        f"org:{found.org.id}",
        "role_created",
        ctx,
        found.caller,
        target=role.id,
        permissions=",".join(body.permissions),
    )
    return _role_out(role, body.permissions, found.caller.user.locale)


def update_role(ctx: Context, role_id: uuid.UUID, body: RolePatch) -> RoleOut:
    found = org_access(ctx)
    db = ctx.db
    role = _org_role_for_change(ctx, role_id)
    if body.name_sv is not None:
        role.name_sv = body.name_sv
    if body.name_en is not None:
        role.name_en = body.name_en
    if body.description is not None:
        role.description = body.description
    permissions = set(role_permissions(db, role.id))
    if body.permissions is not None:
        new = set(body.permissions)
        if MANAGE_MEMBERS in permissions and MANAGE_MEMBERS not in new:
            _refuse_if_a_project_loses_its_managers(db, role, new)
        db.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
        db.add_all(RolePermission(role_id=role.id, permission=p) for p in sorted(new))
        permissions = new
    _record(
        f"org:{found.org.id}",
        "role_changed",
        ctx,
        found.caller,
        target=role.id,
        permissions=",".join(sorted(permissions)),
    )
    return _role_out(role, permissions, found.caller.user.locale)


def _refuse_if_a_project_loses_its_managers(db: Session, role: Role, new: set[str]) -> None:
    project_ids = db.scalars(
        select(ProjectMember.project_id)
        .join(Project, Project.id == ProjectMember.project_id)
        .where(ProjectMember.role_id == role.id, Project.deleted_at.is_(None))
        .distinct()
    )
    for project_id in project_ids:
        if not _keeps_a_manager(db, project_id, changed_role=(role.id, new)):
            raise Problem(
                409,
                "conflict",
                "A project would be left with nobody who can manage its members.",
            )


def delete_role(ctx: Context, role_id: uuid.UUID) -> None:
    found = org_access(ctx)
    db = ctx.db
    role = _org_role_for_change(ctx, role_id)
    if role.builtin:
        raise Problem(409, "conflict", "Predefined roles can be adjusted but not deleted.")
    held = db.scalar(select(ProjectMember.user_id).where(ProjectMember.role_id == role.id))
    offered = db.scalar(
        select(Invitation.id).where(Invitation.role_id == role.id, Invitation.status == "pending")
    )
    if held is not None or offered is not None:
        raise Problem(409, "conflict", "Someone holds or is offered this role.")
    # Ended invitations still name the role; the audit trail keeps their story.
    db.execute(delete(Invitation).where(Invitation.role_id == role.id))
    db.delete(role)
    _record(f"org:{found.org.id}", "role_deleted", ctx, found.caller, target=role_id)


# --- projects -------------------------------------------------------------------


def create_project(ctx: Context, body: ProjectCreate) -> ProjectOut:
    caller = principal(ctx)
    db = ctx.db
    if db.get(OrgMember, (body.org_id, caller.user.id)) is None:
        raise Problem(404, "not_found", "No such organisation.")
    owner = db.scalar(select(Role).where(Role.org_id == body.org_id, Role.key == "owner"))
    if owner is None:
        raise Problem(409, "conflict", "The organisation has no owner role.")
    now = clock.now()
    project = Project(
        org_id=body.org_id,
        name=body.name,
        number=body.number,
        description=body.description,
        require_2fa=body.require_2fa,
        require_totp=False,
        created_at=now,
        created_by=caller.user.id,
    )
    db.add(project)
    db.flush()
    membership = ProjectMember(
        project_id=project.id, user_id=caller.user.id, role_id=owner.id, added_at=now
    )
    db.add(membership)
    _record(f"project:{project.id}", "project_created", ctx, caller, target=project.id)
    return _project_out(project, membership, owner, role_permissions(db, owner.id), caller)


def list_projects(ctx: Context, paging: PageQuery) -> ProjectList:
    caller = principal(ctx)
    db = ctx.db
    query = (
        select(Project)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(ProjectMember.user_id == caller.user.id, Project.deleted_at.is_(None))
    )
    projects, cursor = page(
        db, query, Project.created_at, Project.id, paging, lambda p: (p.created_at, p.id)
    )
    memberships = {
        m.project_id: m
        for m in db.scalars(
            select(ProjectMember).where(
                ProjectMember.user_id == caller.user.id,
                ProjectMember.project_id.in_([p.id for p in projects]),
            )
        )
    }
    role_ids = {m.role_id for m in memberships.values()}
    roles = {r.id: r for r in db.scalars(select(Role).where(Role.id.in_(role_ids)))}
    permissions = _permissions_by_role(db, role_ids)
    items = []
    for project in projects:
        membership = memberships[project.id]
        role = roles[membership.role_id]
        items.append(_project_out(project, membership, role, permissions[role.id], caller))
    return ProjectList(items=items, next_cursor=cursor)


def get_project(ctx: Context) -> ProjectOut:
    return _out(access(ctx))


def update_project(ctx: Context, body: ProjectPatch) -> ProjectOut:
    found = access(ctx)
    for field in body.model_fields_set:
        setattr(found.project, field, getattr(body, field))
    if found.project.name is None:
        raise validation_error("A project needs a name.", [{"field": "name", "message": "null"}])
    _record(
        f"project:{found.project.id}",
        "project_changed",
        ctx,
        found.caller,
        fields=",".join(sorted(body.model_fields_set)),
    )
    return _out(found)


def delete_project(ctx: Context) -> None:
    found = access(ctx)
    found.project.deleted_at = clock.now()
    _record(f"project:{found.project.id}", "project_deleted", ctx, found.caller)


def set_security(ctx: Context, body: ProjectSecurity) -> ProjectOut:
    found = access(ctx)
    found.project.require_totp = body.require_totp
    # An authenticator app is a second factor: requiring it requires 2FA.
    found.project.require_2fa = body.require_2fa or body.require_totp
    _record(
        f"project:{found.project.id}",
        "security_changed",
        ctx,
        found.caller,
        require_2fa=found.project.require_2fa,
        require_totp=found.project.require_totp,
    )
    return _out(found)


# --- members --------------------------------------------------------------------


def list_members(ctx: Context, paging: PageQuery) -> MemberList:
    found = access(ctx)
    db = ctx.db
    query = select(ProjectMember).where(ProjectMember.project_id == found.project.id)
    members, cursor = page(
        db,
        query,
        ProjectMember.added_at,
        ProjectMember.user_id,
        paging,
        lambda m: (m.added_at, m.user_id),
    )
    users = _users_by_id(db, [m.user_id for m in members])
    roles = {
        r.id: r for r in db.scalars(select(Role).where(Role.id.in_({m.role_id for m in members})))
    }
    locale = found.caller.user.locale
    return MemberList(
        items=[
            MemberOut(
                user_id=m.user_id,
                email=users[m.user_id].email,
                display_name=users[m.user_id].display_name,
                role=_role_ref(roles[m.role_id], locale),
                require_2fa=m.require_2fa,
                added_at=clock.as_utc(m.added_at),
            )
            for m in members
        ],
        next_cursor=cursor,
    )


def _member_to_change(ctx: Context, user_id: uuid.UUID) -> tuple[ProjectMember, User]:
    found = access(ctx)
    db = ctx.db
    member = db.get(ProjectMember, (found.project.id, user_id))
    user = db.get(User, user_id)
    if member is None or user is None:
        raise Problem(404, "not_found", "No such member of this project.")
    # Nobody changes or removes someone whose role holds more than their own.
    _may_grant(found, role_permissions(db, member.role_id))
    return member, user


def update_member(ctx: Context, user_id: uuid.UUID, body: MemberPatch) -> MemberOut:
    found = access(ctx)
    db = ctx.db
    member, user = _member_to_change(ctx, user_id)
    if body.role_id is not None and body.role_id != member.role_id:
        granted = _org_role(db, found.project.org_id, body.role_id, "role_id")
        _may_grant(found, role_permissions(db, granted.id))
        if not _keeps_a_manager(db, found.project.id, new_role=(user_id, granted.id)):
            raise Problem(409, "conflict", "The project would have nobody who manages members.")
        member.role_id = granted.id
    if body.require_2fa is not None:
        member.require_2fa = body.require_2fa
    role = db.get(Role, member.role_id)
    assert role is not None
    _record(
        f"project:{found.project.id}",
        "member_changed",
        ctx,
        found.caller,
        target=user_id,
        role=role.key,
        require_2fa=member.require_2fa,
    )
    return MemberOut(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=_role_ref(role, found.caller.user.locale),
        require_2fa=member.require_2fa,
        added_at=clock.as_utc(member.added_at),
    )


def remove_member(ctx: Context, user_id: uuid.UUID) -> None:
    found = access(ctx)
    db = ctx.db
    member, _ = _member_to_change(ctx, user_id)
    if not _keeps_a_manager(db, found.project.id, without=user_id):
        raise Problem(409, "conflict", "The project would have nobody who manages members.")
    db.delete(member)
    _record(f"project:{found.project.id}", "member_removed", ctx, found.caller, target=user_id)


# --- invitations ----------------------------------------------------------------


def _invitation_out(db: Session, invitation: Invitation, locale: str) -> InvitationOut:
    role = db.get(Role, invitation.role_id)
    inviter = db.get(User, invitation.invited_by)
    assert role is not None
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=_role_ref(role, locale),
        require_2fa=invitation.require_2fa,
        expires_at=clock.as_utc(invitation.expires_at),
        invited_by=inviter.display_name if inviter else "",
    )


def create_invitation(ctx: Context, body: InvitationCreate) -> InvitationOut:
    found = access(ctx)
    db = ctx.db
    role = _org_role(db, found.project.org_id, body.role_id, "role_id")
    _may_grant(found, role_permissions(db, role.id))
    invitee = db.scalar(select(User).where(User.email == body.email))
    if invitee is not None and _is_member(db, found.project.id, invitee.id):
        raise Problem(409, "conflict", "That person is already a member of the project.")
    now = clock.now()
    db.execute(
        update(Invitation)
        .where(
            Invitation.project_id == found.project.id,
            Invitation.email == body.email,
            Invitation.status == "pending",
        )
        .values(status="replaced", ended_at=now)
    )
    token = crypto.new_token()
    invitation = Invitation(
        project_id=found.project.id,
        email=body.email,
        role_id=role.id,
        require_2fa=body.require_2fa,
        token_hash=crypto.token_hash(token),
        invited_by=found.caller.user.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
        status="pending",
    )
    db.add(invitation)
    db.flush()
    org = db.get(Organization, found.project.org_id)
    assert org is not None
    locale = invitee.locale if invitee is not None else found.caller.user.locale
    link = f"{get_settings().public_base_url.rstrip('/')}/invite#token={token}"
    email.send(
        emails.invitation(
            locale,
            body.email,
            inviter=found.caller.user.display_name,
            project=found.project.name,
            org=org.name,
            link=link,
            expires=clock.as_utc(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
        )
    )
    _record(
        f"project:{found.project.id}",
        "invitation_sent",
        ctx,
        found.caller,
        target=body.email,
        role=role.key,
        invitation_id=str(invitation.id),
    )
    return _invitation_out(db, invitation, found.caller.user.locale)


def list_invitations(ctx: Context, paging: PageQuery) -> InvitationList:
    found = access(ctx)
    db = ctx.db
    query = select(Invitation).where(
        Invitation.project_id == found.project.id,
        Invitation.status == "pending",
        Invitation.expires_at > clock.now(),
    )
    invitations, cursor = page(
        db, query, Invitation.created_at, Invitation.id, paging, lambda i: (i.created_at, i.id)
    )
    locale = found.caller.user.locale
    return InvitationList(
        items=[_invitation_out(db, i, locale) for i in invitations], next_cursor=cursor
    )


def revoke_invitation(ctx: Context, invitation_id: uuid.UUID) -> None:
    found = access(ctx)
    invitation = ctx.db.get(Invitation, invitation_id)
    if (
        invitation is None
        or invitation.project_id != found.project.id
        or invitation.status != "pending"
    ):
        raise Problem(404, "not_found", "No such pending invitation.")
    invitation.status = "revoked"
    invitation.ended_at = clock.now()
    _record(
        f"project:{found.project.id}",
        "invitation_revoked",
        ctx,
        found.caller,
        target=invitation.email,
        invitation_id=str(invitation.id),
    )


def _valid_invitation(db: Session, invitation: Invitation | None) -> tuple[Invitation, Project]:
    """A pending, unexpired invitation whose inviter may still hand out its role; else 404."""
    gone = Problem(404, "not_found", "This invitation is not valid.")
    if (
        invitation is None
        or invitation.status != "pending"
        or clock.as_utc(invitation.expires_at) <= clock.now()
    ):
        raise gone
    project = db.get(Project, invitation.project_id)
    inviter = db.get(ProjectMember, (invitation.project_id, invitation.invited_by))
    if project is None or project.deleted_at is not None or inviter is None:
        raise gone
    held = role_permissions(db, inviter.role_id)
    if "members.invite" not in held or not role_permissions(db, invitation.role_id) <= held:
        raise gone
    return invitation, project


def _by_token(db: Session, token: str) -> Invitation | None:
    return db.scalar(select(Invitation).where(Invitation.token_hash == crypto.token_hash(token)))


def preview_invitation(ctx: Context, token: str) -> InvitationPreview:
    db = ctx.db
    invitation, project = _valid_invitation(db, _by_token(db, token))
    org = db.get(Organization, project.org_id)
    inviter = db.get(User, invitation.invited_by)
    return InvitationPreview(
        project_name=project.name,
        org_name=org.name if org else "",
        invited_by=inviter.display_name if inviter else "",
        email=invitation.email,
        expires_at=clock.as_utc(invitation.expires_at),
    )


def accept_invitation(ctx: Context, body: AcceptIn) -> AcceptedOut:
    caller = principal(ctx)
    db = ctx.db
    if body.token is not None:
        candidate = _by_token(db, body.token)
    else:
        candidate = db.get(Invitation, body.invitation_id)
        if candidate is not None and candidate.email != caller.user.email:
            candidate = None  # by id, only one's own invitations exist
    invitation, project = _valid_invitation(db, candidate)
    if invitation.email != caller.user.email:
        raise Problem(403, "forbidden", "This invitation is for another e-mail address than yours.")
    if _is_member(db, project.id, caller.user.id):
        raise Problem(409, "conflict", "You are already a member of this project.")
    now = clock.now()
    membership = ProjectMember(
        project_id=project.id,
        user_id=caller.user.id,
        role_id=invitation.role_id,
        require_2fa=invitation.require_2fa,
        added_at=now,
    )
    db.add(membership)
    if db.get(OrgMember, (project.org_id, caller.user.id)) is None:
        db.add(
            OrgMember(
                org_id=project.org_id, user_id=caller.user.id, org_role="member", added_at=now
            )
        )
    invitation.status = "accepted"
    invitation.ended_at = now
    db.flush()
    _record(
        f"project:{project.id}",
        "invitation_accepted",
        ctx,
        caller,
        target=caller.user.id,
        invitation_id=str(invitation.id),
    )
    role = db.get(Role, invitation.role_id)
    assert role is not None
    out = _project_out(project, membership, role, role_permissions(db, role.id), caller)
    return AcceptedOut(project=out)


def my_invitations(ctx: Context) -> MyInvitationList:
    caller = principal(ctx)
    db = ctx.db
    pending = db.scalars(
        select(Invitation)
        .where(
            Invitation.email == caller.user.email,
            Invitation.status == "pending",
            Invitation.expires_at > clock.now(),
        )
        .order_by(Invitation.created_at)
    )
    items = []
    for candidate in pending:
        try:
            invitation, project = _valid_invitation(db, candidate)
        except Problem:
            continue
        org = db.get(Organization, project.org_id)
        role = db.get(Role, invitation.role_id)
        inviter = db.get(User, invitation.invited_by)
        assert role is not None
        items.append(
            MyInvitation(
                id=invitation.id,
                project_name=project.name,
                org_name=org.name if org else "",
                invited_by=inviter.display_name if inviter else "",
                role=_role_ref(role, caller.user.locale),
                require_2fa=invitation.require_2fa,
                expires_at=clock.as_utc(invitation.expires_at),
            )
        )
    return MyInvitationList(items=items)


def expire_invitations(db: Session) -> None:
    """Mark pending invitations past their time expired; purge those ended 30 days ago."""
    now = clock.now()
    db.execute(
        update(Invitation)
        .where(Invitation.status == "pending", Invitation.expires_at <= now)
        .values(status="expired", ended_at=now)
    )
    db.execute(
        delete(Invitation).where(
            Invitation.status != "pending", Invitation.ended_at < now - ENDED_INVITATIONS_KEPT
        )
    )


# --- audit ----------------------------------------------------------------------


def project_audit(ctx: Context, paging: PageQuery) -> AuditList:
    found = access(ctx)
    events, cursor = audit.read(f"project:{found.project.id}", paging.limit, paging.cursor)
    return AuditList(
        items=[
            AuditEventOut(
                id=e.id,
                action=e.action,
                at=e.at,
                actor_id=e.actor_id,
                target=e.target,
                ip=e.ip,
                details=e.details,
            )
            for e in events
        ],
        next_cursor=cursor,
    )
