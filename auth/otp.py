"""Second factors: e-mail codes, authenticator apps (TOTP) and recovery codes.

E-mail codes: 6 digits from a CSPRNG, valid 10 minutes, single use, at most 5
wrong tries per challenge, a new one at most every 30 seconds and at most 5 per
account in 15 minutes; stored as an HMAC bound to their challenge and compared in
constant time. TOTP: 30-second steps, 6 digits, one step of drift either way, and
a step once used is never accepted again. Recovery codes: 10, single use, stored
as HMACs.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth import emails
from auth.models import OtpChallenge, RecoveryCode, TotpCredential, User
from shared import clock, crypto, email, throttle
from shared.problems import Problem, rate_limited

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_COOLDOWN = timedelta(seconds=30)
SEND_WINDOW = timedelta(minutes=15)
MAX_SENDS_PER_WINDOW = 5
# Wrong codes per account and group (as CAP_GROUP), across challenges: a correct
# password opens a fresh challenge every time, so MAX_ATTEMPTS alone would let whoever
# has the password guess authenticator codes without end. Counted per group so that
# strangers guessing reset codes cannot keep the owner from signing in.
MISS_WINDOW = timedelta(minutes=15)
MAX_MISSES_PER_WINDOW = 10
RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "CASAI"
TOTP_STEP_SECONDS = 30
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i

# purpose of a challenge -> the e-mail that carries its code
EMAIL_KIND = {
    "login": "sign_in_code",
    "step_up": "sign_in_code",
    "verify_email": "verify_email",
    "password_reset": "password_reset",
}


# The caps on codes sent and wrong codes per account are counted per group: codes only
# the password's holder can ask for (sign-in, step-up) apart from codes anyone who
# knows the address can ask for (verification, reset). Otherwise a stranger asking for
# or guessing reset codes would use up a cap and keep the owner from signing in.
CAP_GROUP = {
    "login": "sign-in",
    "step_up": "sign-in",
    "verify_email": "by-address",
    "password_reset": "by-address",
}


def _cap_key(counted: str, user_id: uuid.UUID, purpose: str) -> str:
    return f"{counted}:{CAP_GROUP[purpose]}:{user_id}"


def _send_cap_key(user: User, purpose: str) -> str:
    return _cap_key("email-code", user.id, purpose)


def send_cap_reached(db: Session, user: User, purpose: str) -> bool:
    """Whether the account had its cap of codes for `purpose`'s group in this window."""
    return throttle.count(db, _send_cap_key(user, purpose), SEND_WINDOW) >= MAX_SENDS_PER_WINDOW


def open_challenge(
    db: Session, user: User, purpose: str, session_id: object = None, send: bool = True
) -> OtpChallenge:
    now = clock.now()
    challenge = OtpChallenge(
        user_id=user.id,
        purpose=purpose,
        session_id=session_id,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
        attempts=0,
        sends=0,
    )
    db.add(challenge)
    db.flush()
    if send:
        send_code(db, challenge, user)
    return challenge


def send_code(db: Session, challenge: OtpChallenge, user: User) -> None:
    """A fresh code for the challenge, by e-mail; the previous code stops working."""
    now = clock.now()
    if challenge.last_sent_at is not None:
        wait = clock.as_utc(challenge.last_sent_at) + RESEND_COOLDOWN - now
        if wait > timedelta(0):
            raise rate_limited(wait, "A code was just sent; wait before asking for another.")
    if send_cap_reached(db, user, challenge.purpose):
        raise rate_limited(SEND_WINDOW, "Too many codes were sent; try again later.")
    code = f"{secrets.randbelow(10**6):06d}"
    challenge.code_mac = _code_mac(challenge, code)
    challenge.sends += 1
    challenge.last_sent_at = now
    challenge.expires_at = now + CODE_LIFETIME
    throttle.hit(db, _send_cap_key(user, challenge.purpose))
    message = emails.render(
        EMAIL_KIND[challenge.purpose], user.locale, user.email, name=user.display_name, code=code
    )
    email.send(message)


def _code_mac(challenge: OtpChallenge, code: str) -> str:
    return crypto.mac("email-code", f"{challenge.id}:{code}")


def usable(challenge: OtpChallenge) -> bool:
    return (
        challenge.consumed_at is None
        and challenge.attempts < MAX_ATTEMPTS
        and clock.as_utc(challenge.expires_at) > clock.now()
    )


# The challenges a sign-in or step-up code answers (the others are answered by address).
SIGN_IN_PURPOSES = frozenset({"login", "step_up"})


def challenge_ended() -> Problem:
    return Problem(410, "challenge_expired", "This code request has ended; start again.")


def require_usable(challenge: OtpChallenge | None, purposes: frozenset[str]) -> OtpChallenge:
    """The challenge, if it exists, is for one of `purposes` and can still be answered."""
    if challenge is None or challenge.purpose not in purposes or not usable(challenge):
        raise challenge_ended()
    return challenge


def email_code_matches(challenge: OtpChallenge, code: str) -> bool:
    if challenge.code_mac is None:
        return False
    return crypto.same(_code_mac(challenge, code.strip()), challenge.code_mac)


def refuse_while_guessing(db: Session, user_id: uuid.UUID, purpose: str) -> None:
    """429 while the account had MAX_MISSES_PER_WINDOW wrong codes of `purpose`'s group."""
    if throttle.count(db, _cap_key("otp-miss", user_id, purpose), MISS_WINDOW) >= (
        MAX_MISSES_PER_WINDOW
    ):
        raise rate_limited(MISS_WINDOW, "Too many wrong codes; try again later.")


def record_miss(db: Session, user_id: uuid.UUID, purpose: str) -> None:
    """Count a wrong code against the account; committed, as the request will fail."""
    throttle.hit(db, _cap_key("otp-miss", user_id, purpose))
    db.commit()


def count_miss(db: Session, challenge: OtpChallenge) -> Problem:
    """Record a wrong code against the challenge and the account, and describe it."""
    challenge.attempts += 1
    record_miss(db, challenge.user_id, challenge.purpose)
    left = max(0, MAX_ATTEMPTS - challenge.attempts)
    return Problem(400, "invalid_code", "The code is not right.", attempts_left=left)


# --- TOTP ---------------------------------------------------------------------


def new_totp_secret() -> str:
    import pyotp

    return str(pyotp.random_base32())


def totp_uri(secret: str, account: str) -> str:
    import pyotp

    return str(pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER))


def totp_secret(credential: TotpCredential) -> str:
    return crypto.decrypt("totp", credential.secret_encrypted)


def accept_totp(credential: TotpCredential, code: str) -> bool:
    """True for a code of the current step (±1) that is newer than the last one used."""
    import pyotp

    totp = pyotp.TOTP(totp_secret(credential))
    moment = clock.now().timestamp()
    current_step = int(moment // TOTP_STEP_SECONDS)
    for step in (current_step - 1, current_step, current_step + 1):
        if step <= credential.last_used_step:
            continue
        if crypto.same(totp.generate_otp(step), code.strip()):
            credential.last_used_step = step
            return True
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
    wanted = crypto.mac("recovery", _normalise_recovery(code))
    unused = db.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    for candidate in unused:
        if crypto.same(candidate.code_mac, wanted):
            candidate.used_at = clock.now()
            return True
    return False


def recovery_codes_left(db: Session, user: User) -> int:
    query = select(func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return db.scalar(query) or 0
