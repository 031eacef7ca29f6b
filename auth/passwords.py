"""Password hashing (argon2id) and the password policy.

Policy after NIST SP 800-63B: 8 to 128 characters, no composition rules, not one
of the most common passwords (auth/data/common-passwords.txt), not the user's own
e-mail address or name.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from shared.problems import FieldProblem

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"


@functools.cache
def _hasher() -> PasswordHasher:
    """argon2id with the library's RFC 9106 defaults; loaded with the first password,
    not by a cold start (the request models import this module for its limits)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash("casai-dummy-password-for-unknown-accounts")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash (unknown account) spend the same time anyway."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


@functools.cache
def _common_passwords() -> frozenset[str]:
    return frozenset(COMMON_PASSWORDS.read_text(encoding="utf-8").split())


def policy_problem(
    password: str, *, email: str, display_name: str
) -> tuple[FieldProblem, int | None, str] | None:
    """Why `password` is refused (the reason's code, its limit and its words), or None
    when it is acceptable."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return (
            FieldProblem.TOO_SHORT if len(password) < MIN_LENGTH else FieldProblem.TOO_LONG,
            MIN_LENGTH if len(password) < MIN_LENGTH else MAX_LENGTH,
            f"Use {MIN_LENGTH} to {MAX_LENGTH} characters; a long passphrase is best.",
        )
    folded = password.casefold()
    if folded in _common_passwords():
        return (
            FieldProblem.TOO_COMMON,
            None,
            "This password is among the most common ones; choose another.",
        )
    personal = {email.casefold(), email.split("@")[0].casefold(), display_name.casefold()}
    personal |= {part.replace(" ", "") for part in personal}
    if folded.replace(" ", "") in personal:
        return (
            FieldProblem.PERSONAL,
            None,
            "Do not use your e-mail address or name in your password.",
        )
    return None
