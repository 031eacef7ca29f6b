"""Privacy self-service (GDPR): everything held about the caller, and deleting the account.

**Export** (`GET /me/export`, art. 15 and 20): one JSON document with the profile, the
organisations and projects the caller belongs to with their roles, their sessions, their
own security log (Table storage and what is still in the outbox), the invitations they
sent and received, their support tickets and the ids of what they created or last
edited in projects. Nothing of anyone else: no other member, no address the caller
invited, no inviter. The export itself is audited. Table storage down: 503.

**Deletion** (`DELETE /me`, art. 17) needs the password, and a session that passed a
second factor when the account needs one at sign-in. It is refused (409) while the
caller is the only member able to manage members of a live project, or the only admin
of an organisation that has other people or live projects in it (an organisation of
theirs alone, with no live project, is simply left). It ends every session; removes the
credentials (password, authenticator app, recovery codes, pending codes and resets),
the memberships, and the personal fields of the account and of its tickets. The
account's row stays with none of that in it ("Borttagen användare", an address on the
reserved `.invalid` domain), so what they wrote in projects keeps an author, shown as a
removed user, and their address is free to register again. Their security log stays
until the retention timer deletes it (security evidence, art. 17(3)).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from auth import otp, policy, sessions
from auth.models import OtpChallenge, RecoveryCode, ResetRequest, TotpCredential, User, UserSession
from auth.schemas import (
    ExportAuthored,
    ExportEvent,
    ExportInvitation,
    ExportOrganisation,
    ExportProfile,
    ExportProject,
    ExportSession,
    ExportTicket,
    PrivacyExport,
)
from auth.service import require_password
from auth.sessions import Principal
from projects.events import OrgEvent, ProjectEvent
from projects.models import (
    Invitation,
    Organization,
    OrgMember,
    Project,
    ProjectMember,
    Role,
)
from projects.permissions import ORG_ADMIN
from projects.rules import keeps_a_manager, lock_org, permissions_by_role
from quantities.models import Schedule, ScheduleRevision, ScheduleRow
from shared import audit, clock
from shared.outages import down_dependency
from shared.problems import Problem, unavailable
from support import service as support


class PrivacyEvent(StrEnum):
    """What the account's own security log says the holder did with their data."""

    DATA_EXPORTED = "data_exported"
    ACCOUNT_DELETED = "account_deleted"


REMOVED_NAME = "Borttagen användare"  # "Removed user": the author of what they left behind
REMOVED_DOMAIN = "removed.invalid"  # RFC 2606: never a real mailbox


def removed_address(user_id: uuid.UUID) -> str:
    return f"removed-{user_id.hex}@{REMOVED_DOMAIN}"


# --- export ---------------------------------------------------------------------


def export(db: Session, me: Principal) -> PrivacyExport:
    user = me.user
    try:
        stored = audit.read_all(audit.user(user.id))
    except Exception as exc:
        if down_dependency(exc) is None:
            raise  # a bug, not an outage: the wrapper answers 500 and logs it
        # Table storage unreachable: nothing is half-answered.
        raise unavailable(
            "The security log cannot be read right now; try again shortly.",
            retry_after=timedelta(seconds=30),
        ) from exc
    pending = audit.pending(db, audit.user(user.id))
    events = [*reversed(pending), *stored]  # newest first, as the log reads
    document = PrivacyExport(
        exported_at=clock.now(),
        profile=_profile(db, user),
        organisations=_organisations(db, user),
        projects=_projects(db, user),
        sessions=_sessions(db, me),
        security_log=[
            ExportEvent(id=e.id, action=e.action, at=e.at, ip=e.ip, details=e.details)
            for e in events
        ],
        invitations_sent=_invitations(db, Invitation.invited_by == user.id),
        invitations_received=_invitations(db, Invitation.email == user.email),
        support_tickets=[
            ExportTicket(
                reference=t.reference,
                category=t.category,
                subject=t.subject,
                message=t.message,
                email=t.email,
                name=t.name,
                project_id=t.project_id,
                status=t.status,
                created_at=t.created_at,
                closed_at=t.closed_at,
            )
            for t in support.tickets_of(db, user.id)
        ],
        authored=_authored(db, user.id),
    )
    audit.record(db, audit.user(user.id), PrivacyEvent.DATA_EXPORTED, me.actor, target=user.id)
    return document


def _profile(db: Session, user: User) -> ExportProfile:
    totp = otp.confirmed_totp(db, user)
    return ExportProfile(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        locale=user.locale,
        created_at=user.created_at,
        email_verified_at=user.email_verified_at,
        email_otp_enabled=user.email_otp_enabled,
        authenticator_app=totp is not None,
        authenticator_app_added_at=totp.confirmed_at if totp is not None else None,
        recovery_codes_left=otp.recovery_codes_left(db, user) if totp is not None else 0,
        platform_admin=user.platform_admin,
        disabled_at=user.disabled_at,
    )


def _organisations(db: Session, user: User) -> list[ExportOrganisation]:
    rows = db.execute(
        select(Organization, OrgMember)
        .join(OrgMember, OrgMember.org_id == Organization.id)
        .where(OrgMember.user_id == user.id)
        .order_by(OrgMember.added_at)
    ).all()
    return [
        ExportOrganisation(
            org_id=org.id,
            name=org.name,
            org_role=membership.org_role,
            added_at=membership.added_at,
            created_by_me=org.created_by == user.id,
        )
        for org, membership in rows
    ]


def _projects(db: Session, user: User) -> list[ExportProject]:
    rows = db.execute(
        select(Project, ProjectMember, Role)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .join(Role, Role.id == ProjectMember.role_id)
        .where(ProjectMember.user_id == user.id)
        .order_by(ProjectMember.added_at)
    ).all()
    permissions = permissions_by_role(db, {role.id for _, _, role in rows})
    return [
        ExportProject(
            project_id=project.id,
            org_id=project.org_id,
            name=project.name,
            role_key=role.key,
            role_name=role.name_en if user.locale == "en" else role.name_sv,
            permissions=sorted(permissions[role.id]),
            require_2fa=membership.require_2fa,
            added_at=membership.added_at,
            project_deleted=project.deleted_at is not None,
            created_by_me=project.created_by == user.id,
        )
        for project, membership, role in rows
    ]


def _sessions(db: Session, me: Principal) -> list[ExportSession]:
    rows = db.scalars(
        select(UserSession)
        .where(UserSession.user_id == me.user.id)
        .order_by(UserSession.created_at)
    )
    return [
        ExportSession(
            id=row.id,
            current=row.id == me.session.id,
            factors=row.factor_list,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            ip=row.ip,
            user_agent=row.user_agent,
        )
        for row in rows
    ]


def _invitations(db: Session, which: object) -> list[ExportInvitation]:
    rows = db.execute(
        select(Invitation, Project.name, Role.key)
        .join(Project, Project.id == Invitation.project_id)
        .join(Role, Role.id == Invitation.role_id)
        .where(which)  # type: ignore[arg-type]
        .order_by(Invitation.created_at)
    ).all()
    return [
        ExportInvitation(
            id=invitation.id,
            project_id=invitation.project_id,
            project_name=project_name,
            role_key=role_key,
            require_2fa=invitation.require_2fa,
            status=invitation.status,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
        )
        for invitation, project_name, role_key in rows
    ]


def _authored(db: Session, user_id: uuid.UUID) -> ExportAuthored:
    return ExportAuthored(
        schedules_created=list(
            db.scalars(
                select(Schedule.id).where(Schedule.created_by == user_id).order_by(Schedule.id)
            )
        ),
        revisions_issued=list(
            db.scalars(
                select(ScheduleRevision.id)
                .where(ScheduleRevision.issued_by == user_id)
                .order_by(ScheduleRevision.id)
            )
        ),
        rows_last_edited=list(
            db.scalars(
                select(ScheduleRow.id)
                .where(ScheduleRow.last_edited_by == user_id)
                .order_by(ScheduleRow.id)
            )
        ),
    )


# --- deletion -------------------------------------------------------------------


def delete_account(db: Session, me: Principal, password: str) -> None:
    """Delete the caller's account (see the module's docstring); the route clears the cookie."""
    user = me.user
    if policy.second_factor_required(db, user) and me.session.second_factor is None:
        raise Problem(
            403,
            "mfa_required",
            "Confirm with a second factor first (POST /api/auth/step-up), then delete.",
        )
    otp.lock_account(db, user.id)  # parallel deletions (and sign-ins) go one at a time
    db.refresh(user)
    if user.deleted_at is not None:  # a parallel request deleted it first
        raise Problem(401, "unauthenticated", "Sign in to continue.")
    require_password(db, me, password)
    org_ids = sorted(
        set(db.scalars(select(OrgMember.org_id).where(OrgMember.user_id == user.id)))
        | set(
            db.scalars(
                select(Project.org_id)
                .join(ProjectMember, ProjectMember.project_id == Project.id)
                .where(ProjectMember.user_id == user.id)
            )
        )
    )
    for org_id in org_ids:  # in one order everywhere, so two deletions never deadlock
        lock_org(db, org_id)
    _refuse_leaving_anything_unmanaged(db, user.id)
    actor = me.actor
    for project_id in db.scalars(
        select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)
    ):
        audit.record(
            db,
            audit.project(project_id),
            ProjectEvent.MEMBER_REMOVED,
            actor,
            target=user.id,
            reason="account_deleted",
        )
    for org_id in db.scalars(select(OrgMember.org_id).where(OrgMember.user_id == user.id)):
        audit.record(db, audit.org(org_id), OrgEvent.MEMBER_LEFT, actor, target=user.id)
    db.execute(delete(ProjectMember).where(ProjectMember.user_id == user.id))
    db.execute(delete(OrgMember).where(OrgMember.user_id == user.id))
    ended = sessions.end(db, UserSession.user_id == user.id)
    db.execute(delete(OtpChallenge).where(OtpChallenge.user_id == user.id))
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    db.execute(delete(ResetRequest).where(ResetRequest.email == user.email))
    support.forget_sender(db, user.id)
    now = clock.now()
    user.email = removed_address(user.id)
    user.display_name = REMOVED_NAME
    user.password_hash = ""
    user.locale = "sv"
    user.email_verified_at = None
    user.email_otp_enabled = False
    user.platform_admin = False
    user.disabled_at = now
    user.deleted_at = now
    audit.record(db, audit.user(user.id), PrivacyEvent.ACCOUNT_DELETED, actor, sessions_ended=ended)


def _refuse_leaving_anything_unmanaged(db: Session, user_id: uuid.UUID) -> None:
    """409 while the account is the last manager of a live project, or the last admin of
    an organisation anyone else (or a live project) still depends on."""
    live_projects = db.scalars(
        select(Project)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(ProjectMember.user_id == user_id, Project.deleted_at.is_(None))
        .order_by(Project.created_at)
    ).all()
    for project in live_projects:
        if not keeps_a_manager(db, project.id, without=user_id):
            raise Problem(
                409,
                "conflict",
                f"You are the only one who can manage members of the project “{project.name}”:"
                " give someone else that role, or delete the project, first.",
                project_id=str(project.id),
                project_name=project.name,
            )
    admin_of = db.scalars(
        select(Organization)
        .join(OrgMember, OrgMember.org_id == Organization.id)
        .where(OrgMember.user_id == user_id, OrgMember.org_role == ORG_ADMIN)
        .order_by(Organization.created_at)
    ).all()
    for org in admin_of:
        other_admins = db.scalar(
            select(func.count()).where(
                OrgMember.org_id == org.id,
                OrgMember.org_role == ORG_ADMIN,
                OrgMember.user_id != user_id,
            )
        )
        if other_admins:
            continue
        others = db.scalar(
            select(func.count()).where(OrgMember.org_id == org.id, OrgMember.user_id != user_id)
        )
        projects_left = db.scalar(
            select(func.count()).where(Project.org_id == org.id, Project.deleted_at.is_(None))
        )
        if others or projects_left:
            raise Problem(
                409,
                "conflict",
                f"You are the only admin of the organisation “{org.name}”: make someone "
                "else its admin first.",
                org_id=str(org.id),
                org_name=org.name,
            )
