"""A browser-like client and account helpers for tests that sign in over HTTP.

httpx (like http.cookiejar) will not send a `Secure` cookie over plain http, so
the session cookie is kept here and sent by hand, as a browser on localhost would.
"""

from __future__ import annotations

import email
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pyotp

from tests.conftest import REPO, Host

COOKIE = "__Host-casai_session"
DEVICE_COOKIE = "__Host-casai_device"
PASSWORD = "korrekt häst batteri häftklammer"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{secrets.token_hex(5)}@example.se"


@dataclass
class Browser:
    """Keeps the session and trusted-device cookies and the CSRF token between requests."""

    client: httpx.Client
    cookie: str | None = None
    device: str | None = None
    csrf: str | None = None
    send_csrf: bool = True
    headers: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = {**self.headers, **options.pop("headers", {})}
        jar = {COOKIE: self.cookie, DEVICE_COOKIE: self.device}
        sent = "; ".join(f"{name}={value}" for name, value in jar.items() if value)
        if sent:
            headers.setdefault("Cookie", sent)
        if self.send_csrf and self.csrf and method.upper() in UNSAFE:
            headers.setdefault("X-CSRF-Token", self.csrf)
        response = self.client.request(method, path, headers=headers, **options)
        for value in response.headers.get_list("set-cookie"):
            name, _, rest = value.partition("=")
            token = rest.split(";", 1)[0] or None
            if name == COOKIE:
                self.cookie = token
            elif name == DEVICE_COOKIE:
                self.device = token
        if response.status_code == 200 and "csrf_token" in response.text:
            body = response.json()
            if isinstance(body, dict) and body.get("csrf_token"):
                self.csrf = body["csrf_token"]
        return response

    def get(self, path: str, **options: Any) -> httpx.Response:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> httpx.Response:
        return self.request("POST", path, **options)

    def put(self, path: str, **options: Any) -> httpx.Response:
        return self.request("PUT", path, **options)

    def patch(self, path: str, **options: Any) -> httpx.Response:
        return self.request("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> httpx.Response:
        return self.request("DELETE", path, **options)


# --- the outbox -------------------------------------------------------------------


def messages_to(outbox: Path, address: str) -> list[EmailMessage]:
    found = []
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        if address in str(message["To"]):
            found.append(message)
    return found


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def last_code(outbox: Path, address: str) -> str:
    messages = messages_to(outbox, address)
    assert messages, f"no e-mail to {address}"
    match = re.search(r"\b(\d{6})\b", text_of(messages[-1]))
    assert match, text_of(messages[-1])
    return match.group(1)


# --- accounts ---------------------------------------------------------------------


@dataclass
class Account:
    email: str
    password: str
    browser: Browser
    totp_secret: str | None = None
    recovery_codes: list[str] = field(default_factory=list)


def register(host: Host, client: httpx.Client, address: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/api/auth/register",
        json={"email": address, "password": password, "display_name": "Test Person"},
    )
    assert response.status_code == 202, response.text


def signed_up(host: Host, client: httpx.Client, tag: str = "user") -> Account:
    """A verified account, signed in (no second factor)."""
    address = unique_email(tag)
    register(host, client, address)
    code = last_code(host.outbox, address)
    verified = client.post(
        "/api/auth/verify-email", json={"email": address, "code": code, "password": PASSWORD}
    )
    assert verified.status_code == 200, verified.text
    account = Account(address, PASSWORD, Browser(client))
    account.browser, login = sign_in(client, account)
    assert login.json()["status"] == "authenticated", login.text
    return account


def sign_in(client: httpx.Client, account: Account) -> tuple[Browser, httpx.Response]:
    """A new browser signing in as `account` with its password, and the answer."""
    browser = Browser(client)
    response = browser.post(
        "/api/auth/login", json={"email": account.email, "password": account.password}
    )
    return browser, response


def totp_now(host: Host, secret: str, steps_ahead: int = 0) -> str:
    """The authenticator's code at the app's time (tests move the app's clock)."""
    return str(pyotp.TOTP(secret).at(host.now() + 30 * steps_ahead))


def with_email_otp(host: Host, account: Account) -> None:
    """Turn on e-mail codes at sign-in (a factor change: the session steps up first)."""
    step_up_by_email(host, account)
    response = account.browser.put(
        "/api/auth/mfa/email", json={"enabled": True, "password": account.password}
    )
    assert response.status_code == 200, response.text


def step_up_by_email(host: Host, account: Account) -> None:
    challenge = account.browser.post("/api/auth/step-up").json()
    code = last_code(host.outbox, account.email)
    verified = account.browser.post(
        "/api/auth/otp/verify", json={"challenge_id": challenge["challenge_id"], "code": code}
    )
    assert verified.status_code == 200, verified.text


def with_totp(host: Host, account: Account) -> None:
    """Turn on an authenticator app for a signed-in account."""
    step_up_by_email(host, account)
    setup = account.browser.post("/api/auth/mfa/totp/setup")
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    confirmed = account.browser.post(
        "/api/auth/mfa/totp/confirm", json={"code": totp_now(host, secret)}
    )
    assert confirmed.status_code == 200, confirmed.text
    account.totp_secret = secret
    account.recovery_codes = confirmed.json()["recovery_codes"]


# --- organisations, projects, invitations -----------------------------------------


def invitation_token(outbox: Path, address: str) -> str:
    for message in reversed(messages_to(outbox, address)):
        match = re.search(r"#token=([A-Za-z0-9_-]+)", text_of(message))
        if match:
            return match.group(1)
    raise AssertionError(f"no invitation to {address}")


def create_org(account: Account, name: str = "Bygg AB") -> str:
    response = account.browser.post("/api/orgs", json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def role_ids(account: Account, org_id: str) -> dict[str, str]:
    response = account.browser.get(f"/api/orgs/{org_id}/roles")
    assert response.status_code == 200, response.text
    return {role["key"]: role["id"] for role in response.json()["items"]}


def create_project(account: Account, org_id: str, name: str = "Väg 56", **fields: Any) -> str:
    response = account.browser.post(
        "/api/projects", json={"org_id": org_id, "name": name, **fields}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def invite(
    host: Host,
    inviter: Account,
    project_id: str,
    address: str,
    role_id: str,
    require_2fa: bool = False,
) -> str:
    """Invite `address`; the token, as the invitee finds it in the e-mail."""
    response = inviter.browser.post(
        f"/api/projects/{project_id}/invitations",
        json={"email": address, "role_id": role_id, "require_2fa": require_2fa},
    )
    assert response.status_code == 201, response.text
    return invitation_token(host.outbox, address)


def join(host: Host, inviter: Account, project_id: str, member: Account, role_id: str) -> None:
    token = invite(host, inviter, project_id, member.email, role_id)
    accepted = member.browser.post("/api/invitations/accept", json={"token": token})
    assert accepted.status_code == 200, accepted.text


def user_id(account: Account) -> str:
    return str(account.browser.get("/api/me").json()["id"])


@dataclass
class Team:
    """An owner with an organisation and a project in it."""

    owner: Account
    org_id: str
    project_id: str
    roles: dict[str, str]


def new_team(host: Host, client: httpx.Client, tag: str = "owner") -> Team:
    owner = signed_up(host, client, tag)
    org_id = create_org(owner)
    return Team(owner, org_id, create_project(owner, org_id), role_ids(owner, org_id))


# --- hostile clients --------------------------------------------------------------


def simultaneously(
    host: Host, calls: list[tuple[Account, str, str, dict[str, Any]]]
) -> list[httpx.Response]:
    """Send every (account, method, path, options) at once, each from its account's
    session on a connection of its own; the responses in the order of `calls`."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(len(calls), timeout=60)

    def send(call: tuple[Account, str, str, dict[str, Any]]) -> httpx.Response:
        account, method, path, options = call
        with host.client() as own:
            browser = Browser(
                own,
                cookie=account.browser.cookie,
                device=account.browser.device,
                csrf=account.browser.csrf,
            )
            start.wait()
            return browser.request(method, path, **options)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """All a client can observe of a response but its Date, to compare two answers
    (send both requests with the same X-Request-Id)."""
    headers = sorted(
        (name.lower(), value)
        for name, value in response.headers.multi_items()
        if name.lower() != "date"
    )
    return response.status_code, headers, response.content


def forgot(host: Host, client: httpx.Client, address: str) -> httpx.Response:
    """Ask for a reset code and wait until the app answered the request after its response."""
    response = client.post("/api/auth/password/forgot", json={"email": address})
    deadline = time.monotonic() + 15
    queued = "SELECT COUNT(*) FROM reset_requests WHERE email = :address"
    while host.query(queued, address=address.lower()) != [(0,)]:
        assert time.monotonic() < deadline, "the reset request was never answered"
        time.sleep(0.05)
    return response


# --- platform administrators ---------------------------------------------------------


def admin_command(host: Host, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m admin ...` against the app's database, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "admin", *args],
        cwd=REPO,
        env=host.env,
        capture_output=True,
        text=True,
        check=False,
    )


def make_admin(host: Host, client: httpx.Client, *, second_factor: bool = True) -> Account:
    """A new platform administrator, signed in; with a second factor passed unless asked."""
    account = signed_up(host, client, "admin")
    granted = admin_command(host, "grant", account.email)
    assert granted.returncode == 0, granted.stderr
    if second_factor:
        step_up_by_email(host, account)
    return account
