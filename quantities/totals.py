"""The sammanställning: totals per heading, per cost bearer and in all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from quantities.money import ZERO, add, is_priced
from quantities.tree import Node, Tree


@dataclass(frozen=True)
class Totals:
    total: Decimal
    priced_items: int
    unpriced_items: int
    headings: list[tuple[Node, int, Decimal]]  # heading, depth, total of its whole subtree
    cost_bearers: list[tuple[str | None, Decimal]]


def summarize(tree: Tree[Node]) -> Totals:
    """Sum the amounts of a tree in one walk.

    A row's cost bearer is its own, or else the nearest heading's above it. Items
    included elsewhere count as neither priced nor unpriced; rows without an amount
    add nothing (not priced is never 0).
    """
    total = ZERO
    priced = unpriced = 0
    heading_totals: dict[uuid.UUID, Decimal] = {}
    headings: list[tuple[Node, int]] = []
    bearers: dict[str | None, Decimal] = {}
    open_headings: list[tuple[int, uuid.UUID]] = []  # the headings above the current row
    bearer_at_depth: list[str | None] = []
    for node, depth in tree.walk():
        while open_headings and open_headings[-1][0] >= depth:
            open_headings.pop()
        del bearer_at_depth[depth:]
        bearer = node.cost_bearer or (bearer_at_depth[-1] if bearer_at_depth else None)
        bearer_at_depth.append(bearer)
        if node.kind == "heading":
            heading_totals[node.id] = ZERO
            headings.append((node, depth))
            open_headings.append((depth, node.id))
            continue
        if node.kind != "item":
            continue
        amount = node.amount
        state = is_priced(node.entry_rule, node.unit_price, amount)
        priced += state is True
        unpriced += state is False
        if amount is None:
            continue
        total = add(total, amount)
        bearers[bearer] = add(bearers.get(bearer, ZERO), amount)
        for _, heading_id in open_headings:
            heading_totals[heading_id] = add(heading_totals[heading_id], amount)
    return Totals(
        total=total,
        priced_items=priced,
        unpriced_items=unpriced,
        headings=[(node, depth, heading_totals[node.id]) for node, depth in headings],
        cost_bearers=sorted(bearers.items(), key=lambda item: item[0] or ""),
    )
