"""Project files: the bytes go between the browser and Blob storage, never through the app.

`start_upload` records a pending row and hands out a SAS URL that may only create that
one blob, once, within UPLOAD_WINDOW: what `complete` has checked (size, type by name
and first bytes, SHA-256) cannot be replaced afterwards. Only completed files are
listed; a download URL may only read its blob, for DOWNLOAD_WINDOW, and makes the
browser save it under its original name.

No transaction is open while storage works (a slow blob never holds a lock): the row
changes are conditional UPDATEs afterwards, so two completes of one upload complete it
once. Uploads never completed, and deleted files whose blob could not be removed at
once, are swept (`sweep`): hourly by an instance that has some (housekeeping.ON_DEMAND),
daily for every instance's.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from projects.access import ProjectAccess
from quantities.events import ScheduleEvent
from quantities.file_models import FileStatus, ProjectFile
from quantities.file_schemas import FileCreate, FileDownload, FileList, FileOut, FileUpload
from quantities.file_types import (
    POLICY,
    SNIFF_BYTES,
    content_disposition,
    type_by_name,
    verified_type,
)
from shared import audit, clock, storage
from shared.config import get_settings
from shared.pagination import PageQuery, page
from shared.problems import (
    FieldError,
    FieldProblem,
    Problem,
    ProblemCode,
    not_found,
    validation_error,
)

if TYPE_CHECKING:
    from azure.storage.blob import BlobClient

UPLOAD_WINDOW = timedelta(minutes=15)
DOWNLOAD_WINDOW = timedelta(minutes=5)
# Create only, never overwrite (nor read); read only.
UPLOAD_PERMISSION = "c"
DOWNLOAD_PERMISSION = "r"
UPLOAD_HEADERS = {"x-ms-blob-type": "BlockBlob"}
# `complete` still takes an upload that arrived just before its URL expired ...
COMPLETE_WITHIN = UPLOAD_WINDOW + timedelta(minutes=5)
# ... and the sweep waits well beyond that, so it never removes the blob of an upload
# being completed (a completing UPDATE commits within the database timeout).
ABANDONED_AFTER = COMPLETE_WITHIN + timedelta(minutes=10)
SWEEP_BATCH = 100
# A request waits for none of the SDK's backoffs (15 s and more): storage that fails
# answers 503 at once, and the client tries again.
NO_RETRIES: dict[str, Any] = {"retry_total": 0}
NO_SUCH_FILE = "No such file in this project."

# Uploads started and deletes begun on this instance, not yet finished here: file id ->
# when the sweep should look. Only a hint, so that the hourly timer touches the
# database when this instance likely left something (see `left_to_sweep_here`).
_unfinished_here: dict[uuid.UUID, datetime] = {}
_unfinished_lock = threading.Lock()


def _record(
    db: Session, who: ProjectAccess, action: ScheduleEvent, file_id: uuid.UUID, **details: Any
) -> None:
    audit.record(db, audit.project(who.project.id), action, who.actor, target=file_id, **details)


def _file_out(file: ProjectFile) -> FileOut:
    # A completed file has all of these (`complete` sets them together).
    assert file.file_type is not None
    assert file.content_type is not None
    assert file.sha256 is not None
    assert file.completed_at is not None
    return FileOut(
        id=file.id,
        project_id=file.project_id,
        filename=file.filename,
        size=file.size,
        file_type=file.file_type,
        content_type=file.content_type,
        sha256=file.sha256,
        created_at=file.created_at,
        created_by=file.created_by,
        completed_at=file.completed_at,
    )


def _find(
    db: Session, who: ProjectAccess, file_id: uuid.UUID, statuses: Collection[str]
) -> ProjectFile:
    """The file in the caller's project in one of `statuses`; any other is unknown here."""
    file = db.get(ProjectFile, file_id)
    if file is None or file.project_id != who.project.id or file.status not in statuses:
        raise not_found(NO_SUCH_FILE)
    return file


def _blob(file: ProjectFile) -> BlobClient:
    return storage.blob_service().get_blob_client(get_settings().files_container, file.blob_name)


def _remove_blob(blob: BlobClient) -> None:
    from azure.core.exceptions import ResourceNotFoundError

    with contextlib.suppress(ResourceNotFoundError):  # never uploaded, or removed before
        blob.delete_blob(delete_snapshots="include", **NO_RETRIES)


def _remember(file_id: uuid.UUID, sweep_at: datetime) -> None:
    with _unfinished_lock:
        _unfinished_here[file_id] = sweep_at


def _forget(file_id: uuid.UUID) -> None:
    with _unfinished_lock:
        _unfinished_here.pop(file_id, None)


def _type_refused(detail: str) -> Problem:
    allowed = ", ".join(ext for rule in POLICY.values() for ext in rule.extensions)
    return Problem(415, ProblemCode.UNSUPPORTED_MEDIA_TYPE, f"{detail} Allowed: {allowed}.")


def _already_completed() -> Problem:
    return Problem(409, ProblemCode.CONFLICT, "This upload has been completed already.")


# --- upload ---------------------------------------------------------------------


def start_upload(db: Session, who: ProjectAccess, values: FileCreate) -> FileUpload:
    """A pending file and the URL its bytes go to (413 over the size limit, 415 for a
    type the name does not show to be allowed)."""
    limit = get_settings().files_max_bytes
    if values.size > limit:
        raise Problem(
            413,
            ProblemCode.PAYLOAD_TOO_LARGE,
            f"A file may have at most {limit} bytes.",
            errors=[FieldError("size", FieldProblem.TOO_LARGE, f"at most {limit}", str(limit))],
        )
    if type_by_name(values.filename) is None:
        raise _type_refused("Files of this type cannot be uploaded.")
    now = clock.now()
    file = ProjectFile(
        project_id=who.project.id,
        filename=values.filename,
        size=values.size,
        status=FileStatus.PENDING,
        created_at=now,
        created_by=who.caller.user.id,
    )
    db.add(file)
    db.flush()
    expires_at = now + UPLOAD_WINDOW
    url = storage.blob_sas_url(
        get_settings().files_container, file.blob_name, UPLOAD_PERMISSION, expires_at
    )
    _record(
        db,
        who,
        ScheduleEvent.FILE_UPLOAD_STARTED,
        file.id,
        filename=values.filename,
        size=values.size,
        declared_type=values.content_type,
    )
    _remember(file.id, now + ABANDONED_AFTER)
    return FileUpload(
        id=file.id, upload_url=url, upload_headers=UPLOAD_HEADERS, expires_at=expires_at
    )


def complete(db: Session, who: ProjectAccess, file_id: uuid.UUID) -> FileOut:
    """Check what arrived at the upload URL and record it; an upload that is not what
    was declared is discarded (the upload URL may then be used again)."""
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.blob import BlobType

    file = _find(db, who, file_id, (FileStatus.PENDING, FileStatus.COMPLETE))
    if file.status == FileStatus.COMPLETE:
        raise _already_completed()
    if file.created_at + COMPLETE_WITHIN < clock.now():
        raise Problem(409, ProblemCode.CONFLICT, "The upload window has closed: start anew.")
    db.commit()  # nothing held while storage works (the session's activity may be noted)
    blob = _blob(file)
    try:
        arrived = blob.get_blob_properties(**NO_RETRIES)
    except ResourceNotFoundError:
        raise Problem(
            409, ProblemCode.CONFLICT, "Nothing has arrived yet: PUT the file to its upload URL."
        ) from None
    if arrived.blob_type != BlobType.BLOCKBLOB or arrived.size != file.size:
        _remove_blob(blob)
        raise validation_error(
            f"The upload has {arrived.size} bytes, not the {file.size} declared; it was discarded.",
            [FieldError("size", FieldProblem.INVALID, f"the upload has {arrived.size} bytes")],
        )
    first = min(SNIFF_BYTES, file.size)
    head = blob.download_blob(offset=0, length=first, **NO_RETRIES).readall()
    file_type = verified_type(file.filename, head)
    if file_type is None:
        _remove_blob(blob)
        raise _type_refused("The content is not of the type the file name says; it was discarded.")
    digest = hashlib.sha256()
    for chunk in blob.download_blob(**NO_RETRIES).chunks():  # storage.BLOB_OPTIONS: 4 MiB at a time
        digest.update(chunk)
    sha256 = digest.hexdigest()
    now = clock.now()
    completed = db.execute(
        update(ProjectFile)
        .where(
            ProjectFile.id == file.id,
            ProjectFile.status == FileStatus.PENDING,
            ProjectFile.created_at >= now - COMPLETE_WITHIN,
        )
        .values(
            status=FileStatus.COMPLETE,
            file_type=file_type,
            content_type=POLICY[file_type].content_type,
            sha256=sha256,
            completed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(completed, "rowcount", 0) != 1:  # another complete got there first
        raise _already_completed()
    _record(
        db,
        who,
        ScheduleEvent.FILE_UPLOAD_COMPLETED,
        file.id,
        file_type=file_type,
        size=file.size,
        sha256=sha256,
    )
    _forget(file.id)
    db.refresh(file)
    return _file_out(file)


# --- reading --------------------------------------------------------------------


def list_files(db: Session, who: ProjectAccess, paging: PageQuery) -> FileList:
    query = select(ProjectFile).where(
        ProjectFile.project_id == who.project.id, ProjectFile.status == FileStatus.COMPLETE
    )
    files, cursor = page(
        db, query, ProjectFile.created_at, ProjectFile.id, paging, scope=f"files:{who.project.id}"
    )
    return FileList(items=[_file_out(f) for f in files], next_cursor=cursor)


def get_file(db: Session, who: ProjectAccess, file_id: uuid.UUID) -> FileDownload:
    """The file with a read-only download URL that saves it under its original name."""
    file = _find(db, who, file_id, (FileStatus.COMPLETE,))
    out = _file_out(file)
    expires_at = clock.now() + DOWNLOAD_WINDOW
    url = storage.blob_sas_url(
        get_settings().files_container,
        file.blob_name,
        DOWNLOAD_PERMISSION,
        expires_at,
        content_disposition=content_disposition(file.filename),
        content_type=out.content_type,
    )
    _record(db, who, ScheduleEvent.FILE_DOWNLOAD_URL_ISSUED, file.id, filename=file.filename)
    return FileDownload(**out.model_dump(), download_url=url, download_expires_at=expires_at)


# --- deleting -------------------------------------------------------------------


def delete_file(db: Session, who: ProjectAccess, file_id: uuid.UUID) -> None:
    """Delete the file: gone for readers first (committed), then its blob, then its row.

    When storage fails in between the answer is 503 and the file stays `deleting`
    until a repeated DELETE or the sweep removes the rest.
    """
    file = _find(db, who, file_id, (FileStatus.COMPLETE, FileStatus.DELETING))
    marked = db.execute(
        update(ProjectFile)
        .where(ProjectFile.id == file.id, ProjectFile.status == FileStatus.COMPLETE)
        .values(status=FileStatus.DELETING)
        .execution_options(synchronize_session=False)
    )
    if getattr(marked, "rowcount", 0) == 1:  # once, however many deletes run
        _record(db, who, ScheduleEvent.FILE_DELETED, file.id, filename=file.filename)
    db.commit()
    audit.forward_recorded(db)  # the delete counts from here, whatever storage does next
    _remember(file.id, clock.now())
    _remove_blob(_blob(file))
    db.execute(
        delete(ProjectFile).where(
            ProjectFile.id == file.id, ProjectFile.status == FileStatus.DELETING
        )
    )
    _forget(file.id)


# --- sweeping -------------------------------------------------------------------


def left_to_sweep_here() -> bool:
    """Whether an upload started here may have been abandoned, or a delete begun here
    left its blob: the hourly timer looks at the database only then."""
    now = clock.now()
    with _unfinished_lock:
        return any(sweep_at <= now for sweep_at in _unfinished_here.values())


def _leftover(cutoff: datetime) -> ColumnElement[bool]:
    """In SQL: uploads abandoned before `cutoff`, and deletes that stopped halfway."""
    return or_(
        and_(ProjectFile.status == FileStatus.PENDING, ProjectFile.created_at < cutoff),
        ProjectFile.status == FileStatus.DELETING,
    )


def sweep(db: Session) -> int:
    """Remove every abandoned upload and unfinished delete, blob first, then the row;
    how many were removed."""
    now = clock.now()
    cutoff = now - ABANDONED_AFTER
    with _unfinished_lock:  # this run sweeps them, whichever instance's they are
        due = [file_id for file_id, sweep_at in _unfinished_here.items() if sweep_at <= now]
    removed = 0
    while True:
        batch = list(
            db.scalars(
                select(ProjectFile)
                .where(_leftover(cutoff))
                .order_by(ProjectFile.created_at, ProjectFile.id)
                .limit(SWEEP_BATCH)
            )
        )
        db.commit()  # nothing held while storage works
        for file in batch:
            _remove_blob(_blob(file))
        if batch:
            ids = [file.id for file in batch]
            db.execute(delete(ProjectFile).where(ProjectFile.id.in_(ids), _leftover(cutoff)))
            db.commit()
        removed += len(batch)
        if len(batch) < SWEEP_BATCH:
            break
    for file_id in due:  # only now: a run that failed leaves the hint for the next
        _forget(file_id)
    return removed
