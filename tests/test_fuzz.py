"""schemathesis against the running app: every operation, every check, the stateful
phase, as the signed-in owner of an organisation, a project and a schedule with rows
(tests/fuzz/hooks.py) and anonymously where an operation takes no session.

The short pass runs in `make test` (a few examples per operation); `make fuzz` runs
the long one (CASAI_FUZZ_EXAMPLES examples per operation). The dev host is the
test host, which also compiles every statement the fuzzer makes the app run for SQL
Server, on a database of its own, so that what the fuzzer leaves (rate limits, an
account turned off) touches no other test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import (
    REPO,
    Host,
    Storage,
    app_environment,
    forget_database,
    new_database,
    running_host,
)

CONFIG = REPO / "tests" / "fuzz" / "schemathesis.toml"
EXAMPLES = os.environ.get("CASAI_FUZZ_EXAMPLES", "3")
TIME_LIMIT_S = int(os.environ.get("CASAI_FUZZ_TIME_LIMIT_S", "600"))


@pytest.fixture(scope="module", params=["sqlite"])
def fuzzed_host(
    request: pytest.FixtureRequest, storage: Storage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Host]:
    folder = tmp_path_factory.mktemp("fuzz")
    url = new_database(request.param, folder)
    env = app_environment(folder, url, storage.connection_string)
    try:
        with running_host(env, "--migrate") as started:
            yield started
    finally:
        forget_database(url)


def test_schemathesis_finds_nothing(fuzzed_host: Host, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
        "CASAI_FUZZ_BASE_URL": fuzzed_host.base_url,
        "CASAI_FUZZ_OUTBOX": str(fuzzed_host.outbox),
        "PYTHONPATH": str(REPO),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(CONFIG),
            "run",
            f"{fuzzed_host.base_url}/api/openapi.json",
            "--checks",
            "all",
            "--exclude-checks",
            # see tests/fuzz/schemathesis.toml
            "positive_data_acceptance,ensure_resource_availability",
            "--max-examples",
            EXAMPLES,
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
            "--no-color",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S,
        check=False,
    )
    failures = run.stdout.find("FAILURES")
    summary = run.stdout[failures - 40 :] if failures >= 0 else run.stdout[-20000:]
    assert run.returncode == 0, f"schemathesis found problems:\n{summary}\n{run.stderr[-5000:]}"
