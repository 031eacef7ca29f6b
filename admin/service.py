"""Platform administration: the rules, called with the administrator's `Principal`
(or, from the command line, with no one) and plain values.

Every action is audited in the `platform` trail (audit.platform), reading lists of
accounts and tickets included, and an action on one account in its own security log
too, so its holder sees what was done to it.
Disabling ends every session of the account at once, and sign-in then answers
`403 account_disabled`; a session still in flight is refused on its next request.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from admin.schemas import AdminAction, AdminUserList, AdminUserOut, UserQuery
from auth import sessions
from auth.models import User, UserSession
from auth.sessions import Principal
from projects.rules import updated_one
from shared import audit, clock
from shared.client import Client
from shared.config import get_settings
from shared.pagination import PageQuery, page
from shared.problems import Problem, not_found
from support import service as support
from support.schemas import TicketList, TicketOut, TicketQuery

log = logging.getLogger("casai.admin")

COMMAND_LINE = audit.Actor(None, Client(user_agent="python -m admin"))


def _record(
    db: Session, action: AdminAction, who: audit.Actor, user_id: uuid.UUID | None, **details: object
) -> None:
    audit.record(db, audit.platform(), action, who, target=user_id, **details)
    if user_id is not None:
        # The holder reads (and exports) their own log: what was done to the account,
        # not where the administrator was, which is the administrator's personal data.
        unplaced = audit.Actor(who.user_id, Client())
        audit.record(db, audit.user(user_id), action, unplaced, target=user_id, **details)


# --- accounts -------------------------------------------------------------------


def _user_out(db: Session, user: User) -> AdminUserOut:
    live = db.scalar(select(func.count()).where(UserSession.user_id == user.id, ~sessions.ended()))
    return AdminUserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        created_at=user.created_at,
        email_verified=user.email_verified_at is not None,
        disabled_at=user.disabled_at,
        deleted_at=user.deleted_at,
        platform_admin=user.platform_admin,
        live_sessions=live or 0,
    )


def list_users(db: Session, admin: Principal, query: UserQuery) -> AdminUserList:
    found = select(User)
    text = (query.q or "").strip().lower()
    if text:
        found = found.where(
            or_(
                User.email.contains(text, autoescape=True),
                func.lower(User.display_name).contains(text, autoescape=True),
            )
        )
    paging = PageQuery(limit=query.limit, cursor=query.cursor)
    users, cursor = page(db, found, User.created_at, User.id, paging, scope=f"admin-users:{text}")
    _record(db, AdminAction.USERS_LISTED, admin.actor, None, q=text, shown=len(users))
    return AdminUserList(items=[_user_out(db, u) for u in users], next_cursor=cursor)


def _user(db: Session, user_id: uuid.UUID) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise not_found("No such account.")
    return user


def disable_user(db: Session, admin: Principal, user_id: uuid.UUID) -> AdminUserOut:
    """Disable the account and end its sessions; disabling a disabled one changes nothing."""
    if user_id == admin.user.id:
        raise Problem(409, "conflict", "You cannot disable your own account.")
    user = _user(db, user_id)
    disabling = (
        update(User)
        .where(User.id == user_id, User.disabled_at.is_(None))
        .values(disabled_at=clock.now())
    )
    if updated_one(db, disabling):
        ended = sessions.end(db, UserSession.user_id == user_id)
        _record(db, AdminAction.USER_DISABLED, admin.actor, user_id, sessions_ended=ended)
    db.refresh(user)
    return _user_out(db, user)


def enable_user(db: Session, admin: Principal, user_id: uuid.UUID) -> AdminUserOut:
    """Let a disabled account sign in again; a deleted one stays as it is (409)."""
    user = _user(db, user_id)
    if user.deleted_at is not None:
        raise Problem(409, "conflict", "This account was deleted by its holder.")
    enabling = (
        update(User)
        .where(User.id == user_id, User.disabled_at.is_not(None), User.deleted_at.is_(None))
        .values(disabled_at=None)
    )
    if updated_one(db, enabling):
        _record(db, AdminAction.USER_ENABLED, admin.actor, user_id)
    db.refresh(user)
    return _user_out(db, user)


def end_sessions(db: Session, admin: Principal, user_id: uuid.UUID) -> bool:
    """End every session of the account; whether the administrator's own was among them."""
    _user(db, user_id)
    ended = sessions.end(db, UserSession.user_id == user_id)
    _record(db, AdminAction.SESSIONS_ENDED, admin.actor, user_id, sessions_ended=ended)
    return user_id == admin.user.id


# --- tickets --------------------------------------------------------------------


def list_tickets(db: Session, admin: Principal, query: TicketQuery) -> TicketList:
    listed = support.list_tickets(db, query)
    shown = len(listed.items)
    _record(db, AdminAction.TICKETS_LISTED, admin.actor, None, status=query.status, shown=shown)
    return listed


def close_ticket(db: Session, admin: Principal, ticket_id: uuid.UUID) -> TicketOut:
    """Close a ticket; closing a closed one changes nothing and records nothing."""
    ticket, closed_now = support.close_ticket(db, ticket_id, admin.user.id)
    if closed_now:
        for trail in (audit.platform(), support.support_trail()):
            audit.record(db, trail, AdminAction.TICKET_CLOSED, admin.actor, target=ticket.reference)
    return support.ticket_out(ticket)


# --- the command line -------------------------------------------------------------


def set_platform_admin(db: Session, address: str, admin: bool) -> User:
    """Grant or revoke platform administration by address (python -m admin)."""
    user = db.scalar(select(User).where(User.email == address.strip().lower()))
    if user is None or user.deleted_at is not None:
        raise LookupError(f"no account with the address {address!r}")
    if admin and user.email_verified_at is None:
        raise LookupError(f"the account {address!r} has not verified its address yet")
    if user.platform_admin != admin:
        user.platform_admin = admin
        action = AdminAction.ADMIN_GRANTED if admin else AdminAction.ADMIN_REVOKED
        _record(db, action, COMMAND_LINE, user.id)
    return user


def platform_admins(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.platform_admin).order_by(User.email)))


# --- retention (daily timer) ---------------------------------------------------------


def purge_closed_tickets(db: Session) -> int:
    return support.purge_closed_before(db, retention_cutoff())


def retention_cutoff() -> datetime:
    return clock.now() - timedelta(days=get_settings().retention_days)


def purge_audit_events() -> int:
    return audit.purge_before(retention_cutoff())
