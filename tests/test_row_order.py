"""Row edits at every place in the tree, checked against a model, on every database.

The services are called directly (as in test_quantities_service). After each edit
the revision is read back whole and compared with a plain Python model of the tree:
the order of rows and their depths must be the model's. Also: inserts between
neighbours write only their own row (except when a parent is re-spaced), and each
edit (and a batch) writes only the rows it changes, with the same number of SQL
statements in a small and a large schedule.
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import quantities.models
from projects.permissions import Permission
from quantities import placement, service
from quantities.models import ScheduleRow
from quantities.schemas import BatchIn, RowCreate, RowPatch, ScheduleCreate
from shared.config import get_settings
from shared.db import Base, build_engine, track_requests
from shared.problems import Problem
from tests.conftest import BACKENDS, forget_database, new_database
from tests.test_quantities_service import M3, Editor, membership_with


@pytest.fixture(params=BACKENDS)
def editor(
    request: pytest.FixtureRequest, app_settings: dict[str, str], tmp_path: Any
) -> Iterator[Editor]:
    url = new_database(request.param, tmp_path)
    engine = build_engine(url, get_settings())
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        db.add(quantities.models.Unit(**M3))
        yield Editor(
            db, membership_with(db, Permission.SCHEDULES_MANAGE, Permission.SCHEDULES_EDIT)
        )
    engine.dispose()
    forget_database(url)


class Model:
    """What the tree must be: each parent's children in order, and which rows are headings."""

    def __init__(self) -> None:
        self.children: dict[str | None, list[str]] = {None: []}
        self.parent: dict[str, str | None] = {}
        self.version: dict[str, int] = {}
        self.touched: set[str] = set()  # in the request under way: versions rise once

    def touch(self, row_id: str) -> None:
        if row_id not in self.touched:
            self.version[row_id] += 1
            self.touched.add(row_id)

    def add(self, row_id: str, heading: bool, parent: str | None, index: int) -> None:
        self.children[parent].insert(index, row_id)
        self.parent[row_id] = parent
        self.version[row_id] = 1
        self.touched.add(row_id)
        if heading:
            self.children[row_id] = []

    def detach(self, row_id: str) -> None:
        self.children[self.parent[row_id]].remove(row_id)

    def remove(self, row_id: str) -> None:
        self.detach(row_id)
        stack = [row_id]
        while stack:
            gone = stack.pop()
            stack.extend(self.children.pop(gone, []))
            del self.parent[gone], self.version[gone]

    def under(self, row_id: str, ancestor: str) -> bool:
        current: str | None = row_id
        while current is not None:
            if current == ancestor:
                return True
            current = self.parent[current]
        return False

    def walk(self) -> list[tuple[str, int]]:
        order: list[tuple[str, int]] = []
        stack = [(child, 0) for child in reversed(self.children[None])]
        while stack:
            row_id, depth = stack.pop()
            order.append((row_id, depth))
            stack.extend((child, depth + 1) for child in reversed(self.children.get(row_id, [])))
        return order

    @property
    def headings(self) -> list[str | None]:
        return list(self.children)


def stored(editor: Editor, schedule_id: uuid.UUID) -> list[tuple[str, int]]:
    tree = service.load_tree(editor.db, service.working_revision(editor.db, schedule_id).id)
    return [(str(node.id), depth) for node, depth in tree.walk()]


def place(
    rng: random.Random, siblings: list[str], parent: str | None
) -> tuple[dict[str, Any], int]:
    """A random placement under `parent` (first, last or after one of `siblings`), and its index."""
    where = rng.choice(["first", "last", "after"] if siblings else ["first", "last"])
    if where == "first":
        return ({"parent_id": parent, "first": True}, 0)
    if where == "last":
        return ({"parent_id": parent}, len(siblings))
    index = rng.randrange(len(siblings))
    after: dict[str, Any] = {"after_id": siblings[index]}
    if rng.random() < 0.5:
        after["parent_id"] = parent  # naming the parent too is allowed when it matches
    return (after, index + 1)


def random_operation(rng: random.Random, model: Model) -> tuple[dict[str, Any], Any]:
    """An operation and the model change it makes (None when the server must refuse it)."""
    rows = list(model.parent)
    choice = rng.random()
    if not rows or choice < 0.45:
        parent = rng.choice(model.headings)
        where, index = place(rng, model.children[parent], parent)
        heading = rng.random() < 0.4
        new_id = str(uuid.uuid4())
        kind = "heading" if heading else "item"
        operation = {"op": "create", "id": new_id, "kind": kind, "title": "r", **where}
        return operation, lambda: model.add(new_id, heading, parent, index)
    row_id = rng.choice(rows)
    version = model.version[row_id]
    if choice < 0.6:
        return (
            {"op": "update", "id": row_id, "version": version, "note": "n"},
            lambda: model.touch(row_id),
        )
    if choice < 0.9:
        parent = rng.choice(model.headings)
        if parent is not None and model.under(parent, row_id):
            return {"op": "move", "id": row_id, "version": version, "parent_id": parent}, None
        where, index = place(rng, [s for s in model.children[parent] if s != row_id], parent)

        def moved() -> None:
            model.detach(row_id)
            model.children[parent].insert(index, row_id)
            model.parent[row_id] = parent
            model.touch(row_id)

        return {"op": "move", "id": row_id, "version": version, **where}, moved
    return {"op": "delete", "id": row_id, "version": version}, lambda: model.remove(row_id)


def attempt(editor: Editor, schedule_id: uuid.UUID, operation: dict[str, Any]) -> int:
    """One operation through its own service (POST, PATCH or DELETE of a row; a move is a
    batch of one), committed, or rolled back on a refusal, as the HTTP wrapper would."""
    db, who = editor.db, editor.who
    fields = {k: v for k, v in operation.items() if k not in {"op", "version"}}
    row_id = uuid.UUID(operation["id"])
    if_match = f'"{operation.get("version")}"'
    try:
        if operation["op"] == "create":
            service.create_row(db, who, schedule_id, RowCreate.model_validate(fields))
        elif operation["op"] == "update":
            patch = RowPatch.model_validate({k: v for k, v in fields.items() if k != "id"})
            service.update_row(db, who, schedule_id, row_id, if_match, patch)
        elif operation["op"] == "delete":
            service.delete_row(db, who, schedule_id, row_id, if_match)
        else:
            service.batch(db, who, schedule_id, BatchIn(operations=[operation]).operations)
    except Problem as problem:
        db.rollback()
        return problem.status
    db.commit()
    return 200


EVERY_PLACE = {
    "first",
    "between",
    "last",
    "into an empty heading",
    "moved up",
    "moved down",
    "moved across levels",
    "cycle refused",
}


def places(operation: dict[str, Any], before: Model, after: Model) -> set[str]:
    """Which of EVERY_PLACE an operation that the model applied exercised."""
    row_id = operation["id"]
    if operation["op"] == "create":
        if "after_id" in operation:
            siblings = before.children[before.parent[operation["after_id"]]]
            return {"last" if siblings[-1] == operation["after_id"] else "between"}
        if not before.children[operation["parent_id"]]:
            return {"into an empty heading"} if operation["parent_id"] else set()
        return {"first" if operation.get("first") else "last"}
    if operation["op"] == "move":
        was = {row: (i, depth) for i, (row, depth) in enumerate(before.walk())}[row_id]
        now = {row: (i, depth) for i, (row, depth) in enumerate(after.walk())}[row_id]
        moved = {"moved up"} if now[0] < was[0] else {"moved down"} if now[0] > was[0] else set()
        return moved | ({"moved across levels"} if now[1] != was[1] else set())
    return set()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_single_edits_everywhere_keep_the_order_of_the_model(editor: Editor, seed: int) -> None:
    rng = random.Random(seed)
    schedule = service.create_schedule(editor.db, editor.who, ScheduleCreate(name="MF"))
    model = Model()
    seen: set[str] = set()
    for _ in range(120):
        model.touched.clear()
        before = copy.deepcopy(model)
        operation, change = random_operation(rng, model)
        status = attempt(editor, schedule.id, operation)
        if change is None:
            assert status == 400, operation  # a cycle
            seen.add("cycle refused")
        else:
            assert status == 200, operation
            change()
            seen |= places(operation, before, model)
        assert stored(editor, schedule.id) == model.walk(), operation
    assert seen == EVERY_PLACE  # each place in the tree was edited, each checked as it went


def test_a_batch_of_mixed_edits_lands_as_the_model_says(editor: Editor) -> None:
    rng = random.Random(7)
    schedule = service.create_schedule(editor.db, editor.who, ScheduleCreate(name="MF"))
    model = Model()
    for _ in range(6):
        model.touched.clear()
        operations: list[dict[str, Any]] = []
        while len(operations) < 60:
            operation, change = random_operation(rng, model)
            if change is not None:  # each operation names the version the ones before left
                operations.append(operation)
                change()
        service.batch(editor.db, editor.who, schedule.id, BatchIn(operations=operations).operations)
        editor.db.commit()
        assert stored(editor, schedule.id) == model.walk()
        assert versions(editor, schedule.id) == model.version


def versions(editor: Editor, schedule_id: uuid.UUID) -> dict[str, int]:
    revision = service.working_revision(editor.db, schedule_id).id
    rows = editor.db.execute(
        select(ScheduleRow.id, ScheduleRow.version).where(ScheduleRow.revision_id == revision)
    )
    return {str(row.id): row.version for row in rows}


def test_a_refused_operation_leaves_the_batch_unwritten(editor: Editor) -> None:
    schedule = service.create_schedule(editor.db, editor.who, ScheduleCreate(name="MF"))
    heading = service.create_row(
        editor.db, editor.who, schedule.id, RowCreate(kind="heading", title="H")
    )
    editor.db.commit()
    before = stored(editor, schedule.id)
    child = str(uuid.uuid4())
    operations = BatchIn(
        operations=[
            {"op": "create", "id": child, "kind": "heading", "title": "c", "parent_id": heading.id},
            {"op": "move", "id": heading.id, "version": 1, "parent_id": child},  # a cycle
        ]
    ).operations
    with pytest.raises(Problem) as refused:
        service.batch(editor.db, editor.who, schedule.id, operations)
    editor.db.rollback()
    assert (refused.value.status, refused.value.body()["operation_index"]) == (400, 1)
    assert stored(editor, schedule.id) == before


def keys(editor: Editor, schedule_id: uuid.UUID) -> dict[uuid.UUID, int]:
    revision = service.working_revision(editor.db, schedule_id).id
    rows = editor.db.execute(
        select(ScheduleRow.id, ScheduleRow.position).where(ScheduleRow.revision_id == revision)
    )
    return {row.id: row.position for row in rows}


def test_inserts_between_neighbours_write_only_their_own_row(editor: Editor) -> None:
    rng = random.Random(11)
    schedule = service.create_schedule(editor.db, editor.who, ScheduleCreate(name="MF"))
    order = [
        service.create_row(editor.db, editor.who, schedule.id, RowCreate(kind="text", title="0")).id
    ]
    respaced = 0
    for n in range(1000):
        before = keys(editor, schedule.id)
        after_id = rng.choice(order)
        row = service.create_row(
            editor.db,
            editor.who,
            schedule.id,
            RowCreate(kind="text", title=str(n), after_id=after_id),
        )
        order.insert(order.index(after_id) + 1, row.id)
        now = keys(editor, schedule.id)
        moved = {i for i in before if before[i] != now[i]}
        if moved:  # a re-spacing: the siblings spaced out again, keeping their order
            others = [now[i] for i in order if i != row.id]
            assert others == placement.spaced(len(others))
            respaced += 1
        assert sorted(now, key=now.__getitem__) == order
    editor.db.commit()
    assert respaced <= 2


def test_a_crowded_spot_is_re_spaced_and_keeps_its_order(editor: Editor) -> None:
    schedule = service.create_schedule(editor.db, editor.who, ScheduleCreate(name="MF"))
    first = service.create_row(
        editor.db, editor.who, schedule.id, RowCreate(kind="text", title="a")
    )
    last = service.create_row(editor.db, editor.who, schedule.id, RowCreate(kind="text", title="z"))
    order = [first.id, last.id]
    respaced = 0
    for n in range(60):  # always straight after the first row: the gap halves each time
        before = keys(editor, schedule.id)
        row = service.create_row(
            editor.db,
            editor.who,
            schedule.id,
            RowCreate(kind="text", title=str(n), after_id=first.id),
        )
        order.insert(1, row.id)
        now = keys(editor, schedule.id)
        respaced += any(before[i] != now[i] for i in before)
        assert sorted(now, key=now.__getitem__) == order
    assert respaced >= 2  # about every 17 rows here
    assert all(abs(key) <= placement.LIMIT for key in keys(editor, schedule.id).values())


def row_states(editor: Editor, schedule_id: uuid.UUID) -> dict[uuid.UUID, tuple[Any, ...]]:
    """Every column of every row of the working revision, by id."""
    revision = service.working_revision(editor.db, schedule_id).id
    table = ScheduleRow.__table__
    rows = editor.db.execute(select(table).where(table.c.revision_id == revision))
    return {row.id: tuple(row) for row in rows}


def rows_written(before: dict[uuid.UUID, tuple[Any, ...]], after: dict[uuid.UUID, Any]) -> int:
    """Rows added, removed or changed in any column (order key and version included)."""
    changed = [i for i in before.keys() & after.keys() if before[i] != after[i]]
    return len(before.keys() ^ after.keys()) + len(changed)


def edit_costs(editor: Editor, size: int) -> list[tuple[int, int]]:
    """(SQL statements, rows written) of a PATCH, an insert, a move and a delete of one row
    among `size`, and of a batch that updates one row, inserts one and deletes one."""
    db, who = editor.db, editor.who
    schedule = service.create_schedule(db, who, ScheduleCreate(name="MF")).id
    heading = str(uuid.uuid4())
    operations = [{"op": "create", "id": heading, "kind": "heading", "title": "H"}] + [
        {"op": "create", "kind": "item", "title": f"r{i}", "parent_id": heading}
        for i in range(size - 1)
    ]
    created = service.batch(db, who, schedule, BatchIn(operations=operations).operations).rows
    middle, first, second = created[size // 2], created[1], created[2]
    db.commit()
    move = {"op": "move", "id": middle.id, "version": 2, "first": True, "parent_id": heading}
    mixed = [
        {"op": "update", "id": first.id, "version": 1, "note": "n"},
        {"op": "create", "kind": "item", "title": "y", "after_id": second.id},
        {"op": "delete", "id": second.id, "version": 1},
    ]
    edits: list[Callable[[], object]] = [
        lambda: service.update_row(db, who, schedule, middle.id, '"1"', RowPatch(title="ny")),
        lambda: service.create_row(
            db, who, schedule, RowCreate(kind="item", title="x", after_id=middle.id)
        ),
        lambda: service.batch(db, who, schedule, BatchIn(operations=[move]).operations),
        lambda: service.delete_row(db, who, schedule, middle.id, '"3"'),
        lambda: service.batch(db, who, schedule, BatchIn(operations=mixed).operations),
    ]
    costs = []
    for edit in edits:
        before = row_states(editor, schedule)
        counted = track_requests()
        edit()
        db.commit()
        statements = counted.statements
        costs.append((statements, rows_written(before, row_states(editor, schedule))))
    return costs


def test_an_edit_costs_as_much_in_a_large_schedule_as_in_a_small_one(editor: Editor) -> None:
    """Each edit writes only the rows it changes (an UPDATE that renumbered the siblings
    would be one statement too), with as many statements among 2,000 rows as among 20."""
    small, large = edit_costs(editor, 20), edit_costs(editor, 2000)
    assert [written for _, written in large] == [1, 1, 1, 1, 3]
    assert large == small
