"""A revision's rows as a tree in memory (for reading), and the rules a row obeys.

Reading builds the whole tree once (`Tree.build`) and walks it in order, with depths.
Edits never load the tree: quantities.edits changes only the rows an edit touches,
checking each row with `check_content`. No database and no HTTP in this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from quantities.money import amount_of
from shared.problems import FieldProblem

_FIELD_PROBLEMS = {404: FieldProblem.UNKNOWN, 409: FieldProblem.TAKEN, 412: FieldProblem.STALE}


class EditError(Exception):
    """An edit that cannot be made; `status` and `code` say how to answer it."""

    def __init__(
        self,
        message: str,
        field_name: str = "",
        status: int = 400,
        problem: FieldProblem | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field_name = field_name
        self.status = status
        # What the field's entry in the problem's `errors` says, by default from the status.
        self.problem = problem or _FIELD_PROBLEMS.get(status, FieldProblem.INVALID)

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


class Placed(Protocol):
    """A row as far as its place in the tree goes: a Node, or a row read for display."""

    @property
    def id(self) -> Hashable: ...
    @property
    def parent_id(self) -> Hashable | None: ...
    @property
    def position(self) -> int: ...


Row = TypeVar("Row", bound=Placed)


@dataclass
class Tree(Generic[Row]):
    """The rows of one revision; `children[None]` are the top-level rows, in order."""

    nodes: dict[Hashable, Row]
    children: dict[Hashable | None, list[Hashable]] = field(default_factory=dict)

    @classmethod
    def build(cls, nodes: Sequence[Row], *, ordered: bool = False) -> Tree[Row]:
        """The tree of `nodes`; `ordered` when they come sorted by position already."""
        tree = cls({n.id: n for n in nodes})
        for node in nodes if ordered else sorted(nodes, key=sibling_order):
            tree.children.setdefault(node.parent_id, []).append(node.id)
        return tree

    def walk(self) -> Iterator[tuple[Row, int]]:
        """Every row in tree order (depth first), with its depth."""
        stack: list[tuple[Hashable, int]] = [
            (child, 0) for child in reversed(self.children.get(None, []))
        ]
        while stack:
            node_id, depth = stack.pop()
            yield self.nodes[node_id], depth
            stack.extend((child, depth + 1) for child in reversed(self.children.get(node_id, [])))


def sibling_order(node: Placed) -> int:
    """Siblings sort by position, which is distinct among them (quantities.placement)."""
    return node.position


def check_content(node: Node, units: frozenset[str]) -> None:
    """Refuse content the row's kind and entry rule do not allow; `units` are the known codes."""
    if node.kind != "item":
        for name, shown in (
            ("unit", "unit"),
            ("quantity", "quantity"),
            ("unit_price", "unit_price"),
            ("lump_sum", "amount"),
        ):
            if getattr(node, name) is not None:
                raise EditError(
                    f"A {node.kind} carries no {shown}.", shown, problem=FieldProblem.NOT_ALLOWED
                )
        if node.entry_rule != "normal":
            raise EditError(f"A {node.kind} has no entry rule.", "entry_rule")
        return
    if node.unit is not None and node.unit not in units:
        raise EditError(
            f"Unknown unit {node.unit!r}; see GET /api/units.", "unit", problem=FieldProblem.UNKNOWN
        )
    rule = node.entry_rule
    if rule == "lump_sum" and (node.quantity is not None or node.unit_price is not None):
        raise EditError("A lump sum carries an amount only.", "entry_rule")
    if rule != "lump_sum" and node.lump_sum is not None:
        raise EditError(
            "Only lump_sum rows carry an amount.", "amount", problem=FieldProblem.NOT_ALLOWED
        )
    if rule == "rate_only" and node.quantity is not None:
        raise EditError(
            "A rate-only row has a unit price and no quantity.",
            "quantity",
            problem=FieldProblem.NOT_ALLOWED,
        )
    if rule == "included_elsewhere" and node.unit_price is not None:
        raise EditError(
            "A row included elsewhere has no price.", "unit_price", problem=FieldProblem.NOT_ALLOWED
        )
