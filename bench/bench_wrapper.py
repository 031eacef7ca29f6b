"""Benchmark: what the one wrapper (shared.http.handle) adds to a no-op handler.

    .venv/bin/python -m bench.bench_wrapper                (or: make bench)

In this process, no network and no database: a GET endpoint with no guard, body or
query whose handler returns None, called through `handle` with a ready
`func.HttpRequest`, against calling the handler itself; rounds alternate the two, so
a noisy neighbour slows both alike. The request log line is formatted by a handler
that writes nowhere: where it goes is the host's business (in Azure the Functions
worker takes the record), what it costs to make is the wrapper's.

Budget (issue 13): the median overhead per request ≤ 50 µs.

Exits non-zero when over budget.
"""

from __future__ import annotations

import logging
import statistics
import sys
import time

BUDGET_US = 50.0
ROUNDS = 21
CALLS = 2_000
WARMUP = 500


class FormatOnly(logging.Handler):
    """Makes each record's text, as a real handler would, and drops it."""

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)


def main() -> int:
    import azure.functions as func

    from shared.http import Endpoint, handle

    logging.getLogger("casai").addHandler(FormatOnly())
    logging.getLogger("casai").setLevel(logging.INFO)
    logging.getLogger("casai").propagate = False
    spec = Endpoint(
        method="GET",
        route="noop",
        function_name="noop",
        summary="",
        description="",
        tag="bench",
        body=None,
        query=None,
        response=None,
        status=200,
        max_body=None,
        guard=None,
    )

    def noop(ctx: object) -> None:
        return None

    request = func.HttpRequest(
        "GET", "http://127.0.0.1:7071/api/noop", headers={"User-Agent": "bench"}, body=b""
    )
    for _ in range(WARMUP):
        handle(request, noop, spec)
    overheads = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(CALLS):
            handle(request, noop, spec)
        wrapped = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(CALLS):
            noop(request)
        bare = time.perf_counter() - started
        overheads.append((wrapped - bare) / CALLS * 1e6)
    median = statistics.median(overheads)
    verdict = "ok" if median <= BUDGET_US else "OVER BUDGET"
    print(
        f"wrapper overhead per request: median {median:.1f} µs "
        f"(budget {BUDGET_US:.0f} µs) {verdict}"
    )
    return 0 if median <= BUDGET_US else 1


if __name__ == "__main__":
    sys.exit(main())
