"""Bad variants of a valid JSON body, and a snapshot to prove a request wrote nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, create_engine, text

from tests.conftest import Host

TEN_KB = "x" * 10_240

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
            state: dict[str, Any] = {table: rows_of(connection, table) for table in tables}
    finally:
        engine.dispose()
    state["outbox"] = len(list(host.outbox.glob("*.eml"))) if host.outbox.exists() else 0
    return state
