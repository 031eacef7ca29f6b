"""Sibling order keys: integers with room between neighbours.

A row's `position` orders it among its siblings (ascending; the row id breaks no
tie, as positions under one parent are distinct). A new row gets a key between its
neighbours', so an insert writes only its own row. When two neighbours leave no room
(after about 16 inserts at one spot), their siblings are re-spaced in one bulk
update: rarely, and never more than one parent's children.

Keys stay within ±2**53, so a browser holds them exactly as JavaScript numbers.
"""

from __future__ import annotations

SPACING = 2**32  # between siblings after re-spacing, and after the last one
NEARBY = 2**16  # at most this far after a row: room for many more rows after the new one
LIMIT = 2**53 - 1


def between(low: int, high: int) -> int | None:
    """A key after `low` and before `high`, or None when there is no room."""
    if high - low < 2:
        return None
    return low + min((high - low) // 2, NEARBY)


def after(last: int | None) -> int | None:
    """A key after the last sibling (the first key of an empty parent), None past the limit."""
    if last is None:
        return 0
    return last + SPACING if last + SPACING <= LIMIT else None


def before(first: int | None) -> int | None:
    """A key before the first sibling, None past the limit."""
    if first is None:
        return 0
    return first - SPACING if first - SPACING >= -LIMIT else None


def spaced(count: int) -> list[int]:
    """Keys for `count` siblings in their order, re-spaced."""
    return [index * SPACING for index in range(count)]
