"""Server-side sessions: the rules, with no HTTP in them (auth.guards reads the cookies).

The browser holds an opaque 256-bit token in a cookie; the database keeps only its
SHA-256. A session ends after 60 idle minutes or 12 hours in all (settings), at
logout, and when the password changes.

The guards import this module when the app starts; the tables (auth.models and the
audit outbox, with the ORM) are imported by the functions that use them, with the
first request, so that a cold start stays short (bench/bench_cold_start.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, delete, or_, select

from shared import clock, crypto
from shared.client import Client
from shared.config import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from auth.models import User, UserSession
    from shared import audit

# A browser that once signed in to an account keeps a signed note of it, so that
# strangers' wrong passwords for the address never make that browser wait.
DEVICE_LIFETIME = timedelta(days=90)
# last_seen_at is written at most this often, not on every request.
SEEN_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account, its session, and where the request comes from."""

    user: User
    session: UserSession
    client: Client
    # The browser presented this account's trusted-device cookie.
    trusted_device: bool = False

    @property
    def actor(self) -> audit.Actor:
        from shared import audit

        return audit.Actor(self.user.id, self.client)


@dataclass(frozen=True)
class Visitor:
    """Who calls an endpoint open to everyone: signed in (`principal`) or anonymous."""

    client: Client
    principal: Principal | None = None

    @property
    def actor(self) -> audit.Actor:
        from shared import audit

        user_id = self.principal.user.id if self.principal is not None else None
        return audit.Actor(user_id, self.client)


def device_token(user: User) -> str:
    """The trusted-device cookie's value for `user`; a password change voids every one."""
    issued = int(clock.now().timestamp())
    return f"{user.id.hex}.{issued}.{_device_mac(user, issued)}"


def _device_mac(user: User, issued: int) -> str:
    return crypto.mac("device", f"{user.id.hex}:{issued}:{user.password_hash}")


def is_trusted_device(token: str | None, user: User) -> bool:
    """Whether a trusted-device cookie's value says this browser signed in to `user` before."""
    if token is None or token.count(".") != 2:
        return False
    user_hex, issued_text, sent_mac = token.split(".")
    if user_hex != user.id.hex or not issued_text.isdigit():
        return False
    issued = int(issued_text)
    if clock.now().timestamp() - issued > DEVICE_LIFETIME.total_seconds():
        return False
    return crypto.same(sent_mac, _device_mac(user, issued))


def start(db: Session, user: User, factors: list[str], client: Client) -> tuple[UserSession, str]:
    """A new session for `user` and the token its cookie carries."""
    from auth.models import UserSession

    settings = get_settings()
    now = clock.now()
    token = crypto.new_token()
    session = UserSession(
        user_id=user.id,
        token_hash=crypto.token_hash(token),
        csrf_token=crypto.new_token(),
        factors=",".join(factors),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
        ip=client.ip,
        user_agent=client.user_agent,
    )
    db.add(session)
    db.flush()
    return session, token


def rotate(db: Session, session: UserSession, factors: list[str]) -> str:
    """New token and CSRF token for a session that passed another factor; the new token."""
    token = crypto.new_token()
    session.token_hash = crypto.token_hash(token)
    session.csrf_token = crypto.new_token()
    session.factors = ",".join(factors)
    db.flush()
    return token


def find(db: Session, token: str) -> tuple[User, UserSession] | None:
    """The live session a cookie's token opens, and its account.

    A session found past its limits is deleted (the caller keeps that write even
    though its request is refused); a disabled account has no session.
    """
    from auth.models import User, UserSession

    # The session and its account in one round trip (every request asks this first).
    found = db.execute(select(UserSession, User).where(opened_by(token))).one_or_none()
    if found is None:
        return None
    return admit(db, *found)


def opened_by(token: str) -> ColumnElement[bool]:
    """In SQL, the session a cookie's token opens, joined to its account: for statements
    that read the session and its account with more (`admit` then decides)."""
    from auth.models import User, UserSession

    return and_(UserSession.token_hash == crypto.token_hash(token), User.id == UserSession.user_id)


def admit(db: Session, session: UserSession, user: User) -> tuple[User, UserSession] | None:
    """The session found by its token and its account, if live: `find`'s rules."""
    from auth.models import UserSession

    if not is_live(session):
        end(db, UserSession.id == session.id)
        return None
    if user.disabled_at is not None:
        return None
    now = clock.now()
    if now - session.last_seen_at > SEEN_RESOLUTION:
        session.last_seen_at = now
    return user, session


def end(db: Session, *conditions: object) -> int:
    from auth.models import UserSession

    result = db.execute(delete(UserSession).where(*conditions))  # type: ignore[arg-type]
    return int(getattr(result, "rowcount", 0) or 0)


def end_others(db: Session, me: Principal) -> int:
    """End the caller's other sessions; how many."""
    from auth.models import UserSession

    return end(db, UserSession.user_id == me.user.id, UserSession.id != me.session.id)


def is_live(session: UserSession) -> bool:
    now = clock.now()
    idle_limit = timedelta(minutes=get_settings().session_idle_minutes)
    return session.expires_at > now and session.last_seen_at + idle_limit > now


def ended() -> ColumnElement[bool]:
    """In SQL, the sessions `is_live` refuses: past their absolute or their idle limit."""
    from auth.models import UserSession

    now = clock.now()
    idle_since = now - timedelta(minutes=get_settings().session_idle_minutes)
    return or_(UserSession.expires_at <= now, UserSession.last_seen_at <= idle_since)
