"""The time, in UTC.

Tests of expiry need to move time forward in a running app: with
`CASAI_ENVIRONMENT=test`, `CASAI_TEST_CLOCK_FILE` may name a file holding an offset
in seconds that is added to the real time. Any other environment refuses that
setting (shared.config), so production always reads the real clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.config import get_settings


def now() -> datetime:
    current = datetime.now(UTC)
    clock_file = get_settings().test_clock_file
    if clock_file is not None:
        current += timedelta(seconds=_offset(clock_file))
    return current


def _offset(clock_file: Path) -> float:
    try:
        return float(clock_file.read_text().strip() or 0)
    except FileNotFoundError:
        return 0.0
