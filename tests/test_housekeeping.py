"""The app's timers let the serverless database pause, and wait for it to resume.

Azure SQL serverless pauses after 60 idle minutes (infra/modules/sql.bicep); a timer
that queries it more often keeps it awake around the clock (infra/README.md, Cost).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from devhost.ncrontab import next_fire
from shared import housekeeping
from tests.conftest import REPO

AUTO_PAUSE_DELAY = timedelta(minutes=60)

# The app's timers and their schedules, read in a process of their own (get_functions may
# run once per app object).
LIST_TIMERS = """
import json
from azure.functions.decorators.timer import TimerTrigger
import function_app
print(json.dumps({
    f.get_function_name(): f.get_trigger().schedule
    for f in function_app.app.get_functions()
    if isinstance(f.get_trigger(), TimerTrigger)
}))
"""


def app_timers() -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", LIST_TIMERS], cwd=REPO, capture_output=True, text=True, check=True
    )
    timers: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return timers


def test_every_timer_lets_the_database_pause_between_runs() -> None:
    timers = app_timers()
    assert {
        "purge_challenges",
        "purge_sessions",
        "answer_reset_requests",
        "expire_invitations",
        "sweep_audit_outbox",
        "sweep_abandoned_uploads",
    } <= set(timers)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    fires = sorted(
        {
            moment
            for name, schedule in timers.items()
            if name not in housekeeping.ON_DEMAND
            for moment in _fires(schedule, start, start + timedelta(days=2))
        }
    )
    gaps = [later - earlier for earlier, later in itertools.pairwise(fires)]
    assert fires, "no timer fires at all"
    # All at one moment a day: the database wakes once for all of them.
    assert all(gap > AUTO_PAUSE_DELAY * 2 for gap in gaps), timers


def _fires(schedule: str, start: datetime, end: datetime) -> list[datetime]:
    moments, moment = [], next_fire(schedule, start)
    while moment < end:
        moments.append(moment)
        moment = next_fire(schedule, moment)
    return moments


def test_a_resuming_database_is_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    attempts = []

    def work() -> None:
        attempts.append(1)
        if len(attempts) < 3:  # 40613 while the serverless database resumes
            raise OperationalError("SELECT 1", {}, Exception("40613 Database is not available"))

    housekeeping.run(work, "test")

    assert len(attempts) == 3
    assert waits == [housekeeping.RESUME_WAIT_SECONDS] * 2


def test_a_database_that_never_answers_fails_the_run_within_the_function_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)

    def work() -> None:
        raise OperationalError("SELECT 1", {}, Exception("down"))

    with pytest.raises(OperationalError):
        housekeeping.run(work, "test")
    waited = housekeeping.RESUME_WAIT_SECONDS * (housekeeping.RESUME_ATTEMPTS - 1)
    assert waited < 120 - 30  # host.json functionTimeout 2 min, with time left for the work


class DatabaseTouchedError(Exception):
    """A timer opened a database session."""


def on_demand_timers() -> dict[str, tuple[Callable[[Any], None], Any, str]]:
    """Each frequent timer, the module holding its "work left here" hint, and the hint."""
    import meta.routes
    import quantities.file_routes
    import quantities.routes
    import support.routes
    import support.service
    from quantities import files, snapshots
    from shared import audit

    return {
        "forward_audit_events": (meta.routes.forward_audit_events, audit, "left_behind_here"),
        "forward_tickets": (
            support.routes.forward_tickets,
            support.service,
            "left_waiting_here",
        ),
        "write_revision_snapshots": (
            quantities.routes.write_revision_snapshots,
            snapshots,
            "left_waiting_here",
        ),
        "remove_abandoned_uploads": (
            quantities.file_routes.remove_abandoned_uploads,
            files,
            "left_to_sweep_here",
        ),
    }


def test_every_frequent_timer_is_checked_here() -> None:
    assert set(on_demand_timers()) == housekeeping.ON_DEMAND


@pytest.mark.parametrize("name", sorted(housekeeping.ON_DEMAND))
@pytest.mark.parametrize("work_left_here", [False, True])
def test_a_frequent_timer_touches_the_database_only_with_work_left_here(
    name: str, work_left_here: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared import db

    def no_database() -> None:
        raise DatabaseTouchedError

    timer, module, hint = on_demand_timers()[name]
    monkeypatch.setattr(db, "_session_factory", no_database)  # every new_session() asks it
    monkeypatch.setattr(module, hint, lambda: work_left_here)
    if work_left_here:
        with pytest.raises(DatabaseTouchedError):
            timer(None)
    else:
        timer(None)
