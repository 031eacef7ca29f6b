"""Edits of a working revision's rows, each touching only the rows it changes.

An edit reads the rows it needs (the row, its parent, the neighbour it goes beside
and, for a move, the ancestors of where it goes, to refuse a cycle) and writes only
the row itself, plus its subtree for a delete. Versions are checked in SQL
(`UPDATE … WHERE id = :id AND version = :v`). Order keys come from
quantities.placement; depth and totals are computed on read.

The caller holds the schedule's row lock (quantities.service): edits of one schedule
run one at a time, so what this editor reads stays true until the commit, and it
may remember what it learnt (a parent's last child, a row's next sibling) for the
next operation of a batch. New rows are inserted together, just before the next
statement that reads rows, so a pasted block of rows is one INSERT.

Every row written carries the transaction's change number (quantities.changes), taken
at the editor's first write; a delete remembers the ids it removed under that number.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from quantities import changes, placement
from quantities.models import ScheduleRow, Unit
from quantities.tree import NODE_FIELDS, EditError, Node, check_content, id_taken

CHUNK = 500  # ids per IN (...): SQL Server takes at most 2100 parameters
_COLUMNS = tuple(getattr(ScheduleRow, name) for name in NODE_FIELDS)


@functools.cache
def _row_and_ancestors() -> Select[Any]:
    """A row of a revision (`:row_id`, `:revision_id`) and the headings above it.

    Built once per process (the statement, not its answer): putting the recursive CTE
    together took longer than running it."""
    chain = (
        select(*_COLUMNS)
        .where(
            ScheduleRow.id == bindparam("row_id"),
            ScheduleRow.revision_id == bindparam("revision_id"),
        )
        .cte("row_and_ancestors", recursive=True)
    )
    chain = chain.union_all(select(*_COLUMNS).join(chain, ScheduleRow.id == chain.c.parent_id))
    return select(*chain.c)


@dataclass(frozen=True)
class Sibling:
    id: uuid.UUID
    position: int


class RowEditor:
    """The rows of one working revision, edited in SQL in the caller's transaction.

    A batch applies its operations in order through one editor. A refused operation
    raises EditError, and the request's transaction rolls back what earlier
    operations wrote. A row created or changed here has its version raised once, however
    many operations of the batch touch it.
    """

    def __init__(self, db: Session, revision_id: uuid.UUID, editor_id: uuid.UUID) -> None:
        self._db = db
        self._revision_id = revision_id
        self._editor_id = editor_id  # each row written names them as its last editor
        self._nodes: dict[uuid.UUID, Node] = {}  # rows read or created by this editor
        self._touched: set[uuid.UUID] = set()  # created or changed here: version raised once
        self._unsaved: dict[uuid.UUID, Node] = {}  # created, not inserted yet
        self._units: frozenset[str] | None = None
        # Units of rows read from the database: their foreign key vouches for each (units
        # are read-only to the app), so an edit keeping its row's unit reads no units.
        self._stored_units: set[str] = set()
        # What this editor knows of the order (true under the schedule lock), so that a
        # pasted block asks no questions: a row's next sibling, a parent's last child.
        self._next: dict[uuid.UUID, int | None] = {}
        self._last: dict[uuid.UUID | None, Sibling | None] = {}
        self._depths: dict[uuid.UUID, int] = {}
        self.deleted: set[uuid.UUID] = set()
        self._change: int | None = None  # this transaction's change number, once taken

    # --- reading ---------------------------------------------------------------

    def get(self, row_id: uuid.UUID, field_name: str = "id") -> Node:
        """The row, or 404 naming `field_name`."""
        node = self._nodes.get(row_id)
        if node is None and row_id not in self.deleted:
            node = self._load(row_id)
        if node is None:
            raise EditError("No such row in this schedule.", field_name, status=404)
        return node

    def get_with_ancestors(self, row_id: uuid.UUID) -> Node:
        """As `get`, reading the headings above the row in the same statement, so that
        its `depth` asks nothing more (one round trip for a single-row edit)."""
        if row_id in self._nodes or row_id in self.deleted:
            return self.get(row_id)
        self.save()
        found = self._db.execute(
            _row_and_ancestors(), {"row_id": row_id, "revision_id": self._revision_id}
        )
        for row in found:
            self._keep(Node(*row))  # columns in NODE_FIELDS order
        return self.get(row_id)

    def depth(self, node: Node) -> int:
        """How many headings the row is under."""
        chain: list[Node] = []
        current = node
        while current.id not in self._depths and current.parent_id is not None:
            chain.append(current)
            current = self.get(current.parent_id)
        depth = self._depths.get(current.id, 0)
        self._depths[current.id] = depth
        for each in reversed(chain):
            depth += 1
            self._depths[each.id] = depth
        return self._depths[node.id]

    # --- editing ---------------------------------------------------------------

    def create(
        self,
        kind: str,
        content: dict[str, object],
        parent_id: uuid.UUID | None,
        after_id: uuid.UUID | None,
        first: bool,
        row_id: uuid.UUID | None = None,
    ) -> Node:
        new_id = row_id or uuid.uuid4()
        if new_id in self._nodes or new_id in self.deleted:
            raise id_taken()
        node = Node(
            id=new_id,
            parent_id=None,
            position=0,
            kind=kind,
            title="",
            stable_key=uuid.uuid4(),
            version=1,
        )
        _set_content(node, content)
        self._check(node)
        self._place(node, self._target(parent_id, after_id), after_id, first)
        self._nodes[node.id] = node
        self._touched.add(node.id)
        self._unsaved[node.id] = node
        if kind == "heading":
            self._last[node.id] = None  # new: no children yet
        return node

    def update(self, row_id: uuid.UUID, version: int, content: dict[str, object]) -> Node:
        node = self._current(row_id, version)
        _set_content(node, content)
        self._check(node)
        self._write(node, content)
        return node

    def move(
        self,
        row_id: uuid.UUID,
        version: int,
        parent_id: uuid.UUID | None,
        after_id: uuid.UUID | None,
        first: bool,
    ) -> Node:
        node = self._current(row_id, version)
        if after_id == node.id:
            raise EditError("A row cannot move into itself.", "after_id")
        self._forget_order()
        target = self._target(parent_id, after_id)
        if target is not None and node.id in self._ancestors(target):
            raise EditError("A row cannot move into itself.", "parent_id")
        self._place(node, target, after_id, first, moving=node.id)
        self._depths.clear()  # the subtree's depths may have changed
        self._write(node, {"parent_id": node.parent_id, "position": node.position})
        return node

    def delete(self, row_id: uuid.UUID, version: int) -> list[uuid.UUID]:
        """Delete the row and everything under it; the ids removed, the row's first."""
        node = self._current(row_id, version)
        self._forget_order()
        removed = [node.id, *self._descendants(node.id)]
        number = self._change_number()
        deleting = (
            delete(ScheduleRow)
            .where(
                ScheduleRow.id == node.id,
                ScheduleRow.revision_id == self._revision_id,
                ScheduleRow.version == node.version,
            )
            .execution_options(synchronize_session=False)
        )
        if self._db.execute(deleting).rowcount != 1:  # type: ignore[attr-defined]
            raise _changed()
        rest = removed[1:]
        for start in range(0, len(rest), CHUNK):
            self._db.execute(
                delete(ScheduleRow)
                .where(ScheduleRow.id.in_(rest[start : start + CHUNK]))
                .execution_options(synchronize_session=False)
            )
        changes.record_deleted(self._db, self._revision_id, number, removed)
        for gone in removed:
            self._nodes.pop(gone, None)
        self.deleted.update(removed)
        return removed

    def save(self) -> None:
        """Insert the rows created since the last statement that read rows."""
        if self._unsaved:
            number = self._change_number()
            rows = [
                {
                    **_columns(n),
                    "revision_id": self._revision_id,
                    "last_edited_by": self._editor_id,
                    "changed_seq": number,
                }
                for n in self._unsaved.values()
            ]
            self._unsaved = {}
            self._db.execute(insert(ScheduleRow), rows)

    # --- order -----------------------------------------------------------------

    def _target(self, parent_id: uuid.UUID | None, after_id: uuid.UUID | None) -> uuid.UUID | None:
        """The parent a row placed by (parent_id, after_id) goes under, checked to exist."""
        if after_id is not None:
            after = self.get(after_id, "after_id")
            if parent_id is not None and parent_id != after.parent_id:
                raise EditError("after_id is not a child of parent_id.", "after_id")
            parent_id = after.parent_id
        if parent_id is not None and self.get(parent_id, "parent_id").kind != "heading":
            raise EditError("Rows go under headings only.", "parent_id")
        return parent_id

    def _place(
        self,
        node: Node,
        parent_id: uuid.UUID | None,
        after_id: uuid.UUID | None,
        first: bool,
        moving: uuid.UUID | None = None,
    ) -> None:
        """Give the row a key under parent_id: after after_id, first or last.

        `moving` is the row being moved, which the siblings looked at must not include.
        """
        if after_id is not None:
            after = self.get(after_id)
            following = (
                self._next[after.id]
                if after.id in self._next
                else self._next_position(parent_id, after.position, moving)
            )
            key = (
                placement.after(after.position)
                if following is None
                else placement.between(after.position, following)
            )
            if key is not None:
                self._next[after.id] = key
                self._next[node.id] = following
                if following is None:
                    self._last[parent_id] = Sibling(node.id, key)
        elif first:
            head = self._end(parent_id, moving, last=False)
            key = placement.before(None if head is None else head.position)
            if key is not None:
                self._next[node.id] = None if head is None else head.position
                if head is None:
                    self._last[parent_id] = Sibling(node.id, key)
        else:
            tail = (
                self._last[parent_id]
                if parent_id in self._last
                else self._end(parent_id, moving, last=True)
            )
            key = placement.after(None if tail is None else tail.position)
            if key is not None:
                if tail is not None:
                    self._next[tail.id] = key
                self._next[node.id] = None
                self._last[parent_id] = Sibling(node.id, key)
        if key is None:  # no room: re-space the siblings, then there is
            self._respace(parent_id, moving)
            self._place(node, parent_id, after_id, first, moving)
            return
        node.parent_id, node.position = parent_id, key

    def _siblings(
        self, parent_id: uuid.UUID | None, moving: uuid.UUID | None
    ) -> Select[uuid.UUID, int]:
        self.save()
        query = select(ScheduleRow.id, ScheduleRow.position).where(
            ScheduleRow.revision_id == self._revision_id,
            ScheduleRow.parent_id.is_(None)
            if parent_id is None
            else ScheduleRow.parent_id == parent_id,
        )
        return query if moving is None else query.where(ScheduleRow.id != moving)

    def _next_position(
        self, parent_id: uuid.UUID | None, position: int, moving: uuid.UUID | None
    ) -> int | None:
        query = self._siblings(parent_id, moving).where(ScheduleRow.position > position)
        found = self._db.execute(query.order_by(ScheduleRow.position).limit(1)).first()
        return None if found is None else int(found.position)

    def _end(
        self, parent_id: uuid.UUID | None, moving: uuid.UUID | None, *, last: bool
    ) -> Sibling | None:
        """The first or last child of parent_id."""
        order = ScheduleRow.position.desc() if last else ScheduleRow.position
        found = self._db.execute(self._siblings(parent_id, moving).order_by(order).limit(1)).first()
        return None if found is None else Sibling(found.id, int(found.position))

    def _respace(self, parent_id: uuid.UUID | None, moving: uuid.UUID | None) -> None:
        """Spread parent_id's children out again, keeping their order: one bulk update."""
        siblings = self._db.execute(
            self._siblings(parent_id, moving).order_by(ScheduleRow.position, ScheduleRow.id)
        ).all()
        keys = placement.spaced(len(siblings))
        number = self._change_number()
        self._db.execute(
            update(ScheduleRow),
            [
                {"id": row.id, "position": key, "changed_seq": number}
                for row, key in zip(siblings, keys, strict=True)
            ],
        )
        for row, key in zip(siblings, keys, strict=True):
            if row.id in self._nodes:
                self._nodes[row.id].position = key
        self._forget_order()

    def _forget_order(self) -> None:
        """Before a move or delete: what this editor knew of the order may no longer hold."""
        self.save()
        self._next.clear()
        self._last.clear()

    # --- reading rows ----------------------------------------------------------

    def _load(self, row_id: uuid.UUID) -> Node | None:
        self.save()
        found = self._db.execute(
            select(*_COLUMNS).where(
                ScheduleRow.id == row_id, ScheduleRow.revision_id == self._revision_id
            )
        ).first()
        if found is None:
            return None
        return self._keep(Node(*found))  # columns in NODE_FIELDS order

    def _keep(self, node: Node) -> Node:
        """A row read from the database, known to this editor from now on."""
        self._nodes.setdefault(node.id, node)
        if node.unit is not None:
            self._stored_units.add(node.unit)
        return self._nodes[node.id]

    def _ancestors(self, row_id: uuid.UUID) -> list[uuid.UUID]:
        """The row and the headings above it, nearest first, in one statement."""
        self.save()
        chain = (
            select(ScheduleRow.id, ScheduleRow.parent_id)
            .where(ScheduleRow.id == row_id, ScheduleRow.revision_id == self._revision_id)
            .cte("ancestors", recursive=True)
        )
        chain = chain.union_all(
            select(ScheduleRow.id, ScheduleRow.parent_id).join(
                chain, ScheduleRow.id == chain.c.parent_id
            )
        )
        return list(self._db.scalars(select(chain.c.id)))

    def _descendants(self, row_id: uuid.UUID) -> list[uuid.UUID]:
        """Everything under the row, in one statement."""
        below = (
            select(ScheduleRow.id)
            .where(ScheduleRow.parent_id == row_id, ScheduleRow.revision_id == self._revision_id)
            .cte("descendants", recursive=True)
        )
        below = below.union_all(
            select(ScheduleRow.id).where(
                ScheduleRow.parent_id == below.c.id, ScheduleRow.revision_id == self._revision_id
            )
        )
        return list(self._db.scalars(select(below.c.id)))

    # --- rules and writes ------------------------------------------------------

    def _change_number(self) -> int:
        """This transaction's change number, taken at its first write (quantities.changes:
        the revision row's lock it takes is held until the commit)."""
        if self._change is None:
            self._change = changes.bump(self._db, self._revision_id)
        return self._change

    def _current(self, row_id: uuid.UUID, version: int) -> Node:
        node = self.get(row_id)
        if node.version != version:
            raise _changed()
        return node

    def _check(self, node: Node) -> None:
        if node.kind != "item" or node.unit is None:
            check_content(node, frozenset())
        elif self._units is None and node.unit in self._stored_units:
            check_content(node, frozenset(self._stored_units))
        else:
            if self._units is None:
                self._units = frozenset(self._db.scalars(select(Unit.code)))
            check_content(node, self._units)

    def _write(self, node: Node, fields: dict[str, object]) -> None:
        """Write the changed fields of an existing row, its version checked in SQL."""
        if node.id in self._unsaved:
            return  # its INSERT carries the change
        version = node.version if node.id in self._touched else node.version + 1
        self.save()
        number = self._change_number()
        written = self._db.execute(
            update(ScheduleRow)
            .where(
                ScheduleRow.id == node.id,
                ScheduleRow.revision_id == self._revision_id,
                ScheduleRow.version == node.version,
            )
            .values(
                {
                    **fields,
                    "version": version,
                    "last_edited_by": self._editor_id,
                    "changed_seq": number,
                }
            )
            .execution_options(synchronize_session=False)
        )
        if written.rowcount != 1:  # type: ignore[attr-defined]
            raise _changed()
        node.version = version
        self._touched.add(node.id)


def _changed() -> EditError:
    return EditError("The row changed since you read it.", "version", status=412)


def _set_content(node: Node, content: dict[str, object]) -> None:
    for name, value in content.items():
        setattr(node, name, value)


def _columns(node: Node) -> dict[str, Any]:
    return {name: getattr(node, name) for name in NODE_FIELDS}
