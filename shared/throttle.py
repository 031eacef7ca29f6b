"""Counting recent events per key in SQL, for rate limits and brute-force delays.

Kept in the database rather than in memory so every instance of the app sees the
same counts. Keys name what is limited, e.g. `login-ip:203.0.113.7`; a `Limit`
names a rate limit once (what is counted, how many, over which window), and the
key is its name and the subject counted (an account, an address).

Counting is check-then-add, so a caller whose count must be exact under parallel
requests holds a row lock that serialises them (the account's, in auth) around it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Index, String, Uuid, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared import clock
from shared.db import Base, UtcDateTime
from shared.problems import rate_limited


class ThrottleEvent(Base):
    __tablename__ = "throttle_events"
    __table_args__ = (Index("ix_throttle_events_key_at", "key", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


def hit(session: Session, key: str) -> None:
    session.add(ThrottleEvent(key=key, at=clock.now()))
    session.flush()


def count(session: Session, key: str, window: timedelta) -> int:
    since = clock.now() - window
    query = select(func.count()).where(ThrottleEvent.key == key, ThrottleEvent.at > since)
    return session.scalar(query) or 0


def latest(session: Session, key: str, window: timedelta) -> datetime | None:
    since = clock.now() - window
    query = select(func.max(ThrottleEvent.at)).where(
        ThrottleEvent.key == key, ThrottleEvent.at > since
    )
    return session.scalar(query)


def clear(session: Session, key: str) -> None:
    session.execute(delete(ThrottleEvent).where(ThrottleEvent.key == key))


def purge_limits(session: Session, limits: Iterable[Limit]) -> int:
    """Delete the events of `limits` older than their windows: each area purges its own."""
    purged = 0
    for limit in limits:
        result = session.execute(
            delete(ThrottleEvent).where(
                ThrottleEvent.key.startswith(f"{limit.name}:", autoescape=True),
                ThrottleEvent.at < clock.now() - limit.window,
            )
        )
        purged += int(getattr(result, "rowcount", 0) or 0)
    return purged


def purge(session: Session, older_than: timedelta) -> int:
    result = session.execute(
        delete(ThrottleEvent).where(ThrottleEvent.at < clock.now() - older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Limit:
    """A named rate limit: at most `most` events per subject in any `window`.

    `refusal` is what `check` tells a client over the limit (429 with Retry-After).
    """

    name: str
    most: int
    window: timedelta
    refusal: str = "Too many requests; try again later."

    def key(self, subject: str) -> str:
        return f"{self.name}:{subject}"

    def reached(self, session: Session, subject: str) -> bool:
        return count(session, self.key(subject), self.window) >= self.most

    def check(self, session: Session, subject: str) -> None:
        """429 `rate_limited` while `subject` is at the limit."""
        if self.reached(session, subject):
            raise rate_limited(self.window, self.refusal)

    def hit(self, session: Session, subject: str) -> None:
        hit(session, self.key(subject))

    def clear(self, session: Session, subject: str) -> None:
        clear(session, self.key(subject))
