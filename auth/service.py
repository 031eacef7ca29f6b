"""Accounts and sign-in: the rules, called with the database session, who is calling
(a `Principal`, or for anonymous requests the `Client`) and plain values.

Failures that must be remembered (wrong passwords, wrong codes) are raised as a
Problem that keeps the request's writes. Cookies are the routes' business: a service
that signs someone in returns the tokens (`SignedIn`) for the route to set.

Anonymous requests (register, verify-email, login, forgot, reset) answer alike,
byte for byte, whether or not the address has an account: limits on them are
counted by address, and codes are checked before anything about the account is said.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth import emails, otp, passwords, policy, sessions
from auth.events import AccountEvent
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
from auth.sessions import Principal
from shared import audit, clock, crypto, email, throttle
from shared.client import Client
from shared.db import transaction as db_transaction
from shared.pagination import PageQuery
from shared.problems import (
    FieldError,
    Problem,
    not_found,
    rate_limited,
    validation_error,
)
from shared.throttle import Limit

log = logging.getLogger("casai.auth")

# After `most` consecutive failed sign-ins for an address (known or not) each further
# try waits 2, 4, 8 … seconds, at most MAX_DELAY; failures are remembered 24 hours
# and a success (or a reset by e-mailed code) clears them.
LOGIN_FAILURES = Limit("login-email", 5, timedelta(hours=24))
MAX_DELAY = timedelta(minutes=15)
LOGIN_FAILURES_PER_CLIENT = Limit(
    "login-ip", 30, timedelta(minutes=15), "Too many failed sign-ins from this address."
)
# "You already have an account" e-mails, per account: anyone can register any address.
ACCOUNT_EXISTS_MAILS = Limit("account-exists", 3, timedelta(hours=1))
LIMITS = (LOGIN_FAILURES, LOGIN_FAILURES_PER_CLIENT, ACCOUNT_EXISTS_MAILS, *otp.LIMITS)


@dataclass(frozen=True)
class SignedIn:
    """A sign-in's answer and the cookie values the route sets with it."""

    answer: LoginResult
    session_token: str | None = None  # a new session's, or a session's after a step-up
    device_token: str | None = None  # the trusted-device note, at every new session


def _security_event(
    db: Session, user_id: uuid.UUID, action: AccountEvent, who: audit.Actor, **details: Any
) -> None:
    """An event of the account's own security log (GET /me/security-log)."""
    audit.record(db, audit.user(user_id), action, who, target=user_id, **details)


# --- helpers --------------------------------------------------------------------


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        locale="en" if user.locale == "en" else "sv",
        created_at=user.created_at,
        platform_admin=user.platform_admin,
    )


def session_info(session: UserSession) -> SessionInfo:
    return SessionInfo(
        id=session.id,
        mfa=session.second_factor is not None,
        methods=session.factor_list,
        created_at=session.created_at,
        expires_at=session.expires_at,
    )


def authenticated(user: User, session: UserSession) -> Authenticated:
    return Authenticated(
        user=user_out(user), session=session_info(session), csrf_token=session.csrf_token
    )


def challenge_out(challenge: OtpChallenge, methods: list[Method]) -> Challenge:
    return Challenge(challenge_id=challenge.id, methods=methods, expires_at=challenge.expires_at)


def find_user(db: Session, address: str) -> User | None:
    return db.scalar(select(User).where(User.email == address.lower()))


def _refuse_weak_password(password: str, address: str, name: str, field: str) -> None:
    reason = passwords.policy_problem(password, email=address, display_name=name)
    if reason is not None:
        problem, limit, message = reason
        error = FieldError(field, problem, message, None if limit is None else str(limit))
        raise validation_error("The password is not accepted.", [error])


def _check_login_throttle(
    db: Session, address: str, ip: str | None, *, trusted_device: bool = False
) -> None:
    """429 while the address (or the client's address) failed too often.

    A browser that signed in to the account before is not held back by the address's
    failures: strangers' wrong passwords must not lock the owner out.
    """
    wait = timedelta(0) if trusted_device else _login_delay(db, otp.address_subject(address))
    if wait > timedelta(0):
        raise rate_limited(wait, "Too many failed sign-ins; wait before trying again.")
    if ip is not None:
        LOGIN_FAILURES_PER_CLIENT.check(db, ip)


def _login_delay(db: Session, subject: str) -> timedelta:
    """How long the address must still wait since its last failure (none while free)."""
    key = LOGIN_FAILURES.key(subject)
    failures = throttle.count(db, key, LOGIN_FAILURES.window)
    if failures < LOGIN_FAILURES.most:
        return timedelta(0)
    delay = min(MAX_DELAY, timedelta(seconds=2 ** (failures - LOGIN_FAILURES.most)))
    last = throttle.latest(db, key, LOGIN_FAILURES.window)
    return (last + delay - clock.now()) if last is not None else timedelta(0)


def _count_failure(db: Session, address: str, ip: str | None) -> None:
    LOGIN_FAILURES.hit(db, otp.address_subject(address))
    if ip is not None:
        LOGIN_FAILURES_PER_CLIENT.hit(db, ip)


def require_password(db: Session, me: Principal, password: str) -> None:
    """Re-check the password of a signed-in user; wrong tries count as failed sign-ins.
    Its refusals are auth.refusals.PASSWORD_CHECK."""
    otp.lock_account(db, me.user.id)
    _check_login_throttle(db, me.user.email, me.client.ip, trusted_device=me.trusted_device)
    if not passwords.verify_password(me.user.password_hash, password):
        _count_failure(db, me.user.email, me.client.ip)
        _security_event(db, me.user.id, AccountEvent.PASSWORD_CHECK_FAILED, me.actor)
        raise Problem(403, "invalid_credentials", "The password is wrong.", keep_writes=True)


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


def _start_session(db: Session, client: Client, user: User, factors: list[str]) -> SignedIn:
    known_device = db.scalar(
        select(UserSession.id).where(
            UserSession.user_id == user.id,
            UserSession.ip == client.ip,
            UserSession.user_agent == client.user_agent,
        )
    )
    session, token = sessions.start(db, user, factors, client)
    _security_event(
        db,
        user.id,
        AccountEvent.LOGIN_SUCCEEDED,
        audit.Actor(user.id, client),
        factor=factors[-1],
        session_id=str(session.id),
    )
    if known_device is None:
        email.send(
            emails.new_sign_in(
                user,
                device=client.user_agent or "an unknown browser",
                ip=client.ip or "unknown",
                at=clock.now().strftime("%Y-%m-%d %H:%M"),
            )
        )
    answer = LoginResult(authenticated(user, session))
    return SignedIn(answer, session_token=token, device_token=sessions.device_token(user))


# --- registration and e-mail verification ------------------------------------------


def register(db: Session, client: Client, body: RegisterIn) -> StatusOut:
    """Same answer, same work, whether or not the address has an account.

    Each registration of an unproven address waits on its own challenge with its own
    password; a later one changes nothing an earlier code activates, and proving the
    mailbox activates only a registration whose password the prover gives.
    """
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
        _security_event(db, user.id, AccountEvent.REGISTERED, audit.Actor(user.id, client))
    else:
        _send_account_exists(db, user)
        _security_event(
            db,
            user.id,
            AccountEvent.REGISTRATION_REFUSED,
            audit.Actor(user.id, client),
            reason="address_taken",
        )
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
    limit.check(db, subject)
    limit.hit(db, subject)


def _send_account_exists(db: Session, user: User) -> None:
    subject = str(user.id)
    if ACCOUNT_EXISTS_MAILS.reached(db, subject):
        return
    ACCOUNT_EXISTS_MAILS.hit(db, subject)
    email.send(emails.render("account_exists", user.locale, user.email))


def _matching_address_code(
    db: Session, purpose: Purpose, address: str, code: str
) -> tuple[User, OtpChallenge, list[OtpChallenge]]:
    """The account, its live challenge of `purpose` that `code` answers, and all its
    challenges of `purpose` that were live before this try; else 400.

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
        raise otp.wrong_code(db, purpose, subject)
    return user, matched, live


def verify_email(db: Session, client: Client, body: VerifyEmailIn) -> VerifiedOut:
    """The code proves the mailbox; the password says which registration its owner made."""
    user, challenge, registrations = _matching_address_code(
        db, Purpose.VERIFY_EMAIL, body.email, body.code
    )
    actor = audit.Actor(user.id, client)
    # The code's own registration first. Read before this try was counted: a right
    # code on the last try must still find its registration.
    registrations.sort(key=lambda c: c.id != challenge.id)
    chosen = next(
        (r for r in registrations if passwords.verify_password(r.password_hash, body.password)),
        None,
    )
    if chosen is None or chosen.password_hash is None:
        _count_failure(db, body.email, client.ip)
        _security_event(
            db, user.id, AccountEvent.EMAIL_VERIFICATION_FAILED, actor, reason="password"
        )
        raise Problem(
            400,
            "invalid_credentials",
            "Give the password you chose when you registered.",
            keep_writes=True,
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
    _security_event(db, user.id, AccountEvent.EMAIL_VERIFIED, actor)
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


def login(db: Session, client: Client, body: LoginIn, device_token: str | None) -> SignedIn:
    """A session, or `otp_required`; `device_token` is the trusted-device cookie's value."""
    user = find_user(db, body.email)
    if user is not None:
        otp.lock_account(db, user.id)  # parallel guesses are counted one after another
    trusted = user is not None and sessions.is_trusted_device(device_token, user)
    _check_login_throttle(db, body.email, client.ip, trusted_device=trusted)
    if user is not None and user.email_verified_at is None:
        if _matches_a_registration(db, user, body.password):
            raise Problem(403, "email_not_verified", "Confirm your e-mail address first.")
        accepted = False
    else:
        stored = user.password_hash if user is not None else None
        accepted = passwords.verify_password(stored, body.password)
    if not accepted:
        _count_failure(db, body.email, client.ip)
        if user is not None:
            _security_event(
                db,
                user.id,
                AccountEvent.LOGIN_FAILED,
                audit.Actor(user.id, client),
                factor="password",
            )
        raise Problem(
            401,
            "invalid_credentials",
            "The e-mail address or password is wrong.",
            keep_writes=True,
        )
    assert user is not None  # verify_password is False without a stored hash
    actor = audit.Actor(user.id, client)
    LOGIN_FAILURES.clear(db, otp.address_subject(body.email))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(body.password)
    if user.disabled_at is not None:
        _security_event(db, user.id, AccountEvent.LOGIN_REFUSED, actor, reason="account_disabled")
        raise Problem(403, "account_disabled", "This account is disabled.", keep_writes=True)
    if not policy.second_factor_required(db, user):
        return _start_session(db, client, user, ["password"])
    methods = available_methods(db, user)
    challenge = otp.open_challenge(db, user, Purpose.LOGIN, send="email" in methods)
    _security_event(db, user.id, AccountEvent.PASSWORD_ACCEPTED, actor, second_factor_required=True)
    if "email" in methods:
        _security_event(db, user.id, AccountEvent.OTP_SENT, actor, purpose="login")
    required = OtpRequired.model_validate(challenge_out(challenge, methods), from_attributes=True)
    return SignedIn(LoginResult(required))


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


def is_step_up(db: Session, challenge_id: uuid.UUID) -> bool:
    """Whether the challenge is a step-up, whose code only its signed-in session may send."""
    challenge = db.get(OtpChallenge, challenge_id)
    return challenge is not None and challenge.purpose == Purpose.STEP_UP


def verify_otp(
    db: Session, client: Client, caller: Principal | None, body: OtpVerifyIn
) -> SignedIn:
    """One try per request, counted and spent by conditional updates under the
    account's lock, so parallel tries of one code open one session at most.

    A step-up code upgrades only the session it was made for: `caller`'s.
    """
    found = db.get(OtpChallenge, body.challenge_id)
    anothers_step_up = (
        found is not None
        and found.purpose == Purpose.STEP_UP
        and (caller is None or caller.session.id != found.session_id)
    )
    challenge = otp.require_usable(None if anothers_step_up else found, otp.SIGN_IN_PURPOSES)
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
    actor = audit.Actor(user.id, client)
    if factor is None:
        _security_event(db, user.id, AccountEvent.OTP_FAILED, actor, purpose=purpose)
        raise otp.wrong_code(db, purpose, subject, max(0, otp.MAX_ATTEMPTS - challenge.attempts))
    if not otp.consume(db, challenge):
        raise otp.challenge_ended()
    if purpose == Purpose.LOGIN:
        return _start_session(db, client, user, ["password", factor])
    assert caller is not None  # a step-up challenge is usable only with its session
    session = caller.session
    token = sessions.rotate(db, session, [*session.factor_list, factor])
    _security_event(
        db,
        user.id,
        AccountEvent.STEP_UP_SUCCEEDED,
        actor,
        factor=factor,
        session_id=str(session.id),
    )
    return SignedIn(LoginResult(authenticated(user, session)), session_token=token)


def resend_code(db: Session, client: Client, body: OtpResendIn) -> StatusOut:
    challenge = otp.require_usable(db.get(OtpChallenge, body.challenge_id), otp.SIGN_IN_PURPOSES)
    user = db.get(User, challenge.user_id)
    if user is None:
        raise otp.challenge_ended()
    if "email" not in available_methods(db, user):
        raise Problem(409, "conflict", "This account does not use e-mail codes.")
    otp.lock_account(db, user.id)  # the send cap counts exactly
    db.refresh(challenge)
    otp.send_code(db, challenge, user)
    _security_event(
        db,
        user.id,
        AccountEvent.OTP_SENT,
        audit.Actor(user.id, client),
        purpose=challenge.purpose,
        resend=True,
    )
    return StatusOut(status="code_sent")


def step_up(db: Session, me: Principal) -> Challenge:
    methods = available_methods(db, me.user)
    if "email" in methods:
        otp.lock_account(db, me.user.id)  # the send cap counts exactly
    challenge = otp.open_challenge(
        db, me.user, Purpose.STEP_UP, session_id=me.session.id, send="email" in methods
    )
    if "email" in methods:
        _security_event(db, me.user.id, AccountEvent.OTP_SENT, me.actor, purpose="step_up")
    return challenge_out(challenge, methods)


# --- sessions -------------------------------------------------------------------


def current_session(me: Principal) -> SessionView:
    return SessionView.model_validate(authenticated(me.user, me.session), from_attributes=True)


def logout(db: Session, me: Principal) -> None:
    """End the caller's session; the route clears its cookie."""
    sessions.end(db, UserSession.id == me.session.id)
    _security_event(
        db,
        me.user.id,
        AccountEvent.SESSION_ENDED,
        me.actor,
        reason="logout",
        session_id=str(me.session.id),
    )


def list_sessions(db: Session, me: Principal) -> SessionList:
    rows = db.scalars(
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
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                expires_at=row.expires_at,
                ip=row.ip,
                user_agent=row.user_agent,
            )
            for row in rows
        ]
    )


def end_session(db: Session, me: Principal, session_id: uuid.UUID) -> bool:
    """End one of the caller's sessions; whether it was the caller's own (clear its cookie)."""
    ended = sessions.end(db, UserSession.id == session_id, UserSession.user_id == me.user.id)
    if not ended:
        raise not_found("No such session.")
    _security_event(
        db,
        me.user.id,
        AccountEvent.SESSION_ENDED,
        me.actor,
        reason="ended_by_user",
        session_id=str(session_id),
    )
    return session_id == me.session.id


def end_other_sessions(db: Session, me: Principal) -> None:
    count = sessions.end_others(db, me)
    _security_event(
        db, me.user.id, AccountEvent.SESSION_ENDED, me.actor, reason="ended_others", count=count
    )


# --- passwords ------------------------------------------------------------------


def change_password(db: Session, me: Principal, body: PasswordChangeIn) -> None:
    require_password(db, me, body.current_password)
    _refuse_weak_password(body.new_password, me.user.email, me.user.display_name, "new_password")
    me.user.password_hash = passwords.hash_password(body.new_password)
    ended = sessions.end_others(db, me)
    _security_event(
        db, me.user.id, AccountEvent.PASSWORD_CHANGED, me.actor, other_sessions_ended=ended
    )


def forgot_password(db: Session, client: Client, body: PasswordForgotIn) -> StatusOut:
    """Queue the request; the same statements run whether or not the address has an
    account, and the code goes out after the response (`answer_reset_requests`)."""
    _take_address_request(db, Purpose.PASSWORD_RESET, body.email)
    db.add(ResetRequest(email=body.email, ip=client.ip, requested_at=clock.now()))
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
    requester = audit.Actor(user.id, Client(ip=queued.ip))
    _security_event(db, user.id, AccountEvent.OTP_SENT, requester, purpose=purpose)


def reset_password(db: Session, client: Client, body: PasswordResetIn) -> None:
    """The code first: only its holder learns whether the new password or a missing
    authenticator code is the problem."""
    purpose = Purpose.PASSWORD_RESET
    user, challenge, _ = _matching_address_code(db, purpose, body.email, body.code)
    _refuse_weak_password(body.new_password, user.email, user.display_name, "new_password")
    totp = otp.confirmed_totp(db, user)
    if totp is not None:
        if body.totp_code is None:
            raise Problem(
                403, "totp_required", "This account has an authenticator app: send its code too."
            )
        if not otp.accept_totp(db, totp, body.totp_code):
            raise otp.wrong_code(db, purpose, otp.counted_as(purpose, None, body.email))
    if not otp.consume(db, challenge):
        raise otp.invalid_code()
    user.password_hash = passwords.hash_password(body.new_password)
    ended = sessions.end(db, UserSession.user_id == user.id)
    LOGIN_FAILURES.clear(db, otp.address_subject(user.email))
    _security_event(
        db, user.id, AccountEvent.PASSWORD_RESET, audit.Actor(user.id, client), sessions_ended=ended
    )


# --- second factors -------------------------------------------------------------


def mfa_status(db: Session, user: User) -> MfaStatus:
    totp = otp.confirmed_totp(db, user)
    return MfaStatus(
        email_otp=user.email_otp_enabled,
        totp=totp is not None,
        recovery_codes_left=otp.recovery_codes_left(db, user) if totp else 0,
    )


def _end_other_sessions_for_factor_change(db: Session, me: Principal) -> int:
    """A change of second factors ends the account's other sessions, as a password
    change does: none keeps a factor that no longer exists, nor misses a new one."""
    return sessions.end_others(db, me)


def set_email_otp(db: Session, me: Principal, body: MfaEmailIn) -> MfaStatus:
    require_password(db, me, body.password)
    me.user.email_otp_enabled = body.enabled
    ended = _end_other_sessions_for_factor_change(db, me)
    _security_event(
        db,
        me.user.id,
        AccountEvent.MFA_CHANGED,
        me.actor,
        email_otp=body.enabled,
        other_sessions_ended=ended,
    )
    return mfa_status(db, me.user)


def setup_totp(db: Session, me: Principal) -> TotpSetup:
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


def _check_app_code(db: Session, me: Principal, credential: TotpCredential, code: str) -> None:
    """A signed-in caller's authenticator code, counted as their step-up codes are."""
    subject = otp.counted_as(Purpose.STEP_UP, me.user.id, me.user.email)
    otp.refuse_while_guessing(db, Purpose.STEP_UP, subject)
    if not otp.accept_totp(db, credential, code):
        raise otp.wrong_code(db, Purpose.STEP_UP, subject)


def confirm_totp(db: Session, me: Principal, body: TotpConfirmIn) -> RecoveryCodes:
    credential = db.get(TotpCredential, me.user.id)
    if credential is None or credential.confirmed_at is not None:
        raise Problem(409, "conflict", "Start with POST /api/auth/mfa/totp/setup.")
    otp.lock_account(db, me.user.id)
    _check_app_code(db, me, credential, body.code)
    credential.confirmed_at = clock.now()
    codes = otp.new_recovery_codes(db, me.user)
    ended = _end_other_sessions_for_factor_change(db, me)
    _security_event(
        db, me.user.id, AccountEvent.MFA_CHANGED, me.actor, totp=True, other_sessions_ended=ended
    )
    return RecoveryCodes(recovery_codes=codes)


def remove_totp(db: Session, me: Principal, body: TotpDeleteIn) -> None:
    require_password(db, me, body.password)
    credential = otp.confirmed_totp(db, me.user)
    if credential is None:
        raise not_found("No authenticator app is set up.")
    _check_app_code(db, me, credential, body.code)
    db.delete(credential)
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == me.user.id))
    ended = _end_other_sessions_for_factor_change(db, me)
    _security_event(
        db, me.user.id, AccountEvent.MFA_CHANGED, me.actor, totp=False, other_sessions_ended=ended
    )


def regenerate_recovery_codes(db: Session, me: Principal, password: str) -> RecoveryCodes:
    require_password(db, me, password)
    if otp.confirmed_totp(db, me.user) is None:
        raise Problem(409, "conflict", "Recovery codes come with an authenticator app.")
    codes = otp.new_recovery_codes(db, me.user)
    ended = _end_other_sessions_for_factor_change(db, me)
    _security_event(
        db,
        me.user.id,
        AccountEvent.RECOVERY_CODES_REGENERATED,
        me.actor,
        other_sessions_ended=ended,
    )
    return RecoveryCodes(recovery_codes=codes)


# --- me -------------------------------------------------------------------------


def update_me(db: Session, me: Principal, body: MePatch) -> UserOut:
    if body.display_name is not None:
        me.user.display_name = body.display_name
    if body.locale is not None:
        me.user.locale = body.locale
    _security_event(db, me.user.id, AccountEvent.PROFILE_CHANGED, me.actor)
    return user_out(me.user)


def security_log(me: Principal, query: PageQuery) -> SecurityLog:
    events, cursor = audit.read(audit.user(me.user.id), query.limit, query.cursor)
    return SecurityLog(
        items=[
            SecurityEvent(id=e.id, action=e.action, at=e.at, ip=e.ip, details=e.details)
            for e in events
        ],
        next_cursor=cursor,
    )


# --- expiry (timer triggers) --------------------------------------------------------


def purge_challenges(db: Session) -> int:
    """Delete challenges that ended, and auth's counts older than their limits' windows;
    safe to run twice at once (plain DELETEs)."""
    now = clock.now()
    result = db.execute(
        delete(OtpChallenge).where(
            or_(OtpChallenge.expires_at < now, OtpChallenge.consumed_at.is_not(None))
        )
    )
    throttle.purge_limits(db, LIMITS)
    return int(getattr(result, "rowcount", 0) or 0)


def purge_sessions(db: Session) -> int:
    return sessions.end(db, sessions.ended())
