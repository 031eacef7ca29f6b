"""A revision's rows as a tree in memory, and the edits one can make to it.

Edits are applied here, all of them, before anything is written: a batch either
applies whole or fails at the first bad operation (its index is reported), and
the database then gets one INSERT, UPDATE and DELETE statement per kind of change.
No database and no HTTP in this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from decimal import Decimal

from quantities.money import amount_of


class EditError(Exception):
    """An edit that cannot be made; `status` and `code` say how to answer it."""

    def __init__(self, message: str, field_name: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field_name = field_name
        self.status = status

    @property
    def code(self) -> str:
        codes = {404: "not_found", 409: "conflict", 412: "precondition_failed"}
        return codes.get(self.status, "validation_error")


def id_taken() -> EditError:
    """A client-chosen row id in use, here or in any other schedule: one answer for both."""
    return EditError("This id is taken: choose another.", "id", status=409)


@dataclass
class Node:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    position: int
    kind: str
    title: str
    stable_key: uuid.UUID
    version: int
    code: str | None = None
    description: str | None = None
    unit: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    lump_sum: Decimal | None = None
    entry_rule: str = "normal"
    regulation: str | None = None
    cost_bearer: str | None = None
    note: str | None = None

    @property
    def amount(self) -> Decimal | None:
        return amount_of(self.kind, self.entry_rule, self.quantity, self.unit_price, self.lump_sum)


NODE_FIELDS = tuple(f.name for f in fields(Node))


@dataclass
class Tree:
    """The rows of one revision; `children[None]` are the top-level rows, in order."""

    nodes: dict[uuid.UUID, Node]
    units: frozenset[str]
    children: dict[uuid.UUID | None, list[uuid.UUID]] = field(default_factory=dict)
    created: set[uuid.UUID] = field(default_factory=set)
    changed: set[uuid.UUID] = field(default_factory=set)  # content or place: version + 1
    deleted: set[uuid.UUID] = field(default_factory=set)
    _original_place: dict[uuid.UUID, tuple[uuid.UUID | None, int]] = field(default_factory=dict)

    @classmethod
    def build(cls, nodes: list[Node], units: frozenset[str]) -> Tree:
        tree = cls({n.id: n for n in nodes}, units)
        for node in sorted(nodes, key=lambda n: n.position):
            tree.children.setdefault(node.parent_id, []).append(node.id)
            tree._original_place[node.id] = (node.parent_id, node.position)
        return tree

    # --- reading ---------------------------------------------------------------

    def walk(self) -> Iterator[tuple[Node, int]]:
        """Every row in tree order (depth first), with its depth."""
        stack: list[tuple[uuid.UUID, int]] = [
            (child, 0) for child in reversed(self.children.get(None, []))
        ]
        while stack:
            node_id, depth = stack.pop()
            yield self.nodes[node_id], depth
            stack.extend((child, depth + 1) for child in reversed(self.children.get(node_id, [])))

    def depth(self, node: Node) -> int:
        """How many headings the row is under."""
        depth = 0
        while node.parent_id is not None:
            node = self.nodes[node.parent_id]
            depth += 1
        return depth

    def get(self, row_id: uuid.UUID, field_name: str = "id") -> Node:
        node = self.nodes.get(row_id)
        if node is None or row_id in self.deleted:
            raise EditError("No such row in this schedule.", field_name, status=404)
        return node

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
        if new_id in self.nodes:
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
        self._set_content(node, content)
        self._check(node)
        self.nodes[node.id] = node
        self.created.add(node.id)
        self._place(node, self._target(parent_id, after_id), after_id, first)
        return node

    def update(self, row_id: uuid.UUID, version: int, content: dict[str, object]) -> Node:
        node = self._current(row_id, version)
        self._set_content(node, content)
        self._check(node)
        self._touch(node)
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
        target_parent = self._target(parent_id, after_id)
        if self._within(target_parent, node.id):
            raise EditError("A row cannot move into itself.", "parent_id")
        self.children[node.parent_id].remove(node.id)
        self._place(node, target_parent, after_id, first)
        self._touch(node)
        return node

    def delete(self, row_id: uuid.UUID, version: int) -> list[uuid.UUID]:
        """Delete the row and everything under it; the ids removed."""
        node = self._current(row_id, version)
        self.children[node.parent_id].remove(node.id)
        removed = []
        stack = [node.id]
        while stack:
            current = stack.pop()
            removed.append(current)
            stack.extend(self.children.pop(current, []))
        self.deleted.update(removed)
        return removed

    # --- what to write ---------------------------------------------------------

    def renumber(self) -> set[uuid.UUID]:
        """Give siblings positions 0..n-1; the rows whose parent or position changed."""
        moved = set()
        for parent_id, siblings in self.children.items():
            for position, node_id in enumerate(siblings):
                node = self.nodes[node_id]
                node.parent_id, node.position = parent_id, position
                if self._original_place.get(node_id) != (parent_id, position):
                    moved.add(node_id)
        return moved - self.created - self.deleted

    # --- rules -----------------------------------------------------------------

    def _current(self, row_id: uuid.UUID, version: int) -> Node:
        node = self.get(row_id)
        if node.version != version:
            raise EditError("The row changed since you read it.", "version", status=412)
        return node

    def _touch(self, node: Node) -> None:
        if node.id not in self.created and node.id not in self.changed:
            node.version += 1
            self.changed.add(node.id)

    def _within(self, candidate: uuid.UUID | None, ancestor: uuid.UUID) -> bool:
        while candidate is not None:
            if candidate == ancestor:
                return True
            candidate = self.nodes[candidate].parent_id
        return False

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
    ) -> None:
        """Insert the row under parent_id (from _target): after after_id, first or last."""
        siblings = self.children.setdefault(parent_id, [])
        if after_id is not None:
            siblings.insert(siblings.index(after_id) + 1, node.id)
        elif first:
            siblings.insert(0, node.id)
        else:
            siblings.append(node.id)
        node.parent_id = parent_id

    @staticmethod
    def _set_content(node: Node, content: dict[str, object]) -> None:
        for name, value in content.items():
            setattr(node, name, value)

    def _check(self, node: Node) -> None:
        if node.kind != "item":
            for name, shown in (
                ("unit", "unit"),
                ("quantity", "quantity"),
                ("unit_price", "unit_price"),
                ("lump_sum", "amount"),
            ):
                if getattr(node, name) is not None:
                    raise EditError(f"A {node.kind} carries no {shown}.", shown)
            if node.entry_rule != "normal":
                raise EditError(f"A {node.kind} has no entry rule.", "entry_rule")
            return
        if node.unit is not None and node.unit not in self.units:
            raise EditError(f"Unknown unit {node.unit!r}; see GET /api/units.", "unit")
        rule = node.entry_rule
        if rule == "lump_sum" and (node.quantity is not None or node.unit_price is not None):
            raise EditError("A lump sum carries an amount only.", "entry_rule")
        if rule != "lump_sum" and node.lump_sum is not None:
            raise EditError("Only lump_sum rows carry an amount.", "amount")
        if rule == "rate_only" and node.quantity is not None:
            raise EditError("A rate-only row has a unit price and no quantity.", "quantity")
        if rule == "included_elsewhere" and node.unit_price is not None:
            raise EditError("A row included elsewhere has no price.", "unit_price")
