"""Accounts and sign-in: the rules, with no HTTP in them but the request context.

Failures that must be remembered (wrong passwords, wrong codes) are committed
before the Problem is raised, since the HTTP wrapper rolls back on errors.

Anonymous requests (register, verify-email, login, forgot, reset) answer alike,
byte for byte, whether or not the address has an account: limits on them are
counted by address, and codes are checked before anything about the account is said.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth import emails, guards, otp, passwords, policy, sessions
from auth.models import (
    OtpChallenge,
    RecoveryCode,
    ResetRequest,
    TotpCredential,
    User,
    UserSession,
)
from auth.otp import Purpose
from auth.schemas import (
    Authenticated,
    Challenge,
    LoginIn,
    LoginResult,
    MePatch,
    Method,
    MfaEmailIn,
    MfaStatus,
    OtpRequired,
    OtpResendIn,
    OtpVerifyIn,
    PasswordChangeIn,
    PasswordForgotIn,
    PasswordResetIn,
    RecoveryCodes,
    RegisterIn,
    SecurityEvent,
    SecurityLog,
    SessionInfo,
    SessionItem,
    SessionList,
    SessionView,
    StatusOut,
    TotpConfirmIn,
    TotpDeleteIn,
    TotpSetup,
    UserOut,
    VerifiedOut,
    VerifyEmailIn,
)
from shared import audit, clock, crypto, email, throttle
from shared.client import Client
from shared.db import transaction as db_transaction
from shared.http import Context
from shared.pagination import PageQuery
from shared.problems import Problem, not_found, rate_limited, validation_error

log = logging.getLogger("casai.auth")

FREE_FAILURES = 5  # consecutive wrong passwords before delays begin
FAILURE_MEMORY = timedelta(hours=24)
MAX_DELAY = timedelta(minutes=15)
IP_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_IP = 30
NOTICE_WINDOW = timedelta(hours=1)
MAX_ACCOUNT_EXISTS_MAILS = 3


# --- helpers --------------------------------------------------------------------


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        locale="en" if user.locale == "en" else "sv",
        created_at=clock.as_utc(user.created_at),
    )


def session_info(session: UserSession) -> SessionInfo:
    return SessionInfo(
        id=session.id,
        mfa=session.second_factor is not None,
        methods=session.factor_list,
        created_at=clock.as_utc(session.created_at),
        expires_at=clock.as_utc(session.expires_at),
    )


def authenticated(user: User, session: UserSession) -> Authenticated:
    return Authenticated(
        user=user_out(user), session=session_info(session), csrf_token=session.csrf_token
    )


def record(user: User, action: str, ctx: Context, **details: str | int | bool | None) -> None:
    _record(user, action, ctx.client_ip, **details)


def _record(user: User, action: str, ip: str | None, **details: str | int | bool | None) -> None:
    who = audit.Actor(user.id, Client(ip=ip))
    audit.record(audit.user(user.id), action, who, target=user.id, **details)


def find_user(db: Session, address: str) -> User | None:
    return db.scalar(select(User).where(User.email == address.lower()))


def _email_key(address: str) -> str:
    # Keyed by the address, known or not, so throttling never tells which exist.
    return "login-email:" + crypto.mac("throttle", address.lower())


def _refuse_weak_password(password: str, address: str, name: str, field: str) -> None:
    reason = passwords.policy_problem(password, email=address, display_name=name)
    if reason is not None:
        raise validation_error(
            "The password is not accepted.", [{"field": field, "message": reason}]
        )


def _check_login_throttle(
    db: Session, address: str, ip: str | None, *, trusted_device: bool = False
) -> None:
    """429 while the address (or the client's address) failed too often.

    A browser that signed in to the account before is not held back by the address's
    failures: strangers' wrong passwords must not lock the owner out.
    """
    key = _email_key(address)
    failures = 0 if trusted_device else throttle.count(db, key, FAILURE_MEMORY)
    if failures >= FREE_FAILURES:
        delay = min(MAX_DELAY, timedelta(seconds=2 ** (failures - FREE_FAILURES)))
        last = throttle.latest(db, key, FAILURE_MEMORY)
        wait = (last + delay - clock.now()) if last is not None else timedelta(0)
        if wait > timedelta(0):
            raise rate_limited(wait, "Too many failed sign-ins; wait before trying again.")
    if ip is not None and throttle.count(db, f"login-ip:{ip}", IP_WINDOW) >= MAX_FAILURES_PER_IP:
        raise rate_limited(IP_WINDOW, "Too many failed sign-ins from this address.")


def _count_failure(db: Session, address: str, ip: str | None) -> None:
    throttle.hit(db, _email_key(address))
    if ip is not None:
        throttle.hit(db, f"login-ip:{ip}")


def _require_password(ctx: Context, user: User, password: str) -> None:
    """Re-check the password of a signed-in user; wrong tries count as failed sign-ins."""
    db = ctx.db
    otp.lock_account(db, user.id)
    _check_login_throttle(
        db,
        user.email,
        ctx.client_ip,
        trusted_device=sessions.is_trusted_device(guards.device_token(ctx), user),
    )
    if not passwords.verify_password(user.password_hash, password):
        _count_failure(db, user.email, ctx.client_ip)
        record(user, "password_check_failed", ctx)
        db.commit()
        raise Problem(403, "invalid_credentials", "The password is wrong.")


def available_methods(db: Session, user: User) -> list[Method]:
    totp = otp.confirmed_totp(db, user)
    methods: list[Method] = []
    if user.email_otp_enabled or totp is None:
        methods.append("email")
    if totp is not None:
        methods.append("totp")
        if otp.recovery_codes_left(db, user) > 0:
            methods.append("recovery")
    return methods


def _start_session(ctx: Context, user: User, factors: list[str]) -> Authenticated:
    db = ctx.db
    known_device = db.scalar(
        select(UserSession.id).where(
            UserSession.user_id == user.id,
            UserSession.ip == ctx.client_ip,
            UserSession.user_agent == ctx.client.user_agent,
        )
    )
    session, token = sessions.start(db, user, factors, ctx.client)
    ctx.response_headers.append(guards.session_cookie(token))
    ctx.response_headers.append(guards.device_cookie(sessions.device_token(user)))
    record(user, "login_succeeded", ctx, factor=factors[-1], session_id=str(session.id))
    if known_device is None:
        email.send(
            emails.new_sign_in(
                user,
                device=ctx.header("User-Agent") or "an unknown browser",
                ip=ctx.client_ip or "unknown",
                at=clock.now().strftime("%Y-%m-%d %H:%M"),
            )
        )
    return authenticated(user, session)


# --- registration and e-mail verification ------------------------------------------


def register(ctx: Context, body: RegisterIn) -> StatusOut:
    """Same answer, same work, whether or not the address has an account.

    Each registration of an unproven address waits on its own challenge with its own
    password; a later one changes nothing an earlier code activates, and proving the
    mailbox activates only a registration whose password the prover gives.
    """
    db = ctx.db
    _refuse_weak_password(body.password, body.email, body.display_name, "password")
    registration = (passwords.hash_password(body.password), body.display_name, body.locale)
    user = find_user(db, body.email)
    if user is None:
        user = _new_account(db, body)
    if user is not None:
        otp.lock_account(db, user.id)
    _take_address_request(db, Purpose.VERIFY_EMAIL, body.email)
    if user is None:
        pass  # a parallel request is creating the account and has not committed yet
    elif user.email_verified_at is None:
        otp.open_challenge(db, user, Purpose.VERIFY_EMAIL, registration=registration)
        record(user, "registered", ctx)
    else:
        _send_account_exists(db, user)
        record(user, "registration_refused", ctx, reason="address_taken")
    return StatusOut(status="verification_sent")


def _new_account(db: Session, body: RegisterIn) -> User | None:
    """A new unverified account for the address; None when a parallel request won.

    The loser's transaction is rolled back (it had written nothing yet) and it finds
    the winner's account if that committed.
    """
    user = User(
        email=body.email,
        display_name=body.display_name,
        password_hash="",  # set from the registration its holder verifies
        locale=body.locale,
        email_otp_enabled=False,
        created_at=clock.now(),
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        return find_user(db, body.email)
    return user


def _take_address_request(db: Session, purpose: Purpose, address: str) -> None:
    """Count a request for a code by address, or 429 when it asked too often.

    Counted and answered alike whether or not the address has an account.
    """
    limit, subject = otp.CODE_REQUESTS[purpose], otp.counted_as(purpose, None, address)
    if limit.reached(db, subject):
        raise rate_limited(
            limit.window,
            "Too many codes were asked for this address; the last one sent still works. "
            "Try again later.",
        )
    limit.hit(db, subject)


def _send_account_exists(db: Session, user: User) -> None:
    key = f"account-exists:{user.id}"
    if throttle.count(db, key, timedelta(hours=1)) >= MAX_ACCOUNT_EXISTS_MAILS:
        return
    throttle.hit(db, key)
    email.send(emails.render("account_exists", user.locale, user.email))


def _matching_address_code(
    db: Session, purpose: Purpose, address: str, code: str
) -> tuple[User, OtpChallenge]:
    """The account and its live challenge of `purpose` that `code` answers, else 400.

    Known or not, the address gets the same answers and the same counts: 429 after
    too many wrong codes, 400 `invalid_code` (no attempts left, which would say that
    a challenge exists) for a wrong one. A wrong code is a try on every live challenge.
    """
    subject = otp.counted_as(purpose, None, address)
    user = find_user(db, address)
    if user is not None:
        otp.lock_account(db, user.id)
    otp.refuse_while_guessing(db, purpose, subject)
    live = otp.live_challenges(db, user.id, purpose) if user is not None else []
    matched = next((c for c in live if otp.email_code_matches(c, code)), None)
    if user is None or matched is None or not otp.take_attempt(db, matched):
        for challenge in live:
            otp.take_attempt(db, challenge)
        otp.record_miss(db, purpose, subject)
        raise otp.invalid_code()
    return user, matched


def verify_email(ctx: Context, body: VerifyEmailIn) -> VerifiedOut:
    """The code proves the mailbox; the password says which registration its owner made."""
    db = ctx.db
    user, challenge = _matching_address_code(db, Purpose.VERIFY_EMAIL, body.email, body.code)
    registrations = otp.live_challenges(db, user.id, Purpose.VERIFY_EMAIL)
    registrations.sort(key=lambda c: c.id != challenge.id)  # the code's own first
    chosen = next(
        (r for r in registrations if passwords.verify_password(r.password_hash, body.password)),
        None,
    )
    if chosen is None or chosen.password_hash is None:
        _count_failure(db, body.email, ctx.client_ip)
        record(user, "email_verification_failed", ctx, reason="password")
        db.commit()
        raise Problem(
            400, "invalid_credentials", "Give the password you chose when you registered."
        )
    if not otp.consume(db, challenge):
        raise otp.invalid_code()
    activated = db.execute(
        update(User)
        .where(User.id == user.id, User.email_verified_at.is_(None))
        .values(
            email_verified_at=clock.now(),
            password_hash=chosen.password_hash,
            display_name=chosen.display_name or user.display_name,
            locale=chosen.locale or user.locale,
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(activated, "rowcount", 0):
        raise otp.invalid_code()
    db.execute(
        delete(OtpChallenge).where(
            OtpChallenge.user_id == user.id, OtpChallenge.purpose == Purpose.VERIFY_EMAIL
        )
    )
    record(user, "email_verified", ctx)
    return VerifiedOut(verified=True)


def _matches_a_registration(db: Session, user: User, password: str) -> bool:
    """Whether `password` is that of a live registration of the unverified `user`.

    One password hash is checked at least, as for an unknown address.
    """
    hashes = [
        c.password_hash
        for c in otp.live_challenges(db, user.id, Purpose.VERIFY_EMAIL)
        if c.password_hash
    ]
    if not hashes:
        passwords.verify_password(None, password)
        return False
    return any(passwords.verify_password(h, password) for h in hashes)


# --- sign-in --------------------------------------------------------------------


def login(ctx: Context, body: LoginIn) -> LoginResult:
    db = ctx.db
    ip = ctx.client_ip
    user = find_user(db, body.email)
    if user is not None:
        otp.lock_account(db, user.id)  # parallel guesses are counted one after another
    trusted = user is not None and sessions.is_trusted_device(guards.device_token(ctx), user)
    _check_login_throttle(db, body.email, ip, trusted_device=trusted)
    if user is not None and user.email_verified_at is None:
        if _matches_a_registration(db, user, body.password):
            raise Problem(403, "email_not_verified", "Confirm your e-mail address first.")
        accepted = False
    else:
        stored = user.password_hash if user is not None else None
        accepted = passwords.verify_password(stored, body.password)
    if not accepted:
        _count_failure(db, body.email, ip)
        if user is not None:
            record(user, "login_failed", ctx, factor="password")
        db.commit()
        raise Problem(401, "invalid_credentials", "The e-mail address or password is wrong.")
    assert user is not None  # verify_password is False without a stored hash
    throttle.clear(db, _email_key(body.email))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(body.password)
    if user.disabled_at is not None:
        record(user, "login_refused", ctx, reason="account_disabled")
        db.commit()
        raise Problem(403, "account_disabled", "This account is disabled.")
    if not policy.second_factor_required(db, user):
        return LoginResult(_start_session(ctx, user, ["password"]))
    methods = available_methods(db, user)
    challenge = otp.open_challenge(db, user, Purpose.LOGIN, send="email" in methods)
    record(user, "password_accepted", ctx, second_factor_required=True)
    if "email" in methods:
        record(user, "otp_sent", ctx, purpose="login")
    return LoginResult(
        OtpRequired(
            challenge_id=challenge.id,
            methods=methods,
            expires_at=clock.as_utc(challenge.expires_at),
        )
    )


def _second_factor_matches(
    db: Session, user: User, challenge: OtpChallenge, code: str, method: Method | None
) -> Method | None:
    """Which factor the code proves, or None. Without a method, each offered one is tried."""
    offered = available_methods(db, user)
    totp = otp.confirmed_totp(db, user)
    for candidate in [method] if method else offered:
        if candidate not in offered:
            continue
        if candidate == "email" and otp.email_code_matches(challenge, code):
            return "email"
        if candidate == "totp" and totp is not None and otp.accept_totp(db, totp, code):
            return "totp"
        if candidate == "recovery" and otp.use_recovery_code(db, user, code):
            return "recovery"
    return None


def verify_otp(ctx: Context, body: OtpVerifyIn) -> LoginResult:
    """One try per request, counted and spent by conditional updates under the
    account's lock, so parallel tries of one code open one session at most."""
    db = ctx.db
    challenge = db.get(OtpChallenge, body.challenge_id)
    if challenge is not None and challenge.purpose == Purpose.STEP_UP:
        guards.signed_in(ctx)  # a step-up code upgrades only the session it was made for
        if guards.principal(ctx).session.id != challenge.session_id:
            challenge = None
    challenge = otp.require_usable(challenge, otp.SIGN_IN_PURPOSES)
    purpose = Purpose(challenge.purpose)
    user = db.get(User, challenge.user_id)
    if user is None or user.disabled_at is not None:
        raise otp.challenge_ended()
    otp.lock_account(db, user.id)
    subject = otp.counted_as(purpose, user.id, user.email)
    otp.refuse_while_guessing(db, purpose, subject)
    if not otp.take_attempt(db, challenge):
        raise otp.challenge_ended()
    factor = _second_factor_matches(db, user, challenge, body.code, body.method)
    if factor is None:
        record(user, "otp_failed", ctx, purpose=purpose)
        otp.record_miss(db, purpose, subject)
        raise otp.invalid_code(max(0, otp.MAX_ATTEMPTS - challenge.attempts))
    if not otp.consume(db, challenge):
        raise otp.challenge_ended()
    if purpose == Purpose.LOGIN:
        return LoginResult(_start_session(ctx, user, ["password", factor]))
    session = guards.principal(ctx).session
    token = sessions.rotate(db, session, [*session.factor_list, factor])
    ctx.response_headers.append(guards.session_cookie(token))
    record(user, "step_up_succeeded", ctx, factor=factor, session_id=str(session.id))
    return LoginResult(authenticated(user, session))


def resend_code(ctx: Context, body: OtpResendIn) -> StatusOut:
    db = ctx.db
    challenge = otp.require_usable(db.get(OtpChallenge, body.challenge_id), otp.SIGN_IN_PURPOSES)
    user = db.get(User, challenge.user_id)
    if user is None:
        raise otp.challenge_ended()
    if "email" not in available_methods(db, user):
        raise Problem(409, "conflict", "This account does not use e-mail codes.")
    otp.lock_account(db, user.id)  # the send cap counts exactly
    db.refresh(challenge)
    otp.send_code(db, challenge, user)
    record(user, "otp_sent", ctx, purpose=challenge.purpose, resend=True)
    return StatusOut(status="code_sent")


def step_up(ctx: Context) -> Challenge:
    me = guards.principal(ctx)
    db = ctx.db
    methods = available_methods(db, me.user)
    if "email" in methods:
        otp.lock_account(db, me.user.id)  # the send cap counts exactly
    challenge = otp.open_challenge(
        db, me.user, Purpose.STEP_UP, session_id=me.session.id, send="email" in methods
    )
    if "email" in methods:
        record(me.user, "otp_sent", ctx, purpose="step_up")
    return Challenge(
        challenge_id=challenge.id, methods=methods, expires_at=clock.as_utc(challenge.expires_at)
    )


# --- sessions -------------------------------------------------------------------


def current_session(ctx: Context) -> SessionView:
    me = guards.principal(ctx)
    return SessionView(
        user=user_out(me.user), session=session_info(me.session), csrf_token=me.session.csrf_token
    )


def logout(ctx: Context) -> None:
    me = guards.principal(ctx)
    sessions.end(ctx.db, UserSession.id == me.session.id)
    record(me.user, "session_ended", ctx, reason="logout", session_id=str(me.session.id))
    ctx.response_headers.append(guards.clearing_cookie())


def list_sessions(ctx: Context) -> SessionList:
    me = guards.principal(ctx)
    rows = ctx.db.scalars(
        select(UserSession)
        .where(UserSession.user_id == me.user.id, ~sessions.ended())
        .order_by(UserSession.created_at.desc())
    )
    return SessionList(
        items=[
            SessionItem(
                id=row.id,
                current=row.id == me.session.id,
                mfa=row.second_factor is not None,
                created_at=clock.as_utc(row.created_at),
                last_seen_at=clock.as_utc(row.last_seen_at),
                expires_at=clock.as_utc(row.expires_at),
                ip=row.ip,
                user_agent=row.user_agent,
            )
            for row in rows
        ]
    )


def end_session(ctx: Context, session_id: uuid.UUID) -> None:
    me = guards.principal(ctx)
    ended = sessions.end(ctx.db, UserSession.id == session_id, UserSession.user_id == me.user.id)
    if not ended:
        raise not_found("No such session.")
    record(me.user, "session_ended", ctx, reason="ended_by_user", session_id=str(session_id))
    if session_id == me.session.id:
        ctx.response_headers.append(guards.clearing_cookie())


def end_other_sessions(ctx: Context) -> None:
    me = guards.principal(ctx)
    count = sessions.end_others(ctx.db, me)
    record(me.user, "session_ended", ctx, reason="ended_others", count=count)


# --- passwords ------------------------------------------------------------------


def change_password(ctx: Context, body: PasswordChangeIn) -> None:
    me = guards.principal(ctx)
    _require_password(ctx, me.user, body.current_password)
    _refuse_weak_password(body.new_password, me.user.email, me.user.display_name, "new_password")
    me.user.password_hash = passwords.hash_password(body.new_password)
    ended = sessions.end_others(ctx.db, me)
    record(me.user, "password_changed", ctx, other_sessions_ended=ended)


def forgot_password(ctx: Context, body: PasswordForgotIn) -> StatusOut:
    """Queue the request; the same statements run whether or not the address has an
    account, and the code goes out after the response (`answer_reset_requests`)."""
    db = ctx.db
    _take_address_request(db, Purpose.PASSWORD_RESET, body.email)
    db.add(ResetRequest(email=body.email, ip=ctx.client_ip, requested_at=clock.now()))
    return StatusOut(status="reset_code_sent")


def answer_reset_requests(most: int = 100) -> int:
    """Send the codes of queued reset requests, oldest first, each in its transaction.

    Runs right after a forgot request's response and every minute; each request is
    claimed by a DELETE whose row count says who got it, so two runs never answer one
    twice. How many were answered.
    """
    answered = 0
    while answered < most:
        with db_transaction() as db:
            queued = db.scalar(select(ResetRequest).order_by(ResetRequest.requested_at).limit(1))
            if queued is None:
                break
            claimed = db.execute(delete(ResetRequest).where(ResetRequest.id == queued.id))
            if getattr(claimed, "rowcount", 0) == 1:
                _answer_reset_request(db, queued)
        answered += 1
    return answered


def _answer_reset_request(db: Session, queued: ResetRequest) -> None:
    user = find_user(db, queued.email)
    if user is None or user.email_verified_at is None or user.disabled_at is not None:
        return
    otp.lock_account(db, user.id)
    purpose = Purpose.PASSWORD_RESET
    if otp.CODES_SENT[purpose].reached(db, otp.counted_as(purpose, user.id, user.email)):
        log.info("reset code not sent: the account's cap is reached")
        return  # and the code sent last keeps working
    db.execute(
        delete(OtpChallenge).where(OtpChallenge.user_id == user.id, OtpChallenge.purpose == purpose)
    )
    otp.open_challenge(db, user, purpose)
    _record(user, "otp_sent", queued.ip, purpose=purpose)


def reset_password(ctx: Context, body: PasswordResetIn) -> None:
    """The code first: only its holder learns whether the new password or a missing
    authenticator code is the problem."""
    db = ctx.db
    user, challenge = _matching_address_code(db, Purpose.PASSWORD_RESET, body.email, body.code)
    _refuse_weak_password(body.new_password, user.email, user.display_name, "new_password")
    totp = otp.confirmed_totp(db, user)
    if totp is not None:
        if body.totp_code is None:
            raise Problem(
                403, "totp_required", "This account has an authenticator app: send its code too."
            )
        if not otp.accept_totp(db, totp, body.totp_code):
            otp.record_miss(
                db, Purpose.PASSWORD_RESET, otp.counted_as(Purpose.PASSWORD_RESET, None, body.email)
            )
            raise otp.invalid_code()
    if not otp.consume(db, challenge):
        raise otp.invalid_code()
    user.password_hash = passwords.hash_password(body.new_password)
    ended = sessions.end(db, UserSession.user_id == user.id)
    throttle.clear(db, _email_key(user.email))
    record(user, "password_reset", ctx, sessions_ended=ended)


# --- second factors -------------------------------------------------------------


def mfa_status(db: Session, user: User) -> MfaStatus:
    totp = otp.confirmed_totp(db, user)
    return MfaStatus(
        email_otp=user.email_otp_enabled,
        totp=totp is not None,
        recovery_codes_left=otp.recovery_codes_left(db, user) if totp else 0,
    )


def _end_other_sessions_for_factor_change(ctx: Context) -> int:
    """A change of second factors ends the account's other sessions, as a password
    change does: none keeps a factor that no longer exists, nor misses a new one."""
    return sessions.end_others(ctx.db, guards.principal(ctx))


def set_email_otp(ctx: Context, body: MfaEmailIn) -> MfaStatus:
    me = guards.principal(ctx)
    _require_password(ctx, me.user, body.password)
    me.user.email_otp_enabled = body.enabled
    ended = _end_other_sessions_for_factor_change(ctx)
    record(me.user, "mfa_changed", ctx, email_otp=body.enabled, other_sessions_ended=ended)
    return mfa_status(ctx.db, me.user)


def setup_totp(ctx: Context) -> TotpSetup:
    me = guards.principal(ctx)
    db = ctx.db
    existing = db.get(TotpCredential, me.user.id)
    if existing is not None and existing.confirmed_at is not None:
        raise Problem(409, "conflict", "An authenticator app is already set up; remove it first.")
    secret = otp.new_totp_secret()
    if existing is not None:
        db.delete(existing)
        db.flush()
    db.add(
        TotpCredential(
            user_id=me.user.id,
            secret_encrypted=crypto.encrypt("totp", secret),
            last_used_step=0,
            created_at=clock.now(),
        )
    )
    return TotpSetup(secret=secret, otpauth_uri=otp.totp_uri(secret, me.user.email))


def confirm_totp(ctx: Context, body: TotpConfirmIn) -> RecoveryCodes:
    me = guards.principal(ctx)
    db = ctx.db
    credential = db.get(TotpCredential, me.user.id)
    if credential is None or credential.confirmed_at is not None:
        raise Problem(409, "conflict", "Start with POST /api/auth/mfa/totp/setup.")
    otp.lock_account(db, me.user.id)
    subject = otp.counted_as(Purpose.STEP_UP, me.user.id, me.user.email)
    otp.refuse_while_guessing(db, Purpose.STEP_UP, subject)  # a signed-in caller's code
    if not otp.accept_totp(db, credential, body.code):
        otp.record_miss(db, Purpose.STEP_UP, subject)
        raise otp.invalid_code()
    credential.confirmed_at = clock.now()
    codes = otp.new_recovery_codes(db, me.user)
    ended = _end_other_sessions_for_factor_change(ctx)
    record(me.user, "mfa_changed", ctx, totp=True, other_sessions_ended=ended)
    return RecoveryCodes(recovery_codes=codes)


def remove_totp(ctx: Context, body: TotpDeleteIn) -> None:
    me = guards.principal(ctx)
    db = ctx.db
    _require_password(ctx, me.user, body.password)
    credential = otp.confirmed_totp(db, me.user)
    if credential is None:
        raise not_found("No authenticator app is set up.")
    subject = otp.counted_as(Purpose.STEP_UP, me.user.id, me.user.email)
    otp.refuse_while_guessing(db, Purpose.STEP_UP, subject)  # a signed-in caller's code
    if not otp.accept_totp(db, credential, body.code):
        otp.record_miss(db, Purpose.STEP_UP, subject)  # commits the used-step record too
        raise otp.invalid_code()
    db.delete(credential)
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == me.user.id))
    ended = _end_other_sessions_for_factor_change(ctx)
    record(me.user, "mfa_changed", ctx, totp=False, other_sessions_ended=ended)


def regenerate_recovery_codes(ctx: Context, password: str) -> RecoveryCodes:
    me = guards.principal(ctx)
    _require_password(ctx, me.user, password)
    if otp.confirmed_totp(ctx.db, me.user) is None:
        raise Problem(409, "conflict", "Recovery codes come with an authenticator app.")
    codes = otp.new_recovery_codes(ctx.db, me.user)
    ended = _end_other_sessions_for_factor_change(ctx)
    record(me.user, "recovery_codes_regenerated", ctx, other_sessions_ended=ended)
    return RecoveryCodes(recovery_codes=codes)


# --- me -------------------------------------------------------------------------


def update_me(ctx: Context, body: MePatch) -> UserOut:
    me = guards.principal(ctx)
    if body.display_name is not None:
        me.user.display_name = body.display_name
    if body.locale is not None:
        me.user.locale = body.locale
    record(me.user, "profile_changed", ctx)
    return user_out(me.user)


def security_log(ctx: Context, query: PageQuery) -> SecurityLog:
    me = guards.principal(ctx)
    events, cursor = audit.read(f"user:{me.user.id}", query.limit, query.cursor)
    return SecurityLog(
        items=[
            SecurityEvent(id=e.id, action=e.action, at=e.at, ip=e.ip, details=e.details)
            for e in events
        ],
        next_cursor=cursor,
    )


# --- expiry (timer triggers) --------------------------------------------------------


def purge_challenges(db: Session) -> int:
    """Delete challenges that ended; safe to run twice at once (plain DELETEs)."""
    now = clock.now()
    result = db.execute(
        delete(OtpChallenge).where(
            or_(OtpChallenge.expires_at < now, OtpChallenge.consumed_at.is_not(None))
        )
    )
    throttle.purge(db, FAILURE_MEMORY)
    return int(getattr(result, "rowcount", 0) or 0)


def purge_sessions(db: Session) -> int:
    return sessions.end(db, sessions.ended())
