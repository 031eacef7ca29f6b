"""Benchmark: one-row PATCH server time at 20, 2,000 and 10,000 rows, in one run.

    .venv/bin/python -m bench.bench_edits                  (or: make bench)
    .venv/bin/python -m bench.bench_edits --backend postgresql --patches 100

Through the dev host, on SQLite, and on PostgreSQL too when CASAI_TEST_POSTGRES_URL
names a server the run may create a database on (as the tests do; `--backend` picks
one). Each size is a schedule of its own in one project, built by batch (at most
5,000 operations a batch) in the shape of a real mängdförteckning: headings of 80
rows (79 items each; the 20-row one is one heading). After a warm-up, the sizes take
turns, one PATCH each per round (so a noisy neighbour slows all sizes alike), each
PATCH changing one item's quantity, the items spread across the schedule, each sent
with If-Match from the ETag of that row's previous answer. The time is the app's own
(`duration_ms` of the request log line, found by the X-Request-Id the PATCH sends),
so the client and the dev host's HTTP handling are left out.

Budget (issue 12: edits in constant time):
- the 10,000-row median ≤ 1.5 × the 20-row median, a ratio of the same run, as
  the machine is shared and noisy (absolute figures vary from run to run).

Exits non-zero when a database's ratio is over budget.
"""

from __future__ import annotations

import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import backends
from bench.serverlog import RequestLine, by_request_id, median, ms, percentile, request_lines
from devhost import azurite
from tests.accounts import Account, new_team
from tests.conftest import (
    PLAIN_DEVHOST,
    app_environment,
    forget_database,
    new_database,
    running_host,
    start_storage,
)

SIZES = (20, 2_000, 10_000)
RATIO_BUDGET = 1.5  # largest over smallest, medians of server time
PATCHES = 200
WARMUP = 20
ROWS_PER_HEADING = 80  # a heading and its 79 items
MAX_BATCH = 5_000
STRIDE = 7_919  # a prime: consecutive PATCHes land far apart in the schedule


def operations(rows: int) -> list[dict[str, Any]]:
    """Create operations for `rows` rows: headings with their items, in tree order."""
    headings = max(1, round(rows / ROWS_PER_HEADING))
    items = rows - headings
    ops: list[dict[str, Any]] = []
    for h in range(headings):
        heading = str(uuid.uuid4())
        ops.append({"op": "create", "id": heading, "kind": "heading", "title": f"Avsnitt {h}"})
        count = items // headings + (1 if h < items % headings else 0)
        ops += [
            {
                "op": "create",
                "kind": "item",
                "parent_id": heading,
                "code": f"DCB.{h}.{i}",
                "title": f"Rad {i} under avsnitt {h}",
                "unit": "m3",
                "quantity": f"{(h * 37 + i) % 1000}.{i % 1000:03d}",
                "unit_price": f"{(h + i) % 500}.{i % 100:02d}",
                "cost_bearer": "gata" if h % 2 else "VA",
            }
            for i in range(count)
        ]
    return ops


@dataclass
class Target:
    """One schedule of a size, and what its PATCHes need: row URLs and their ETags."""

    rows: int
    base: str
    items: list[str]
    etags: dict[str, str] = field(default_factory=dict)
    client_ms: list[float] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)


def build(owner: Account, schedules: str, rows: int) -> Target:
    schedule = owner.browser.post(schedules, json={"name": f"Bench {rows} rader"})
    assert schedule.status_code == 201, schedule.text
    base = f"{schedules}/{schedule.json()['id']}"
    ops = operations(rows)
    for start in range(0, len(ops), MAX_BATCH):
        response = owner.browser.post(
            f"{base}/rows/batch", json={"operations": ops[start : start + MAX_BATCH]}
        )
        assert response.status_code == 200, response.text
    listed = owner.browser.get(f"{base}/rows").json()["items"]
    assert len(listed) == rows, len(listed)
    items = [row for row in listed if row["kind"] == "item"]
    return Target(
        rows=rows,
        base=base,
        items=[row["id"] for row in items],
        etags={row["id"]: f'"{row["version"]}"' for row in items},
    )


def patch(owner: Account, target: Target, turn: int, request_id: str) -> None:
    """PATCH the turn's item with its last ETag; a stride coprime with the item counts
    visits every item once before any twice, jumping across the schedule."""
    row = target.items[(turn * STRIDE) % len(target.items)]
    started = time.perf_counter()
    response = owner.browser.patch(
        f"{target.base}/rows/{row}",
        json={"quantity": f"{turn % 1000}.{turn % 997:03d}"},
        headers={"If-Match": target.etags[row], "X-Request-Id": request_id},
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text
    target.etags[row] = response.headers["ETag"]
    target.client_ms.append(elapsed)
    target.request_ids.append(request_id)


def run(backend: str, root: Path, patches: int, warmup: int) -> bool:
    """Measure on one database; print its table; whether it is within budget."""
    storage = start_storage(root / "azurite")
    url = new_database(backend, root / backend)
    try:
        env = app_environment(root / "app", url, storage.connection_string)
        with running_host(env, "--migrate", devhost=PLAIN_DEVHOST) as host, host.client() as client:
            team = new_team(host, client, "bench")
            schedules = f"/api/projects/{team.project_id}/schedules"
            targets = [build(team.owner, schedules, rows) for rows in SIZES]
            for turn in range(warmup):
                for target in targets:
                    patch(team.owner, target, turn, f"warmup-{target.rows}-{turn}")
            for target in targets:
                target.client_ms.clear()
                target.request_ids.clear()
            for turn in range(warmup, warmup + patches):
                for target in targets:
                    patch(team.owner, target, turn, f"edit-{target.rows}-{turn}")
            lines = by_request_id(request_lines(host.log()))
    finally:
        azurite.stop(storage.server)
        forget_database(url)
    return report(backend, targets, lines, patches)


def report(backend: str, targets: list[Target], lines: dict[str, RequestLine], n: int) -> bool:
    medians: dict[int, float] = {}
    print(f"\n### one-row PATCH on {backend}: {n} PATCHes per size (after a warm-up)\n")
    print(
        "| rows | server median | server p95 | lock wait p95 | pool wait p95 "
        "| SQL statements | client median |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for target in targets:
        found = [lines[i] for i in target.request_ids if i in lines]
        if len(found) != len(target.request_ids):
            print(f"(only {len(found)} of {len(target.request_ids)} PATCHes have a log line)")
        server = [line.duration_ms for line in found]
        locks = [line.lock_wait_ms for line in found if line.lock_wait_ms is not None]
        pools = [line.pool_wait_ms for line in found if line.pool_wait_ms is not None]
        statements = [line.sql_statements for line in found if line.sql_statements is not None]
        medians[target.rows] = median(server)
        low, high = (min(statements), max(statements)) if statements else (0, 0)
        statement_range = "n/a" if not statements else str(low) if low == high else f"{low}–{high}"
        print(
            f"| {target.rows:,} | {ms(median(server))} | {ms(percentile(server, 95))} "
            f"| {ms(percentile(locks, 95))} | {ms(percentile(pools, 95))} "
            f"| {statement_range} | {ms(median(target.client_ms))} |"
        )
    smallest, largest = medians[SIZES[0]], medians[SIZES[-1]]
    ratio = largest / smallest if smallest > 0 else float("inf")
    middle = medians[SIZES[1]] / smallest if smallest > 0 else float("inf")
    within = ratio <= RATIO_BUDGET
    print(
        f"\n| measure | result | budget | within |\n| --- | --- | --- | --- |\n"
        f"| median {SIZES[1]:,} / {SIZES[0]} rows | {middle:.2f}× | | |\n"
        f"| median {SIZES[-1]:,} / {SIZES[0]} rows | {ratio:.2f}× | ≤ {RATIO_BUDGET}× "
        f"| {'yes' if within else 'NO'} |"
    )
    return within


def main(argv: list[str] | None = None) -> int:
    made = backends.parser(__doc__)
    made.add_argument("--patches", type=int, default=PATCHES, help="per size, after warm-up")
    made.add_argument("--warmup", type=int, default=WARMUP)
    args = made.parse_args(argv)
    return backends.run_each(
        made, args, lambda backend, folder: run(backend, folder, args.patches, args.warmup)
    )


if __name__ == "__main__":
    sys.exit(main())
