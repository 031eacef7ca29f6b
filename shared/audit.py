"""The audit trail: append-only events, kept in Table storage (`auditevents`).

PartitionKey names whose trail it is, built by `user(id)`, `project(id)` or `org(id)`;
RowKey is an inverted UTC timestamp plus the event's id, so a partition reads newest
first. Never put a password, code or token in `details`.

Events go through a transactional outbox: `record` adds the event to the SQL table
`audit_outbox` in the same transaction as the change it describes, so a rolled-back
change leaves no event and a committed one always has its event. After the commit
the request hands its events to the instance's forwarder thread, which writes them
to Table storage in batches (`forward_recorded`); the timers forward whatever is left
behind (Table storage down, an instance gone). Forwarding is idempotent: the RowKey is
fixed when the event is recorded, so forwarding twice writes one entity. The read
endpoints read Table storage, after waiting for their own instance's forwarder: an
event shows there a moment after its request answers, or once a timer forwarded it
after Table storage is back.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, Unicode, UnicodeText, Uuid, delete, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared import clock, storage
from shared.client import Client
from shared.config import get_settings
from shared.db import Base, UtcDateTime, new_session
from shared.pagination import seal, unseal

log = logging.getLogger("casai.audit")

_MAX_TICKS = 10**19  # inverted microseconds since the epoch keep RowKeys sortable
_RECORDED = "casai_audit_recorded"  # Session.info key: ids of the events this session added
_left_behind = threading.Event()  # see left_behind_here
FORWARD_BATCH = 200
TABLE_TRANSACTION_MAX = 100  # events per round of the timer; SQL Server takes 2100 parameters


def user(user_id: uuid.UUID) -> str:
    """The trail of one account's sign-ins and security changes."""
    return f"user:{user_id}"


def project(project_id: uuid.UUID) -> str:
    return f"project:{project_id}"


def org(org_id: uuid.UUID) -> str:
    return f"org:{org_id}"


def platform() -> str:
    """The trail of platform administrators' actions (admin/)."""
    return "platform"


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


class OutboxEvent(Base):
    """An event recorded with its change and not yet forwarded to Table storage."""

    __tablename__ = "audit_outbox"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    partition_key: Mapped[str] = mapped_column(Unicode(100))
    row_key: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_id: Mapped[str] = mapped_column(String(36))
    target: Mapped[str] = mapped_column(Unicode(100))
    ip: Mapped[str] = mapped_column(String(45))
    details: Mapped[str] = mapped_column(UnicodeText)


def record(
    db: Session, trail: str, action: StrEnum, who: Actor, *, target: object = None, **details: Any
) -> None:
    """Append one event to `trail` (see `user`, `project`, `org`) when `db` commits.

    `action` is a member of an area's event enum (AccountEvent, ProjectEvent,
    ScheduleEvent, …): every kind of event is named once.
    """
    at = clock.now()
    ticks = int(at.timestamp() * 1_000_000)
    event_id = uuid.uuid4()
    event = OutboxEvent(
        id=event_id,
        partition_key=trail,
        row_key=f"{_MAX_TICKS - ticks:020d}-{event_id.hex}",
        action=action,
        at=at,
        actor_id=str(who.user_id) if who.user_id is not None else "",
        target=str(target) if target is not None else "",
        ip=who.client.ip or "",
        details=json.dumps(details, default=str, ensure_ascii=False),
    )
    db.add(event)
    db.info.setdefault(_RECORDED, []).append(event)


def forward_recorded(db: Session) -> None:
    """Hand the events `db` recorded to this instance's forwarder, once it has committed.

    The forwarder writes them to Table storage in the background, in batches, so the
    request neither waits for Table storage nor fails with it: when it is down the
    events stay in the outbox for the timers. An event added inside a savepoint that
    rolled back is not persistent, and is not forwarded.
    """
    recorded: list[OutboxEvent] = db.info.pop(_RECORDED, [])
    events = [event for event in recorded if inspect(event).persistent]
    if events:
        _forwarder.submit([(event.id, _entity(event)) for event in events])


class _Forwarder:
    """One thread per instance that forwards recorded events in batches.

    Only a shortcut: the outbox is what guarantees delivery (see the module docstring),
    so events it holds when the instance goes are forwarded by the timers.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[uuid.UUID, dict[str, str]]] = queue.SimpleQueue()
        self._pending = 0
        self._settled = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, events: list[tuple[uuid.UUID, dict[str, str]]]) -> None:
        with self._settled:
            self._pending += len(events)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="casai-audit-forwarder", daemon=True
                )
                self._thread.start()
        for event in events:
            self._queue.put(event)

    def flush(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) until what was submitted here is forwarded."""
        with self._settled:
            self._settled.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < FORWARD_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                _write_entities([entity for _, entity in batch])
                with new_session() as db:
                    db.execute(delete(OutboxEvent).where(OutboxEvent.id.in_([i for i, _ in batch])))
                    db.commit()
            except Exception:
                _left_behind.set()
                log.warning("audit: could not forward; the outbox keeps %d event(s)", len(batch))
            finally:
                with self._settled:
                    self._pending -= len(batch)
                    self._settled.notify_all()


_forwarder = _Forwarder()
FLUSH_WAIT_S = 5  # a read waits this long at most for this instance's events to be forwarded


def left_behind_here() -> bool:
    """Whether this instance failed to forward an event since its last forwarding run.

    Only a hint, so that the minute timer looks at the database only when there is
    likely work (a serverless database pauses only when nobody connects); the daily
    sweep forwards everything whatever the hint says.
    """
    return _left_behind.is_set()


def forward_left_behind(db: Session) -> int:
    """Forward every event still in the outbox, oldest first; how many were forwarded."""
    _left_behind.clear()
    forwarded = 0
    while events := db.scalars(
        select(OutboxEvent).order_by(OutboxEvent.at).limit(FORWARD_BATCH)
    ).all():
        _forward(db, events)
        forwarded += len(events)
    return forwarded


def _forward(db: Session, events: Sequence[OutboxEvent]) -> None:
    """Write the events to Table storage, then remove them from the outbox."""
    _write_entities([_entity(event) for event in events])
    db.execute(delete(OutboxEvent).where(OutboxEvent.id.in_([event.id for event in events])))
    db.commit()


def _entity(event: OutboxEvent) -> dict[str, str]:
    return {
        "PartitionKey": event.partition_key,
        "RowKey": event.row_key,
        "action": event.action,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "target": event.target,
        "ip": event.ip,
        "details": event.details,
    }


def _write_entities(entities: Sequence[dict[str, str]]) -> None:
    """Upsert the entities: an event forwarded twice (by its instance and by a timer) is
    one entity. One transaction per partition and 100 entities, Table storage's limit;
    a lone entity as a plain upsert, which is the same write without the batch's
    multipart body (the SDK prepares those parts on a thread pool of its own)."""
    from azure.data.tables import UpdateMode

    table = _table()
    by_partition: dict[str, list[dict[str, str]]] = {}
    for entity in entities:
        by_partition.setdefault(entity["PartitionKey"], []).append(entity)
    for same_partition in by_partition.values():
        for start in range(0, len(same_partition), TABLE_TRANSACTION_MAX):
            chunk = same_partition[start : start + TABLE_TRANSACTION_MAX]
            # retry_total=0: the timers retry; nobody waits out a backoff
            if len(chunk) == 1:
                table.upsert_entity(chunk[0], mode=UpdateMode.REPLACE, retry_total=0)
                continue
            table.submit_transaction(
                [("upsert", entity, {"mode": UpdateMode.REPLACE}) for entity in chunk],
                retry_total=0,
            )


def read_all(partition: str, most: int = 10_000) -> list[AuditEvent]:
    """Every event of a partition in Table storage, newest first (at most `most`); those
    still in the outbox are read with `pending`."""
    _forwarder.flush(FLUSH_WAIT_S)
    table = _table()
    entities = table.query_entities(
        "PartitionKey eq @partition", parameters={"partition": partition}, results_per_page=1000
    )
    events = []
    for entity in entities:
        events.append(_event(entity))
        if len(events) >= most:
            break
    return events


def pending(db: Session, partition: str) -> list[AuditEvent]:
    """The partition's events recorded and not yet forwarded to Table storage."""
    rows = db.scalars(
        select(OutboxEvent).where(OutboxEvent.partition_key == partition).order_by(OutboxEvent.at)
    )
    return [
        AuditEvent(
            id=row.row_key.rsplit("-", 1)[-1],
            action=row.action,
            at=row.at,
            actor_id=row.actor_id or None,
            target=row.target or None,
            ip=row.ip or None,
            details=json.loads(row.details or "{}"),
        )
        for row in rows
    ]


def purge_before(cutoff: datetime) -> int:
    """Delete every event of every partition recorded before `cutoff`; how many.

    RowKeys are inverted timestamps of one width, so the events older than `cutoff` are
    exactly those whose RowKey sorts after the cutoff's: one filtered scan of the table,
    deleted in transactions of up to 100 per partition. Run daily by the retention timer;
    two runs at once delete each event once between them.
    """
    ticks = int(cutoff.timestamp() * 1_000_000)
    boundary = f"{_MAX_TICKS - ticks:020d}."  # "." sorts after "-": events at `cutoff` stay
    table = _table()
    old = table.query_entities(
        "RowKey gt @boundary",
        parameters={"boundary": boundary},
        select=["PartitionKey", "RowKey"],
        results_per_page=1000,
    )
    batches: dict[str, list[dict[str, str]]] = {}
    deleted = 0
    for entity in old:
        keys = {"PartitionKey": entity["PartitionKey"], "RowKey": entity["RowKey"]}
        batch = batches.setdefault(keys["PartitionKey"], [])
        batch.append(keys)
        if len(batch) == 100:  # a Table storage transaction holds at most 100 operations
            deleted += _delete_entities(table, batch)
            batch.clear()
    for batch in batches.values():
        deleted += _delete_entities(table, batch)
    return deleted


def _delete_entities(table: Any, keys: list[dict[str, str]]) -> int:
    """Delete the entities of one partition; how many were there to delete."""
    from azure.data.tables import TableTransactionError

    if not keys:
        return 0
    try:
        table.submit_transaction([("delete", key) for key in keys])
        return len(keys)
    except TableTransactionError:  # one was deleted meanwhile: the rest one by one
        for key in keys:
            table.delete_entity(key["PartitionKey"], key["RowKey"])  # absent: no error
        return len(keys)


def read(partition: str, limit: int, cursor: str | None) -> tuple[list[AuditEvent], str | None]:
    """One page of a partition's events, newest first, and the cursor of the next page.

    The cursor seals the SDK's continuation token to the partition (shared.pagination):
    the SDK only ever gets back a token it gave out for this partition.
    """
    _forwarder.flush(FLUSH_WAIT_S)  # this instance's own recent events show
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
