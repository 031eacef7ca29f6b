"""Second factors: e-mail codes, authenticator apps (TOTP) and recovery codes.

E-mail codes: 6 digits from a CSPRNG, valid 10 minutes, single use, at most 5
wrong tries per challenge, a new one at most every 30 seconds and at most 5 per
account in 15 minutes; stored as an HMAC bound to their challenge and compared in
constant time. TOTP: 30-second steps, 6 digits, one step of drift either way, and
a step once used is never accepted again. Recovery codes: 10, single use, stored
as HMACs.

Single use means once under concurrency: tries are taken, codes consumed, TOTP steps
and recovery codes spent by conditional UPDATEs whose row count says who won, and
the per-account counters are checked and added under the account's row lock
(`lock_account`), so parallel requests can neither use a code twice nor lose a count.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from auth import emails
from auth.models import OtpChallenge, RecoveryCode, TotpCredential, User
from shared import clock, crypto, email
from shared.db import lock_row
from shared.problems import Problem, rate_limited
from shared.throttle import Limit


class Purpose(StrEnum):
    """What a challenge's code proves."""

    LOGIN = "login"  # the second factor of one password check
    STEP_UP = "step_up"  # a second factor for one signed-in session
    VERIFY_EMAIL = "verify_email"  # the mailbox of one registration
    PASSWORD_RESET = "password_reset"  # noqa: S105 (the mailbox, to choose a new password)


# Codes only the password's holder can ask for; the others anyone who knows the
# address can ask for, so those are answered by address.
SIGN_IN_PURPOSES = frozenset({Purpose.LOGIN, Purpose.STEP_UP})

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_COOLDOWN = timedelta(seconds=30)
RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "CASAI"
TOTP_STEP_SECONDS = 30
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i

# At most 5 code e-mails in 15 minutes, and 10 wrong codes in 15 minutes (a correct
# password opens a fresh 5-try challenge each time, so MAX_ATTEMPTS alone would let
# whoever has the password guess authenticator codes without end). Sign-in codes
# are counted per account; codes asked for by address are counted per address,
# known or not (so the limit says nothing about which addresses exist), and per
# purpose, so strangers asking for reset codes cannot silence verification codes.
_WINDOW = timedelta(minutes=15)
_TOO_MANY_SENT = "Too many codes were sent; try again later."
_TOO_MANY_ASKED = (
    "Too many codes were asked for this address; the last one sent still works. Try again later."
)
_TOO_MANY_WRONG = "Too many wrong codes; try again later."
_SIGN_IN_CODES = Limit("email-code:sign-in", 5, _WINDOW, _TOO_MANY_SENT)
_SIGN_IN_MISSES = Limit("otp-miss:sign-in", 10, _WINDOW, _TOO_MANY_WRONG)
CODES_SENT = {
    Purpose.LOGIN: _SIGN_IN_CODES,
    Purpose.STEP_UP: _SIGN_IN_CODES,
    Purpose.VERIFY_EMAIL: Limit("email-code:verify-email", 5, _WINDOW, _TOO_MANY_SENT),
    Purpose.PASSWORD_RESET: Limit("email-code:password-reset", 5, _WINDOW, _TOO_MANY_SENT),
}
# What anyone may ask for by address, known or not: counted for every request, so the
# answer over the limit is the same for every address and can say plainly why.
CODE_REQUESTS = {
    Purpose.VERIFY_EMAIL: Limit("code-request:verify-email", 5, _WINDOW, _TOO_MANY_ASKED),
    Purpose.PASSWORD_RESET: Limit("code-request:password-reset", 5, _WINDOW, _TOO_MANY_ASKED),
}
WRONG_CODES = {
    Purpose.LOGIN: _SIGN_IN_MISSES,
    Purpose.STEP_UP: _SIGN_IN_MISSES,
    Purpose.VERIFY_EMAIL: Limit("otp-miss:verify-email", 10, _WINDOW, _TOO_MANY_WRONG),
    Purpose.PASSWORD_RESET: Limit("otp-miss:password-reset", 10, _WINDOW, _TOO_MANY_WRONG),
}
# Every limit above once, for the purge timer.
LIMITS = tuple(
    dict.fromkeys([*CODES_SENT.values(), *CODE_REQUESTS.values(), *WRONG_CODES.values()])
)

# purpose of a challenge -> the e-mail that carries its code
EMAIL_KIND = {
    Purpose.LOGIN: "sign_in_code",
    Purpose.STEP_UP: "sign_in_code",
    Purpose.VERIFY_EMAIL: "verify_email",
    Purpose.PASSWORD_RESET: "password_reset",
}


def counted_as(purpose: Purpose, user_id: uuid.UUID | None, address: str) -> str:
    """Whom the limits of `purpose` count: the account, or the address (known or not)."""
    if purpose in SIGN_IN_PURPOSES:
        return str(user_id)
    return address_subject(address)


def address_subject(address: str) -> str:
    """An address as limits count it, known or not, so no count tells which exist."""
    return crypto.mac("throttle", address.lower())


def lock_account(db: Session, user_id: uuid.UUID) -> None:
    """Serialise this transaction with every other one that counts or spends for the
    account: each reads the counts and codes the one before it committed."""
    lock_row(db, User.locale, User.id == user_id)


def open_challenge(
    db: Session,
    user: User,
    purpose: Purpose,
    *,
    session_id: uuid.UUID | None = None,
    send: bool = True,
    registration: tuple[str, str, str] | None = None,
) -> OtpChallenge:
    """A new challenge; `registration` is the (password hash, name, locale) it activates."""
    now = clock.now()
    password_hash, display_name, locale = registration or (None, None, None)
    challenge = OtpChallenge(
        user_id=user.id,
        purpose=purpose,
        session_id=session_id,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
        attempts=0,
        sends=0,
        password_hash=password_hash,
        display_name=display_name,
        locale=locale,
    )
    db.add(challenge)
    db.flush()
    if send:
        send_code(db, challenge, user)
    return challenge


def send_code(db: Session, challenge: OtpChallenge, user: User) -> None:
    """A fresh code for the challenge, by e-mail; the previous code stops working."""
    now = clock.now()
    purpose = Purpose(challenge.purpose)
    if challenge.last_sent_at is not None:
        wait = challenge.last_sent_at + RESEND_COOLDOWN - now
        if wait > timedelta(0):
            raise rate_limited(wait, "A code was just sent; wait before asking for another.")
    limit, subject = CODES_SENT[purpose], counted_as(purpose, user.id, user.email)
    limit.check(db, subject)
    code = f"{secrets.randbelow(10**6):06d}"
    challenge.code_mac = _code_mac(challenge, code)
    challenge.sends += 1
    challenge.last_sent_at = now
    challenge.expires_at = now + CODE_LIFETIME
    limit.hit(db, subject)
    locale = challenge.locale or user.locale
    email.send(emails.code(EMAIL_KIND[purpose], locale, user, code))


def _code_mac(challenge: OtpChallenge, code: str) -> str:
    return crypto.mac("email-code", f"{challenge.id}:{code}")


def usable(challenge: OtpChallenge) -> bool:
    return (
        challenge.consumed_at is None
        and challenge.attempts < MAX_ATTEMPTS
        and challenge.expires_at > clock.now()
    )


def live_challenges(db: Session, user_id: uuid.UUID, purpose: Purpose) -> list[OtpChallenge]:
    """The account's challenges of `purpose` that can still be answered, newest first."""
    found = db.scalars(
        select(OtpChallenge)
        .where(
            OtpChallenge.user_id == user_id,
            OtpChallenge.purpose == purpose,
            OtpChallenge.consumed_at.is_(None),
            OtpChallenge.attempts < MAX_ATTEMPTS,
            OtpChallenge.expires_at > clock.now(),
        )
        .order_by(OtpChallenge.created_at.desc())
    )
    return list(found)


def challenge_ended() -> Problem:
    return Problem(410, "challenge_expired", "This code request has ended; start again.")


def require_usable(challenge: OtpChallenge | None, purposes: frozenset[Purpose]) -> OtpChallenge:
    """The challenge, if it exists, is for one of `purposes` and can still be answered."""
    if challenge is None or challenge.purpose not in purposes or not usable(challenge):
        raise challenge_ended()
    return challenge


def take_attempt(db: Session, challenge: OtpChallenge) -> bool:
    """Count one try against the challenge, if it still takes one; whether it did.

    A conditional UPDATE, so parallel tries are counted exactly and never exceed
    MAX_ATTEMPTS. The challenge is refreshed to what the database now holds.
    """
    taken = db.execute(
        update(OtpChallenge)
        .where(
            OtpChallenge.id == challenge.id,
            OtpChallenge.consumed_at.is_(None),
            OtpChallenge.attempts < MAX_ATTEMPTS,
            OtpChallenge.expires_at > clock.now(),
        )
        .values(attempts=OtpChallenge.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.refresh(challenge)
    return _changed(taken)


def consume(db: Session, challenge: OtpChallenge) -> bool:
    """Mark the challenge used; False when another request used it first."""
    used = db.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == challenge.id, OtpChallenge.consumed_at.is_(None))
        .values(consumed_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return _changed(used)


def _changed(result: object) -> bool:
    return int(getattr(result, "rowcount", 0) or 0) == 1


def email_code_matches(challenge: OtpChallenge, code: str) -> bool:
    if challenge.code_mac is None:
        return False
    return crypto.same(_code_mac(challenge, code.strip()), challenge.code_mac)


def refuse_while_guessing(db: Session, purpose: Purpose, subject: str) -> None:
    """429 while `subject` had too many wrong codes of `purpose` lately."""
    WRONG_CODES[purpose].check(db, subject)


def wrong_code(
    db: Session, purpose: Purpose, subject: str, attempts_left: int | None = None
) -> Problem:
    """Count a wrong code against `subject`: the refusal to raise, which keeps the count
    (and the tries taken before it)."""
    WRONG_CODES[purpose].hit(db, subject)
    return invalid_code(attempts_left, keep_writes=True)


def invalid_code(attempts_left: int | None = None, *, keep_writes: bool = False) -> Problem:
    """A code not accepted; `attempts_left` only where the caller holds the challenge's id."""
    extra: dict[str, Any] = {} if attempts_left is None else {"attempts_left": attempts_left}
    return Problem(400, "invalid_code", "The code is not right.", keep_writes=keep_writes, **extra)


# --- TOTP ---------------------------------------------------------------------


def new_totp_secret() -> str:
    import pyotp

    return str(pyotp.random_base32())


def totp_uri(secret: str, account: str) -> str:
    import pyotp

    return str(pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER))


def totp_secret(credential: TotpCredential) -> str:
    return crypto.decrypt("totp", credential.secret_encrypted)


def accept_totp(db: Session, credential: TotpCredential, code: str) -> bool:
    """True for a code of the current step (±1) newer than the last one used.

    The step is recorded by a conditional UPDATE, so of parallel requests with one
    code only one is accepted.
    """
    import pyotp

    totp = pyotp.TOTP(totp_secret(credential))
    current_step = int(clock.now().timestamp() // TOTP_STEP_SECONDS)
    for step in (current_step - 1, current_step, current_step + 1):
        if step <= credential.last_used_step:
            continue
        if crypto.same(totp.generate_otp(step), code.strip()):
            spent = db.execute(
                update(TotpCredential)
                .where(
                    TotpCredential.user_id == credential.user_id,
                    TotpCredential.last_used_step < step,
                )
                .values(last_used_step=step)
                .execution_options(synchronize_session=False)
            )
            db.refresh(credential)
            return _changed(spent)
    return False


def confirmed_totp(db: Session, user: User) -> TotpCredential | None:
    credential = db.get(TotpCredential, user.id)
    if credential is None or credential.confirmed_at is None:
        return None
    return credential


# --- recovery codes -----------------------------------------------------------


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def new_recovery_codes(db: Session, user: User) -> list[str]:
    """Ten new codes; the old ones stop working."""
    for old in db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.delete(old)
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        db.add(RecoveryCode(user_id=user.id, code_mac=crypto.mac("recovery", raw)))
        codes.append(code)
    db.flush()
    return codes


def use_recovery_code(db: Session, user: User, code: str) -> bool:
    """Spend a matching unused code; a conditional UPDATE, so only once in parallel."""
    wanted = crypto.mac("recovery", _normalise_recovery(code))
    spent = db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_mac == wanted,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(spent, "rowcount", 0) or 0) >= 1


def recovery_codes_left(db: Session, user: User) -> int:
    query = select(func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return db.scalar(query) or 0
