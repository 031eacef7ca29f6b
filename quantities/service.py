"""Schedules (mängdförteckningar), their rows and totals: the rules.

Every write to a schedule's rows takes the schedule's row lock first (an UPDATE of
the schedule), then reads the rows, applies the edits in memory (quantities.tree)
and writes the differences. Concurrent writers of one schedule thus queue up and
always check versions against what is committed; readers are never blocked.

Services take the database session, who is calling (the caller's `ProjectAccess`) and
plain values, If-Match included; the routes own everything HTTP.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from projects.access import ProjectAccess
from quantities.models import Schedule, ScheduleRevision, ScheduleRow, Unit
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
from shared.db import lock_row
from shared.pagination import PageQuery, page
from shared.preconditions import check_if_match
from shared.problems import Problem, not_found

RowOperation = CreateOp | UpdateOp | DeleteOp | MoveOp
AUDITED_IDS = 100  # row ids named in one audit event; the counts are always complete
CHUNK = 500  # ids per IN (...): SQL Server takes at most 2100 parameters


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


def _working_revision(db: Session, schedule_id: uuid.UUID) -> ScheduleRevision:
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
    _record(db, who, "schedule_created", schedule.id, name=values.name)
    return _schedule_out(schedule, working)


def get_schedule(db: Session, who: ProjectAccess, schedule_id: uuid.UUID) -> ScheduleOut:
    schedule = find_schedule(db, who, schedule_id)
    return _schedule_out(schedule, _working_revision(db, schedule.id))


def update_schedule(
    db: Session,
    who: ProjectAccess,
    schedule_id: uuid.UUID,
    if_match: str | None,
    changes: SchedulePatch,
) -> ScheduleOut:
    schedule = find_schedule(db, who, schedule_id, lock=True)
    working = _working_revision(db, schedule.id)
    check_if_match(if_match, schedule.version, lambda: _schedule_out(schedule, working))
    for name in changes.model_fields_set:
        setattr(schedule, name, getattr(changes, name))
    schedule.version += 1
    changed = ",".join(sorted(changes.model_fields_set))
    _record(db, who, "schedule_changed", schedule.id, fields=changed)
    return _schedule_out(schedule, working)


def delete_schedule(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, if_match: str | None
) -> None:
    schedule = find_schedule(db, who, schedule_id, lock=True)
    check_if_match(
        if_match,
        schedule.version,
        lambda: _schedule_out(schedule, _working_revision(db, schedule.id)),
    )
    schedule.deleted_at = clock.now()
    schedule.version += 1
    _record(db, who, "schedule_deleted", schedule.id)


def _record(
    db: Session, who: ProjectAccess, action: str, schedule_id: uuid.UUID, **details: Any
) -> None:
    """An event in the project's trail about one of its schedules."""
    audit.record(
        db, audit.project(who.project.id), action, who.actor, target=schedule_id, **details
    )


# --- rows: reading --------------------------------------------------------------


def _units(db: Session) -> frozenset[str]:
    return frozenset(db.scalars(select(Unit.code)))


def load_tree(db: Session, revision_id: uuid.UUID, units: frozenset[str] = frozenset()) -> Tree:
    """All rows of a revision in one statement; `units` (for edits) are the known codes."""
    rows = db.execute(
        select(*(getattr(ScheduleRow, name) for name in NODE_FIELDS)).where(
            ScheduleRow.revision_id == revision_id
        )
    )
    return Tree.build([Node(*row) for row in rows], units)  # columns in NODE_FIELDS order


def row_fields(node: Node, depth: int) -> dict[str, Any]:
    """A row as JSON-ready values: the one place a row's wire format is made."""
    amount = node.amount
    return {
        "id": str(node.id),
        "parent_id": str(node.parent_id) if node.parent_id else None,
        "position": node.position,
        "depth": depth,
        "kind": node.kind,
        "code": node.code,
        "title": node.title,
        "description": node.description,
        "unit": node.unit,
        "quantity": None if node.quantity is None else f"{node.quantity:.3f}",
        "unit_price": None if node.unit_price is None else f"{node.unit_price:.2f}",
        "amount": None if amount is None else f"{amount:.2f}",
        "entry_rule": node.entry_rule,
        "regulation": node.regulation,
        "cost_bearer": node.cost_bearer,
        "note": node.note,
        "stable_key": str(node.stable_key),
        "version": node.version,
    }


def row_out(node: Node, depth: int) -> RowOut:
    return RowOut.model_validate(row_fields(node, depth))


def _revision_of(db: Session, schedule: Schedule, revision_id: uuid.UUID | None) -> uuid.UUID:
    if revision_id is None:
        return _working_revision(db, schedule.id).id
    revision = db.get(ScheduleRevision, revision_id)
    if revision is None or revision.schedule_id != schedule.id:
        raise not_found("No such revision of this schedule.")
    return revision.id


def list_rows(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, revision_id: uuid.UUID | None
) -> str:
    """The rows as a RowList JSON document.

    Written with json.dumps from row_fields rather than through 10,000 pydantic
    models, which would take a third of the read budget (bench/bench_schedules.py).
    """
    schedule = find_schedule(db, who, schedule_id)
    tree = load_tree(db, _revision_of(db, schedule, revision_id))
    items = [row_fields(node, depth) for node, depth in tree.walk()]
    return json.dumps({"items": items, "next_cursor": None}, ensure_ascii=False)


def summary(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, revision_id: uuid.UUID | None
) -> Summary:
    schedule = find_schedule(db, who, schedule_id)
    revision = _revision_of(db, schedule, revision_id)
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
    """A tree's refusal as a problem naming the field the client sent: in a batch,
    `operations.{i}.field` of the operation at `operation_index`."""
    if operation_index is None:
        return Problem(
            error.status,
            error.code,
            error.message,
            errors=[{"field": error.field_name, "message": error.message}],
        )
    return Problem(
        error.status,
        error.code,
        f"Operation {operation_index} failed: {error.message}",
        errors=[
            {"field": f"operations.{operation_index}.{error.field_name}", "message": error.message}
        ],
        operation_index=operation_index,
    )


@dataclass(frozen=True)
class LockedTree:
    """A schedule's working revision and its rows, read after taking the schedule's row lock."""

    revision_id: uuid.UUID
    tree: Tree


def _lock_working_tree(db: Session, who: ProjectAccess, schedule_id: uuid.UUID) -> LockedTree:
    schedule = find_schedule(db, who, schedule_id, lock=True)
    revision = _working_revision(db, schedule.id)
    return LockedTree(revision.id, load_tree(db, revision.id, _units(db)))


def _save(
    db: Session,
    locked: LockedTree,
    chosen: Mapping[uuid.UUID, int | None],
    editor: uuid.UUID,
) -> None:
    """Write the tree's changes, made by `editor`; `chosen` are the client's new row ids
    (see _refuse_taken)."""
    try:
        with db.begin_nested():
            _write(db, locked.revision_id, locked.tree, editor)
    except IntegrityError:
        _refuse_taken(db, chosen)  # another schedule's writer took a chosen id meanwhile
        raise


def _write(db: Session, revision_id: uuid.UUID, tree: Tree, editor: uuid.UUID) -> None:
    """The tree's changes as one INSERT, two UPDATEs and a few DELETE statements.

    The rows created, edited or moved name `editor` as who last edited them; siblings
    that only shifted keep theirs.
    """
    moved = tree.renumber()
    new = [tree.nodes[i] for i in tree.created - tree.deleted]
    if new:
        db.execute(
            insert(ScheduleRow),
            [
                {**_columns(node), "revision_id": revision_id, "last_edited_by": editor}
                for node in new
            ],
        )
    edited = [tree.nodes[i] for i in tree.changed - tree.created - tree.deleted]
    if edited:
        db.execute(
            update(ScheduleRow),
            [{**_columns(node), "last_edited_by": editor} for node in edited],
        )
    shifted = [tree.nodes[i] for i in moved - tree.changed - tree.created - tree.deleted]
    if shifted:
        db.execute(update(ScheduleRow), [_columns(node) for node in shifted])
    gone = sorted(tree.deleted - tree.created)
    for start in range(0, len(gone), CHUNK):
        db.execute(delete(ScheduleRow).where(ScheduleRow.id.in_(gone[start : start + CHUNK])))


def _columns(node: Node) -> dict[str, Any]:
    return {name: getattr(node, name) for name in NODE_FIELDS}


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


def _row(tree: Tree, node: Node) -> RowOut:
    return row_out(node, tree.depth(node))


# --- rows: one at a time --------------------------------------------------------


def create_row(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, values: RowCreate
) -> RowOut:
    locked = _lock_working_tree(db, who, schedule_id)
    chosen = {} if values.id is None else {values.id: None}
    _refuse_taken(db, chosen)
    try:
        node = locked.tree.create(
            values.kind,
            _content(values),
            values.parent_id,
            values.after_id,
            values.first,
            values.id,
        )
    except EditError as error:
        raise edit_problem(error) from None
    _save(db, locked, chosen, who.caller.user.id)
    _record_rows(db, who, schedule_id, created=[node.id])
    return _row(locked.tree, node)


def _if_match_row(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, row_id: uuid.UUID, if_match: str | None
) -> tuple[LockedTree, Node]:
    """The row, with If-Match checked under the schedule's lock."""
    locked = _lock_working_tree(db, who, schedule_id)
    try:
        node = locked.tree.get(row_id)
    except EditError:
        raise not_found("No such row in this schedule.") from None
    check_if_match(if_match, node.version, lambda: _row(locked.tree, node))
    return locked, node


def update_row(
    db: Session,
    who: ProjectAccess,
    schedule_id: uuid.UUID,
    row_id: uuid.UUID,
    if_match: str | None,
    changes: RowPatch,
) -> RowOut:
    locked, node = _if_match_row(db, who, schedule_id, row_id, if_match)
    try:
        locked.tree.update(node.id, node.version, _content(changes))
    except EditError as error:
        raise edit_problem(error) from None
    _save(db, locked, {}, who.caller.user.id)
    _record_rows(db, who, schedule_id, updated=[node.id])
    return _row(locked.tree, node)


def delete_row(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, row_id: uuid.UUID, if_match: str | None
) -> None:
    locked, node = _if_match_row(db, who, schedule_id, row_id, if_match)
    removed = locked.tree.delete(node.id, node.version)  # found and current: cannot refuse
    _save(db, locked, {}, who.caller.user.id)
    _record_rows(db, who, schedule_id, deleted=removed)


# --- rows: batches --------------------------------------------------------------


def _apply(tree: Tree, operation: RowOperation) -> list[uuid.UUID]:
    if isinstance(operation, CreateOp):
        content = _content(operation)
        return [
            tree.create(
                operation.kind,
                content,
                operation.parent_id,
                operation.after_id,
                operation.first,
                operation.id,
            ).id
        ]
    if isinstance(operation, UpdateOp):
        return [tree.update(operation.id, operation.version, _content(operation)).id]
    if isinstance(operation, MoveOp):
        moved = tree.move(
            operation.id,
            operation.version,
            operation.parent_id,
            operation.after_id,
            operation.first,
        )
        return [moved.id]
    return tree.delete(operation.id, operation.version)


def _chosen_ids(operations: Sequence[RowOperation]) -> dict[uuid.UUID, int | None]:
    """The row ids the client chose for new rows, with the index of the first to name each."""
    chosen: dict[uuid.UUID, int | None] = {}
    for index, operation in enumerate(operations):
        if isinstance(operation, CreateOp) and operation.id is not None:
            chosen.setdefault(operation.id, index)
    return chosen


def _placed(tree: Tree, row_ids: Iterable[uuid.UUID]) -> list[RowOut]:
    wanted = set(row_ids)
    return [row_out(node, depth) for node, depth in tree.walk() if node.id in wanted]


def batch(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, operations: Sequence[RowOperation]
) -> BatchOut:
    """Apply the operations to the working revision, all or nothing."""
    locked = _lock_working_tree(db, who, schedule_id)
    chosen = _chosen_ids(operations)
    _refuse_taken(db, chosen)
    kinds: dict[str, list[uuid.UUID]] = {"create": [], "update": [], "delete": [], "move": []}
    for index, operation in enumerate(operations):
        try:
            kinds[operation.op].extend(_apply(locked.tree, operation))
        except EditError as error:
            raise edit_problem(error, index) from None
    _save(db, locked, chosen, who.caller.user.id)
    _record_rows(
        db,
        who,
        schedule_id,
        created=kinds["create"],
        updated=kinds["update"],
        deleted=kinds["delete"],
        moved=kinds["move"],
    )
    alive = set(kinds["create"] + kinds["update"] + kinds["move"]) - locked.tree.deleted
    return BatchOut(
        created=len(kinds["create"]),
        updated=len(kinds["update"]),
        deleted=len(kinds["delete"]),
        moved=len(kinds["move"]),
        rows=_placed(locked.tree, alive),
    )


def _record_rows(
    db: Session, who: ProjectAccess, schedule_id: uuid.UUID, **changes: list[uuid.UUID]
) -> None:
    counts = {name: len(ids) for name, ids in changes.items()}
    named = [str(i) for ids in changes.values() for i in ids][:AUDITED_IDS]
    _record(db, who, "rows_changed", schedule_id, row_ids=",".join(named), **counts)
