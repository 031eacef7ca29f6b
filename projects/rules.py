"""Rules the projects area's modules share.

Guards against escalation, everywhere a role changes hands:
- nobody grants a role holding a permission they lack, and nobody changes or
  removes a member whose role holds a permission they lack;
- a project always keeps at least one member who can manage members;
- an organisation always keeps at least one admin;
- an org member (not admin) belongs to the organisation only while holding one of
  its projects: leaving the last one, or its deletion, ends the org membership.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import CursorResult, Exists, Update, and_, delete, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from auth.models import User
from projects.access import ProjectAccess, second_factor_problem
from projects.events import OrgEvent
from projects.models import (
    Organization,
    OrgMember,
    Project,
    ProjectMember,
    Role,
    RolePermission,
)
from projects.permissions import ORG_MEMBER, Permission
from projects.schemas import (
    GatedProject,
    ProjectOut,
    RoleRef,
)
from shared import audit
from shared.db import lock_row
from shared.problems import FieldError, FieldProblem, Problem, validation_error


def role_ref(role: Role, locale: str) -> RoleRef:
    return RoleRef(id=role.id, key=role.key, name=role.name_en if locale == "en" else role.name_sv)


def permissions_by_role(db: Session, role_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
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


def project_out(found: ProjectAccess) -> ProjectOut:
    project = found.project
    return ProjectOut(
        id=project.id,
        org_id=project.org_id,
        name=project.name,
        number=project.number,
        description=project.description,
        require_2fa=project.require_2fa,
        require_totp=project.require_totp,
        created_at=project.created_at,
        my_role=role_ref(found.role, found.caller.user.locale),
        my_permissions=sorted(found.permissions),
        mfa_satisfied=_gate_lets_in(found),
    )


def project_view(found: ProjectAccess) -> ProjectOut | GatedProject:
    """The project as far as its gate lets this session see it (for lists outside the gate)."""
    if _gate_lets_in(found):
        return project_out(found)
    project = found.project
    return GatedProject(
        id=project.id,
        org_id=project.org_id,
        name=project.name,
        require_2fa=project.require_2fa,
        require_totp=project.require_totp,
        mfa_satisfied=False,
    )


def _gate_lets_in(found: ProjectAccess) -> bool:
    return second_factor_problem(found.project, found.membership, found.caller.session) is None


def lock_org(db: Session, org_id: uuid.UUID) -> None:
    """Changes to who holds what in an organisation take this lock first: grants, role
    edits and deletions, joining and leaving. They run one at a time per organisation,
    each checking what the one before it committed (else two could each pass a check
    that together they break: a project left without a manager, a role deleted while
    granted, a permission added to a role while it is handed out)."""
    lock_row(db, Organization.name, Organization.id == org_id)


def _project_held(
    org_id: uuid.UUID, user_id: uuid.UUID | InstrumentedAttribute[uuid.UUID]
) -> Exists:
    """In SQL: `user_id` holds a live project of the organisation."""
    return exists().where(
        ProjectMember.user_id == user_id,
        ProjectMember.project_id == Project.id,
        Project.org_id == org_id,
        Project.deleted_at.is_(None),
    )


def holds_a_project(db: Session, org_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(db.scalar(select(_project_held(org_id, user_id))))


def end_projectless_memberships(db: Session, actor: audit.Actor, org_id: uuid.UUID) -> None:
    """Org members (not admins) with no project left in the organisation leave it.

    Run, under the organisation's lock, by whatever ends project memberships.
    """
    db.flush()
    projectless = and_(
        OrgMember.org_id == org_id,
        OrgMember.org_role == ORG_MEMBER,
        ~_project_held(org_id, OrgMember.user_id),
    )
    leaving = list(db.scalars(select(OrgMember.user_id).where(projectless)))
    if not leaving:
        return
    db.execute(delete(OrgMember).where(projectless).execution_options(synchronize_session=False))
    for user_id in leaving:
        audit.record(db, audit.org(org_id), OrgEvent.MEMBER_LEFT, actor, target=user_id)


def keeps_a_manager(
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
    permissions = permissions_by_role(db, members.values())
    if changed_role is not None and changed_role[0] in permissions:
        permissions[changed_role[0]] = changed_role[1]
    return any(Permission.MEMBERS_MANAGE in permissions[role] for role in members.values())


def updated_one(db: Session, statement: Update) -> bool:
    """Run a conditional UPDATE; whether it changed exactly one row.

    Of simultaneous requests racing to make one change (accept or revoke an invitation,
    delete a project), the database lets exactly one match, on every dialect.
    """
    result = db.execute(statement.execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount == 1


def users_by_id(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    return {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))}


def is_member(db: Session, project_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return db.get(ProjectMember, (project_id, user_id)) is not None


def org_role(db: Session, org_id: uuid.UUID, role_id: uuid.UUID, field: str) -> Role:
    role = db.get(Role, role_id)
    if role is None or role.org_id != org_id:
        raise validation_error(
            "Unknown role.",
            [FieldError(field, FieldProblem.UNKNOWN, "no such role in this organisation")],
        )
    return role


def may_grant(found: ProjectAccess, role_permissions_: set[str] | frozenset[str]) -> None:
    missing = set(role_permissions_) - found.permissions
    if missing:
        raise Problem(
            403,
            "forbidden",
            "You cannot hand out permissions you do not hold: " + ", ".join(sorted(missing)),
        )
