"""Tables of the quantities area."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Unicode,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, ExactDecimal, UtcDateTime


class Unit(Base):
    """A unit of measurement a row may use; seeded by migration, read-only to the app."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(Unicode(16), primary_key=True)
    symbol: Mapped[str] = mapped_column(Unicode(16))
    name_sv: Mapped[str] = mapped_column(Unicode(64))
    name_en: Mapped[str] = mapped_column(Unicode(64))
    unece_code: Mapped[str] = mapped_column(String(3))
    sort_order: Mapped[int] = mapped_column(Integer)


class Schedule(Base):
    """A mängdförteckning (bill of quantities) of a project."""

    __tablename__ = "schedules"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(Unicode(200))
    doc_no: Mapped[str | None] = mapped_column(Unicode(50))
    standard: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    version: Mapped[int] = mapped_column(Integer)  # the ETag; bumped by every change to it
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ScheduleRevision(Base):
    """The working revision (editable) or an issued one (frozen under a label)."""

    __tablename__ = "schedule_revisions"
    # One working revision (label NULL) per schedule, so this holds on SQL Server too.
    __table_args__ = (
        UniqueConstraint("schedule_id", "label", name="uq_schedule_revisions_schedule_id_label"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    schedule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schedules.id"), index=True)
    is_working: Mapped[bool] = mapped_column(Boolean)
    label: Mapped[str | None] = mapped_column(Unicode(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    issued_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    # The change feed (quantities.changes): the number of the last transaction that wrote
    # the working revision's rows, and the highest number whose deletions were swept.
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    changes_forgotten_before: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ScheduleRow(Base):
    """A heading, item or text row; rows form a tree, siblings ordered by `position`."""

    __tablename__ = "schedule_rows"
    # Serves both reading a revision and finding a row's neighbours among its siblings.
    __table_args__ = (
        Index(
            "ix_schedule_rows_revision_id_parent_id_position",
            "revision_id",
            "parent_id",
            "position",
        ),
        Index("ix_schedule_rows_revision_id_changed_seq", "revision_id", "changed_seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    revision_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schedule_revisions.id", ondelete="CASCADE")
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(BigInteger)  # sibling order key (quantities.placement)
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str | None] = mapped_column(Unicode(50))
    title: Mapped[str] = mapped_column(Unicode(500))
    description: Mapped[str | None] = mapped_column(Unicode(4000))
    unit: Mapped[str | None] = mapped_column(ForeignKey("units.code"))
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 3))
    unit_price: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 2))
    lump_sum: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 2))
    entry_rule: Mapped[str] = mapped_column(String(20))
    regulation: Mapped[str | None] = mapped_column(String(2))
    cost_bearer: Mapped[str | None] = mapped_column(Unicode(50))
    note: Mapped[str | None] = mapped_column(Unicode(2000))
    stable_key: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    # Who created or last changed the row (a removed user's row stays, anonymised).
    last_edited_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The revision's change number of the transaction that last wrote the row (the feed).
    changed_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ScheduleRowDeletion(Base):
    """A row deleted from a working revision, kept a while for the change feed.

    The key leads with (revision_id, changed_seq), the feed's range read; row_id is in
    it because a row id may be deleted again after a row was created with it anew.
    """

    __tablename__ = "schedule_row_deletions"

    revision_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schedule_revisions.id", ondelete="CASCADE"), primary_key=True
    )
    changed_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
