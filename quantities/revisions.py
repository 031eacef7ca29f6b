"""Issued revisions of a schedule: freezing the working revision under a label, listing,
comparing two of them.

Issuing copies the working rows into a new issued revision (new row ids; stable_key,
position and the parent mapping kept): the working revision keeps its id and stays
editable, as one-row edits run without the schedule's lock (service.update_row).
Only database statements run under the lock.
"""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from projects.access import ProjectAccess
from quantities import compare
from quantities.events import ScheduleEvent
from quantities.models import ScheduleRevision, ScheduleRow
from quantities.schemas import Comparison, RevisionList, RevisionOut
from quantities.service import find_schedule, load_tree, record, revision_of, working_revision
from quantities.totals import summarize
from shared import clock
from shared.pagination import PageQuery, page
from shared.problems import FieldError, FieldProblem, Problem

COPIED = [c.key for c in ScheduleRow.__table__.columns if c.key not in {"id", "revision_id"}]


def _label_taken() -> Problem:
    return Problem(
        409,
        "conflict",
        "This schedule already has a revision with that label.",
        errors=[FieldError("label", FieldProblem.TAKEN, "already used in this schedule")],
    )


def _revision_out(db: Session, revision: ScheduleRevision) -> RevisionOut:
    tree = load_tree(db, revision.id)
    # An issued revision has all three (the working one is never shown here).
    assert revision.label is not None
    assert revision.issued_at is not None
    assert revision.issued_by is not None
    return RevisionOut(
        id=revision.id,
        schedule_id=revision.schedule_id,
        label=revision.label,
        issued_at=revision.issued_at,
        issued_by=revision.issued_by,
        row_count=len(tree.nodes),
        total=summarize(tree).total,
        snapshot_sha256=revision.snapshot_sha256,
    )


def issue(db: Session, who: ProjectAccess, schedule_id: uuid.UUID, label: str) -> RevisionOut:
    """Freeze the working revision's rows under `label` (unique per schedule, else 409)."""
    schedule = find_schedule(db, who, schedule_id, lock=True)
    taken = db.scalar(
        select(ScheduleRevision.id).where(
            ScheduleRevision.schedule_id == schedule.id, ScheduleRevision.label == label
        )
    )
    if taken is not None:
        raise _label_taken()
    working = working_revision(db, schedule.id)
    now = clock.now()
    issued = ScheduleRevision(
        schedule_id=schedule.id,
        is_working=False,
        label=label,
        created_at=now,
        issued_at=now,
        issued_by=who.caller.user.id,
    )
    try:
        with db.begin_nested():
            db.add(issued)
            db.flush()
    except IntegrityError:  # another issue of the same label got there first
        raise _label_taken() from None
    source = db.execute(
        select(ScheduleRow.id, *(getattr(ScheduleRow, k) for k in COPIED)).where(
            ScheduleRow.revision_id == working.id
        )
    ).all()
    new_ids = {row[0]: uuid.uuid4() for row in source}
    copies = []
    for row in source:
        values = dict(zip(COPIED, row[1:], strict=True))
        parent = values["parent_id"]
        values["parent_id"] = None if parent is None else new_ids[parent]
        copies.append({"id": new_ids[row[0]], "revision_id": issued.id, **values})
    if copies:
        db.execute(insert(ScheduleRow), copies)
    record(
        db, who, ScheduleEvent.REVISION_ISSUED, schedule.id, revision=str(issued.id), label=label
    )
    return _revision_out(db, issued)


def list_revisions(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, paging: PageQuery
) -> RevisionList:
    """The issued revisions, oldest first; the working revision is not listed (it is the
    schedule's `working_revision_id`)."""
    schedule = find_schedule(db, who, schedule_id)
    query = select(ScheduleRevision).where(
        ScheduleRevision.schedule_id == schedule.id, ScheduleRevision.is_working.is_(False)
    )
    revisions, cursor = page(
        db,
        query,
        ScheduleRevision.created_at,
        ScheduleRevision.id,
        paging,
        scope=f"revisions:{schedule.id}",
    )
    return RevisionList(items=[_revision_out(db, r) for r in revisions], next_cursor=cursor)


def compared(
    db: Session,
    who: ProjectAccess,
    schedule_id: uuid.UUID,
    old: Literal["working"] | uuid.UUID,
    new: Literal["working"] | uuid.UUID,
) -> Comparison:
    """The differences from revision `old` to `new` (`working` names the working one)."""
    schedule = find_schedule(db, who, schedule_id)
    old_id = revision_of(db, schedule, None if old == "working" else old)
    new_id = revision_of(db, schedule, None if new == "working" else new)
    return compare.compare(
        schedule.id, old_id, load_tree(db, old_id), new_id, load_tree(db, new_id)
    )
