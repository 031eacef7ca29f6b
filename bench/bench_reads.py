"""Benchmark: GET rows of a 10,000-row schedule against the floor, in one run.

    .venv/bin/python -m bench.bench_reads                  (or: make bench)
    .venv/bin/python -m bench.bench_reads --backend postgresql

Through the dev host, on SQLite, and on PostgreSQL too when CASAI_TEST_POSTGRES_URL is
set (as bench.bench_edits). The schedule is built as there (headings of 79 items).
The app's time for `GET .../rows` (`duration_ms` of its log line: the session and
membership checks, the rows in tree order with depths and amounts, the JSON) is set
against the floor: a raw DB-API select of the same columns of the same rows plus
`json.dumps` of them, in this process, alternating with the app's reads so a noisy
neighbour slows both alike.

Budget (issue 12: reads closer to the floor):
- on PostgreSQL, the app's median ≤ 2 × the floor's median. SQLite is reported: its
  driver returns rows so fast that the floor is a few milliseconds of C, which no
  request with sign-in checks gets near.

Exits non-zero when over budget.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine

from bench import backends
from bench.bench_edits import build
from bench.serverlog import by_request_id, request_lines
from devhost import azurite
from quantities.tree import NODE_FIELDS
from tests.accounts import new_team
from tests.conftest import (
    PLAIN_DEVHOST,
    app_environment,
    forget_database,
    new_database,
    running_host,
    start_storage,
)

ROWS = 10_000
READS = 9
BUDGET_RATIO = 2.0


def floor_ms(url: str, revision_id: str, backend: str) -> float:
    """A raw select of the row columns plus json.dumps, with the driver's own cursor."""
    engine = create_engine(url)
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            marker = "?" if backend == "sqlite" else "%s"
            key = uuid.UUID(revision_id).hex if backend == "sqlite" else revision_id
            started = time.perf_counter()
            cursor.execute(
                f"SELECT {', '.join(NODE_FIELDS)} FROM schedule_rows "  # noqa: S608 (fixed names)
                f"WHERE revision_id = {marker}",
                (key,),
            )
            rows = cursor.fetchall()
            json.dumps(
                [[v if v is None or isinstance(v, int | str) else str(v) for v in r] for r in rows]
            )
            return (time.perf_counter() - started) * 1000
        finally:
            raw.close()
    finally:
        engine.dispose()


def run(backend: str, root: Path) -> bool:
    storage = start_storage(root / "azurite")
    url = new_database(backend, root / backend)
    try:
        env = app_environment(root / "app", url, storage.connection_string)
        with running_host(env, "--migrate", devhost=PLAIN_DEVHOST) as host, host.client() as client:
            team = new_team(host, client, "bench")
            schedules = f"/api/projects/{team.project_id}/schedules"
            target = build(team.owner, schedules, ROWS)
            schedule = team.owner.browser.get(target.base).json()
            floors, ids = [], []
            for turn in range(READS + 1):
                request_id = f"read-{turn}"
                answer = team.owner.browser.get(
                    f"{target.base}/rows", headers={"X-Request-Id": request_id}
                )
                assert answer.status_code == 200, answer.text
                floor = floor_ms(url, schedule["working_revision_id"], backend)
                if turn:  # the first of each is a warm-up
                    ids.append(request_id)
                    floors.append(floor)
            lines = by_request_id(request_lines(host.log()))
    finally:
        azurite.stop(storage.server)
        forget_database(url)
    app = statistics.median(lines[i].duration_ms for i in ids)
    floor = statistics.median(floors)
    ratio = app / floor
    within = ratio <= BUDGET_RATIO or backend == "sqlite"
    budget = f"≤ {BUDGET_RATIO}×" if backend == "postgresql" else "reported"
    print(f"\n### GET rows of {ROWS:,} rows, {backend} (median of {READS})\n")
    print("| app (server time) | floor (raw select + json.dumps) | ratio | budget |")
    print("| --- | --- | --- | --- |")
    print(f"| {app:.1f} ms | {floor:.1f} ms | {ratio:.2f}× | {budget} |")
    return within


def main(argv: list[str] | None = None) -> int:
    made = backends.parser(__doc__)
    return backends.run_each(made, made.parse_args(argv), run)


if __name__ == "__main__":
    sys.exit(main())
