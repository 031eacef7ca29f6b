import uuid

import azure.functions as func

from projects.access import ProjectAccess
from projects.gate import project_gate
from projects.permissions import Permission
from quantities.exchange import MEDIA_TYPES, ExchangeFormat
from quantities.file_types import content_disposition
from quantities.schemas import (
    BatchIn,
    BatchOut,
    ChangesQuery,
    CompareQuery,
    Comparison,
    ExportQuery,
    ImportQuery,
    ImportReport,
    RevisionCreate,
    RevisionList,
    RevisionOut,
    RowChanges,
    RowCreate,
    RowList,
    RowOut,
    RowPatch,
    RowsQuery,
    ScheduleCreate,
    ScheduleList,
    ScheduleOut,
    SchedulePatch,
    Summary,
    UnitList,
)
from shared import housekeeping, http
from shared.pagination import PageQuery
from shared.preconditions import etag
from shared.problems import ProblemCode

# Each handler imports the service it calls (and with it the ORM and the tables): a
# cold start registers every function without loading them (bench/bench_cold_start.py).
bp = http.Blueprint()
SCHEDULES = "projects/{project_id:guid}/schedules"
SCHEDULE = SCHEDULES + "/{schedule_id:guid}"
ROW = SCHEDULE + "/rows/{row_id:guid}"
MAX_BATCH_BODY = 16 * 1024 * 1024  # 5,000 operations with long texts
MAX_IMPORT_BODY = 20 * 1024 * 1024  # an xlsx of 50,000 rows is about 5 MB
IMPORTED = {media: file_format for file_format, media in MEDIA_TYPES.items()}


def with_etag(ctx: http.Context, version: int) -> None:
    ctx.response_headers.append(("ETag", etag(version)))


def who(ctx: http.Context) -> ProjectAccess:
    """The caller's membership of the route's project, as the project gate found it."""
    return ctx.established(ProjectAccess)


def schedule_id(ctx: http.Context) -> uuid.UUID:
    return ctx.route_id("schedule_id", "No such schedule.")


def row_id(ctx: http.Context) -> uuid.UUID:
    return ctx.route_id("row_id", "No such row in this schedule.")


def if_match(ctx: http.Context) -> str | None:
    return ctx.header("If-Match")


@bp.endpoint("GET", "units", response=UnitList)
def list_units(ctx: http.Context) -> UnitList:
    """The units of measurement a row may use, with Swedish and English names."""
    from quantities import service

    return service.list_units(ctx.db)


@bp.endpoint(
    "GET",
    SCHEDULES,
    query=PageQuery,
    response=ScheduleList,
    guard=project_gate(Permission.SCHEDULES_VIEW),
)
def list_schedules(ctx: http.Context) -> ScheduleList:
    """The project's mängdförteckningar."""
    from quantities import service

    return service.list_schedules(ctx.db, who(ctx), ctx.query)


@bp.endpoint(
    "POST",
    SCHEDULES,
    body=ScheduleCreate,
    response=ScheduleOut,
    status=201,
    guard=project_gate(Permission.SCHEDULES_MANAGE),
    response_headers=["ETag"],
)
def create_schedule(ctx: http.Context) -> ScheduleOut:
    """Create a mängdförteckning with an empty working revision."""
    from quantities import service

    schedule = service.create_schedule(ctx.db, who(ctx), ctx.body)
    with_etag(ctx, schedule.version)
    return schedule


@bp.endpoint(
    "GET",
    SCHEDULE,
    response=ScheduleOut,
    guard=project_gate(Permission.SCHEDULES_VIEW),
    response_headers=["ETag"],
)
def get_schedule(ctx: http.Context) -> ScheduleOut:
    """One mängdförteckning, with its version as ETag."""
    from quantities import service

    schedule = service.get_schedule(ctx.db, who(ctx), schedule_id(ctx))
    with_etag(ctx, schedule.version)
    return schedule


@bp.endpoint(
    "PATCH",
    SCHEDULE,
    body=SchedulePatch,
    response=ScheduleOut,
    guard=project_gate(Permission.SCHEDULES_MANAGE),
    if_match=True,
    response_headers=["ETag"],
)
def update_schedule(ctx: http.Context) -> ScheduleOut:
    """Rename it or change its number, standard or currency (If-Match required)."""
    from quantities import service

    schedule = service.update_schedule(ctx.db, who(ctx), schedule_id(ctx), if_match(ctx), ctx.body)
    with_etag(ctx, schedule.version)
    return schedule


@bp.endpoint(
    "DELETE",
    SCHEDULE,
    status=204,
    guard=project_gate(Permission.SCHEDULES_MANAGE),
    if_match=True,
)
def delete_schedule(ctx: http.Context) -> None:
    """Delete the mängdförteckning (If-Match required)."""
    from quantities import service

    service.delete_schedule(ctx.db, who(ctx), schedule_id(ctx), if_match(ctx))


@bp.endpoint(
    "GET",
    SCHEDULE + "/rows",
    query=RowsQuery,
    response=RowList,
    guard=project_gate(Permission.SCHEDULES_VIEW),
)
def list_rows(ctx: http.Context) -> func.HttpResponse:
    """Every row of the working revision (or `revision_id`) in tree order, with amounts.

    `change_seq` (the working revision's) is where GET …/changes starts from.
    """
    from quantities import service

    document = service.list_rows(ctx.db, who(ctx), schedule_id(ctx), ctx.query.revision_id)
    return func.HttpResponse(document, mimetype=http.JSON_MEDIA_TYPE)


@bp.endpoint(
    "GET",
    SCHEDULE + "/changes",
    query=ChangesQuery,
    response=RowChanges,
    guard=project_gate(Permission.SCHEDULES_VIEW),
)
def list_changes(ctx: http.Context) -> func.HttpResponse:
    """What colleagues changed in the working revision after change number `since`.

    The rows created or changed since, as they are now, the ids of the rows deleted
    since, and `seq` to pass as `since` next time (start from GET …/rows' `change_seq`).
    `reload: true` when those changes are no longer known (deletions are remembered for
    24 hours) or `since` is not a number this revision reached: read GET …/rows again.
    Cheap enough to poll every few seconds: at most three reads, whatever the size.
    """
    from quantities import feed

    document = feed.changes_since(ctx.db, who(ctx), schedule_id(ctx), ctx.query.since)
    return func.HttpResponse(document, mimetype=http.JSON_MEDIA_TYPE)


@bp.endpoint(
    "POST",
    SCHEDULE + "/rows",
    body=RowCreate,
    response=RowOut,
    status=201,
    guard=project_gate(Permission.SCHEDULES_EDIT),
    response_headers=["ETag"],
    errors={409: [ProblemCode.CONFLICT]},
)
def create_row(ctx: http.Context) -> RowOut:
    """Add a row: last under `parent_id`, first with `first`, or after `after_id`."""
    from quantities import service

    row = service.create_row(ctx.db, who(ctx), schedule_id(ctx), ctx.body)
    with_etag(ctx, row.version)
    return row


@bp.endpoint(
    "PATCH",
    ROW,
    body=RowPatch,
    response=RowOut,
    guard=project_gate(Permission.SCHEDULES_EDIT),
    if_match=True,
    response_headers=["ETag"],
    errors={409: [ProblemCode.CONFLICT]},
)
def update_row(ctx: http.Context) -> RowOut:
    """Change a row's fields (If-Match required; 412 returns the current row)."""
    from quantities import service

    row = service.update_row(
        ctx.db, who(ctx), schedule_id(ctx), row_id(ctx), if_match(ctx), ctx.body
    )
    with_etag(ctx, row.version)
    return row


@bp.endpoint(
    "DELETE",
    ROW,
    status=204,
    guard=project_gate(Permission.SCHEDULES_EDIT),
    if_match=True,
    errors={409: [ProblemCode.CONFLICT]},
)
def delete_row(ctx: http.Context) -> None:
    """Delete a row and everything under it (If-Match required)."""
    from quantities import service

    service.delete_row(ctx.db, who(ctx), schedule_id(ctx), row_id(ctx), if_match(ctx))


@bp.endpoint(
    "POST",
    SCHEDULE + "/rows/batch",
    body=BatchIn,
    response=BatchOut,
    max_body=MAX_BATCH_BODY,
    guard=project_gate(Permission.SCHEDULES_EDIT),
    errors={409: [ProblemCode.CONFLICT], 412: [ProblemCode.PRECONDITION_FAILED]},
)
def batch(ctx: http.Context) -> BatchOut:
    """Up to 5,000 create/update/delete/move operations in one transaction, all or nothing.

    A failing operation is named by `operation_index` in the problem; nothing is written.
    """
    from quantities import service

    return service.batch(ctx.db, who(ctx), schedule_id(ctx), ctx.body.operations)


@bp.endpoint(
    "GET",
    SCHEDULE + "/summary",
    query=RowsQuery,
    response=Summary,
    guard=project_gate(Permission.SCHEDULES_VIEW),
)
def summary(ctx: http.Context) -> Summary:
    """Totals per heading (its whole subtree), per cost bearer and in all."""
    from quantities import service

    return service.summary(ctx.db, who(ctx), schedule_id(ctx), ctx.query.revision_id)


@bp.endpoint(
    "POST",
    SCHEDULE + "/revisions",
    body=RevisionCreate,
    response=RevisionOut,
    status=201,
    guard=project_gate(Permission.SCHEDULES_MANAGE),
    errors={409: [ProblemCode.CONFLICT]},
    links={
        "list_rows": "query.revision_id",
        "compare_revisions": "query.from",
        "export_schedule": "query.revision_id",
    },
)
def issue_revision(ctx: http.Context) -> RevisionOut:
    """Freeze the working revision under a label ("FU", "PM 1"), unique per schedule.

    Its JSON snapshot goes to Blob storage once the answer is out; `snapshot_sha256`
    shows in the list when it is there (quantities.snapshots).
    """
    from quantities import revisions, snapshots

    issued = revisions.issue(ctx.db, who(ctx), schedule_id(ctx), ctx.body.label)
    ctx.after_response(snapshots.store_waiting)
    return issued


@bp.endpoint(
    "GET",
    SCHEDULE + "/revisions",
    query=PageQuery,
    response=RevisionList,
    guard=project_gate(Permission.SCHEDULES_VIEW),
)
def list_revisions(ctx: http.Context) -> RevisionList:
    """The issued revisions with row count and total (the working one is not listed)."""
    from quantities import revisions

    return revisions.list_revisions(ctx.db, who(ctx), schedule_id(ctx), ctx.query)


@bp.endpoint(
    "GET",
    SCHEDULE + "/compare",
    query=CompareQuery,
    response=Comparison,
    guard=project_gate(Permission.SCHEDULES_VIEW),
)
def compare_revisions(ctx: http.Context) -> Comparison:
    """What changed from revision `from` to `to` (`working` names the working revision):
    rows added, removed, moved and changed, matched by stable key, and the totals."""
    from quantities import revisions

    query = ctx.query
    return revisions.compared(ctx.db, who(ctx), schedule_id(ctx), query.from_, query.to)


@bp.endpoint(
    "GET",
    SCHEDULE + "/export",
    query=ExportQuery,
    produces=tuple(MEDIA_TYPES.values()),
    guard=project_gate(Permission.SCHEDULES_EXPORT),
)
def export_schedule(ctx: http.Context) -> http.FileAnswer:
    """The working revision (or `revision_id`) as an xlsx workbook or a Swedish CSV file.

    xlsx: a header block, the frozen column header, outline levels, Belopp as formulas,
    the sheet protected but for the À-pris cells, and a Sammanställning sheet. CSV: `;`,
    decimal comma, CRLF, UTF-8 with BOM. Hidden columns let a returned file match its rows.
    """
    from quantities import export

    query = ctx.query
    file_format = ExchangeFormat(query.format)
    exported = export.export(ctx.db, who(ctx), schedule_id(ctx), file_format, query.revision_id)
    return http.FileAnswer(
        exported.content,
        exported.media_type,
        {"Content-Disposition": content_disposition(exported.filename)},
    )


@bp.endpoint(
    "POST",
    SCHEDULE + "/import",
    query=ImportQuery,
    response=ImportReport,
    accepts=tuple(IMPORTED),
    max_body=MAX_IMPORT_BODY,
    guard=project_gate(Permission.SCHEDULES_EDIT),
    errors={409: [ProblemCode.CONFLICT]},
)
def import_rows(ctx: http.Context) -> ImportReport:
    """Read an xlsx or CSV file into the working revision: `append`, `replace` or `prices`.

    Every row is checked first: when any is invalid nothing is written, and the report
    lists every bad row by its number. `prices` changes unit prices only and reports
    every other difference (a bidder's returned file). `dry_run=true` previews: the same
    report, nothing written.
    """
    from quantities import importer

    upload: http.RawBody = ctx.body
    return importer.import_file(
        ctx.db,
        who(ctx),
        schedule_id(ctx),
        upload.content,
        IMPORTED[upload.media_type],
        importer.ImportMode(ctx.query.mode),
        ctx.query.revision_id,
        dry_run=ctx.query.dry_run,
    )


@bp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
def write_revision_snapshots(timer: func.TimerRequest) -> None:
    """Every 5 minutes, when writing a snapshot failed on this instance: try again.
    The database is touched only then (housekeeping.ON_DEMAND)."""
    from quantities import snapshots

    if snapshots.left_waiting_here():
        snapshots.store_waiting()


@bp.timer_trigger(schedule=housekeeping.DAILY, arg_name="timer", run_on_startup=False)
def sweep_row_deletions(timer: func.TimerRequest) -> None:
    """Daily (shared.housekeeping): forget the deleted rows the change feed remembers once
    they are older than quantities.feed.RETENTION."""
    from quantities import feed

    housekeeping.run(feed.forget_old_deletions, "sweep_row_deletions")


@bp.timer_trigger(schedule=housekeeping.DAILY, arg_name="timer", run_on_startup=False)
def sweep_revision_snapshots(timer: func.TimerRequest) -> None:
    """Daily (shared.housekeeping): write every snapshot still missing, from any instance."""
    from quantities import snapshots

    housekeeping.run(snapshots.store_waiting, "sweep_revision_snapshots")
