"""Optimistic concurrency with ETag and If-Match, with no HTTP request in it.

Routes pass the If-Match header's value to services, which check it against the
version they hold under lock; routes set `etag(version)` on their answers.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from shared.problems import Problem


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(sent: str | None, version: int, current: Callable[[], BaseModel]) -> None:
    """Optimistic concurrency: the client must name the version it last read.

    Missing If-Match is 428; `*` matches any current version (RFC 9110 §13.1.1), and weak
    tags count as their strong ones. A stale one is 412 with the current representation
    (built by `current` only then) and its ETag, so the client can merge without another
    request.
    """
    if not sent:
        raise Problem(428, "precondition_required", "Send If-Match with the ETag you last read.")
    offered = {tag.strip().removeprefix("W/") for tag in sent.split(",")}
    if sent.strip() != "*" and etag(version) not in offered:
        raise Problem(
            412,
            "precondition_failed",
            "It changed since you read it; here is the current version.",
            headers={"ETag": etag(version)},
            current=current().model_dump(mode="json"),
        )
