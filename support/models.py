"""Tables of the support area: tickets, and the lock that makes their limits exact."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Unicode, UnicodeText, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, UtcDateTime
from support.tickets import ForwardState, TicketStatus


class SupportTicket(Base):
    """A ticket as it was sent; stored first, then forwarded (support.service)."""

    __tablename__ = "support_tickets"
    __table_args__ = (
        Index("ix_support_tickets_forward_state_created_at", "forward_state", "created_at"),
        Index("ix_support_tickets_status_created_at", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # CAS-7K3P9Q
    category: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean)
    subject: Mapped[str] = mapped_column(Unicode(200))
    message: Mapped[str] = mapped_column(UnicodeText)
    # Where to answer: the address given, or the signed-in sender's verified one.
    email: Mapped[str | None] = mapped_column(Unicode(254))
    name: Mapped[str | None] = mapped_column(Unicode(100))
    # The signed-in sender; None for an anonymous ticket.
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The project the sender named; `project_name` only when the sender is its member,
    # `sender_manages` when they also hold members.manage there (a verified request).
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    project_name: Mapped[str | None] = mapped_column(Unicode(200))
    sender_manages: Mapped[bool] = mapped_column(Boolean, default=False)
    # For access_denial: whom to deny, as given, and whether that is a member of the
    # project the (managing) sender named.
    person_email: Mapped[str | None] = mapped_column(Unicode(254))
    person_is_member: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=TicketStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    forward_state: Mapped[str] = mapped_column(String(10), default=ForwardState.PENDING)
    forward_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A forwarding run holds the ticket until then; another run may take it after.
    forward_claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    forwarded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    intercom_ticket_id: Mapped[str | None] = mapped_column(String(64))
    confirmation_pending: Mapped[bool] = mapped_column(Boolean, default=False)


class TicketIntake(Base):
    """One row, locked by every ticket submission (shared.db.lock_row) so that the
    limits per client and per address are checked and counted one request at a time."""

    __tablename__ = "support_ticket_intake"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


INTAKE_ROW = 1  # the one row, seeded by migration 0008
