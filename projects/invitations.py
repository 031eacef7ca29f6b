"""Invitations, the only way into a project: the rules."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from auth.guards import principal
from auth.models import User
from projects import emails
from projects.gate import (
    access,
    role_permissions,
)
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
    record,
    role_ref,
    updated_one,
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
from shared import clock, crypto, email, throttle
from shared.config import get_settings
from shared.db import lock_row
from shared.http import Context
from shared.pagination import PageQuery, page
from shared.problems import Problem, not_found, rate_limited

INVITATION_LIFETIME = timedelta(days=7)
# Invitation e-mails carry text the sender chooses and go to any address, so sending
# them is limited: per inviter across all projects, and per project and address
# (re-inviting replaces the pending invitation but sends a new e-mail).
INVITES_PER_INVITER = throttle.Limit("invite", 50, timedelta(hours=1))
INVITES_PER_ADDRESS = throttle.Limit("invite", 3, timedelta(hours=1))  # per project
ENDED_INVITATIONS_KEPT = timedelta(days=30)


# --- invitations ----------------------------------------------------------------


def _invitation_out(db: Session, invitation: Invitation, locale: str) -> InvitationOut:
    role = db.get(Role, invitation.role_id)
    inviter = db.get(User, invitation.invited_by)
    assert role is not None
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=role_ref(role, locale),
        require_2fa=invitation.require_2fa,
        expires_at=clock.as_utc(invitation.expires_at),
        invited_by=inviter.display_name if inviter else "",
    )


def create_invitation(ctx: Context, body: InvitationCreate) -> InvitationOut:
    found = access(ctx)
    db = ctx.db
    # One at a time per organisation: the role as last edited, one pending invitation per
    # address, and rate limits counted exactly.
    lock_org(db, found.project.org_id)
    role = org_role(db, found.project.org_id, body.role_id, "role_id")
    may_grant(found, role_permissions(db, role.id))
    invitee = db.scalar(select(User).where(User.email == body.email))
    if invitee is not None and is_member(db, found.project.id, invitee.id):
        raise Problem(409, "conflict", "That person is already a member of the project.")
    _count_invitation_mail(db, found.caller.user.id, found.project.id, body.email)
    now = clock.now()
    db.execute(
        update(Invitation)
        .where(
            Invitation.project_id == found.project.id,
            Invitation.email == body.email,
            Invitation.status == InvitationStatus.PENDING,
        )
        .values(status=InvitationStatus.REPLACED, ended_at=now)
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
        status=InvitationStatus.PENDING,
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
            inviter_email=found.caller.user.email,
            project=found.project.name,
            org=org.name,
            link=link,
            expires=clock.as_utc(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
        )
    )
    record(
        f"project:{found.project.id}",
        "invitation_sent",
        ctx,
        found.caller,
        target=body.email,
        role=role.key,
        invitation_id=str(invitation.id),
    )
    return _invitation_out(db, invitation, found.caller.user.locale)


def _count_invitation_mail(
    db: Session, inviter_id: uuid.UUID, project_id: uuid.UUID, address: str
) -> None:
    """Count one invitation e-mail, or 429 when the inviter or the address had enough."""
    # The inviter's limit spans organisations: their user row serialises its count.
    lock_row(db, User.locale, User.id == inviter_id)
    limits = (
        (INVITES_PER_INVITER, str(inviter_id), "You sent many invitations; wait a while."),
        (INVITES_PER_ADDRESS, f"{project_id}:{address}", "This address was just invited."),
    )
    for limit, subject, detail in limits:
        if limit.reached(db, subject):
            raise rate_limited(limit.window, detail)
    for limit, subject, _ in limits:
        limit.hit(db, subject)


def list_invitations(ctx: Context, paging: PageQuery) -> InvitationList:
    found = access(ctx)
    db = ctx.db
    query = select(Invitation).where(
        Invitation.project_id == found.project.id,
        Invitation.status == InvitationStatus.PENDING,
        Invitation.expires_at > clock.now(),
    )
    invitations, cursor = page(
        db,
        query,
        Invitation.created_at,
        Invitation.id,
        paging,
        scope=f"invitations:{found.project.id}",
    )
    locale = found.caller.user.locale
    return InvitationList(
        items=[_invitation_out(db, i, locale) for i in invitations], next_cursor=cursor
    )


def revoke_invitation(ctx: Context, invitation_id: uuid.UUID) -> None:
    found = access(ctx)
    db = ctx.db
    invitation = db.get(Invitation, invitation_id)
    if (
        invitation is None
        or invitation.project_id != found.project.id
        or not _end(db, invitation, InvitationStatus.REVOKED)
    ):
        raise not_found("No such pending invitation.")
    record(
        f"project:{found.project.id}",
        "invitation_revoked",
        ctx,
        found.caller,
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
        or clock.as_utc(invitation.expires_at) <= clock.now()
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
    candidate = _by_token(db, body.token) if body.token is not None else _mine(ctx, body)
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
    record(
        f"project:{project.id}",
        "invitation_accepted",
        ctx,
        caller,
        target=caller.user.id,
        invitation_id=str(invitation.id),
    )
    role = db.get(Role, invitation.role_id)
    assert role is not None
    view = project_view(project, membership, role, role_permissions(db, role.id), caller)
    return AcceptedOut(project=view)


def _mine(ctx: Context, body: AcceptIn) -> Invitation | None:
    """The invitation named by id, if it is to the caller's address (by id, only one's own
    invitations exist)."""
    candidate = ctx.db.get(Invitation, body.invitation_id)
    if candidate is None or candidate.email != principal(ctx).user.email:
        return None
    return candidate


def my_invitations(ctx: Context) -> MyInvitationList:
    caller = principal(ctx)
    db = ctx.db
    pending = db.scalars(
        select(Invitation)
        .where(
            Invitation.email == caller.user.email,
            Invitation.status == InvitationStatus.PENDING,
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
                role=role_ref(role, caller.user.locale),
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
        .where(Invitation.status == InvitationStatus.PENDING, Invitation.expires_at <= now)
        .values(status=InvitationStatus.EXPIRED, ended_at=now)
    )
    db.execute(
        delete(Invitation).where(
            Invitation.status != InvitationStatus.PENDING,
            Invitation.ended_at < now - ENDED_INVITATIONS_KEPT,
        )
    )
