"""The audit trail: append-only events in the Table storage table `auditevents`.

PartitionKey names whose trail it is, built by `user(id)`, `project(id)` or `org(id)`;
RowKey is an inverted UTC timestamp plus a random id, so a partition reads newest
first. Never put a password, code or token in `details`.

An event is written when the handler records it, before the request's transaction
commits: if the write fails, the request fails and rolls back, so no change is ever
made without its event. The price is the rare opposite: a commit that fails after
the write leaves an event for a change that did not happen (the trail may say too
much, never too little). Writing after the commit instead could lose events.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared import clock, storage
from shared.client import Client
from shared.config import get_settings
from shared.pagination import seal, unseal

_MAX_TICKS = 10**19  # inverted microseconds since the epoch keep RowKeys sortable


def user(user_id: uuid.UUID) -> str:
    """The trail of one account's sign-ins and security changes."""
    return f"user:{user_id}"


def project(project_id: uuid.UUID) -> str:
    return f"project:{project_id}"


def org(org_id: uuid.UUID) -> str:
    return f"org:{org_id}"


@dataclass(frozen=True)
class Actor:
    """Who did it: the account (None for an anonymous request) and where from."""

    user_id: uuid.UUID | None
    client: Client


@dataclass(frozen=True)
class AuditEvent:
    id: str
    action: str
    at: datetime
    actor_id: str | None
    target: str | None
    ip: str | None
    details: dict[str, Any]


def record(trail: str, action: str, who: Actor, *, target: object = None, **details: Any) -> None:
    """Append one event to `trail` (see `user`, `project`, `org`)."""
    at = clock.now()
    ticks = int(at.timestamp() * 1_000_000)
    event_id = uuid.uuid4().hex
    _table().create_entity(
        {
            "PartitionKey": trail,
            "RowKey": f"{_MAX_TICKS - ticks:020d}-{event_id}",
            "action": action,
            "at": at.isoformat(),
            "actor_id": str(who.user_id) if who.user_id is not None else "",
            "target": str(target) if target is not None else "",
            "ip": who.client.ip or "",
            "details": json.dumps(details, default=str, ensure_ascii=False),
        }
    )


def read(partition: str, limit: int, cursor: str | None) -> tuple[list[AuditEvent], str | None]:
    """One page of a partition's events, newest first, and the cursor of the next page.

    The cursor seals the SDK's continuation token to the partition (shared.pagination):
    the SDK only ever gets back a token it gave out for this partition.
    """
    scope = f"audit:{partition}"
    continuation = unseal(scope, cursor) if cursor else None
    pages = (
        _table()
        .query_entities(
            "PartitionKey eq @partition",
            parameters={"partition": partition},
            results_per_page=limit,
        )
        .by_page(continuation_token=continuation)
    )
    entities = list(next(pages, []))
    token = pages.continuation_token
    return [_event(entity) for entity in entities], seal(scope, token) if token else None


def _event(entity: Any) -> AuditEvent:
    return AuditEvent(
        id=entity["RowKey"].rsplit("-", 1)[-1],
        action=entity["action"],
        at=datetime.fromisoformat(entity["at"]),
        actor_id=entity["actor_id"] or None,
        target=entity["target"] or None,
        ip=entity["ip"] or None,
        details=json.loads(entity["details"] or "{}"),
    )


def _table() -> Any:
    return storage.table_service().get_table_client(get_settings().audit_table)
