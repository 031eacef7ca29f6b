"""Which dependency an exception says is down, so that the one wrapper answers 503.

A database that cannot be reached or answers too slowly, Table or Blob storage that
cannot be reached or fails on its side, the identity endpoint, the e-mail backend:
each is `503 unavailable` with `Retry-After` (shared.problems), and the request's
writes roll back. Anything else unexpected stays a 500: a bug, not an outage.
"""

from __future__ import annotations

from enum import StrEnum


class Dependency(StrEnum):
    DATABASE = "database"
    STORAGE = "storage"
    IDENTITY = "identity service"
    EMAIL = "e-mail service"


class EmailUnavailable(Exception):  # noqa: N818 (names the outage, as Problem does)
    """The e-mail backend could not take a message; nothing was sent."""


def down_dependency(error: BaseException) -> Dependency | None:
    """The dependency `error` says is unavailable, or None when it is no outage."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )
    from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError, TimeoutError

    if isinstance(error, EmailUnavailable):
        return Dependency.EMAIL
    if isinstance(error, OperationalError | DisconnectionError | TimeoutError):
        return Dependency.DATABASE  # unreachable, timed out, pool exhausted, busy
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return Dependency.DATABASE
    if isinstance(error, ClientAuthenticationError):
        return Dependency.IDENTITY  # no token for storage or the database
    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return Dependency.STORAGE  # unreachable, or the connection broke mid-answer
    if isinstance(error, HttpResponseError) and (error.status_code or 0) in {
        429,
        500,
        502,
        503,
        504,
    }:
        return Dependency.STORAGE
    from azure.identity import CredentialUnavailableError

    if isinstance(error, CredentialUnavailableError):
        return Dependency.IDENTITY
    return None


def outage_cause(error: BaseException) -> str:
    """What the log says about an outage: the error class and the first line of the
    driver's own message (a timeout, a refused or lost connection, a deadlock), which
    names no values from the request."""
    cause = getattr(error, "orig", None) or error  # a DBAPIError wraps the driver's
    message = str(cause).strip().splitlines()
    first = message[0][:200] if message else ""
    return f"{type(error).__name__} ({type(cause).__name__}: {first})"
