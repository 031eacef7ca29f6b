"""Benchmark: import a 20,000-row xlsx and export it again, xlsx and CSV, in one run.

    .venv/bin/python -m bench.bench_exchange                 (or: make bench)
    .venv/bin/python -m bench.bench_exchange --backend postgresql

Through the dev host, on SQLite, and on PostgreSQL too when CASAI_TEST_POSTGRES_URL is
set (as bench.bench_edits). The file is a client's MF as openpyxl writes it: Kod ·
Benämning · Enhet · Mängd · À-pris, 250 AMA headings of 79 items each, decimal
commas in text cells and numbers in number cells, the tree from the code pyramid.
It is imported (`mode=replace`) into an empty schedule, then exported as xlsx and
as CSV. Each time is the client's, end to end; the app's own (`duration_ms` of its
log line) is shown beside it.

Budgets (issue 14):
- import ≤ 15 s, each export ≤ 5 s, the app's peak memory (VmHWM) ≤ 400 MB.

As the machine is shared and noisy, each is also set against a baseline measured in
the same run, in this process: openpyxl reading the same file in read-only mode (for
the import) and writing the same rows in write-only mode (for the exports). The
ratios are reported, not budgeted. Exits non-zero when a budget is broken.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from bench import backends
from bench.bench_schedules import peak_memory_mb
from bench.serverlog import by_request_id, request_lines
from devhost import azurite
from tests.accounts import new_team
from tests.conftest import (
    PLAIN_DEVHOST,
    app_environment,
    forget_database,
    new_database,
    running_host,
    start_storage,
)

ROWS = 20_000
ROWS_PER_HEADING = 80  # a heading and its 79 items
IMPORT_BUDGET_S = 15.0
EXPORT_BUDGET_S = 5.0
MEMORY_BUDGET_MB = 400.0
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows() -> list[list[Any]]:
    """The file's rows under its header, in the shape of a real mängdförteckning."""
    rows: list[list[Any]] = []
    for h in range(ROWS // ROWS_PER_HEADING):
        rows.append([f"D{h:03d}", f"Avsnitt {h}", None, None, None])
        rows += [
            [
                f"D{h:03d}.{i:02d}",
                f"Rad {i} under avsnitt {h}",
                "m3",
                f"{(h * 37 + i) % 1000},{i % 1000:03d}" if i % 2 else (h * 37 + i) % 1000 + 0.5,
                f"{(h + i) % 500},{i % 100:02d}" if i % 3 else None,
            ]
            for i in range(1, ROWS_PER_HEADING)
        ]
    return rows


def client_file(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("MF")
    sheet.append(["Kod", "Benämning", "Enhet", "Mängd", "À-pris"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def baseline_read(content: bytes) -> float:
    """openpyxl reading the file's values in read-only mode: the floor of any import."""
    started = time.perf_counter()
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert count == ROWS + 1
    return time.perf_counter() - started


def baseline_write(rows: list[list[Any]], columns: int) -> float:
    """openpyxl writing as many cells in write-only mode, unstyled: the floor of an export."""
    started = time.perf_counter()
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("MF")
    for row in rows:
        sheet.append((row * 4)[:columns])
    book.save(io.BytesIO())
    return time.perf_counter() - started


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def run(backend: str, root: Path) -> bool:
    rows = sheet_rows()
    content = client_file(rows)
    storage = start_storage(root / "azurite")
    url = new_database(backend, root / backend)
    try:
        env = app_environment(root / "app", url, storage.connection_string)
        with running_host(env, "--migrate", devhost=PLAIN_DEVHOST) as host, host.client() as client:
            client.timeout = 120
            team = new_team(host, client, "bench")
            owner = team.owner
            schedules = f"/api/projects/{team.project_id}/schedules"
            schedule = owner.browser.post(schedules, json={"name": "Bench"}).json()["id"]
            base = f"{schedules}/{schedule}"
            import_s, imported = timed(
                lambda: owner.browser.post(
                    f"{base}/import",
                    params={"mode": "replace"},
                    content=content,
                    headers={"Content-Type": XLSX, "X-Request-Id": "bench-import"},
                )
            )
            assert imported.status_code == 200, imported.text[:2000]
            assert imported.json()["created"] == ROWS, imported.json()["errors"][:5]
            exports: dict[str, tuple[float, int]] = {}
            for file_format in ("xlsx", "csv"):
                started = time.perf_counter()
                exported = owner.browser.get(
                    f"{base}/export",
                    params={"format": file_format},
                    headers={"X-Request-Id": f"bench-export-{file_format}"},
                )
                seconds = time.perf_counter() - started
                assert exported.status_code == 200, exported.text[:2000]
                exports[file_format] = (seconds, len(exported.content))
            memory = peak_memory_mb(host.process.pid)
            lines = by_request_id(request_lines(host.log()))
    finally:
        azurite.stop(storage.server)
        forget_database(url)
    read_floor = baseline_read(content)
    write_floor = baseline_write(rows, 16)

    def app_s(request_id: str) -> str:
        line = lines.get(request_id)
        return "n/a" if line is None else f"{line.duration_ms / 1000:.2f} s"

    results = [
        (
            f"import {ROWS:,} rows (xlsx, {len(content) / 1e6:.1f} MB)",
            import_s,
            app_s("bench-import"),
            read_floor,
            IMPORT_BUDGET_S,
        ),
        *(
            (
                f"export {ROWS:,} rows ({f}, {size / 1e6:.1f} MB)",
                seconds,
                app_s(f"bench-export-{f}"),
                write_floor,
                EXPORT_BUDGET_S,
            )
            for f, (seconds, size) in exports.items()
        ),
    ]
    print(f"\n### exchange of {ROWS:,} rows on {backend}\n")
    print("| measure | client | in the app | baseline (openpyxl alone) | ratio | budget | within |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    within = True
    for name, seconds, app, floor, budget in results:
        ok = seconds <= budget
        within = within and ok
        print(
            f"| {name} | {seconds:.2f} s | {app} | {floor:.2f} s | {seconds / floor:.1f}× "
            f"| ≤ {budget:.0f} s | {'yes' if ok else 'NO'} |"
        )
    memory_ok = memory <= MEMORY_BUDGET_MB
    print(
        f"| app peak memory (VmHWM) | {memory:.0f} MB | | | | ≤ {MEMORY_BUDGET_MB:.0f} MB "
        f"| {'yes' if memory_ok else 'NO'} |"
    )
    return within and memory_ok


def main(argv: list[str] | None = None) -> int:
    made = backends.parser(__doc__)
    return backends.run_each(made, made.parse_args(argv), run)


if __name__ == "__main__":
    sys.exit(main())
