"""Keyset pagination: `limit` and an opaque `cursor`, as every list of the API takes.

The cursor holds the sort key of the last item served, so a page is one indexed
query however deep it is, and inserts between pages neither repeat nor skip items.

Cursors are sealed: a MAC binds each to the list that gave it out (its `scope`, e.g.
`members:{project_id}`), so a cursor that was edited, made up or taken from another
list or project is a 400 on `cursor`; nothing a client invents reaches a query or
the storage SDK.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import Field
from sqlalchemy import Select, and_, or_

from shared import crypto
from shared.problems import FieldError, FieldProblem, Problem, validation_error

if TYPE_CHECKING:
    from sqlalchemy.orm import InstrumentedAttribute, Session
from shared.schemas import Schema

Row = TypeVar("Row")
CURSOR_KEY = "cursor"  # the crypto.mac purpose: cursor MACs are good for nothing else


class PageQuery(Schema):
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=2048)


def seal(scope: str, position: Any) -> str:
    """`position` (JSON-ready) as a cursor only the list named `scope` accepts back."""
    payload = base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")
    return f"{payload}.{_tag(scope, payload)}"


def unseal(scope: str, cursor: str) -> Any:
    """The position `seal(scope, …)` put in `cursor`, or a 400 for any other cursor."""
    payload, _, tag = cursor.rpartition(".")
    if not payload or not crypto.same(tag, _tag(scope, payload)):
        raise _unknown_cursor()
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _tag(scope: str, payload: str) -> str:
    return crypto.mac(CURSOR_KEY, f"{scope}\n{payload}")


def _unknown_cursor() -> Problem:
    return validation_error(
        "The cursor is not one this list gave out.",
        [FieldError("cursor", FieldProblem.UNKNOWN, "unknown cursor")],
    )


def page(
    db: Session,
    query: Select[Row],
    created: InstrumentedAttribute[datetime],
    identifier: InstrumentedAttribute[uuid.UUID],
    paging: PageQuery,
    scope: str,
) -> tuple[list[Row], str | None]:
    """One page of `query` ordered by (created, id), and the cursor of the next page.

    The rows are entities with the two columns; the cursor holds the last row's values.
    """
    if paging.cursor:
        after_moment, after_id = _position(unseal(scope, paging.cursor))
        query = query.where(
            or_(created > after_moment, and_(created == after_moment, identifier > after_id))
        )
    rows = list(db.scalars(query.order_by(created, identifier).limit(paging.limit + 1)))
    if len(rows) <= paging.limit:
        return rows, None
    rows = rows[: paging.limit]
    moment, last_id = getattr(rows[-1], created.key), getattr(rows[-1], identifier.key)
    return rows, seal(scope, [moment.isoformat(), str(last_id)])


def _position(sealed: Any) -> tuple[datetime, uuid.UUID]:
    try:
        moment, identifier = sealed
        return datetime.fromisoformat(moment), uuid.UUID(identifier)
    except (TypeError, ValueError):  # sealed by an older version of the list
        raise _unknown_cursor() from None
