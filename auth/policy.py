"""Who needs a second factor at login: decided here and nowhere else."""

from __future__ import annotations

from sqlalchemy.orm import Session

from auth import otp
from auth.models import User


def second_factor_required(db: Session, user: User) -> bool:
    """True when the user turned on e-mail codes or has an authenticator app."""
    return user.email_otp_enabled or otp.confirmed_totp(db, user) is not None
