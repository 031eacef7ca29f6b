"""Bad variants of a valid JSON body, and a snapshot to prove a request wrote nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, create_engine, text

from tests.conftest import Host

TEN_KB = "x" * 10_240
# Every table the projects area writes.
PROJECT_TABLES = [
    "organizations",
    "org_members",
    "roles",
    "role_permissions",
    "projects",
    "project_members",
    "invitations",
]

# Columns a request may write even when it is refused: none today (a refused request is
# rolled back), but a signed-in request may note the session's activity, which is not
# a change the request made.
TOUCHED_BY_ANY_REQUEST = {("sessions", "last_seen_at")}


def wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, list):
        return "not-a-list"
    return 12345


def bad_bodies(
    valid: dict[str, Any], optional: frozenset[str] = frozenset()
) -> Iterator[tuple[str, Any]]:
    """(label, body) for each way a client can get `valid` wrong."""
    yield "empty object", {}  # every body of this API needs at least one field
    yield "not an object", [valid]
    yield "unknown field", {**valid, "is_admin": True}
    for name, value in valid.items():
        if name not in optional:
            yield f"{name} missing", {k: v for k, v in valid.items() if k != name}
        yield f"{name} wrong type", {**valid, name: wrong_type(value)}
        if isinstance(value, str):
            yield f"{name} 10 kB", {**valid, name: TEN_KB}
        if name == "email":
            yield f"{name} invalid", {**valid, name: "not-an-address"}
            yield f"{name} no domain", {**valid, name: "someone@"}


def rows_of(connection: Connection, table: str) -> list[tuple[Any, ...]]:
    """Every row of `table`, every column but those in TOUCHED_BY_ANY_REQUEST, sorted."""
    result = connection.execute(text(f"SELECT * FROM {table}"))
    kept = [
        index
        for index, column in enumerate(result.keys())
        if (table, column) not in TOUCHED_BY_ANY_REQUEST
    ]
    return sorted((tuple(row[index] for index in kept) for row in result), key=repr)


def snapshot(host: Host, tables: list[str]) -> dict[str, Any]:
    """The contents of `tables` (every row and column) and the number of e-mails sent.

    Equal snapshots before and after a request mean it added, removed and changed no row.
    """
    engine = create_engine(host.env["CASAI_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            if "schedule_revisions" in tables:
                _until_snapshots_are_hashed(connection)
            state: dict[str, Any] = {table: rows_of(connection, table) for table in tables}
    finally:
        engine.dispose()
    state["outbox"] = len(list(host.outbox.glob("*.eml"))) if host.outbox.exists() else 0
    return state


def _until_snapshots_are_hashed(connection: Connection, seconds: float = 10) -> None:
    """Wait (a while) until every issued revision has its snapshot's hash: the app writes
    it just after answering, so a picture taken at once could catch it half-way."""
    unhashed = text(
        "SELECT COUNT(*) FROM schedule_revisions "
        "WHERE issued_at IS NOT NULL AND snapshot_sha256 IS NULL"
    )
    deadline = time.monotonic() + seconds
    while connection.execute(unhashed).scalar_one() and time.monotonic() < deadline:
        connection.rollback()  # a fresh look at the table on the next round
        time.sleep(0.1)
    connection.rollback()


# --- hostile bodies, for the adversarial suites -------------------------------------

HOSTILE_CHARACTERS = ["\x00", "\x1b[2J", "\u202e", "\u2028", "\x7f", "\n", "\r"]
TOO_DEEP = b"[" * 100_000 + b"]" * 100_000  # small, and deeper than any parser should go


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def spoiled(valid: dict[str, Any], multiline: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, body) with one string field holding a hostile character, for each field
    (of the one operation, for a batch); line breaks only where they are refused."""
    if "operations" in valid:
        for label, operation in spoiled(valid["operations"][0], multiline):
            yield label, {**valid, "operations": [operation]}
        return
    for name, value in valid.items():
        for char in HOSTILE_CHARACTERS:
            if isinstance(value, str) and not (char in "\r\n" and name in multiline):
                yield f"{name} {char!r}", {**valid, name: f"{value[:2]}{char}{value[2:]}"}


def hostile(valid: dict[str, Any], multiline: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, request options) that turn a valid body hostile."""
    first_field = next(iter(valid))
    yield "nested in a field", {"json": {**valid, first_field: nested(40)}}
    yield "nested", {"json": nested(60)}
    yield "too deep", {"content": TOO_DEEP, "headers": {"Content-Type": "application/json"}}
    for label, body in spoiled(valid, multiline):
        yield label, {"json": body}


@contextmanager
def unchanged(host: Host, tables: list[str], *context: object) -> Iterator[None]:
    """Fail unless the block added, removed and changed no row of `tables` and sent no
    e-mail; `context` says which case it was when it fails."""
    before = snapshot(host, tables)
    yield
    assert snapshot(host, tables) == before, context
