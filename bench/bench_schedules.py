"""Benchmark: a 10,000-row mängdförteckning through the dev host on SQLite.

    .venv/bin/python -m bench.bench_schedules        (or: make bench)

Creates the rows by batch (two batches of 5,000, the largest a batch may be),
reads all rows and the summary a few times, and reports wall times and the dev
host's peak memory (VmHWM). It exits non-zero when a budget is broken.

Budgets (issue: schedules):
- each read (all rows, or the summary) under 300 ms
- creating the rows by batch under 10 s
- peak memory of the app process under 300 MB
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from devhost import azurite
from tests.accounts import Account, new_team
from tests.conftest import PLAIN_DEVHOST, app_environment, running_host, start_storage

READ_BUDGET_S = 0.300
BATCH_BUDGET_S = 10.0
MEMORY_BUDGET_MB = 300.0
ROWS = 10_000
HEADINGS = 100
READS = 5


def operations() -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = []
    items_per_heading = ROWS // HEADINGS - 1
    for h in range(HEADINGS):
        heading = str(uuid.uuid4())
        ops.append({"op": "create", "id": heading, "kind": "heading", "title": f"Avsnitt {h}"})
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
            for i in range(items_per_heading)
        ]
    return ops


def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def server_times(log: str) -> dict[str, list[float]]:
    """Milliseconds the app spent per request (its own log line), by function."""
    times: dict[str, list[float]] = {}
    for line in log.splitlines():
        if '"http_request"' in line:
            record = json.loads(line[line.index("{") :])
            times.setdefault(record["function"], []).append(record["duration_ms"])
    return times


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="casai-bench-") as folder:
        root = Path(folder)
        storage = start_storage(root / "azurite")
        try:
            env = app_environment(
                root / "app", f"sqlite:///{root / 'bench.db'}", storage.connection_string
            )
            with (
                running_host(env, "--migrate", devhost=PLAIN_DEVHOST) as host,
                host.client() as client,
            ):
                team = new_team(host, client, "bench")
                owner: Account = team.owner
                schedules = f"/api/projects/{team.project_id}/schedules"
                schedule = owner.browser.post(schedules, json={"name": "Bench"}).json()["id"]
                base = f"{schedules}/{schedule}"
                ops = operations()
                batch_times = []
                for start in range(0, len(ops), 5000):
                    seconds, response = timed(
                        lambda s=start: owner.browser.post(
                            f"{base}/rows/batch", json={"operations": ops[s : s + 5000]}
                        )
                    )
                    assert response.status_code == 200, response.text
                    batch_times.append(seconds)
                row_times, summary_times = [], []
                for _ in range(READS):
                    seconds, response = timed(lambda: owner.browser.get(f"{base}/rows"))
                    assert len(response.json()["items"]) == ROWS
                    row_times.append(seconds)
                    seconds, response = timed(lambda: owner.browser.get(f"{base}/summary"))
                    assert response.status_code == 200
                    summary_times.append(seconds)
                memory = peak_memory_mb(host.process.pid)
                server = server_times(host.log())
        finally:
            azurite.stop(storage.server)
    create_total = sum(batch_times)
    results = [
        (
            "create 10,000 rows (2 batches)",
            f"{create_total:.2f} s",
            f"< {BATCH_BUDGET_S:.0f} s",
            create_total < BATCH_BUDGET_S,
        ),
        (
            "read all rows (median of 5)",
            f"{statistics.median(row_times) * 1000:.0f} ms",
            f"< {READ_BUDGET_S * 1000:.0f} ms",
            max(row_times) < READ_BUDGET_S,
        ),
        ("read all rows (slowest of 5)", f"{max(row_times) * 1000:.0f} ms", "", True),
        (
            "summary (median of 5)",
            f"{statistics.median(summary_times) * 1000:.0f} ms",
            f"< {READ_BUDGET_S * 1000:.0f} ms",
            max(summary_times) < READ_BUDGET_S,
        ),
        ("summary (slowest of 5)", f"{max(summary_times) * 1000:.0f} ms", "", True),
        (
            "read all rows: time in the app (median)",
            f"{statistics.median(server['list_rows']):.0f} ms",
            "",
            True,
        ),
        (
            "summary: time in the app (median)",
            f"{statistics.median(server['summary']):.0f} ms",
            "",
            True,
        ),
        (
            "app peak memory (VmHWM)",
            f"{memory:.0f} MB",
            f"< {MEMORY_BUDGET_MB:.0f} MB",
            memory < MEMORY_BUDGET_MB,
        ),
    ]
    print("| measure | result | budget | within |")
    print("| --- | --- | --- | --- |")
    for name, result, budget, ok in results:
        print(f"| {name} | {result} | {budget} | {'yes' if ok else 'NO'} |")
    return 0 if all(ok for *_, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
