"""Rules the projects area's modules share.

Guards against escalation, everywhere a role changes hands:
- nobody grants a role holding a permission they lack, and nobody changes or
  removes a member whose role holds a permission they lack;
- a project always keeps at least one member who can manage members;
- an organisation always keeps at least one admin.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import User
from auth.sessions import Principal
from projects.gate import (
    ProjectAccess,
    second_factor_problem,
)
from projects.models import (
    Organization,
    Project,
    ProjectMember,
    Role,
    RolePermission,
)
from projects.permissions import MANAGE_MEMBERS
from projects.schemas import (
    ProjectOut,
    RoleRef,
)
from shared import audit, clock
from shared.db import lock_row
from shared.http import Context
from shared.problems import Problem, validation_error


def record(scope: str, action: str, ctx: Context, caller: Principal, **details: Any) -> None:
    target = details.pop("target", None)
    audit.record(
        scope,
        action,
        actor_id=str(caller.user.id),
        target=str(target) if target is not None else None,
        ip=ctx.client_ip,
        **details,
    )


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


def project_out(
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
        my_role=role_ref(role, caller.user.locale),
        my_permissions=sorted(permissions),
        mfa_satisfied=second_factor_problem(project, membership, caller.session) is None,
    )


def lock_org(db: Session, org_id: uuid.UUID) -> None:
    """Changes that could leave a project without a manager or the organisation without
    an admin take this lock first: they run one at a time per organisation, each
    checking what the one before it committed (else two could each leave one)."""
    lock_row(db, Organization.name, Organization.id == org_id)


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
    return any(MANAGE_MEMBERS in permissions[role] for role in members.values())


def users_by_id(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    return {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))}


def is_member(db: Session, project_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return db.get(ProjectMember, (project_id, user_id)) is not None


def org_role(db: Session, org_id: uuid.UUID, role_id: uuid.UUID, field: str) -> Role:
    role = db.get(Role, role_id)
    if role is None or role.org_id != org_id:
        raise validation_error(
            "Unknown role.", [{"field": field, "message": "no such role in this organisation"}]
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
