"""What changed between two revisions of a schedule (an ändrings-PM's content).

Rows are matched by `stable_key`, which issuing keeps. A row is *added* or *removed*
when its key is in only one revision; *moved* when its parent changed, or when it left
the longest run of its siblings that kept their order (so inserting a row moves
nothing, and moving one row marks that row only); *changed* when any content field
differs. Every heading above a difference, in either revision, is marked, so a
reader can unfold the tree down to it.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterable
from decimal import Decimal

from quantities.schemas import (
    ComparedRow,
    Comparison,
    FieldChange,
    HeadingTotalChange,
    RowChange,
    TotalChange,
)
from quantities.totals import summarize
from quantities.tree import Node, Tree

# The fields whose differences a comparison lists, in the order it lists them.
COMPARED_FIELDS = (
    "kind",
    "code",
    "title",
    "description",
    "unit",
    "quantity",
    "unit_price",
    "lump_sum",
    "entry_rule",
    "regulation",
    "cost_bearer",
    "note",
)


def compare(
    schedule_id: uuid.UUID,
    old_revision: uuid.UUID,
    old: Tree[Node],
    new_revision: uuid.UUID,
    new: Tree[Node],
) -> Comparison:
    old_by_key = {n.stable_key: n for n in old.nodes.values()}
    new_by_key = {n.stable_key: n for n in new.nodes.values()}
    old_order = [n for n, _ in old.walk()]
    new_order = [n for n, _ in new.walk()]

    added = [n for n in new_order if n.stable_key not in old_by_key]
    removed = [n for n in old_order if n.stable_key not in new_by_key]
    moved_keys = _moved(old, new, old_by_key, new_by_key)
    moved = [n for n in new_order if n.stable_key in moved_keys]
    changed = []
    for node in new_order:
        before = old_by_key.get(node.stable_key)
        if before is None:
            continue
        fields = [
            FieldChange(field=name, old=_text(getattr(before, name)), new=_text(after))
            for name in COMPARED_FIELDS
            if (after := getattr(node, name)) != getattr(before, name)
        ]
        if fields:
            changed.append(RowChange(**_described(node).model_dump(), changes=fields))

    marked = _headings_above(new, added + moved + [new_by_key[c.stable_key] for c in changed])
    marked |= _headings_above(old, removed + [old_by_key[n.stable_key] for n in moved])
    old_totals, new_totals = summarize(old), summarize(new)
    return Comparison(
        schedule_id=schedule_id,
        from_revision_id=old_revision,
        to_revision_id=new_revision,
        added=[_described(n) for n in added],
        removed=[_described(n) for n in removed],
        moved=[_described(n) for n in moved],
        changed=changed,
        total=_total_change(old_totals.total, new_totals.total),
        top_headings=_top_heading_changes(old_totals.headings, new_totals.headings, marked),
        marked_headings=sorted(marked, key=str),
    )


def _moved(
    old: Tree[Node],
    new: Tree[Node],
    old_by_key: dict[uuid.UUID, Node],
    new_by_key: dict[uuid.UUID, Node],
) -> set[uuid.UUID]:
    def parent_key(tree: Tree[Node], node: Node) -> uuid.UUID | None:
        return None if node.parent_id is None else tree.nodes[node.parent_id].stable_key

    moved = {
        key
        for key, node in new_by_key.items()
        if key in old_by_key and parent_key(new, node) != parent_key(old, old_by_key[key])
    }
    for parent, children in new.children.items():
        kept = [
            new.nodes[c].stable_key
            for c in children
            if new.nodes[c].stable_key in old_by_key and new.nodes[c].stable_key not in moved
        ]
        if len(kept) < 2:
            continue
        old_siblings = old.children.get(
            None if parent is None else old_by_key[new.nodes[parent].stable_key].id, []
        )
        old_index = {old.nodes[c].stable_key: i for i, c in enumerate(old_siblings)}
        in_order = _longest_increasing([old_index[k] for k in kept])
        moved.update(k for i, k in enumerate(kept) if i not in in_order)
    return moved


def _longest_increasing(values: list[int]) -> set[int]:
    """The positions in `values` of one longest strictly increasing subsequence."""
    tails: list[int] = []  # tails[k]: value ending the best run of length k + 1
    tail_at: list[int] = []  # and its position in `values`
    before: list[int] = [-1] * len(values)
    for position, value in enumerate(values):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_at.append(position)
        else:
            tails[k] = value
            tail_at[k] = position
        before[position] = tail_at[k - 1] if k else -1
    chosen: set[int] = set()
    position = tail_at[-1] if tail_at else -1
    while position != -1:
        chosen.add(position)
        position = before[position]
    return chosen


def _headings_above(tree: Tree[Node], nodes: Iterable[Node]) -> set[uuid.UUID]:
    """The stable keys of every heading above `nodes` in `tree`."""
    marked: set[uuid.UUID] = set()
    for node in nodes:
        parent = node.parent_id
        while parent is not None and tree.nodes[parent].stable_key not in marked:
            marked.add(tree.nodes[parent].stable_key)
            parent = tree.nodes[parent].parent_id
    return marked


def _top_heading_changes(
    old: list[tuple[Node, int, Decimal]],
    new: list[tuple[Node, int, Decimal]],
    marked: set[uuid.UUID],
) -> list[HeadingTotalChange]:
    old_top = {n.stable_key: (n, total) for n, depth, total in old if depth == 0}
    new_top = {n.stable_key: (n, total) for n, depth, total in new if depth == 0}
    keys = list(new_top) + [k for k in old_top if k not in new_top]
    changes = []
    for key in keys:
        node, _ = new_top.get(key) or old_top[key]
        old_total = old_top[key][1] if key in old_top else None
        new_total = new_top[key][1] if key in new_top else None
        changes.append(
            HeadingTotalChange(
                stable_key=key,
                code=node.code,
                title=node.title,
                old=old_total,
                new=new_total,
                difference=(new_total or Decimal(0)) - (old_total or Decimal(0)),
                subtree_changed=key in marked,
            )
        )
    return changes


def _total_change(old: Decimal, new: Decimal) -> TotalChange:
    return TotalChange(old=old, new=new, difference=new - old)


def _described(node: Node) -> ComparedRow:
    return ComparedRow(
        id=node.id, stable_key=node.stable_key, kind=node.kind, code=node.code, title=node.title
    )


def _text(value: object) -> str | None:
    """A field's value as the comparison shows it: decimals as their digits, at scale."""
    return None if value is None else str(value)
