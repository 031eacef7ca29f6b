"""Tables of the accounts area."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Unicode, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, UtcDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(Unicode(254), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(Unicode(100))
    # Empty until the address is verified: registrations wait on their challenges.
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="sv")
    email_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    email_otp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Granted and revoked only by the command line (python -m admin); nobody is by default.
    platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the account's holder deleted it (auth.privacy): the row stays, its personal
    # fields gone, so what they wrote in projects shows a removed user as its author.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UserSession(Base):
    """A signed-in browser. Only the SHA-256 of its cookie token is kept."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # The factors this session has passed: "password", then "email", "totp" or "recovery".
    factors: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Unicode(256))

    @property
    def factor_list(self) -> list[str]:
        return self.factors.split(",")

    @property
    def second_factor(self) -> str | None:
        """The strongest second factor passed, if any."""
        passed = self.factor_list
        return next((f for f in ("totp", "recovery", "email") if f in passed), None)


class OtpChallenge(Base):
    """A code sent by e-mail (and/or a TOTP/recovery prompt), bound to one purpose.

    `purpose` (auth.otp.Purpose) is `login` (bound to one password check), `step_up`
    (bound to one session), `verify_email` or `password_reset`. The code is stored as
    an HMAC of the challenge id and the code, so a code only ever fits its own
    challenge. A `verify_email` challenge is one registration: it holds the password
    hash, name and locale that proving the mailbox activates, so a later registration
    of the same address never changes what an earlier code activates.
    """

    __tablename__ = "otp_challenges"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    code_mac: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    last_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(Unicode(100))
    locale: Mapped[str | None] = mapped_column(String(5))


class TotpCredential(Base):
    __tablename__ = "totp_credentials"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The last 30-second step accepted; a code of this step or earlier is a replay.
    last_used_step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_mac: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ResetRequest(Base):
    """A password reset asked for by address, answered after the response.

    The request only writes this row, whether or not the address has an account, so
    its answer takes the same time either way; the code is sent (or not) right after
    the response and, should that not happen, by a timer a minute later at most.
    """

    __tablename__ = "reset_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(Unicode(254))
    ip: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
