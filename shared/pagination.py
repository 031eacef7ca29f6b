"""Keyset pagination: `limit` and an opaque `cursor`, as every list of the API takes.

The cursor holds the sort key of the last item served, so a page is one indexed
query however deep it is, and inserts between pages neither repeat nor skip items.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from shared.problems import validation_error

Row = TypeVar("Row")


class PageQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=2048)


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        moment, identifier = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(moment), uuid.UUID(identifier)
    except (ValueError, TypeError):
        raise validation_error(
            "The cursor is not one this API gave out.",
            [{"field": "cursor", "message": "unknown cursor"}],
        ) from None


def page(
    db: Session,
    query: Select[Row],
    created: InstrumentedAttribute[datetime],
    identifier: InstrumentedAttribute[uuid.UUID],
    paging: PageQuery,
    key: Callable[[Row], tuple[datetime, uuid.UUID]],
) -> tuple[list[Row], str | None]:
    """One page of `query` ordered by (created, id), and the cursor of the next page."""
    if paging.cursor:
        after_moment, after_id = _decode_cursor(paging.cursor)
        query = query.where(
            or_(created > after_moment, and_(created == after_moment, identifier > after_id))
        )
    rows = list(db.scalars(query.order_by(created, identifier).limit(paging.limit + 1)))
    if len(rows) <= paging.limit:
        return rows, None
    rows = rows[: paging.limit]
    return rows, encode_cursor(key(rows[-1]))
