"""The change feed of a schedule: what colleagues changed in the working revision.

The web editor polls `GET …/changes?since=N` (every few seconds) with the `seq` of its
last answer, or at first the `change_seq` of GET …/rows. The answer has the working
revision's rows written after change number N (quantities.changes numbers every
write), as they are now, the ids of the rows deleted after N, and `seq`, the number
the answer is complete up to. It costs the project gate and at most three reads,
whatever the schedule's size and the number of changes: the schedule with its
working revision (and so `seq`, read first), the rows with `changed_seq > N` and the
deletions with `changed_seq > N` (both through an index on (revision_id, changed_seq));
when nothing changed (N = seq) only the first.

`reload: true` (rows and deleted empty) tells the client to read GET …/rows again:
when N is greater than the revision's number (not a number of this revision's life),
or older than the deletions still remembered. Deletions are kept for RETENTION and
then swept by the daily housekeeping timer, which records the highest number it swept
in `changes_forgotten_before`: a client behind that might miss a deletion.

A row id can come back (a row deleted, then created again with the same id): a row
and a deletion of the same id in one answer count by their numbers, the later wins.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import cast

import orjson
from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from projects.access import ProjectAccess
from quantities.models import ScheduleRevision, ScheduleRow, ScheduleRowDeletion
from quantities.service import display_columns, find_working, row_fields
from shared import clock
from shared.db import transaction, uuid_text

log = logging.getLogger("casai.quantities")

RETENTION = timedelta(hours=24)  # deletions remembered for the feed; older ones: reload


def changes_since(db: Session, who: ProjectAccess, schedule_id: uuid.UUID, since: int) -> str:
    """The RowChanges JSON document of the working revision after change number `since`."""
    schedule, working = find_working(db, who, schedule_id)
    seq = working.change_seq  # read before the rows: see quantities.changes
    reload = since > seq or since < working.changes_forgotten_before
    answer: dict[str, object] = {
        "schedule_id": str(schedule.id),
        "revision_id": str(working.id),
        "since": since,
        "seq": seq,
        "rows": [],
        "deleted": [],
        "reload": reload,
    }
    if reload or since == seq:
        return orjson.dumps(answer).decode()
    changed = db.connection().execute(
        select(*display_columns(), ScheduleRow.changed_seq).where(
            ScheduleRow.revision_id == working.id, ScheduleRow.changed_seq > since
        )
    )
    rows = {row.id: row for row in changed}
    gone = db.connection().execute(
        select(uuid_text(ScheduleRowDeletion.row_id), ScheduleRowDeletion.changed_seq).where(
            ScheduleRowDeletion.revision_id == working.id, ScheduleRowDeletion.changed_seq > since
        )
    )
    deleted: dict[str, int] = {}
    for row_id, number in gone:
        deleted[row_id] = max(number, deleted.get(row_id, number))
    answer["rows"] = [
        row_fields(row[:-1], None)  # without changed_seq, the last column
        for row_id, row in rows.items()
        if deleted.get(row_id, -1) < row.changed_seq
    ]
    answer["deleted"] = [
        row_id
        for row_id, number in deleted.items()
        if row_id not in rows or rows[row_id].changed_seq <= number
    ]
    return orjson.dumps(answer).decode()


def forget_old_deletions() -> int:
    """Sweep the deletions older than RETENTION; how many were swept.

    Each revision's `changes_forgotten_before` is raised to the highest number swept
    first, then the deletions go, in one transaction: no reader sees them gone without
    the mark. Revision rows are locked before deletion rows, as writers lock theirs.
    """
    cutoff = clock.now() - RETENTION
    with transaction() as db:
        swept = db.execute(
            select(ScheduleRowDeletion.revision_id, func.max(ScheduleRowDeletion.changed_seq))
            .where(ScheduleRowDeletion.deleted_at < cutoff)
            .group_by(ScheduleRowDeletion.revision_id)
        ).all()
        if not swept:
            return 0
        revisions = cast(Table, ScheduleRevision.__table__)  # Core: an executemany by id
        db.execute(
            update(revisions)
            .where(
                revisions.c.id == bindparam("swept_revision"),
                revisions.c.changes_forgotten_before < bindparam("swept_up_to"),
            )
            .values(changes_forgotten_before=bindparam("swept_up_to")),
            [{"swept_revision": revision, "swept_up_to": number} for revision, number in swept],
        )
        gone = db.execute(
            delete(ScheduleRowDeletion)
            .where(ScheduleRowDeletion.deleted_at < cutoff)
            .execution_options(synchronize_session=False)
        )
        count: int = gone.rowcount  # type: ignore[attr-defined]
    log.info("feed: forgot %d deleted row(s) of %d revision(s)", count, len(swept))
    return count
