"""Support: opening hours, the Messenger's configuration, tickets and their forwarding.

A ticket is stored first, in the request's transaction, and only then handed on:
right after the response (`forward_pending`, in a thread) and, should that fail or the
instance stop, by the `forward_tickets` timer (every 10 minutes, on the instance where
a forward failed), after any later ticket's response, and by the daily `sweep_tickets`
timer from any instance. It goes to Intercom's REST API
when Intercom is configured and the ticket has an address to answer, else by e-mail to
the support address. A forward that fails is tried again by the timer; an urgent
ticket (access_denial, security) whose forward fails is e-mailed to the support
address at once, and any other after FORWARD_ATTEMPTS failures, so no outage of
Intercom keeps a ticket from the team. Forwarding is at least once: each run claims a
ticket by a conditional UPDATE and no network call happens inside a transaction.

Limits (`Limit`s below) are checked and counted under the intake row's lock, so
parallel submissions count exactly.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from auth.models import User
from auth.otp import address_subject
from auth.sessions import Principal, Visitor
from projects.access import role_permissions
from projects.models import Project, ProjectMember
from projects.permissions import Permission
from projects.rules import updated_one
from shared import audit, clock, email
from shared.client import Client
from shared.config import get_settings
from shared.db import lock_row, new_session
from shared.pagination import PageQuery, page
from shared.problems import not_found
from shared.throttle import Limit, purge_limits
from support import emails, hours, intercom
from support.events import SupportEvent
from support.models import INTAKE_ROW, SupportTicket, TicketIntake
from support.schemas import (
    MessengerConfig,
    SupportStatus,
    TicketAccepted,
    TicketIn,
    TicketList,
    TicketOut,
    TicketQuery,
)
from support.tickets import URGENT, ForwardState, TicketCategory, TicketStatus

log = logging.getLogger("casai.support")

_WINDOW = timedelta(hours=1)
TICKETS_PER_CLIENT = Limit(
    "ticket-ip", 10, _WINDOW, "Too many tickets from this network; try again later."
)
TICKETS_PER_ADDRESS = Limit(
    "ticket-address", 5, _WINDOW, "Too many tickets from this address; try again later."
)
# A signed-in sender answered at their own address: counted per account instead, so
# that tickets anyone can send naming the address (TICKETS_PER_ADDRESS) never use up
# its holder's, who can always ask, for instance, to have someone denied access.
TICKETS_PER_ACCOUNT = Limit(
    "ticket-account", 5, _WINDOW, "Too many tickets from this account; try again later."
)
# Tickets with no address to answer, from anyone: a flood of them would bury the team's
# inbox, and nobody can be answered through them anyway.
TICKETS_WITHOUT_ADDRESS = Limit(
    "ticket-no-address",
    100,
    _WINDOW,
    "Too many tickets without an e-mail address; give yours to send one.",
)
LIMITS = (TICKETS_PER_CLIENT, TICKETS_PER_ADDRESS, TICKETS_PER_ACCOUNT, TICKETS_WITHOUT_ADDRESS)
_EVERYONE = "everyone"  # the subject TICKETS_WITHOUT_ADDRESS counts

FORWARD_ATTEMPTS = 3  # failed Intercom forwards after which a ticket is e-mailed instead
FORWARD_CLAIM = timedelta(minutes=2)  # how long a run holds a ticket it is forwarding
# A ticket whose forward (or confirmation) failed rests this long before the next try,
# so neither a run nor the next submission's retries it at once.
FORWARD_RETRY_AFTER = timedelta(minutes=10)
CONFIRMATION_TRIES = timedelta(days=1)  # a confirmation not sent within this is dropped
_TIMER = audit.Actor(None, Client())  # who forwards: the app itself
REFERENCE_PREFIX = "CAS-"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read over the phone
REFERENCE_LENGTH = 6


def support_trail() -> str:
    """The audit trail of tickets received, forwarded and closed."""
    return "support"


# --- status and messenger ---------------------------------------------------------


def status(at: datetime | None = None) -> SupportStatus:
    settings = get_settings()
    moment = at or clock.now()
    opens, closes = settings.support_opening
    found = hours.opening(moment, settings.support_zone, opens, closes)
    return SupportStatus(
        open=found.open,
        opens_at=found.opens_at,
        closes_at=found.closes_at,
        timezone=settings.support_timezone,
        hours=settings.support_hours,
        holiday=hours.holiday_name(moment.astimezone(settings.support_zone).date()),
    )


def messenger(visitor: Visitor) -> MessengerConfig:
    """The Messenger's settings; with a session, who the visitor is and its proof."""
    settings = get_settings()
    if not settings.intercom_app_id:
        return MessengerConfig(enabled=False, app_id=None)
    config = MessengerConfig(
        enabled=True,
        app_id=settings.intercom_app_id,
        api_base=intercom.messenger_api_base(settings.intercom_api_base_url),
    )
    me = visitor.principal
    secret = settings.intercom_secret.get_secret_value()
    if me is None or not secret:
        return config
    user_id = str(me.user.id)
    return config.model_copy(
        update={
            "user_id": user_id,
            "email": me.user.email,
            "name": me.user.display_name,
            "user_hash": intercom.user_hash(secret, user_id),
        }
    )


# --- tickets ----------------------------------------------------------------------


def new_reference() -> str:
    """A short reference people can read out: CAS- and six characters (~10⁹ of them)."""
    return REFERENCE_PREFIX + "".join(
        secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)
    )


def _take_limits(db: Session, visitor: Visitor, address: str | None) -> None:
    """Check every limit the ticket falls under, then count it under each (429 first)."""
    me = visitor.principal
    counted = []
    if visitor.client.ip is not None:
        counted.append((TICKETS_PER_CLIENT, visitor.client.ip))
    if me is not None and address == me.user.email:
        counted.append((TICKETS_PER_ACCOUNT, str(me.user.id)))
    elif address is not None:
        counted.append((TICKETS_PER_ADDRESS, address_subject(address)))
    else:
        counted.append((TICKETS_WITHOUT_ADDRESS, _EVERYONE))
    for limit, subject in counted:
        limit.check(db, subject)
    for limit, subject in counted:
        limit.hit(db, subject)


def submit_ticket(db: Session, visitor: Visitor, body: TicketIn) -> TicketAccepted:
    """Store the ticket (the route hands it on after the response); its reference.

    The answer is the same whatever the ticket names (a project, a person, an address
    with or without an account) and for a bot that filled in the honeypot, whose ticket
    is counted but dropped.
    """
    me = visitor.principal
    address = body.email or (me.user.email if me is not None else None)
    lock_row(db, TicketIntake.id, TicketIntake.id == INTAKE_ROW)
    _take_limits(db, visitor, address)
    reference = _unused_reference(db)
    if body.website:
        log.info("support: a ticket with the honeypot filled in was dropped")
        return TicketAccepted(reference=reference)
    category = TicketCategory(body.category)
    ticket = SupportTicket(
        reference=reference,
        category=category,
        urgent=category in URGENT,
        subject=body.subject,
        message=body.message,
        email=address,
        name=body.name or (me.user.display_name if me is not None else None),
        user_id=me.user.id if me is not None else None,
        project_id=body.project_id,
        person_email=body.person_email,
        status=TicketStatus.OPEN,
        created_at=clock.now(),
        forward_state=ForwardState.PENDING,
        forward_attempts=0,
        confirmation_pending=address is not None,
    )
    if me is not None and body.project_id is not None:
        _verify_project(db, me, ticket)
    db.add(ticket)
    actor = visitor.actor
    audit.record(
        db,
        support_trail(),
        SupportEvent.TICKET_RECEIVED,
        actor,
        target=reference,
        category=category,
        urgent=ticket.urgent,
        signed_in=me is not None,
    )
    if me is not None:
        audit.record(db, audit.user(me.user.id), SupportEvent.TICKET_SENT, actor, target=reference)
    return TicketAccepted(reference=reference)


def _unused_reference(db: Session) -> str:
    """A reference no ticket has (checked under the intake lock, so none takes it meanwhile)."""
    while True:
        reference = new_reference()
        taken = select(SupportTicket.id).where(SupportTicket.reference == reference)
        if db.scalar(taken) is None:
            return reference


def _verify_project(db: Session, me: Principal, ticket: SupportTicket) -> None:
    """What CASAI can vouch for: the sender's membership of the project they named (and
    whether they manage its members), and the named person's membership of it."""
    found = db.execute(
        select(Project, ProjectMember)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(
            Project.id == ticket.project_id,
            Project.deleted_at.is_(None),
            ProjectMember.user_id == me.user.id,
        )
    ).one_or_none()
    if found is None:
        return  # someone else's project, or none: a claim, told apart in the forward
    project, membership = found
    ticket.project_name = project.name
    ticket.sender_manages = Permission.MEMBERS_MANAGE in role_permissions(db, membership.role_id)
    if ticket.sender_manages and ticket.person_email is not None:
        member = db.scalar(
            select(ProjectMember.user_id)
            .join(User, User.id == ProjectMember.user_id)
            .where(ProjectMember.project_id == project.id, User.email == ticket.person_email)
        )
        ticket.person_is_member = member is not None


# --- forwarding -------------------------------------------------------------------


_left_waiting = threading.Event()  # see left_waiting_here


def left_waiting_here() -> bool:
    """Whether a ticket's forward or confirmation failed on this instance since its last
    run: a hint, so that the frequent timer touches the database only when there is
    likely work (housekeeping.ON_DEMAND); the daily sweep runs whatever it says."""
    return _left_waiting.is_set()


def forward_pending(most: int = 50) -> int:
    """Hand on stored tickets not yet forwarded or confirmed, oldest first; how many
    were handled. Each is claimed by a conditional UPDATE, worked on with no
    transaction open, and its outcome written after; one that failed rests
    FORWARD_RETRY_AFTER before it is tried again."""
    _left_waiting.clear()
    handled = 0
    while handled < most:
        claimed = _claim_next()
        if claimed is None:
            break
        _hand_on(claimed)
        handled += 1
    return handled


def _waiting(now: datetime) -> ColumnElement[bool]:
    """In SQL: tickets with something left to do that no run holds now."""
    return and_(
        or_(
            SupportTicket.forward_state == ForwardState.PENDING, SupportTicket.confirmation_pending
        ),
        or_(
            SupportTicket.forward_claimed_until.is_(None),
            SupportTicket.forward_claimed_until < now,
        ),
    )


def _claim_next() -> SupportTicket | None:
    with new_session() as db, db.begin():
        now = clock.now()
        candidates = db.scalars(
            select(SupportTicket.id)
            .where(_waiting(now))
            .order_by(SupportTicket.created_at, SupportTicket.id)
            .limit(5)
        ).all()
        for ticket_id in candidates:
            claim = (
                update(SupportTicket)
                .where(SupportTicket.id == ticket_id, _waiting(now))
                .values(forward_claimed_until=now + FORWARD_CLAIM)
            )
            if updated_one(db, claim):
                return db.get(SupportTicket, ticket_id)
    return None


def _hand_on(ticket: SupportTicket) -> None:
    settings = get_settings()
    outcome: dict[str, object] = {}
    sent_to = None
    if ticket.forward_state == ForwardState.PENDING:
        sent_to, intercom_id = _forward(ticket)
        outcome["forward_attempts"] = ticket.forward_attempts + 1
        if sent_to is not None:
            outcome.update(forward_state=sent_to, forwarded_at=clock.now())
            outcome["intercom_ticket_id"] = intercom_id
    if (
        ticket.confirmation_pending
        and ticket.email is not None
        and (
            _confirm(ticket, settings.support_hours, settings.support_timezone)
            or clock.now() - ticket.created_at > CONFIRMATION_TRIES
        )
    ):
        outcome["confirmation_pending"] = False
    left = (ticket.forward_state == ForwardState.PENDING and sent_to is None) or (
        ticket.confirmation_pending and outcome.get("confirmation_pending", True)
    )
    outcome["forward_claimed_until"] = clock.now() + FORWARD_RETRY_AFTER if left else None
    if left:
        _left_waiting.set()
    with new_session() as db:
        with db.begin():
            db.execute(update(SupportTicket).where(SupportTicket.id == ticket.id).values(outcome))
            if sent_to is not None:
                audit.record(
                    db,
                    support_trail(),
                    SupportEvent.TICKET_FORWARDED,
                    _TIMER,
                    target=ticket.reference,
                    to=sent_to,
                    attempts=outcome["forward_attempts"],
                )
        audit.forward_recorded(db)


def _forward(ticket: SupportTicket) -> tuple[ForwardState | None, str | None]:
    """Where the ticket went (None: nowhere yet) and its Intercom id."""
    settings = get_settings()
    if settings.intercom_forwarding and ticket.email is not None:
        try:
            request = intercom.TicketRequest(
                contact_email=ticket.email,
                title=emails.title(ticket),
                description=emails.description(ticket),
            )
            return ForwardState.INTERCOM, intercom.create_ticket(settings, request)
        except intercom.IntercomError as exc:
            log.warning("support: ticket %s not forwarded to Intercom: %s", ticket.reference, exc)
            if not ticket.urgent and ticket.forward_attempts + 1 < FORWARD_ATTEMPTS:
                return None, None  # the timer tries Intercom again
    try:
        email.send(emails.to_support_team(ticket, settings.support_email))
    except Exception:
        log.exception("support: ticket %s not e-mailed to the support address", ticket.reference)
        return None, None
    return ForwardState.EMAILED, None


def _confirm(ticket: SupportTicket, staffed: str, timezone: str) -> bool:
    assert ticket.email is not None
    locale = "sv"
    if ticket.user_id is not None:
        with new_session() as db:
            sender = db.get(User, ticket.user_id)
            locale = sender.locale if sender is not None and sender.locale == "en" else "sv"
    try:
        email.send(emails.confirmation(ticket, ticket.email, locale, staffed, timezone))
    except Exception:
        log.exception("support: the confirmation of %s was not sent", ticket.reference)
        return False
    return True


def purge_old_counts(db: Session) -> int:
    return purge_limits(db, LIMITS)


# --- for administrators and account deletion ---------------------------------------


def ticket_out(ticket: SupportTicket) -> TicketOut:
    return TicketOut.model_validate(ticket, from_attributes=True)


def list_tickets(db: Session, query: TicketQuery) -> TicketList:
    listed = select(SupportTicket)
    if query.status is not None:
        listed = listed.where(SupportTicket.status == query.status)
    paging = PageQuery(limit=query.limit, cursor=query.cursor)
    scope = f"tickets:{query.status or 'all'}"
    found, cursor = page(db, listed, SupportTicket.created_at, SupportTicket.id, paging, scope)
    return TicketList(items=[ticket_out(t) for t in found], next_cursor=cursor)


def close_ticket(
    db: Session, ticket_id: uuid.UUID, closed_by: uuid.UUID
) -> tuple[SupportTicket, bool]:
    """Close an open ticket, and whether this call closed it (of parallel ones, one
    does); 404 when there is none with that id. A closed one stays as it was."""
    ticket = db.get(SupportTicket, ticket_id)
    if ticket is None:
        raise not_found("No such ticket.")
    closing = (
        update(SupportTicket)
        .where(SupportTicket.id == ticket_id, SupportTicket.status == TicketStatus.OPEN)
        .values(status=TicketStatus.CLOSED, closed_at=clock.now(), closed_by=closed_by)
    )
    closed_now = updated_one(db, closing)
    db.refresh(ticket)
    return ticket, closed_now


def tickets_of(db: Session, user_id: uuid.UUID) -> list[SupportTicket]:
    return list(
        db.scalars(
            select(SupportTicket)
            .where(SupportTicket.user_id == user_id)
            .order_by(SupportTicket.created_at)
        )
    )


def forget_sender(db: Session, user_id: uuid.UUID) -> None:
    """For a deleted account: its tickets keep what was asked, not who asked."""
    db.execute(
        update(SupportTicket)
        .where(SupportTicket.user_id == user_id)
        .values(email=None, name=None, confirmation_pending=False)
        .execution_options(synchronize_session=False)
    )


def purge_closed_before(db: Session, cutoff: datetime) -> int:
    """Delete tickets closed before `cutoff`; how many."""
    result = db.execute(
        delete(SupportTicket).where(
            SupportTicket.status == TicketStatus.CLOSED, SupportTicket.closed_at < cutoff
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
