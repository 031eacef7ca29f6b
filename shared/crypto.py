"""Keys derived from CASAI_SECRET_KEY, one per purpose, and what is done with them.

One secret in Key Vault; HKDF gives each use its own key, so a key that leaks from
one use (say, code MACs) says nothing about another (TOTP secrets at rest).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from shared.config import get_settings


@functools.cache
def derive_key(purpose: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = get_settings().secret_key.get_secret_value().encode()
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"casai:{purpose}".encode()
    ).derive(secret)


def mac(purpose: str, message: str) -> str:
    """Hex HMAC-SHA256 of `message` under the purpose's key (for stored codes)."""
    return hmac.new(derive_key(purpose), message.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two strings."""
    return hmac.compare_digest(a.encode(), b.encode())


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy token (session, invitation): what the database keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def encrypt(purpose: str, plaintext: str) -> str:
    """AES-256-GCM with a random nonce; the result is URL-safe base64 (nonce + ciphertext)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    sealed = AESGCM(derive_key(purpose)).encrypt(nonce, plaintext.encode(), purpose.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(purpose: str, token: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.urlsafe_b64decode(token.encode())
    return AESGCM(derive_key(purpose)).decrypt(raw[:12], raw[12:], purpose.encode()).decode()
