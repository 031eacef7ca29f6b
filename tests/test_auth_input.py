"""Bad input on every accounts endpoint: 400 validation_error, and nothing written."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import bad_input
from tests.accounts import PASSWORD, Account, signed_up, step_up_by_email, unique_email
from tests.conftest import Host

TABLES = [
    "users",
    "sessions",
    "otp_challenges",
    "totp_credentials",
    "recovery_codes",
    "throttle_events",
]
REGISTRATION = {"email": "someone@example.se", "password": "long enough pass", "display_name": "A"}
OPTIONAL = frozenset({"method", "totp_code", "display_name", "locale"})

# method, path, a valid body, whether it needs a signed-in session.
ENDPOINTS: list[tuple[str, str, dict[str, Any], bool]] = [
    (
        "POST",
        "/api/auth/register",
        {"email": "someone@example.se", "password": "long enough pass", "display_name": "A"},
        False,
    ),
    (
        "POST",
        "/api/auth/verify-email",
        {"email": "someone@example.se", "code": "123456", "password": PASSWORD},
        False,
    ),
    ("POST", "/api/auth/login", {"email": "someone@example.se", "password": PASSWORD}, False),
    (
        "POST",
        "/api/auth/otp/verify",
        {"challenge_id": str(uuid.uuid4()), "code": "123456", "method": "email"},
        False,
    ),
    ("POST", "/api/auth/otp/resend", {"challenge_id": str(uuid.uuid4())}, False),
    (
        "POST",
        "/api/auth/password/change",
        {"current_password": PASSWORD, "new_password": "another fine one"},
        True,
    ),
    ("POST", "/api/auth/password/forgot", {"email": "someone@example.se"}, False),
    (
        "POST",
        "/api/auth/password/reset",
        {
            "email": "someone@example.se",
            "code": "123456",
            "new_password": "another fine one",
            "totp_code": "123456",
        },
        False,
    ),
    ("PUT", "/api/auth/mfa/email", {"enabled": True, "password": PASSWORD}, True),
    ("POST", "/api/auth/mfa/totp/confirm", {"code": "123456"}, True),
    ("DELETE", "/api/auth/mfa/totp", {"password": PASSWORD, "code": "123456"}, True),
    ("POST", "/api/auth/mfa/recovery-codes", {"password": PASSWORD}, True),
    ("PATCH", "/api/me", {"display_name": "Name", "locale": "en"}, True),
    ("DELETE", "/api/me", {"password": PASSWORD}, True),  # only bad bodies are sent
]


def cases() -> list[Any]:
    return [
        pytest.param(method, path, body, needs_session, id=f"{method} {path}: {label}")
        for method, path, valid, needs_session in ENDPOINTS
        for label, body in bad_input.bad_bodies(valid, OPTIONAL)
    ]


@pytest.fixture(scope="module")
def account(host: Host) -> Iterator[Account]:
    with host.client() as client:
        signed = signed_up(host, client, "input")
        step_up_by_email(host, signed)
        yield signed


@pytest.mark.parametrize(("method", "path", "body", "needs_session"), cases())
def test_bad_input_is_refused_and_changes_nothing(
    host: Host,
    account: Account,
    method: str,
    path: str,
    body: Any,
    needs_session: bool,
) -> None:
    with bad_input.unchanged(host, TABLES):
        if needs_session:
            response = account.browser.request(method, path, json=body)
        else:
            response = account.browser.client.request(method, path, json=body)
        assert response.status_code == 400, response.text
        problem = response.json()
        assert problem["code"] == "validation_error"
        assert problem["errors"]
        assert bad_input.TEN_KB not in response.text


def test_every_accounts_endpoint_with_a_body_has_a_row(client: httpx.Client) -> None:
    document = client.get("/api/openapi.json").json()
    with_body = {
        (method.upper(), "/api" + path)
        for path, operations in document["paths"].items()
        if path.startswith(("/auth", "/me"))
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert with_body == {(method, path) for method, path, _, _ in ENDPOINTS}


@pytest.mark.parametrize(
    ("password", "code", "limit"),
    [
        ("short", "too_short", "8"),
        ("x" * 129, "too_long", "128"),
        ("password", "too_common", None),
        ("Qwerty123", "too_common", None),
        ("input-owner", "personal", None),
        ("Test Person", "personal", None),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(
    host: Host, client: httpx.Client, password: str, code: str, limit: str | None
) -> None:
    address = "input-owner@example.se" if password == "input-owner" else unique_email("weak")
    with bad_input.unchanged(host, TABLES):
        response = client.post(
            "/api/auth/register",
            json={"email": address, "password": password, "display_name": "Test Person"},
        )
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["field"] == "password"
        assert error["code"] == code  # for the message in the person's language
        assert error.get("limit") == limit


# Each refusal's stable code beside its English message (shared.problems.FieldProblem).
FIELD_PROBLEMS = [
    ({"password": "long enough pass", "display_name": "A"}, "email", "required", None),
    ({**REGISTRATION, "display_name": "x" * 101}, "display_name", "too_long", "100"),
    ({**REGISTRATION, "display_name": ""}, "display_name", "too_short", "1"),
    ({**REGISTRATION, "email": "not an address"}, "email", "invalid_format", None),
    ({**REGISTRATION, "locale": "fi"}, "locale", "not_allowed", None),
    ({**REGISTRATION, "display_name": 12}, "display_name", "wrong_type", None),
    ({**REGISTRATION, "admin": True}, "admin", "unknown_field", None),
    ({**REGISTRATION, "display_name": "A\u0007B"}, "display_name", "control_character", None),
]


@pytest.mark.parametrize(("body", "field", "code", "limit"), FIELD_PROBLEMS)
def test_field_errors_carry_a_stable_code(
    client: httpx.Client, body: dict[str, Any], field: str, code: str, limit: str | None
) -> None:
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"], error.get("limit")) == (field, code, limit)
    assert error["message"]


@pytest.mark.parametrize("body", [{"display_name": None}, {"locale": None}])
def test_profile_fields_cannot_be_nulled(account: Account, body: dict[str, None]) -> None:
    response = account.browser.patch("/api/me", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == (*body, "required")
