"""Every refusal the suite saw the app answer is one the OpenAPI document declares.

Each dev host's request log names, for every problem it answered, the function, the
status and the code (shared.http's log line). When a host stops, what it answered is
noted in a folder the whole run shares (its xdist workers included); at the end of the
run `undeclared` compares all of it with the document, so a refusal a handler answers
without declaring it (`Blueprint.endpoint(errors=...)`) is found by any test that
provokes it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FOLDER_ENV = "CASAI_TEST_OBSERVED_REFUSALS"

Refusal = tuple[str, int, str]  # function (operationId), status, problem code


def note(log_path: Path) -> None:
    """Note the refusals in a stopped host's log, when the run collects them."""
    folder = os.environ.get(FOLDER_ENV)
    if not folder or not log_path.exists():
        return
    seen: set[Refusal] = set()
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        _, marker, payload = line.partition(" casai.http ")
        if not marker or not payload.startswith("{"):
            continue
        entry = json.loads(payload)
        if entry.get("event") == "http_request" and "problem" in entry:
            seen.add((entry["function"], entry["status"], entry["problem"]))
    note_file = Path(folder) / f"{os.getpid()}-{log_path.parent.name}-{log_path.stem}.json"
    note_file.write_text(json.dumps(sorted(seen)))


def observed(folder: Path) -> set[Refusal]:
    return {
        (function, status, code)
        for note_file in folder.glob("*.json")
        for function, status, code in json.loads(note_file.read_text())
    }


def declared_codes(operation: dict[str, Any], status: int) -> list[str]:
    """The problem codes an OpenAPI operation declares for `status` (none if undeclared)."""
    response = operation["responses"].get(str(status))
    if response is None:
        return []
    schema = response["content"]["application/problem+json"]["schema"]
    codes: list[str] = schema["allOf"][1]["properties"]["code"]["enum"]
    return codes


def undeclared(seen: set[Refusal], document: dict[str, Any]) -> list[Refusal]:
    """The refusals seen that the document does not declare for their operation (only
    the app's own operations: test apps have functions of their own)."""
    declared: dict[str, dict[int, set[str]]] = {}
    for item in document["paths"].values():
        for operation in item.values():
            statuses = declared.setdefault(operation["operationId"], {})
            for status in operation["responses"]:
                if status.isdigit() and int(status) >= 400:
                    statuses[int(status)] = set(declared_codes(operation, int(status)))
    return sorted(
        (function, status, code)
        for function, status, code in seen
        if function in declared and code not in declared[function].get(status, set())
    )
