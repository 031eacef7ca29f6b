"""Bad variants of a valid JSON body, and a snapshot to prove a request wrote nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.conftest import Host

TEN_KB = "x" * 10_240


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


def snapshot(host: Host, tables: list[str]) -> dict[str, int]:
    """Row counts of `tables` and the number of e-mails sent."""
    counts = {table: int(host.query(f"SELECT COUNT(*) FROM {table}")[0][0]) for table in tables}
    counts["outbox"] = len(list(host.outbox.glob("*.eml"))) if host.outbox.exists() else 0
    return counts
