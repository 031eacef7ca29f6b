"""The HTTP side of sessions: the cookies, and the guards that require a session.

The session cookie `__Host-casai_session` carries the token auth.sessions looks up;
the trusted-device cookie `__Host-casai_device` a browser's note that it signed in to
an account before. Every unsafe request must echo the session's CSRF token in
`X-CSRF-Token`. A guard establishes the caller as a `Principal` on the context.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING

from auth import sessions
from auth.sessions import Principal, Visitor
from shared import crypto
from shared.http import Context, GuardContract, declare_guard
from shared.problems import Problem, ProblemCode

if TYPE_CHECKING:
    from auth.models import User, UserSession

SESSION_COOKIE = "__Host-casai_session"
DEVICE_COOKIE = "__Host-casai_device"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# __Host- prefix: Secure, Path=/ and no Domain, so no subdomain can set or read them.
_SESSION_ATTRIBUTES = "Path=/; Secure; HttpOnly; SameSite=Lax"


def session_cookie(token: str) -> tuple[str, str]:
    return ("Set-Cookie", f"{SESSION_COOKIE}={token}; {_SESSION_ATTRIBUTES}")


def clearing_cookie() -> tuple[str, str]:
    return ("Set-Cookie", f"{SESSION_COOKIE}=; {_SESSION_ATTRIBUTES}; Max-Age=0")


def device_cookie(token: str) -> tuple[str, str]:
    max_age = int(sessions.DEVICE_LIFETIME.total_seconds())
    return (
        "Set-Cookie",
        f"{DEVICE_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age}",
    )


def cookie(ctx: Context, name: str) -> str | None:
    """A cookie's value as the request sent it; None when absent, empty or unreadable."""
    raw = ctx.header("Cookie")
    if not raw:
        return None
    try:
        jar: SimpleCookie = SimpleCookie(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


def device_token(ctx: Context) -> str | None:
    """The trusted-device cookie's value, for `sessions.is_trusted_device`."""
    return cookie(ctx, DEVICE_COOKIE)


SIGNED_IN = GuardContract("required", {401: [ProblemCode.UNAUTHENTICATED]})


@declare_guard(SIGNED_IN)
def signed_in(ctx: Context) -> None:
    """Guard: a live session, and the CSRF token on unsafe methods."""
    token = cookie(ctx, SESSION_COOKIE)
    found = sessions.find(ctx.db, token) if token is not None else None
    establish_signed_in(ctx, token, found)


def session_token(ctx: Context) -> str | None:
    """The session cookie's token, for a guard reading the session with more
    (`sessions.opened_by`, `sessions.admit`; then `establish_signed_in`)."""
    return cookie(ctx, SESSION_COOKIE)


def establish_signed_in(
    ctx: Context, token: str | None, found: tuple[User, UserSession] | None
) -> None:
    """`signed_in`'s verdict on what the session cookie's token opened: 401 without a
    live session, the CSRF check, then the caller established as a `Principal`."""
    if found is None:
        raise unauthenticated(clear_cookie=token is not None)
    ctx.establish(_principal(ctx, *found))


def unauthenticated(*, clear_cookie: bool = False) -> Problem:
    """401: no live session; clearing the cookie that named one which is no more."""
    return Problem(
        401,
        "unauthenticated",
        "Sign in to continue.",
        headers=dict([clearing_cookie()]) if clear_cookie else None,
        keep_writes=True,  # a session found past its limits stays deleted
    )


def _principal(ctx: Context, user: User, session: UserSession) -> Principal:
    """The caller of a live session, once the CSRF check passed on unsafe methods."""
    if ctx.request.method.upper() in UNSAFE_METHODS:
        sent = ctx.header(CSRF_HEADER) or ""
        if not crypto.same(sent, session.csrf_token):
            raise Problem(403, "csrf_failed", f"Send the session's {CSRF_HEADER} header.")
    trusted = sessions.is_trusted_device(device_token(ctx), user)
    return Principal(user, session, ctx.client, trusted_device=trusted)


@declare_guard(GuardContract("optional", {}))
def signed_in_or_anonymous(ctx: Context) -> None:
    """Guard of endpoints open to everyone: a `Visitor`, with its `Principal` when the
    request carries a live session. A request that does must pass the CSRF check on
    unsafe methods as any signed-in request, so no other site can act in its name; a
    cookie that opens no session is ignored."""
    token = cookie(ctx, SESSION_COOKIE)
    found = sessions.find(ctx.db, token) if token is not None else None
    principal = _principal(ctx, *found) if found is not None else None
    ctx.establish(Visitor(ctx.client, principal))


# What a guard asking for a passed second factor adds to signed_in's contract.
SECOND_FACTOR = {"x-casai-second-factor": "required"}


@declare_guard(
    GuardContract(
        "required",
        {**SIGNED_IN.refusals, 403: [ProblemCode.MFA_REQUIRED]},
        SECOND_FACTOR,
    )
)
def signed_in_with_second_factor(ctx: Context) -> None:
    """Guard: as `signed_in`, and the session has passed a second factor."""
    signed_in(ctx)
    if ctx.established(Principal).session.second_factor is None:
        raise Problem(
            403, "mfa_required", "Confirm with a second factor first (POST /api/auth/step-up)."
        )
