"""The timers that tidy the database: daily, all at one hour, so Azure SQL can pause.

The serverless database pauses after 60 minutes without a connection (sql.bicep,
autoPauseDelay) and stops billing compute; any connection wakes it. Timers that
query it more often than that keep it awake at its minimum around the clock, so
every SQL timer runs at DAILY: the database wakes once a day for them, and is
awake anyway whenever people use the app. What they tidy (ended codes, sessions
and invitations, old rate-limit counts, a reset code whose request thread was lost)
is refused by every reader meanwhile; only the tables wait.

At that hour the database is usually paused: the first connection fails while it
resumes (error 40613, up to about a minute), so `run` tries again a few times,
within host.json's two-minute functionTimeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import OperationalError

log = logging.getLogger("casai.housekeeping")

DAILY = "0 30 3 * * *"  # 03:30 UTC (NCRONTAB, seconds first): night in Sweden
# Timers that run often but touch the database only when this instance has work for
# them (shared.audit.left_behind_here, support.service.left_waiting_here,
# quantities.snapshots.left_waiting_here, quantities.files.left_to_sweep_here): they do
# not keep it awake.
ON_DEMAND = frozenset(
    {
        "forward_audit_events",
        "forward_tickets",
        "write_revision_snapshots",
        "remove_abandoned_uploads",
    }
)
RESUME_ATTEMPTS = 4
RESUME_WAIT_SECONDS = 25.0


def run(work: Callable[[], object], name: str) -> None:
    """Do `work`, again after a pause while the database resumes; the last failure raises."""
    for attempt in range(1, RESUME_ATTEMPTS + 1):
        try:
            work()
            return
        except OperationalError:
            if attempt == RESUME_ATTEMPTS:
                raise
            log.warning(
                "%s: the database did not answer (resuming?); again in %.0f s (%d/%d)",
                name,
                RESUME_WAIT_SECONDS,
                attempt,
                RESUME_ATTEMPTS,
            )
            time.sleep(RESUME_WAIT_SECONDS)
