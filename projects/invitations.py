"""Invitations, the only way into a project: the rules."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from auth.models import User
from auth.sessions import Principal
from projects import emails
from projects.access import ProjectAccess, role_permissions
from projects.events import ProjectEvent
from projects.models import (
    Invitation,
    InvitationStatus,
    Organization,
    OrgMember,
    Project,
    ProjectMember,
    Role,
)
from projects.permissions import ORG_MEMBER, Permission
from projects.rules import (
    is_member,
    lock_org,
    may_grant,
    org_role,
    project_view,
    role_ref,
    updated_one,
    users_by_id,
)
from projects.schemas import (
    AcceptedOut,
    AcceptIn,
    InvitationCreate,
    InvitationList,
    InvitationOut,
    InvitationPreview,
    MyInvitation,
    MyInvitationList,
)
from shared import audit, clock, crypto, email, throttle
from shared.config import get_settings
from shared.db import lock_row
from shared.pagination import PageQuery, page
from shared.problems import Problem, not_found

INVITATION_LIFETIME = timedelta(days=7)
# Invitation e-mails carry text the sender chooses and go to any address, so sending
# them is limited: per inviter across all projects, and per project and address
# (re-inviting replaces the pending invitation but sends a new e-mail).
INVITES_PER_INVITER = throttle.Limit(
    "invite-by", 50, timedelta(hours=1), "You sent many invitations; wait a while."
)
INVITES_PER_ADDRESS = throttle.Limit(  # per project and address
    "invite-to", 3, timedelta(hours=1), "This address was just invited."
)
INVITATION_LIMITS = (INVITES_PER_INVITER, INVITES_PER_ADDRESS)
ENDED_INVITATIONS_KEPT = timedelta(days=30)


# --- invitations ----------------------------------------------------------------


def _invitation_out(
    invitation: Invitation, role: Role, inviter: User | None, locale: str
) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=role_ref(role, locale),
        require_2fa=invitation.require_2fa,
        expires_at=invitation.expires_at,
        invited_by=inviter.display_name if inviter else "",
    )


def create_invitation(db: Session, who: ProjectAccess, values: InvitationCreate) -> InvitationOut:
    # One at a time per organisation: the role as last edited, one pending invitation per
    # address, and rate limits counted exactly.
    lock_org(db, who.project.org_id)
    role = org_role(db, who.project.org_id, values.role_id, "role_id")
    may_grant(who, role_permissions(db, role.id))
    invitee = db.scalar(select(User).where(User.email == values.email))
    if invitee is not None and is_member(db, who.project.id, invitee.id):
        raise Problem(409, "conflict", "That person is already a member of the project.")
    _count_invitation_mail(db, who.caller.user.id, who.project.id, values.email)
    now = clock.now()
    db.execute(
        update(Invitation)
        .where(
            Invitation.project_id == who.project.id,
            Invitation.email == values.email,
            Invitation.status == InvitationStatus.PENDING,
        )
        .values(status=InvitationStatus.REPLACED, ended_at=now)
    )
    token = crypto.new_token()
    invitation = Invitation(
        project_id=who.project.id,
        email=values.email,
        role_id=role.id,
        require_2fa=values.require_2fa,
        token_hash=crypto.token_hash(token),
        invited_by=who.caller.user.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
        status=InvitationStatus.PENDING,
    )
    db.add(invitation)
    db.flush()
    org = db.get(Organization, who.project.org_id)
    assert org is not None
    locale = invitee.locale if invitee is not None else who.caller.user.locale
    link = f"{get_settings().public_base_url.rstrip('/')}/invite#token={token}"
    email.send(
        emails.invitation(
            locale,
            values.email,
            inviter=who.caller.user.display_name,
            inviter_email=who.caller.user.email,
            project=who.project.name,
            org=org.name,
            link=link,
            expires=invitation.expires_at.strftime("%Y-%m-%d %H:%M"),
        )
    )
    audit.record(
        db,
        audit.project(who.project.id),
        ProjectEvent.INVITATION_SENT,
        who.actor,
        target=values.email,
        role=role.key,
        invitation_id=str(invitation.id),
    )
    return _invitation_out(invitation, role, who.caller.user, who.caller.user.locale)


def _count_invitation_mail(
    db: Session, inviter_id: uuid.UUID, project_id: uuid.UUID, address: str
) -> None:
    """Count one invitation e-mail, or 429 when the inviter or the address had enough."""
    # The inviter's limit spans organisations: their user row serialises its count.
    lock_row(db, User.locale, User.id == inviter_id)
    counted = (
        (INVITES_PER_INVITER, str(inviter_id)),
        (INVITES_PER_ADDRESS, f"{project_id}:{address}"),
    )
    for limit, subject in counted:
        limit.check(db, subject)
    for limit, subject in counted:
        limit.hit(db, subject)


def list_invitations(db: Session, who: ProjectAccess, paging: PageQuery) -> InvitationList:
    query = select(Invitation).where(
        Invitation.project_id == who.project.id,
        Invitation.status == InvitationStatus.PENDING,
        Invitation.expires_at > clock.now(),
    )
    invitations, cursor = page(
        db,
        query,
        Invitation.created_at,
        Invitation.id,
        paging,
        scope=f"invitations:{who.project.id}",
    )
    roles = {
        r.id: r
        for r in db.scalars(select(Role).where(Role.id.in_({i.role_id for i in invitations})))
    }
    inviters = users_by_id(db, [i.invited_by for i in invitations])
    locale = who.caller.user.locale
    return InvitationList(
        items=[
            _invitation_out(i, roles[i.role_id], inviters.get(i.invited_by), locale)
            for i in invitations
        ],
        next_cursor=cursor,
    )


def revoke_invitation(db: Session, who: ProjectAccess, invitation_id: uuid.UUID) -> None:
    invitation = db.get(Invitation, invitation_id)
    if (
        invitation is None
        or invitation.project_id != who.project.id
        or not _end(db, invitation, InvitationStatus.REVOKED)
    ):
        raise not_found("No such pending invitation.")
    audit.record(
        db,
        audit.project(who.project.id),
        ProjectEvent.INVITATION_REVOKED,
        who.actor,
        target=invitation.email,
        invitation_id=str(invitation.id),
    )


def _end(db: Session, invitation: Invitation, status: InvitationStatus) -> bool:
    """Move a pending invitation to `status`; False when it had left pending already
    (of simultaneous accepts and revokes of one invitation, exactly one ends it)."""
    return updated_one(
        db,
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status == InvitationStatus.PENDING)
        .values(status=status, ended_at=clock.now()),
    )


def _valid_invitation(db: Session, invitation: Invitation | None) -> tuple[Invitation, Project]:
    """A pending, unexpired invitation whose inviter may still hand out its role; else 404."""
    gone = not_found("This invitation is not valid.")
    if (
        invitation is None
        or invitation.status != InvitationStatus.PENDING
        or invitation.expires_at <= clock.now()
    ):
        raise gone
    project = db.get(Project, invitation.project_id)
    inviter = db.get(ProjectMember, (invitation.project_id, invitation.invited_by))
    if project is None or project.deleted_at is not None or inviter is None:
        raise gone
    held = role_permissions(db, inviter.role_id)
    if (
        Permission.MEMBERS_INVITE not in held
        or not role_permissions(db, invitation.role_id) <= held
    ):
        raise gone
    return invitation, project


def _by_token(db: Session, token: str) -> Invitation | None:
    return db.scalar(select(Invitation).where(Invitation.token_hash == crypto.token_hash(token)))


def preview_invitation(db: Session, token: str) -> InvitationPreview:
    invitation, project = _valid_invitation(db, _by_token(db, token))
    org = db.get(Organization, project.org_id)
    inviter = db.get(User, invitation.invited_by)
    return InvitationPreview(
        project_name=project.name,
        org_name=org.name if org else "",
        invited_by=inviter.display_name if inviter else "",
        email=invitation.email,
        expires_at=invitation.expires_at,
    )


def accept_invitation(db: Session, caller: Principal, values: AcceptIn) -> AcceptedOut:
    candidate = (
        _by_token(db, values.token)
        if values.token is not None
        else _mine(db, caller, values.invitation_id)
    )
    if candidate is not None:
        # Joining (a project and maybe the organisation) runs one at a time per organisation,
        # and what is checked below is what the last grant, edit or removal left.
        org_id = db.execute(
            select(Project.org_id).where(Project.id == candidate.project_id)
        ).scalar_one()
        lock_org(db, org_id)
    invitation, project = _valid_invitation(db, candidate)
    if invitation.email != caller.user.email:
        raise Problem(403, "forbidden", "This invitation is for another e-mail address than yours.")
    if not _end(
        db, invitation, InvitationStatus.ACCEPTED
    ):  # a simultaneous accept or revoke came first
        raise not_found("This invitation is not valid.")
    if is_member(db, project.id, caller.user.id):
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
                org_id=project.org_id, user_id=caller.user.id, org_role=ORG_MEMBER, added_at=now
            )
        )
    db.flush()
    audit.record(
        db,
        audit.project(project.id),
        ProjectEvent.INVITATION_ACCEPTED,
        caller.actor,
        target=caller.user.id,
        invitation_id=str(invitation.id),
    )
    role = db.get(Role, invitation.role_id)
    assert role is not None
    joined = ProjectAccess(caller, project, membership, role, role_permissions(db, role.id))
    return AcceptedOut(project=project_view(joined))


def _mine(db: Session, caller: Principal, invitation_id: uuid.UUID | None) -> Invitation | None:
    """The invitation named by id, if it is to the caller's address (by id, only one's own
    invitations exist)."""
    candidate = db.get(Invitation, invitation_id)
    if candidate is None or candidate.email != caller.user.email:
        return None
    return candidate


def my_invitations(db: Session, caller: Principal) -> MyInvitationList:
    pending = db.scalars(
        select(Invitation)
        .where(
            Invitation.email == caller.user.email,
            Invitation.status == InvitationStatus.PENDING,
            Invitation.expires_at > clock.now(),
        )
        .order_by(Invitation.created_at)
    )
    valid = []
    for candidate in pending:
        try:
            valid.append(_valid_invitation(db, candidate))
        except Problem:
            continue
    orgs = {
        o.id: o
        for o in db.scalars(
            select(Organization).where(Organization.id.in_({p.org_id for _, p in valid}))
        )
    }
    roles = {
        r.id: r for r in db.scalars(select(Role).where(Role.id.in_({i.role_id for i, _ in valid})))
    }
    inviters = users_by_id(db, [i.invited_by for i, _ in valid])
    return MyInvitationList(
        items=[
            _my_invitation(
                invitation,
                project,
                orgs.get(project.org_id),
                roles[invitation.role_id],
                inviters.get(invitation.invited_by),
                caller.user.locale,
            )
            for invitation, project in valid
        ]
    )


def _my_invitation(
    invitation: Invitation,
    project: Project,
    org: Organization | None,
    role: Role,
    inviter: User | None,
    locale: str,
) -> MyInvitation:
    return MyInvitation(
        id=invitation.id,
        project_name=project.name,
        org_name=org.name if org else "",
        invited_by=inviter.display_name if inviter else "",
        role=role_ref(role, locale),
        require_2fa=invitation.require_2fa,
        expires_at=invitation.expires_at,
    )


def expire_invitations(db: Session) -> None:
    """Mark pending invitations past their time expired; purge those ended 30 days ago,
    and the invitation rate limits' counts past their window."""
    now = clock.now()
    db.execute(
        update(Invitation)
        .where(Invitation.status == InvitationStatus.PENDING, Invitation.expires_at <= now)
        .values(status=InvitationStatus.EXPIRED, ended_at=now)
    )
    db.execute(
        delete(Invitation).where(
            Invitation.status != InvitationStatus.PENDING,
            Invitation.ended_at < now - ENDED_INVITATIONS_KEPT,
        )
    )
    throttle.purge_limits(db, INVITATION_LIMITS)
