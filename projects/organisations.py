"""Organisations, their members and their roles: the rules."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from auth.models import User
from auth.sessions import Principal
from projects.access import OrgAccess, role_permissions
from projects.events import OrgEvent
from projects.models import (
    Invitation,
    InvitationStatus,
    Organization,
    OrgMember,
    Project,
    ProjectMember,
    Role,
    RolePermission,
)
from projects.permissions import BUILTIN_ROLES, ORG_ADMIN, ORG_MEMBER, Permission
from projects.rules import (
    holds_a_project,
    keeps_a_manager,
    lock_org,
    permissions_by_role,
    users_by_id,
)
from projects.schemas import (
    OrgCreate,
    OrgList,
    OrgMemberList,
    OrgMemberOut,
    OrgMemberUpdate,
    OrgOut,
    OrgPatch,
    OrgRole,
    PermissionList,
    PermissionOut,
    RoleCreate,
    RoleList,
    RoleOut,
    RolePatch,
)
from shared import audit, clock
from shared.pagination import PageQuery, page
from shared.problems import Problem, not_found


def list_permissions() -> PermissionList:
    return PermissionList(
        [
            PermissionOut(
                key=permission,
                description=permission.description,
                description_sv=permission.description_sv,
            )
            for permission in Permission
        ]
    )


# --- organisations --------------------------------------------------------------


def _org_role(stored: str) -> OrgRole:
    return ORG_ADMIN if stored == ORG_ADMIN else ORG_MEMBER


def _org_out(org: Organization, org_role: str) -> OrgOut:
    return OrgOut(
        id=org.id, name=org.name, my_org_role=_org_role(org_role), created_at=org.created_at
    )


def _org_member_out(member: OrgMember, user: User) -> OrgMemberOut:
    return OrgMemberOut(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        org_role=_org_role(member.org_role),
        added_at=member.added_at,
    )


def create_org(db: Session, caller: Principal, values: OrgCreate) -> OrgOut:
    now = clock.now()
    org = Organization(name=values.name, created_at=now, created_by=caller.user.id)
    db.add(org)
    db.flush()
    db.add(OrgMember(org_id=org.id, user_id=caller.user.id, org_role=ORG_ADMIN, added_at=now))
    for builtin in BUILTIN_ROLES:
        role = Role(
            org_id=org.id,
            key=builtin.key,
            name_sv=builtin.name_sv,
            name_en=builtin.name_en,
            description="",
            builtin=True,
            created_at=now,
        )
        db.add(role)
        db.flush()
        db.add_all(
            RolePermission(role_id=role.id, permission=p) for p in sorted(builtin.permissions)
        )
    audit.record(
        db, audit.org(org.id), OrgEvent.ORG_CREATED, caller.actor, target=org.id, name=values.name
    )
    return _org_out(org, ORG_ADMIN)


def list_orgs(db: Session, caller: Principal, paging: PageQuery) -> OrgList:
    query = (
        select(Organization)
        .join(OrgMember, OrgMember.org_id == Organization.id)
        .where(OrgMember.user_id == caller.user.id)
    )
    orgs, cursor = page(
        db, query, Organization.created_at, Organization.id, paging, scope=f"orgs:{caller.user.id}"
    )
    roles = dict(
        db.execute(
            select(OrgMember.org_id, OrgMember.org_role).where(
                OrgMember.user_id == caller.user.id,
                OrgMember.org_id.in_([o.id for o in orgs]),
            )
        ).all()
    )
    return OrgList(items=[_org_out(o, roles[o.id]) for o in orgs], next_cursor=cursor)


def get_org(who: OrgAccess) -> OrgOut:
    return _org_out(who.org, who.membership.org_role)


def rename_org(db: Session, who: OrgAccess, values: OrgPatch) -> OrgOut:
    who.org.name = values.name
    audit.record(db, audit.org(who.org.id), OrgEvent.ORG_RENAMED, who.actor, name=values.name)
    return get_org(who)


def list_org_members(db: Session, who: OrgAccess, paging: PageQuery) -> OrgMemberList:
    query = select(OrgMember).where(OrgMember.org_id == who.org.id)
    members, cursor = page(
        db,
        query,
        OrgMember.added_at,
        OrgMember.user_id,
        paging,
        scope=f"org-members:{who.org.id}",
    )
    users = users_by_id(db, [m.user_id for m in members])
    return OrgMemberList(
        items=[_org_member_out(m, users[m.user_id]) for m in members], next_cursor=cursor
    )


def set_org_role(
    db: Session, who: OrgAccess, user_id: uuid.UUID, values: OrgMemberUpdate
) -> OrgMemberOut:
    lock_org(db, who.org.id)
    member = db.get(OrgMember, (who.org.id, user_id))
    user = db.get(User, user_id)
    if member is None or user is None:
        raise not_found("No such member of this organisation.")
    if member.org_role == ORG_ADMIN and values.org_role != ORG_ADMIN:
        _refuse_demoting(db, who.org.id, user_id)
    member.org_role = values.org_role
    audit.record(
        db,
        audit.org(who.org.id),
        OrgEvent.ORG_ROLE_CHANGED,
        who.actor,
        target=user_id,
        org_role=values.org_role,
    )
    return _org_member_out(member, user)


def _refuse_demoting(db: Session, org_id: uuid.UUID, user_id: uuid.UUID) -> None:
    admins = db.scalar(
        select(func.count()).where(OrgMember.org_id == org_id, OrgMember.org_role == ORG_ADMIN)
    )
    if (admins or 0) <= 1:
        raise Problem(409, "conflict", "An organisation keeps at least one admin.")
    if not holds_a_project(db, org_id, user_id):
        raise Problem(
            409,
            "conflict",
            "They hold no project in this organisation, and members belong to it only "
            "through their projects.",
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


def _org_role_for_change(db: Session, who: OrgAccess, role_id: uuid.UUID) -> Role:
    role = db.get(Role, role_id)
    if role is None or role.org_id != who.org.id:
        raise not_found("No such role.")
    return role


def list_roles(db: Session, who: OrgAccess) -> RoleList:
    roles = list(
        db.scalars(
            select(Role).where(Role.org_id == who.org.id).order_by(Role.created_at, Role.key)
        )
    )
    permissions = permissions_by_role(db, [r.id for r in roles])
    locale = who.caller.user.locale
    return RoleList(items=[_role_out(r, permissions[r.id], locale) for r in roles])


def create_role(db: Session, who: OrgAccess, values: RoleCreate) -> RoleOut:
    role = Role(
        org_id=who.org.id,
        key=f"custom-{uuid.uuid4().hex[:12]}",
        name_sv=values.name_sv,
        name_en=values.name_en,
        description=values.description,
        builtin=False,
        created_at=clock.now(),
    )
    db.add(role)
    db.flush()
    db.add_all(RolePermission(role_id=role.id, permission=p) for p in values.permissions)
    audit.record(
        db,
        audit.org(who.org.id),
        OrgEvent.ROLE_CREATED,
        who.actor,
        target=role.id,
        permissions=",".join(values.permissions),
    )
    return _role_out(role, values.permissions, who.caller.user.locale)


def update_role(db: Session, who: OrgAccess, role_id: uuid.UUID, values: RolePatch) -> RoleOut:
    lock_org(db, who.org.id)  # no grant of this role runs between the checks and the edit
    role = _org_role_for_change(db, who, role_id)
    using = list(db.scalars(_projects_using(role.id)))
    permissions = set(role_permissions(db, role.id))
    if values.permissions is not None:
        new: set[str] = set(values.permissions)
        _may_add(db, who.caller.user.id, role.id, new - permissions)
        if Permission.MEMBERS_MANAGE in permissions and Permission.MEMBERS_MANAGE not in new:
            _refuse_if_a_project_loses_its_managers(db, role, using, new)
        db.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
        db.add_all(RolePermission(role_id=role.id, permission=p) for p in sorted(new))
        permissions = new
    for field in ("name_sv", "name_en", "description"):
        if getattr(values, field) is not None:
            setattr(role, field, getattr(values, field))
    # Editing a role changes what everyone holding it may do: each project's trail says so.
    for trail in [audit.org(who.org.id), *(audit.project(p) for p in using)]:
        audit.record(
            db,
            trail,
            OrgEvent.ROLE_CHANGED,
            who.actor,
            target=role.id,
            role=role.key,
            fields=",".join(sorted(values.model_fields_set)),
            permissions=",".join(sorted(permissions)),
        )
    return _role_out(role, permissions, who.caller.user.locale)


def _projects_using(role_id: uuid.UUID) -> Select[uuid.UUID]:
    """The live projects where a member holds the role or a pending invitation offers it."""
    held = select(ProjectMember.project_id).where(ProjectMember.role_id == role_id)
    offered = select(Invitation.project_id).where(
        Invitation.role_id == role_id,
        Invitation.status == InvitationStatus.PENDING,
        Invitation.expires_at > clock.now(),
    )
    return select(Project.id).where(
        Project.deleted_at.is_(None), or_(Project.id.in_(held), Project.id.in_(offered))
    )


def _may_add(db: Session, editor_id: uuid.UUID, role_id: uuid.UUID, added: set[str]) -> None:
    """Adding a permission to a role grants it wherever the role is used: the editor must
    hold it in each of those projects (DESIGN.md: nobody grants what they do not hold)."""
    if not added:
        return
    editor_role_per_project = db.execute(
        select(Project.id, ProjectMember.role_id)
        .outerjoin(
            ProjectMember,
            and_(ProjectMember.project_id == Project.id, ProjectMember.user_id == editor_id),
        )
        .where(Project.id.in_(_projects_using(role_id)))
    ).all()
    held = permissions_by_role(db, {r for _, r in editor_role_per_project if r is not None})
    missing: set[str] = set()
    for _, editor_role in editor_role_per_project:
        missing |= (added - held[editor_role]) if editor_role else added
    if missing:
        raise Problem(
            403,
            "forbidden",
            "This role is held or offered in projects where you lack "
            + ", ".join(sorted(missing))
            + ": you cannot add permissions you do not hold there.",
        )


def _refuse_if_a_project_loses_its_managers(
    db: Session, role: Role, project_ids: list[uuid.UUID], new: set[str]
) -> None:
    for project_id in project_ids:
        if not keeps_a_manager(db, project_id, changed_role=(role.id, new)):
            raise Problem(
                409,
                "conflict",
                "A project would be left with nobody who can manage its members.",
            )


def delete_role(db: Session, who: OrgAccess, role_id: uuid.UUID) -> None:
    lock_org(db, who.org.id)  # no grant of the role slips in between check and delete
    role = _org_role_for_change(db, who, role_id)
    if role.builtin:
        raise Problem(409, "conflict", "Predefined roles can be adjusted but not deleted.")
    held = db.scalar(select(ProjectMember.user_id).where(ProjectMember.role_id == role.id))
    offered = db.scalar(
        select(Invitation.id).where(
            Invitation.role_id == role.id, Invitation.status == InvitationStatus.PENDING
        )
    )
    if held is not None or offered is not None:
        raise Problem(409, "conflict", "Someone holds or is offered this role.")
    # Ended invitations still name the role; the audit trail keeps their story.
    db.execute(delete(Invitation).where(Invitation.role_id == role.id))
    db.delete(role)
    audit.record(db, audit.org(who.org.id), OrgEvent.ROLE_DELETED, who.actor, target=role_id)
