"""Project files over HTTP, and the timers that sweep what uploads and deletes left.

A blueprint of its own beside quantities.routes (the schedules'), registered in
function_app.py.
"""

import logging
import uuid

import azure.functions as func

from projects.access import ProjectAccess
from projects.gate import project_gate
from projects.permissions import Permission
from quantities.file_schemas import FileCreate, FileDownload, FileList, FileOut, FileUpload
from shared import housekeeping, http
from shared.pagination import PageQuery
from shared.problems import ProblemCode

log = logging.getLogger("casai.files")

# Each handler imports the service it calls (and with it the ORM and the tables): a
# cold start registers every function without loading them (bench/bench_cold_start.py).
bp = http.Blueprint()
FILES = "projects/{project_id:guid}/files"
FILE = FILES + "/{file_id:guid}"
HOURLY = "0 0 * * * *"


def who(ctx: http.Context) -> ProjectAccess:
    return ctx.established(ProjectAccess)


def file_id(ctx: http.Context) -> uuid.UUID:
    from quantities import files

    return ctx.route_id("file_id", files.NO_SUCH_FILE)


@bp.endpoint(
    "POST",
    FILES,
    body=FileCreate,
    response=FileUpload,
    status=201,
    guard=project_gate(Permission.FILES_UPLOAD),
    links={"complete_upload": "file_id"},  # a pending upload is not listed, read or deleted
)
def start_upload(ctx: http.Context) -> FileUpload:
    """Start an upload: a URL to PUT the bytes to, once, within 15 minutes; then `complete`.

    The size is at most CASAI_FILES_MAX_BYTES (else 413) and the name's extension one of
    the allowed types (else 415).
    """
    from quantities import files

    return files.start_upload(ctx.db, who(ctx), ctx.body)


@bp.endpoint(
    "POST",
    FILE + "/complete",
    response=FileOut,
    guard=project_gate(Permission.FILES_UPLOAD),
    errors={
        400: [ProblemCode.VALIDATION_ERROR],
        409: [ProblemCode.CONFLICT],
        415: [ProblemCode.UNSUPPORTED_MEDIA_TYPE],
    },
)
def complete_upload(ctx: http.Context) -> FileOut:
    """Check the uploaded bytes (size, type by name and content) and record their SHA-256.

    409 when nothing has arrived yet or the upload was completed already; an upload
    whose size (400) or content (415) is not what was declared is discarded.
    """
    from quantities import files

    return files.complete(ctx.db, who(ctx), file_id(ctx))


@bp.endpoint(
    "GET", FILES, query=PageQuery, response=FileList, guard=project_gate(Permission.FILES_VIEW)
)
def list_files(ctx: http.Context) -> FileList:
    """The project's completed files, oldest first."""
    from quantities import files

    return files.list_files(ctx.db, who(ctx), ctx.query)


@bp.endpoint("GET", FILE, response=FileDownload, guard=project_gate(Permission.FILES_VIEW))
def get_file(ctx: http.Context) -> FileDownload:
    """One file, with a download URL: read only, 5 minutes, saved under its own name."""
    from quantities import files

    return files.get_file(ctx.db, who(ctx), file_id(ctx))


@bp.endpoint("DELETE", FILE, status=204, guard=project_gate(Permission.FILES_DELETE))
def delete_file(ctx: http.Context) -> None:
    """Delete the file and its blob."""
    from quantities import files

    files.delete_file(ctx.db, who(ctx), file_id(ctx))


@bp.timer_trigger(schedule=HOURLY, arg_name="timer", run_on_startup=False)
def remove_abandoned_uploads(timer: func.TimerRequest) -> None:
    """Hourly, when this instance started an upload that may have been abandoned or
    left a delete unfinished: sweep them all. The database is touched only then
    (housekeeping.ON_DEMAND)."""
    from quantities import files

    if files.left_to_sweep_here():
        _sweep()


@bp.timer_trigger(schedule=housekeeping.DAILY, arg_name="timer", run_on_startup=False)
def sweep_abandoned_uploads(timer: func.TimerRequest) -> None:
    """Daily (shared.housekeeping): remove every abandoned upload and unfinished delete,
    from any instance."""
    housekeeping.run(_sweep, "sweep_abandoned_uploads")


def _sweep() -> None:
    from quantities import files
    from shared import db

    with db.new_session() as session:
        removed = files.sweep(session)
    if removed:
        log.info("files: removed %d abandoned upload(s) or unfinished delete(s)", removed)
