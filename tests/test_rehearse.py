"""The pieces of `make rehearse` (infra/rehearse.py) that `make test` can run."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from infra import rehearse
from tests.conftest import REPO
from tests.test_azure_sql import real_driver
from tests.test_infra import FUNCTION_APP_BICEP, app_settings


class DriverError(Exception):
    """pyodbc's errors carry (sqlstate, message)."""


class WrappedError(Exception):
    """SQLAlchemy wraps the driver's error as `.orig`."""

    def __init__(self, orig: Exception) -> None:
        super().__init__(str(orig))
        self.orig = orig


@pytest.mark.parametrize(
    ("sqlstate", "message", "attempted"),
    [
        ("HYT00", "[HYT00] Login timeout expired (0) (SQLDriverConnect)", True),
        ("08001", "[08001] TCP Provider: Error code 0x2749 (10057) (SQLDriverConnect)", True),
        ("FA005", "[FA005] Cannot use Access Token with any of the following options", False),
        ("01S00", "[01S00] Invalid connection string attribute (0) (SQLDriverConnect)", False),
    ],
)
def test_only_a_login_attempt_counts(sqlstate: str, message: str, attempted: bool) -> None:
    outcome = rehearse.classify_sql_failure(WrappedError(DriverError(sqlstate, message)))
    assert outcome.ok is attempted, outcome.detail


def test_the_rehearsal_sets_what_the_bicep_deploys() -> None:
    deployed = {
        name
        for name in app_settings(FUNCTION_APP_BICEP.read_text(encoding="utf-8"))
        if name.startswith("CASAI_")
    }
    rehearsed = set(rehearse.deployed_environment(1, 2))
    assert rehearsed == deployed


def test_the_checklist_is_short_and_printed_from_the_readme() -> None:
    checklist = rehearse.first_deployment_checklist()
    assert checklist.startswith(rehearse.CHECKLIST_HEADING)
    items = re.findall(r"^\d+\. \*\*", checklist, re.MULTILINE)
    assert 1 <= len(items) <= 6, checklist


def test_the_app_as_deployed_gets_to_its_first_azure_sql_login() -> None:
    real_driver()  # skips, saying why, where the driver is not installed
    done = subprocess.run(
        [sys.executable, "infra/rehearse.py", "app"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "loaded as production" in done.stdout
    assert "the driver tried to log in" in done.stdout
