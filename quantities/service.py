"""Schedules (mängdförteckningar), their rows and totals: the rules.

Every write to a schedule's rows takes the schedule's row lock first (an UPDATE of
the schedule), then edits only the rows concerned (quantities.edits) and commits:
nothing but database statements while the lock is held. Concurrent writers of one
schedule thus queue up briefly and check versions against what is committed;
readers are never blocked. Reads load a revision's rows whole (quantities.tree).
Each writing transaction also takes the working revision's next change number just
before its first write (quantities.changes), for the change feed (quantities.feed).

Services take the database session, who is calling (the caller's `ProjectAccess`) and
plain values, If-Match included; the routes own everything HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from projects.access import ProjectAccess
from quantities.edits import CHUNK, RowEditor
from quantities.events import ScheduleEvent
from quantities.models import Schedule, ScheduleRevision, ScheduleRow, Unit
from quantities.money import amount_of
from quantities.schemas import (
    BatchOut,
    CostBearerTotal,
    CreateOp,
    DeleteOp,
    HeadingTotal,
    MoveOp,
    RowCreate,
    RowFields,
    RowOut,
    RowPatch,
    ScheduleCreate,
    ScheduleList,
    ScheduleOut,
    SchedulePatch,
    Summary,
    UnitList,
    UnitOut,
    UpdateOp,
)
from quantities.totals import summarize
from quantities.tree import NODE_FIELDS, EditError, Node, Tree, id_taken
from shared import audit, clock
from shared.db import lock_row, uuid_text
from shared.pagination import PageQuery, page
from shared.preconditions import check_if_match, etag
from shared.problems import FieldError, FieldProblem, Problem, not_found

RowOperation = CreateOp | UpdateOp | DeleteOp | MoveOp
AUDITED_IDS = 100  # row ids named in one audit event; the counts are always complete
Result = TypeVar("Result")


def list_units(db: Session) -> UnitList:
    units = db.scalars(select(Unit).order_by(Unit.sort_order))
    return UnitList(items=[UnitOut.model_validate(unit) for unit in units])


# --- schedules ------------------------------------------------------------------


def _schedule_out(schedule: Schedule, working: ScheduleRevision) -> ScheduleOut:
    return ScheduleOut(
        id=schedule.id,
        project_id=schedule.project_id,
        name=schedule.name,
        doc_no=schedule.doc_no,
        standard=schedule.standard,
        currency=schedule.currency,
        version=schedule.version,
        working_revision_id=working.id,
        created_at=schedule.created_at,
    )


def working_revision(db: Session, schedule_id: uuid.UUID) -> ScheduleRevision:
    revision = db.scalar(
        select(ScheduleRevision).where(
            ScheduleRevision.schedule_id == schedule_id, ScheduleRevision.is_working.is_(True)
        )
    )
    if revision is None:
        raise RuntimeError(f"schedule {schedule_id} has no working revision")
    return revision


def find_schedule(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, *, lock: bool = False
) -> Schedule:
    """The schedule, in the caller's project; with `lock`, its row lock taken."""
    if lock:  # writers of one schedule queue here (see the module docstring)
        lock_row(
            db,
            Schedule.version,
            and_(Schedule.id == schedule_id, Schedule.project_id == who.project.id),
        )
    schedule = db.get(Schedule, schedule_id, populate_existing=lock)
    if schedule is None or schedule.project_id != who.project.id or schedule.deleted_at:
        raise not_found("No such schedule.")
    return schedule


def find_working(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, *, lock: bool = False
) -> tuple[Schedule, ScheduleRevision]:
    """`find_schedule` and its working revision, read in one statement."""
    if lock:  # as find_schedule takes it
        lock_row(
            db,
            Schedule.version,
            and_(Schedule.id == schedule_id, Schedule.project_id == who.project.id),
        )
    found = db.execute(
        select(Schedule, ScheduleRevision)
        .outerjoin(
            ScheduleRevision,
            and_(
                ScheduleRevision.schedule_id == Schedule.id, ScheduleRevision.is_working.is_(True)
            ),
        )
        .where(Schedule.id == schedule_id)
        .execution_options(populate_existing=lock)
    ).first()  # as working_revision, the first working revision (there is one)
    if found is None:
        raise not_found("No such schedule.")
    schedule, working = found
    if schedule.project_id != who.project.id or schedule.deleted_at:
        raise not_found("No such schedule.")
    if working is None:
        raise RuntimeError(f"schedule {schedule_id} has no working revision")
    return schedule, working


def list_schedules(db: Session, who: ProjectAccess, paging: PageQuery) -> ScheduleList:
    query = select(Schedule).where(
        Schedule.project_id == who.project.id, Schedule.deleted_at.is_(None)
    )
    schedules, cursor = page(
        db,
        query,
        Schedule.created_at,
        Schedule.id,
        paging,
        scope=f"schedules:{who.project.id}",
    )
    working = {
        r.schedule_id: r
        for r in db.scalars(
            select(ScheduleRevision).where(
                ScheduleRevision.schedule_id.in_([s.id for s in schedules]),
                ScheduleRevision.is_working.is_(True),
            )
        )
    }
    return ScheduleList(
        items=[_schedule_out(s, working[s.id]) for s in schedules], next_cursor=cursor
    )


def create_schedule(db: Session, who: ProjectAccess, values: ScheduleCreate) -> ScheduleOut:
    now = clock.now()
    schedule = Schedule(
        project_id=who.project.id,
        name=values.name,
        doc_no=values.doc_no,
        standard=values.standard,
        currency=values.currency,
        version=1,
        created_at=now,
        created_by=who.caller.user.id,
    )
    db.add(schedule)
    db.flush()
    working = ScheduleRevision(schedule_id=schedule.id, is_working=True, created_at=now)
    db.add(working)
    db.flush()
    record(db, who, ScheduleEvent.SCHEDULE_CREATED, schedule.id, name=values.name)
    return _schedule_out(schedule, working)


def get_schedule(db: Session, who: ProjectAccess, schedule_id: uuid.UUID) -> ScheduleOut:
    return _schedule_out(*find_working(db, who, schedule_id))


def update_schedule(
    db: Session,
    who: ProjectAccess,
    schedule_id: uuid.UUID,
    if_match: str | None,
    changes: SchedulePatch,
) -> ScheduleOut:
    schedule = find_schedule(db, who, schedule_id, lock=True)
    working = working_revision(db, schedule.id)
    check_if_match(if_match, schedule.version, lambda: _schedule_out(schedule, working))
    for name in changes.model_fields_set:
        setattr(schedule, name, getattr(changes, name))
    schedule.version += 1
    changed = ",".join(sorted(changes.model_fields_set))
    record(db, who, ScheduleEvent.SCHEDULE_CHANGED, schedule.id, fields=changed)
    return _schedule_out(schedule, working)


def delete_schedule(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, if_match: str | None
) -> None:
    schedule = find_schedule(db, who, schedule_id, lock=True)
    check_if_match(
        if_match,
        schedule.version,
        lambda: _schedule_out(schedule, working_revision(db, schedule.id)),
    )
    schedule.deleted_at = clock.now()
    schedule.version += 1
    record(db, who, ScheduleEvent.SCHEDULE_DELETED, schedule.id)


def record(
    db: Session, who: ProjectAccess, action: ScheduleEvent, schedule_id: uuid.UUID, **details: Any
) -> None:
    """An event in the project's trail about one of its schedules."""
    audit.record(
        db, audit.project(who.project.id), action, who.actor, target=schedule_id, **details
    )


# --- rows: reading --------------------------------------------------------------


def load_tree(db: Session, revision_id: uuid.UUID) -> Tree[Node]:
    """All rows of a revision in one statement.

    Run on the Core connection (after the flush the ORM would do first): the ORM's
    steps for each of 2,000 result rows took a third of a summary's time."""
    db.flush()
    rows = (
        db.connection()
        .execute(
            select(*(getattr(ScheduleRow, name) for name in NODE_FIELDS)).where(
                ScheduleRow.revision_id == revision_id
            )
        )
        .all()
    )
    return Tree.build([Node(*row) for row in rows])  # columns in NODE_FIELDS order


def display_columns() -> list[Any]:
    """A row's columns in NODE_FIELDS order with its ids as text, made by the database:
    turning 30,000 ids into UUID objects and back into text would take a quarter of a read."""
    as_text = {"id", "parent_id", "stable_key"}
    return [
        uuid_text(getattr(ScheduleRow, name)).label(name)
        if name in as_text
        else getattr(ScheduleRow, name)
        for name in NODE_FIELDS
    ]


def rows_for_display(db: Session, revision_id: uuid.UUID) -> Tree[Any]:
    """All rows of a revision, as display_columns reads them."""
    query = (
        select(*display_columns())
        .where(ScheduleRow.revision_id == revision_id)
        .order_by(ScheduleRow.parent_id, ScheduleRow.position)  # the index's order: no sort
    )
    return Tree.build(db.connection().execute(query).all(), ordered=True)  # Core: no ORM steps


def row_fields(values: Sequence[Any], depth: int | None) -> dict[str, Any]:
    """A row's values in NODE_FIELDS order (a row of rows_for_display, or node_values) as
    JSON-ready values: the one place a row's wire format is made (RowOut; RowState when
    `depth` is None). Unpacked by position, as attribute access on 10,000 result rows
    costs a third of a read."""
    (
        row_id,
        parent_id,
        position,
        kind,
        title,
        stable_key,
        version,
        code,
        description,
        unit,
        quantity,
        unit_price,
        lump_sum,
        entry_rule,
        regulation,
        cost_bearer,
        note,
    ) = values
    amount = amount_of(kind, entry_rule, quantity, unit_price, lump_sum)
    fields = {
        "id": str(row_id),
        "parent_id": None if parent_id is None else str(parent_id),
        "position": position,
        "depth": depth,
        "kind": kind,
        "code": code,
        "title": title,
        "description": description,
        "unit": unit,
        "quantity": None if quantity is None else f"{quantity:.3f}",
        "unit_price": None if unit_price is None else f"{unit_price:.2f}",
        "amount": None if amount is None else f"{amount:.2f}",
        "entry_rule": entry_rule,
        "regulation": regulation,
        "cost_bearer": cost_bearer,
        "note": note,
        "stable_key": str(stable_key),
        "version": version,
    }
    if depth is None:
        del fields["depth"]  # kept in its place otherwise: snapshots hash these bytes
    return fields


def row_out(node: Node, depth: int) -> RowOut:
    return RowOut.model_validate(row_fields([getattr(node, name) for name in NODE_FIELDS], depth))


def find_revision(
    db: Session, schedule: Schedule, revision_id: uuid.UUID | None
) -> ScheduleRevision:
    """The schedule's revision `revision_id` (by default the working one), or 404."""
    if revision_id is None:
        return working_revision(db, schedule.id)
    revision = db.get(ScheduleRevision, revision_id)
    if revision is None or revision.schedule_id != schedule.id:
        raise not_found("No such revision of this schedule.")
    return revision


def revision_of(db: Session, schedule: Schedule, revision_id: uuid.UUID | None) -> uuid.UUID:
    return find_revision(db, schedule, revision_id).id


def _revision(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, revision_id: uuid.UUID | None
) -> tuple[Schedule, ScheduleRevision]:
    """The schedule and the revision asked for (by default the working one)."""
    if revision_id is None:
        return find_working(db, who, schedule_id)
    schedule = find_schedule(db, who, schedule_id)
    return schedule, find_revision(db, schedule, revision_id)


def list_rows(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, revision_id: uuid.UUID | None
) -> str:
    """The rows as a RowList JSON document, with the working revision's change number
    (read before the rows: quantities.changes).

    Written with orjson from row_fields rather than through 10,000 pydantic models or
    json.dumps, which would take a third of the read budget each (bench/bench_schedules.py).
    """
    revision = _revision(db, who, schedule_id, revision_id)[1]
    change_seq = revision.change_seq if revision.is_working else None
    tree = rows_for_display(db, revision.id)
    items = [row_fields(row, depth) for row, depth in tree.walk()]
    return orjson.dumps({"items": items, "next_cursor": None, "change_seq": change_seq}).decode()


def summary(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, revision_id: uuid.UUID | None
) -> Summary:
    schedule, revision = _revision(db, who, schedule_id, revision_id)
    return summary_of(db, schedule, revision.id)


def summary_of(db: Session, schedule: Schedule, revision: uuid.UUID) -> Summary:
    """Totals per heading, per cost bearer and in all of one revision of `schedule`."""
    totals = summarize(load_tree(db, revision))
    return Summary(
        schedule_id=schedule.id,
        revision_id=revision,
        currency=schedule.currency,
        total=totals.total,
        priced_items=totals.priced_items,
        unpriced_items=totals.unpriced_items,
        headings=[
            HeadingTotal(id=node.id, code=node.code, title=node.title, depth=depth, total=total)
            for node, depth, total in totals.headings
        ],
        cost_bearers=[
            CostBearerTotal(cost_bearer=name, total=amount) for name, amount in totals.cost_bearers
        ],
    )


# --- rows: writing --------------------------------------------------------------


def _content(fields: RowFields) -> dict[str, object]:
    """The row fields the client sent, named as the tree names them."""
    sent = fields.model_dump(include=fields.model_fields_set & set(RowFields.model_fields))
    if "amount" in sent:
        sent["lump_sum"] = sent.pop("amount")
    return sent


def edit_problem(error: EditError, operation_index: int | None = None) -> Problem:
    """A refused edit as a problem naming the field the client sent: in a batch,
    `operations.{i}.field` of the operation at `operation_index`."""
    if operation_index is None:
        return Problem(
            error.status,
            error.code,
            error.message,
            errors=[FieldError(error.field_name, error.problem, error.message)],
        )
    return Problem(
        error.status,
        error.code,
        f"Operation {operation_index} failed: {error.message}",
        errors=[
            FieldError(
                f"operations.{operation_index}.{error.field_name}", error.problem, error.message
            )
        ],
        operation_index=operation_index,
    )


def _edit_working(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, *, lock: bool = True
) -> RowEditor:
    """An editor of the schedule's working revision; with `lock`, the schedule's row lock
    taken. Only database statements run from there to the commit: it is held briefly.
    """
    _, working = find_working(db, who, schedule_id, lock=lock)
    return RowEditor(db, working.id, who.caller.user.id)


def _refuse_taken(db: Session, chosen: Mapping[uuid.UUID, int | None]) -> None:
    """409 for the first chosen id that any row has, in this schedule or another: row ids
    are unique across all schedules, and the answer must not tell which. `chosen` maps
    each id to the first batch operation naming it (None for a single row)."""
    ids = list(chosen)
    taken: set[uuid.UUID] = set()
    for start in range(0, len(ids), CHUNK):
        wanted = ids[start : start + CHUNK]
        taken.update(db.scalars(select(ScheduleRow.id).where(ScheduleRow.id.in_(wanted))))
    if taken:
        first = min(taken, key=lambda row_id: chosen[row_id] or 0)  # None: the only one
        raise edit_problem(id_taken(), chosen[first])


def _editing(
    db: Session, chosen: Mapping[uuid.UUID, int | None], edit: Callable[[], Result]
) -> Result:
    """Run `edit` in a savepoint: a chosen id that another schedule's writer took
    meanwhile fails its INSERT, and is answered 409 like any taken id."""
    try:
        with db.begin_nested():
            return edit()
    except IntegrityError:
        _refuse_taken(db, chosen)
        raise


def _refused(db: Session, schedule_id: uuid.UUID, error: EditError, named: object) -> EditError:
    """A row the working revision lacks (`error`, a 404) as 409 when `named` is a row of
    one of this schedule's issued revisions: those are read-only."""
    if error.status != 404 or not isinstance(named, uuid.UUID):
        return error
    issued = db.scalar(
        select(ScheduleRow.id)
        .join(ScheduleRevision, ScheduleRevision.id == ScheduleRow.revision_id)
        .where(
            ScheduleRow.id == named,
            ScheduleRevision.schedule_id == schedule_id,
            ScheduleRevision.is_working.is_(False),
        )
    )
    if issued is None:
        return error
    message = "This row belongs to an issued revision, which cannot change."
    return EditError(message, error.field_name, status=409, problem=FieldProblem.NOT_ALLOWED)


def _row(editor: RowEditor, node: Node) -> RowOut:
    return row_out(node, editor.depth(node))


# --- rows: one at a time --------------------------------------------------------


def create_row(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, values: RowCreate
) -> RowOut:
    editor = _edit_working(db, who, schedule_id)
    chosen = {} if values.id is None else {values.id: None}
    _refuse_taken(db, chosen)

    def create() -> Node:
        node = editor.create(
            values.kind,
            _content(values),
            values.parent_id,
            values.after_id,
            values.first,
            values.id,
        )
        editor.save()
        return node

    try:
        node = _editing(db, chosen, create)
    except EditError as error:
        raise edit_problem(error) from None
    _record_rows(db, who, schedule_id, created=[node.id])
    return _row(editor, node)


def _if_match_row(
    db: Session,
    who: ProjectAccess,
    schedule_id: uuid.UUID,
    row_id: uuid.UUID,
    if_match: str | None,
    *,
    lock: bool = True,
) -> tuple[RowEditor, Node]:
    """The row, with If-Match checked (under the schedule's lock with `lock`)."""
    editor = _edit_working(db, who, schedule_id, lock=lock)
    try:
        node = editor.get_with_ancestors(row_id)
    except EditError as error:
        refused = _refused(db, schedule_id, error, row_id)
        if refused is not error:
            raise edit_problem(refused) from None
        raise not_found("No such row in this schedule.") from None
    check_if_match(if_match, node.version, lambda: _row(editor, node))
    return editor, node


def update_row(
    db: Session,
    who: ProjectAccess,
    schedule_id: uuid.UUID,
    row_id: uuid.UUID,
    if_match: str | None,
    changes: RowPatch,
) -> RowOut:
    """Change one row's content without the schedule's lock: a content edit leaves the
    tree's shape alone, so the version check in SQL is all it needs, and edits of
    different rows of one schedule run side by side. (Issuing a revision must therefore
    copy the working rows into the issued one, never turn the working one into it.)
    They queue only from the change number (quantities.changes), taken just before the
    UPDATE, to the commit."""
    editor, node = _if_match_row(db, who, schedule_id, row_id, if_match, lock=False)
    read_version = node.version
    try:
        editor.update(node.id, node.version, _content(changes))
    except EditError as error:
        if error.status == 412:  # written or deleted by someone else since we read it
            current = _edit_working(db, who, schedule_id, lock=False)
            try:
                now = current.get_with_ancestors(row_id)
            except EditError:
                raise not_found("No such row in this schedule.") from None
            check_if_match(etag(read_version), now.version, lambda: _row(current, now))
        raise edit_problem(error) from None
    _record_rows(db, who, schedule_id, updated=[node.id])
    return _row(editor, node)


def delete_row(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, row_id: uuid.UUID, if_match: str | None
) -> None:
    editor, node = _if_match_row(db, who, schedule_id, row_id, if_match)
    try:
        removed = editor.delete(node.id, node.version)
    except EditError as error:
        raise edit_problem(error) from None
    _record_rows(db, who, schedule_id, deleted=removed)


# --- rows: batches --------------------------------------------------------------


def _apply(editor: RowEditor, operation: RowOperation) -> list[uuid.UUID]:
    if isinstance(operation, CreateOp):
        content = _content(operation)
        return [
            editor.create(
                operation.kind,
                content,
                operation.parent_id,
                operation.after_id,
                operation.first,
                operation.id,
            ).id
        ]
    if isinstance(operation, UpdateOp):
        return [editor.update(operation.id, operation.version, _content(operation)).id]
    if isinstance(operation, MoveOp):
        moved = editor.move(
            operation.id,
            operation.version,
            operation.parent_id,
            operation.after_id,
            operation.first,
        )
        return [moved.id]
    return editor.delete(operation.id, operation.version)


def _chosen_ids(operations: Sequence[RowOperation]) -> dict[uuid.UUID, int | None]:
    """The row ids the client chose for new rows, with the index of the first to name each."""
    chosen: dict[uuid.UUID, int | None] = {}
    for index, operation in enumerate(operations):
        if isinstance(operation, CreateOp) and operation.id is not None:
            chosen.setdefault(operation.id, index)
    return chosen


def batch(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, operations: Sequence[RowOperation]
) -> BatchOut:
    """Apply the operations to the working revision in order, all or nothing."""
    editor = _edit_working(db, who, schedule_id)
    chosen = _chosen_ids(operations)
    _refuse_taken(db, chosen)
    kinds: dict[str, list[uuid.UUID]] = {"create": [], "update": [], "delete": [], "move": []}

    def apply_all() -> None:
        for index, operation in enumerate(operations):
            try:
                kinds[operation.op].extend(_apply(editor, operation))
            except EditError as error:
                named = getattr(operation, error.field_name, None)
                raise edit_problem(_refused(db, schedule_id, error, named), index) from None
        editor.save()

    _editing(db, chosen, apply_all)
    _record_rows(
        db,
        who,
        schedule_id,
        created=kinds["create"],
        updated=kinds["update"],
        deleted=kinds["delete"],
        moved=kinds["move"],
    )
    alive = dict.fromkeys(kinds["create"] + kinds["update"] + kinds["move"])
    return BatchOut(
        created=len(kinds["create"]),
        updated=len(kinds["update"]),
        deleted=len(kinds["delete"]),
        moved=len(kinds["move"]),
        rows=[_row(editor, editor.get(i)) for i in alive if i not in editor.deleted],
    )


def _record_rows(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, **changes: list[uuid.UUID]
) -> None:
    counts = {name: len(ids) for name, ids in changes.items()}
    named = [str(i) for ids in changes.values() for i in ids][:AUDITED_IDS]
    record(db, who, ScheduleEvent.ROWS_CHANGED, schedule_id, row_ids=",".join(named), **counts)
