"""Server-side sessions and the guards that require one.

The browser holds an opaque 256-bit token in the cookie `__Host-casai_session`;
the database keeps only its SHA-256. A session ends after 60 idle minutes or 12
hours in all (settings), at logout, and when the password changes. Every unsafe
request must echo the session's CSRF token in `X-CSRF-Token`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from http.cookies import CookieError, SimpleCookie

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from auth.models import User, UserSession
from shared import clock, crypto
from shared.config import get_settings
from shared.http import Context
from shared.problems import Problem

COOKIE_NAME = "__Host-casai_session"
# A browser that once signed in to an account keeps a signed note of it, so that
# strangers' wrong passwords for the address never make that browser wait.
DEVICE_COOKIE_NAME = "__Host-casai_device"
DEVICE_LIFETIME = timedelta(days=90)
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# last_seen_at is written at most this often, not on every request.
SEEN_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class Principal:
    user: User
    session: UserSession


def cookie_header(token: str) -> tuple[str, str]:
    # __Host- prefix: Secure, Path=/ and no Domain, so no subdomain can set or read it.
    return (
        "Set-Cookie",
        f"{COOKIE_NAME}={token}; Path=/; Secure; HttpOnly; SameSite=Lax",
    )


def clearing_cookie_header() -> tuple[str, str]:
    return (
        "Set-Cookie",
        f"{COOKIE_NAME}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0",
    )


def device_cookie_header(user: User) -> tuple[str, str]:
    """The trusted-device cookie for `user`; a password change voids every such cookie."""
    issued = int(clock.now().timestamp())
    value = f"{user.id.hex}.{issued}.{_device_mac(user, issued)}"
    max_age = int(DEVICE_LIFETIME.total_seconds())
    return (
        "Set-Cookie",
        f"{DEVICE_COOKIE_NAME}={value}; Path=/; Secure; HttpOnly; SameSite=Strict; "
        f"Max-Age={max_age}",
    )


def _device_mac(user: User, issued: int) -> str:
    return crypto.mac("device", f"{user.id.hex}:{issued}:{user.password_hash}")


def is_trusted_device(ctx: Context, user: User) -> bool:
    """Whether the request comes from a browser that signed in to `user` before."""
    value = _cookie(ctx, DEVICE_COOKIE_NAME)
    if value is None or value.count(".") != 2:
        return False
    user_hex, issued_text, sent_mac = value.split(".")
    if user_hex != user.id.hex or not issued_text.isdigit():
        return False
    issued = int(issued_text)
    if clock.now().timestamp() - issued > DEVICE_LIFETIME.total_seconds():
        return False
    return crypto.same(sent_mac, _device_mac(user, issued))


def start(db: Session, user: User, factors: list[str], ctx: Context) -> UserSession:
    """A new session for `user`; its cookie is added to the response."""
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
        ip=ctx.client_ip,
        user_agent=user_agent(ctx),
    )
    db.add(session)
    db.flush()
    ctx.response_headers.append(cookie_header(token))
    return session


def user_agent(ctx: Context) -> str | None:
    """The browser's User-Agent as a session records it (and the new-device check compares)."""
    return (ctx.header("User-Agent") or "")[:256] or None


def rotate(db: Session, session: UserSession, factors: list[str], ctx: Context) -> None:
    """New token and CSRF token for a session that passed another factor."""
    token = crypto.new_token()
    session.token_hash = crypto.token_hash(token)
    session.csrf_token = crypto.new_token()
    session.factors = ",".join(factors)
    db.flush()
    ctx.response_headers.append(cookie_header(token))


def end(db: Session, *conditions: object) -> int:
    result = db.execute(delete(UserSession).where(*conditions))  # type: ignore[arg-type]
    return int(getattr(result, "rowcount", 0) or 0)


def end_others(db: Session, me: Principal) -> int:
    """End the caller's other sessions; how many."""
    return end(db, UserSession.user_id == me.user.id, UserSession.id != me.session.id)


def is_live(session: UserSession) -> bool:
    now = clock.now()
    idle_limit = timedelta(minutes=get_settings().session_idle_minutes)
    return (
        clock.as_utc(session.expires_at) > now
        and clock.as_utc(session.last_seen_at) + idle_limit > now
    )


def ended() -> ColumnElement[bool]:
    """In SQL, the sessions `is_live` refuses: past their absolute or their idle limit."""
    now = clock.now()
    idle_since = now - timedelta(minutes=get_settings().session_idle_minutes)
    return or_(UserSession.expires_at <= now, UserSession.last_seen_at <= idle_since)


def _cookie(ctx: Context, name: str) -> str | None:
    raw = ctx.header("Cookie")
    if not raw:
        return None
    try:
        jar: SimpleCookie = SimpleCookie(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


def _token_from_cookie(ctx: Context) -> str | None:
    return _cookie(ctx, COOKIE_NAME)


def current(ctx: Context) -> Principal | None:
    """The caller's live session, if the request carries one."""
    token = _token_from_cookie(ctx)
    if token is None:
        return None
    db = ctx.db
    session = db.scalar(
        select(UserSession).where(UserSession.token_hash == crypto.token_hash(token))
    )
    if session is None:
        return None
    if not is_live(session):
        end(db, UserSession.id == session.id)
        db.commit()  # the expired session is gone even though this request fails
        return None
    user = db.get(User, session.user_id)
    if user is None or user.disabled_at is not None:
        return None
    now = clock.now()
    if now - clock.as_utc(session.last_seen_at) > SEEN_RESOLUTION:
        session.last_seen_at = now
    return Principal(user=user, session=session)


def signed_in(ctx: Context) -> None:
    """Guard: a live session, and the CSRF token on unsafe methods."""
    principal = current(ctx)
    if principal is None:
        raise Problem(
            401,
            "unauthenticated",
            "Sign in to continue.",
            headers=dict([clearing_cookie_header()]) if _token_from_cookie(ctx) else None,
        )
    if ctx.request.method.upper() in UNSAFE_METHODS:
        sent = ctx.header(CSRF_HEADER) or ""
        if not crypto.same(sent, principal.session.csrf_token):
            raise Problem(403, "csrf_failed", f"Send the session's {CSRF_HEADER} header.")
    ctx.principal = principal


def signed_in_with_second_factor(ctx: Context) -> None:
    """Guard: as `signed_in`, and the session has passed a second factor."""
    signed_in(ctx)
    if principal(ctx).session.second_factor is None:
        raise Problem(
            403, "mfa_required", "Confirm with a second factor first (POST /api/auth/step-up)."
        )


def principal(ctx: Context) -> Principal:
    """The caller, as a `signed_in` guard established."""
    found = ctx.principal
    if not isinstance(found, Principal):
        raise RuntimeError("endpoint has no signed_in guard")
    return found
