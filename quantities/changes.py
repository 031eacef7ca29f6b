"""Change numbers of a working revision: how every write is stamped for the change feed.

Each transaction that writes rows of a working revision (a row created, changed, moved
or deleted, a batch, an import) takes one number from the revision's counter:

    UPDATE schedule_revisions SET change_seq = change_seq + 1 WHERE id = :rev
    RETURNING change_seq                      (OUTPUT inserted.change_seq on SQL Server)

and stamps every row it writes with it (`schedule_rows.changed_seq`); a deleted row's id
goes into `schedule_row_deletions` with the number, in one bulk INSERT beside the DELETE.

Why this is enough for a reader (quantities.feed): the UPDATE takes the revision row's
write lock until COMMIT, so the transactions that take numbers commit one after the
other, in the order of their numbers. A reader that reads `change_seq` = N first, and
then the rows and deletions numbered above its `since`, therefore sees every change up
to N: each number up to N committed before N could be taken. (It may also see some of
N + 1 if that commits between its reads; the client's next `since` = N shows them again,
which is harmless: the client takes a row's newest version.)

The number is taken as late as possible, as its lock is held until the commit: at the
first write, after every read and check of the request (RowEditor and the importer's
writer take it just before their first INSERT, UPDATE or DELETE). A read-only request,
or one refused before writing, takes none; a refusal found by a write (a version that
changed meanwhile) rolls the number back with everything else. Lock order: the schedule's
row lock (where the writer takes it) before the revision row, never the other way, and
no row of schedule_rows is written before the number is taken, so one-row edits (which
take no schedule lock) and locked writers queue on the revision row without a deadlock.
One-row edits of different rows of a schedule still run side by side up to that UPDATE;
they then commit one after the other (a few milliseconds each).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from quantities.models import ScheduleRevision, ScheduleRowDeletion
from shared import clock


def bump(db: Session, revision_id: uuid.UUID) -> int:
    """The next change number of the revision, its row lock held until the transaction ends."""
    taken: int = db.execute(
        update(ScheduleRevision)
        .where(ScheduleRevision.id == revision_id)
        .values(change_seq=ScheduleRevision.change_seq + 1)
        .returning(ScheduleRevision.change_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return taken


def record_deleted(
    db: Session, revision_id: uuid.UUID, number: int, row_ids: Sequence[uuid.UUID]
) -> None:
    """Remember the rows deleted under change `number`: one bulk INSERT."""
    if not row_ids:
        return
    now = clock.now()
    db.execute(
        insert(ScheduleRowDeletion),
        [
            {"revision_id": revision_id, "changed_seq": number, "row_id": row_id, "deleted_at": now}
            for row_id in row_ids
        ],
    )
