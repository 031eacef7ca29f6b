"""The app's own request log lines, as the benchmarks read them.

shared/http.py logs one line per request: the text `http_request` and a JSON object
(after the logger's prefix) with `request_id`, `function`, `status`, `duration_ms`,
`sql_statements`, `pool_wait_ms` (waiting for a database pool connection) and
`lock_wait_ms` (waiting for the schedule's row lock). A field a line lacks is None
here: the benchmarks say it is absent rather than fail on it, and a check that
needs it decides what absence means.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestLine:
    request_id: str
    function: str
    status: int | None
    duration_ms: float
    sql_statements: int | None
    pool_wait_ms: float | None
    lock_wait_ms: float | None

    @property
    def working_ms(self) -> float:
        """The request's time less its waits (those the line records)."""
        return self.duration_ms - (self.pool_wait_ms or 0.0) - (self.lock_wait_ms or 0.0)


def _number(record: dict[str, object], name: str) -> float | None:
    value = record.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def request_lines(log: str) -> list[RequestLine]:
    """Every `http_request` line of a dev host log, in the order they were written."""
    lines = []
    for text in log.splitlines():
        if '"http_request"' not in text or "{" not in text:
            continue
        try:
            record = json.loads(text[text.index("{") :])
        except ValueError:
            continue
        if not isinstance(record, dict) or record.get("event") != "http_request":
            continue
        duration = _number(record, "duration_ms")
        if duration is None:
            continue
        status = _number(record, "status")
        statements = _number(record, "sql_statements")
        lines.append(
            RequestLine(
                request_id=str(record.get("request_id", "")),
                function=str(record.get("function", "")),
                status=None if status is None else int(status),
                duration_ms=duration,
                sql_statements=None if statements is None else int(statements),
                pool_wait_ms=_number(record, "pool_wait_ms"),
                lock_wait_ms=_number(record, "lock_wait_ms"),
            )
        )
    return lines


def by_request_id(lines: Iterable[RequestLine]) -> dict[str, RequestLine]:
    return {line.request_id: line for line in lines}


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), interpolated between the closest ranks; NaN for none."""
    if not values:
        return math.nan
    if len(values) == 1:
        return float(values[0])
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def present(values: Iterable[float | None]) -> list[float] | None:
    """The values, or None when any is absent (a log line without that field)."""
    found = list(values)
    if any(value is None for value in found):
        return None
    return [value for value in found if value is not None]


def ms(value: float) -> str:
    """Milliseconds for a table cell; `n/a` when the log lines lack the field."""
    return "n/a" if math.isnan(value) else f"{value:.1f} ms"
