"""Projects and their members: the rules (see projects.rules for the shared guards).

Services take the database session, the caller as a guard established it (a
`Principal`, or a `ProjectAccess` for one project) and plain values.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auth.models import User
from auth.sessions import Principal
from projects.access import ProjectAccess, role_permissions
from projects.events import ProjectEvent
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
from shared.pagination import PageQuery, page
from shared.problems import Problem, not_found

# --- projects -------------------------------------------------------------------


def create_project(db: Session, caller: Principal, values: ProjectCreate) -> ProjectOut:
    in_org = select(OrgMember.user_id).where(
        OrgMember.org_id == values.org_id, OrgMember.user_id == caller.user.id
    )
    if db.scalar(in_org) is None:  # strangers take no lock
        raise not_found("No such organisation.")
    lock_org(db, values.org_id)
    if db.scalar(in_org) is None:  # left it while waiting for the lock
        raise not_found("No such organisation.")
    owner = db.scalar(select(Role).where(Role.org_id == values.org_id, Role.key == "owner"))
    if owner is None:
        raise Problem(409, "conflict", "The organisation has no owner role.")
    owner_permissions = role_permissions(db, owner.id)
    if Permission.MEMBERS_MANAGE not in owner_permissions:  # a project always keeps a manager
        raise Problem(
            409,
            "conflict",
            f"The organisation's Owner role lacks {Permission.MEMBERS_MANAGE}; restore it first.",
        )
    now = clock.now()
    project = Project(
        org_id=values.org_id,
        name=values.name,
        number=values.number,
        description=values.description,
        require_2fa=values.require_2fa,
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
    audit.record(
        db, audit.project(project.id), ProjectEvent.PROJECT_CREATED, caller.actor, target=project.id
    )
    return project_out(ProjectAccess(caller, project, membership, owner, owner_permissions))


def list_projects(db: Session, caller: Principal, paging: PageQuery) -> ProjectList:
    query = (
        select(Project)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(ProjectMember.user_id == caller.user.id, Project.deleted_at.is_(None))
    )
    projects, cursor = page(
        db, query, Project.created_at, Project.id, paging, scope=f"projects:{caller.user.id}"
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
        found = ProjectAccess(caller, project, membership, role, frozenset(permissions[role.id]))
        items.append(project_view(found))
    return ProjectList(items=items, next_cursor=cursor)


def get_project(who: ProjectAccess) -> ProjectOut:
    return project_out(who)


def update_project(db: Session, who: ProjectAccess, values: ProjectPatch) -> ProjectOut:
    for field in values.model_fields_set:
        setattr(who.project, field, getattr(values, field))
    audit.record(
        db,
        audit.project(who.project.id),
        ProjectEvent.PROJECT_CHANGED,
        who.actor,
        fields=",".join(sorted(values.model_fields_set)),
    )
    return project_out(who)


def delete_project(db: Session, who: ProjectAccess) -> None:
    lock_org(db, who.project.org_id)
    deleting = (
        update(Project)
        .where(Project.id == who.project.id, Project.deleted_at.is_(None))
        .values(deleted_at=clock.now())
    )
    if not updated_one(db, deleting):  # a simultaneous request deleted it first
        raise not_found("No such project.")
    audit.record(db, audit.project(who.project.id), ProjectEvent.PROJECT_DELETED, who.actor)
    end_projectless_memberships(db, who.actor, who.project.org_id)


def set_security(db: Session, who: ProjectAccess, values: ProjectSecurity) -> ProjectOut:
    who.project.require_totp = values.require_totp
    # An authenticator app is a second factor: requiring it requires 2FA.
    who.project.require_2fa = values.require_2fa or values.require_totp
    audit.record(
        db,
        audit.project(who.project.id),
        ProjectEvent.SECURITY_CHANGED,
        who.actor,
        require_2fa=who.project.require_2fa,
        require_totp=who.project.require_totp,
    )
    return project_out(who)


# --- members --------------------------------------------------------------------


def _member_out(member: ProjectMember, user: User, role: Role, locale: str) -> MemberOut:
    return MemberOut(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=role_ref(role, locale),
        require_2fa=member.require_2fa,
        added_at=member.added_at,
    )


def list_members(db: Session, who: ProjectAccess, paging: PageQuery) -> MemberList:
    query = select(ProjectMember).where(ProjectMember.project_id == who.project.id)
    members, cursor = page(
        db,
        query,
        ProjectMember.added_at,
        ProjectMember.user_id,
        paging,
        scope=f"members:{who.project.id}",
    )
    users = users_by_id(db, [m.user_id for m in members])
    roles = {
        r.id: r for r in db.scalars(select(Role).where(Role.id.in_({m.role_id for m in members})))
    }
    locale = who.caller.user.locale
    return MemberList(
        items=[_member_out(m, users[m.user_id], roles[m.role_id], locale) for m in members],
        next_cursor=cursor,
    )


def _member_to_change(
    db: Session, who: ProjectAccess, user_id: uuid.UUID
) -> tuple[ProjectMember, User]:
    """The member to change or remove, read under the organisation's lock."""
    lock_org(db, who.project.org_id)
    member = db.get(ProjectMember, (who.project.id, user_id))
    user = db.get(User, user_id)
    if member is None or user is None:
        raise not_found("No such member of this project.")
    # Nobody changes or removes someone whose role holds more than their own.
    may_grant(who, role_permissions(db, member.role_id))
    return member, user


def update_member(
    db: Session, who: ProjectAccess, user_id: uuid.UUID, values: MemberPatch
) -> MemberOut:
    member, user = _member_to_change(db, who, user_id)
    if values.role_id is not None and values.role_id != member.role_id:
        granted = org_role(db, who.project.org_id, values.role_id, "role_id")
        may_grant(who, role_permissions(db, granted.id))
        if not keeps_a_manager(db, who.project.id, new_role=(user_id, granted.id)):
            raise Problem(409, "conflict", "The project would have nobody who manages members.")
        member.role_id = granted.id
    if values.require_2fa is not None:
        member.require_2fa = values.require_2fa
    role = db.get(Role, member.role_id)
    assert role is not None
    audit.record(
        db,
        audit.project(who.project.id),
        ProjectEvent.MEMBER_CHANGED,
        who.actor,
        target=user_id,
        role=role.key,
        require_2fa=member.require_2fa,
    )
    return _member_out(member, user, role, who.caller.user.locale)


def remove_member(db: Session, who: ProjectAccess, user_id: uuid.UUID) -> None:
    member, _ = _member_to_change(db, who, user_id)
    if not keeps_a_manager(db, who.project.id, without=user_id):
        raise Problem(409, "conflict", "The project would have nobody who manages members.")
    db.delete(member)
    audit.record(
        db, audit.project(who.project.id), ProjectEvent.MEMBER_REMOVED, who.actor, target=user_id
    )
    end_projectless_memberships(db, who.actor, who.project.org_id)


# --- audit ----------------------------------------------------------------------


def project_audit(who: ProjectAccess, paging: PageQuery) -> AuditList:
    events, cursor = audit.read(audit.project(who.project.id), paging.limit, paging.cursor)
    return AuditList(
        items=[AuditEventOut.model_validate(e, from_attributes=True) for e in events],
        next_cursor=cursor,
    )
