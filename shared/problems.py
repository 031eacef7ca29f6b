"""RFC 9457 problem details with the stable `code`s of the API contract.

Services raise `Problem`; the HTTP wrapper (and the dev host, for requests that
reach no function) turn it into an `application/problem+json` response.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from http import HTTPStatus
from typing import Any

import azure.functions as func

PROBLEM_MEDIA_TYPE = "application/problem+json"

# Response headers every API answer carries, problems included.
SECURITY_HEADERS: Mapping[str, str] = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


class ProblemCode(StrEnum):
    """Every `code` a problem can carry: the API contract's list, declared once."""

    ACCOUNT_DISABLED = "account_disabled"
    CHALLENGE_EXPIRED = "challenge_expired"
    CONFLICT = "conflict"
    CSRF_FAILED = "csrf_failed"
    EMAIL_NOT_VERIFIED = "email_not_verified"
    FORBIDDEN = "forbidden"
    INTERNAL_ERROR = "internal_error"
    INVALID_CODE = "invalid_code"
    INVALID_CREDENTIALS = "invalid_credentials"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    MFA_REQUIRED = "mfa_required"
    NOT_FOUND = "not_found"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    PRECONDITION_FAILED = "precondition_failed"
    PRECONDITION_REQUIRED = "precondition_required"
    RATE_LIMITED = "rate_limited"
    TOTP_REQUIRED = "totp_required"
    UNAUTHENTICATED = "unauthenticated"
    UNAVAILABLE = "unavailable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    VALIDATION_ERROR = "validation_error"
    # A request that is not HTTP the host can take (`http_error`): named after the status.
    BAD_REQUEST = "bad_request"
    REQUEST_URI_TOO_LONG = "request_uri_too_long"
    REQUEST_HEADER_FIELDS_TOO_LARGE = "request_header_fields_too_large"
    NOT_IMPLEMENTED = "not_implemented"
    HTTP_VERSION_NOT_SUPPORTED = "http_version_not_supported"


class FieldProblem(StrEnum):
    """Why a field was refused, as the `code` of each entry of a problem's `errors`:
    stable, so a client can say it in its user's language; the entry's `message` says
    it in English, often more precisely. `limit` goes with the size and range codes."""

    REQUIRED = "required"  # missing, or null where a value is required
    TOO_SHORT = "too_short"  # limit: the fewest characters or items
    TOO_LONG = "too_long"  # limit: the most characters or items
    TOO_SMALL = "too_small"  # limit: the least value
    TOO_LARGE = "too_large"  # limit: the greatest value (or size in bytes)
    INVALID_FORMAT = "invalid_format"  # not of the form the document's pattern gives
    NOT_ALLOWED = "not_allowed"  # not one of the values allowed here
    WRONG_TYPE = "wrong_type"  # e.g. a number where a string belongs
    UNKNOWN_FIELD = "unknown_field"  # a field the request does not have
    CONTROL_CHARACTER = "control_character"
    UNKNOWN = "unknown"  # names something that does not exist (a role, a unit, a cursor)
    TAKEN = "taken"  # already used (a label, an id)
    STALE = "stale"  # changed since it was read
    TOO_COMMON = "too_common"  # a password among the most common ones
    PERSONAL = "personal"  # a password that is the person's e-mail address or name
    INVALID = "invalid"  # any other reason: the message says it


@dataclass(frozen=True)
class FieldError:
    """One refused field of a request: where (`field`, dotted), why and, in English, how."""

    field: str
    problem: FieldProblem
    message: str
    limit: str | None = None  # as text: a length, a number or a size in bytes

    def body(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"field": self.field, "code": self.problem, "message": self.message}
        if self.limit is not None:
            entry["limit"] = self.limit
        return entry


class Problem(Exception):  # noqa: N818 (RFC 9457 calls it a problem)
    """An expected failure with an HTTP status and a stable machine-readable code.

    The request's writes are rolled back, unless `keep_writes`: a refusal that must be
    remembered (a wrong password or code counted, an expired session deleted) commits
    what the request wrote before it, and only that.
    """

    def __init__(
        self,
        status: int,
        code: ProblemCode | str,
        detail: str = "",
        *,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        keep_writes: bool = False,
        **extra: Any,
    ) -> None:
        super().__init__(detail or code)
        self.keep_writes = keep_writes
        self.status = status
        # ValueError here means a code the contract does not list: add it to ProblemCode.
        self.code = ProblemCode(code)
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self) -> dict[str, Any]:
        title = HTTPStatus(self.status).phrase
        document: dict[str, Any] = {
            "type": f"https://casai.se/problems/{self.code.replace('_', '-')}",
            "title": title,
            "status": self.status,
            "detail": self.detail or title,
            "code": self.code,
        }
        if self.errors is not None:
            document["errors"] = [error.body() for error in self.errors]
        document.update(self.extra)
        return document

    def to_response(self) -> func.HttpResponse:
        return func.HttpResponse(
            json.dumps(self.body(), ensure_ascii=False),
            status_code=self.status,
            headers={**SECURITY_HEADERS, **self.headers},
            mimetype=PROBLEM_MEDIA_TYPE,
        )


def validation_error(detail: str, errors: Sequence[FieldError] | None = None) -> Problem:
    return Problem(400, "validation_error", detail, errors=errors or [])


def not_found(detail: str = "Nothing here.") -> Problem:
    return Problem(404, "not_found", detail)


def method_not_allowed(allowed: list[str]) -> Problem:
    return Problem(
        405,
        "method_not_allowed",
        "This resource does not answer that method.",
        headers={"Allow": ", ".join(allowed)},
    )


def rate_limited(retry_after: timedelta, detail: str) -> Problem:
    seconds = max(1, int(retry_after.total_seconds() + 0.999))
    return Problem(429, "rate_limited", detail, headers={"Retry-After": str(seconds)})


def payload_too_large(limit: int) -> Problem:
    return Problem(413, "payload_too_large", f"The body is larger than {limit} bytes.")


def unsupported_media_type(expected: str) -> Problem:
    return Problem(415, "unsupported_media_type", f"Send the body as {expected}.")


RETRY_AFTER_UNAVAILABLE = timedelta(seconds=10)  # a dependency's blip or failover usually passes


def unavailable(
    detail: str, *, retry_after: timedelta = RETRY_AFTER_UNAVAILABLE, **extra: Any
) -> Problem:
    """503: a dependency is down or too slow; nothing was written."""
    headers = {"Retry-After": str(max(1, int(retry_after.total_seconds() + 0.999)))}
    return Problem(503, "unavailable", detail, headers=headers, **extra)


def http_error(status: int, detail: str = "") -> Problem:
    """A request the host cannot take as HTTP: bad framing, a bad request line or header,
    an unknown method. The code is the status's own name (`bad_request`,
    `request_header_fields_too_large`, `not_implemented`); the detail never quotes the
    request."""
    known = HTTPStatus(status)
    return Problem(status, known.name.lower(), detail or known.description)


def internal_error() -> Problem:
    return Problem(500, "internal_error", "Something went wrong on our side.")


# What a guard or a handler may answer instead of success: status → the problem codes.
Refusals = Mapping[int, Sequence[ProblemCode]]


def merged_refusals(*parts: Refusals) -> dict[int, list[ProblemCode]]:
    """The refusals of every part, status by status, each code once, in status order."""
    merged: dict[int, list[ProblemCode]] = {}
    for part in parts:
        for status, codes in part.items():
            known = merged.setdefault(status, [])
            known.extend(code for code in codes if code not in known)
    return dict(sorted(merged.items()))
