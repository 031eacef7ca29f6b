"""Each issued revision's JSON snapshot, kept in Blob storage (`schedule-revisions`)
with its SHA-256 recorded in SQL (`schedule_revisions.snapshot_sha256`).

An issued revision never changes, so its snapshot is written once, after the commit
that issued it: the request hands it on once its answer is out (`store_waiting`), and
timers write what is still missing (Blob storage down, an instance gone). SQL stays
the source of truth meanwhile: a revision whose snapshot is not written yet
(`snapshot_sha256` null) is complete and readable, as an edit whose audit event waits
in the outbox is. No transaction is open while a blob is written.

The document's bytes are fixed by the revision alone (the rows as `GET rows` gives
them, in tree order, with the summary; keys sorted; decimals as strings at their
scale), so writing it twice writes the same blob, and whoever holds the file can check
it against the recorded hash.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid

import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quantities.models import Schedule, ScheduleRevision
from quantities.service import row_fields, rows_for_display, summary_of
from shared import db, storage
from shared.config import get_settings
from shared.outages import down_dependency

log = logging.getLogger("casai.quantities")

FORMAT = "casai.schedule-revision/1"  # names the document's shape, for readers years on
STORE_BATCH = 20  # revisions looked up at a time
_left_waiting = threading.Event()  # see left_waiting_here


def blob_name(schedule: Schedule, revision_id: uuid.UUID) -> str:
    return f"{schedule.project_id}/{schedule.id}/{revision_id}.json"


def document(session: Session, schedule: Schedule, revision: ScheduleRevision) -> bytes:
    """The snapshot of issued `revision` of `schedule`, byte for byte."""
    rows = [row_fields(row, depth) for row, depth in rows_for_display(session, revision.id).walk()]
    content = {
        "format": FORMAT,
        "project_id": str(schedule.project_id),
        "schedule": {
            "id": str(schedule.id),
            "name": schedule.name,
            "doc_no": schedule.doc_no,
            "standard": schedule.standard,
            "currency": schedule.currency,
        },
        "revision": {
            "id": str(revision.id),
            "label": revision.label,
            "issued_at": revision.issued_at,
            "issued_by": None if revision.issued_by is None else str(revision.issued_by),
        },
        "rows": rows,
        "summary": summary_of(session, schedule, revision.id).model_dump(mode="json"),
    }
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)


def left_waiting_here() -> bool:
    """Whether writing a snapshot failed on this instance since its last round: a hint,
    so that the frequent timer touches the database only when there is likely work
    (housekeeping.ON_DEMAND); the daily sweep writes whatever it says."""
    return _left_waiting.is_set()


def store_waiting() -> int:
    """Write the snapshots of issued revisions that have none yet, oldest first; how
    many were written. Blob storage down ends the run (and sets the hint)."""
    _left_waiting.clear()
    written = 0
    while waiting := _waiting():
        for revision_id in waiting:
            try:
                _store(revision_id)
            except Exception as error:
                if down_dependency(error) is None:
                    raise
                _left_waiting.set()
                log.warning("revision snapshots: storage unavailable; written %d", written)
                return written
            written += 1
    return written


def _waiting() -> list[uuid.UUID]:
    with db.new_session() as session:
        return list(
            session.scalars(
                select(ScheduleRevision.id)
                .where(
                    ScheduleRevision.is_working.is_(False),
                    ScheduleRevision.snapshot_sha256.is_(None),
                )
                .order_by(ScheduleRevision.created_at, ScheduleRevision.id)
                .limit(STORE_BATCH)
            )
        )


def _store(revision_id: uuid.UUID) -> None:
    with db.new_session() as session:
        revision = session.get(ScheduleRevision, revision_id)
        assert revision is not None  # issued revisions are never deleted
        schedule = session.get(Schedule, revision.schedule_id)
        assert schedule is not None
        content = document(session, schedule, revision)
        name = blob_name(schedule, revision.id)
    from azure.storage.blob import ContentSettings

    container = storage.blob_service().get_container_client(get_settings().revisions_container)
    json_type = ContentSettings(content_type="application/json")
    container.upload_blob(name, content, overwrite=True, content_settings=json_type)
    digest = hashlib.sha256(content).hexdigest()
    with db.transaction() as session:  # only the first writer records it: the bytes agree
        session.execute(
            update(ScheduleRevision)
            .where(ScheduleRevision.id == revision_id, ScheduleRevision.snapshot_sha256.is_(None))
            .values(snapshot_sha256=digest)
        )
