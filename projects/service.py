"""Projects and their members: the rules (see projects.rules for the shared guards)."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from auth.guards import principal
from auth.models import User
from projects.gate import (
    ProjectAccess,
    access,
    role_permissions,
)
from projects.models import (
    OrgMember,
    Project,
    ProjectMember,
    Role,
)
from projects.permissions import Permission
from projects.rules import (
    end_projectless_memberships,
    keeps_a_manager,
    lock_org,
    may_grant,
    org_role,
    permissions_by_role,
    project_out,
    project_view,
    record,
    role_ref,
    updated_one,
    users_by_id,
)
from projects.schemas import (
    AuditEventOut,
    AuditList,
    MemberList,
    MemberOut,
    MemberPatch,
    ProjectCreate,
    ProjectList,
    ProjectOut,
    ProjectPatch,
    ProjectSecurity,
)
from shared import audit, clock
from shared.http import Context
from shared.pagination import PageQuery, page
from shared.problems import Problem, not_found


def _out(found: ProjectAccess) -> ProjectOut:
    return project_out(found.project, found.membership, found.role, found.permissions, found.caller)


# --- projects -------------------------------------------------------------------


def create_project(ctx: Context, body: ProjectCreate) -> ProjectOut:
    caller = principal(ctx)
    db = ctx.db
    in_org = select(OrgMember.user_id).where(
        OrgMember.org_id == body.org_id, OrgMember.user_id == caller.user.id
    )
    if db.scalar(in_org) is None:  # strangers take no lock
        raise not_found("No such organisation.")
    lock_org(db, body.org_id)
    if db.scalar(in_org) is None:  # left it while waiting for the lock
        raise not_found("No such organisation.")
    owner = db.scalar(select(Role).where(Role.org_id == body.org_id, Role.key == "owner"))
    if owner is None:
        raise Problem(409, "conflict", "The organisation has no owner role.")
    owner_permissions = role_permissions(db, owner.id)
    if Permission.MEMBERS_MANAGE not in owner_permissions:  # a project always keeps a manager
        raise Problem(
            409, "conflict", "The organisation's Owner role lacks members.manage; restore it first."
        )
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
    record(f"project:{project.id}", "project_created", ctx, caller, target=project.id)
    return project_out(project, membership, owner, owner_permissions, caller)


def list_projects(ctx: Context, paging: PageQuery) -> ProjectList:
    caller = principal(ctx)
    db = ctx.db
    query = (
        select(Project)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(ProjectMember.user_id == caller.user.id, Project.deleted_at.is_(None))
    )
    projects, cursor = page(
        db,
        query,
        Project.created_at,
        Project.id,
        paging,
        scope=f"projects:{caller.user.id}",
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
    permissions = permissions_by_role(db, role_ids)
    items = []
    for project in projects:
        membership = memberships[project.id]
        role = roles[membership.role_id]
        items.append(project_view(project, membership, role, permissions[role.id], caller))
    return ProjectList(items=items, next_cursor=cursor)


def get_project(ctx: Context) -> ProjectOut:
    return _out(access(ctx))


def update_project(ctx: Context, body: ProjectPatch) -> ProjectOut:
    found = access(ctx)
    for field in body.model_fields_set:
        setattr(found.project, field, getattr(body, field))
    record(
        f"project:{found.project.id}",
        "project_changed",
        ctx,
        found.caller,
        fields=",".join(sorted(body.model_fields_set)),
    )
    return _out(found)


def delete_project(ctx: Context) -> None:
    found = access(ctx)
    db = ctx.db
    lock_org(db, found.project.org_id)
    deleting = (
        update(Project)
        .where(Project.id == found.project.id, Project.deleted_at.is_(None))
        .values(deleted_at=clock.now())
    )
    if not updated_one(db, deleting):  # a simultaneous request deleted it first
        raise not_found("No such project.")
    record(f"project:{found.project.id}", "project_deleted", ctx, found.caller)
    end_projectless_memberships(ctx, found.caller, found.project.org_id)


def set_security(ctx: Context, body: ProjectSecurity) -> ProjectOut:
    found = access(ctx)
    found.project.require_totp = body.require_totp
    # An authenticator app is a second factor: requiring it requires 2FA.
    found.project.require_2fa = body.require_2fa or body.require_totp
    record(
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
        scope=f"members:{found.project.id}",
    )
    users = users_by_id(db, [m.user_id for m in members])
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
                role=role_ref(roles[m.role_id], locale),
                require_2fa=m.require_2fa,
                added_at=clock.as_utc(m.added_at),
            )
            for m in members
        ],
        next_cursor=cursor,
    )


def _member_to_change(ctx: Context, user_id: uuid.UUID) -> tuple[ProjectMember, User]:
    """The member to change or remove, read under the organisation's lock."""
    found = access(ctx)
    db = ctx.db
    lock_org(db, found.project.org_id)
    member = db.get(ProjectMember, (found.project.id, user_id))
    user = db.get(User, user_id)
    if member is None or user is None:
        raise not_found("No such member of this project.")
    # Nobody changes or removes someone whose role holds more than their own.
    may_grant(found, role_permissions(db, member.role_id))
    return member, user


def update_member(ctx: Context, user_id: uuid.UUID, body: MemberPatch) -> MemberOut:
    found = access(ctx)
    db = ctx.db
    member, user = _member_to_change(ctx, user_id)
    if body.role_id is not None and body.role_id != member.role_id:
        granted = org_role(db, found.project.org_id, body.role_id, "role_id")
        may_grant(found, role_permissions(db, granted.id))
        if not keeps_a_manager(db, found.project.id, new_role=(user_id, granted.id)):
            raise Problem(409, "conflict", "The project would have nobody who manages members.")
        member.role_id = granted.id
    if body.require_2fa is not None:
        member.require_2fa = body.require_2fa
    role = db.get(Role, member.role_id)
    assert role is not None
    record(
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
        role=role_ref(role, found.caller.user.locale),
        require_2fa=member.require_2fa,
        added_at=clock.as_utc(member.added_at),
    )


def remove_member(ctx: Context, user_id: uuid.UUID) -> None:
    found = access(ctx)
    db = ctx.db
    member, _ = _member_to_change(ctx, user_id)
    if not keeps_a_manager(db, found.project.id, without=user_id):
        raise Problem(409, "conflict", "The project would have nobody who manages members.")
    db.delete(member)
    record(f"project:{found.project.id}", "member_removed", ctx, found.caller, target=user_id)
    end_projectless_memberships(ctx, found.caller, found.project.org_id)


# --- audit ----------------------------------------------------------------------


def project_audit(ctx: Context, paging: PageQuery) -> AuditList:
    found = access(ctx)
    events, cursor = audit.read(f"project:{found.project.id}", paging.limit, paging.cursor)
    return AuditList(
        items=[AuditEventOut.model_validate(e, from_attributes=True) for e in events],
        next_cursor=cursor,
    )
