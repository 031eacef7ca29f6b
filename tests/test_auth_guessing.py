"""No account enumeration, and brute force slowed down, over HTTP on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.accounts import (
    PASSWORD,
    Browser,
    last_code,
    messages_to,
    signed_up,
    text_of,
    totp_now,
    unique_email,
    with_totp,
)
from tests.conftest import Host, Storage, app_environment, running_host

# Headers that differ between any two answers, whatever they say.
PER_REQUEST = {"x-request-id", "date"}


def same_answer(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code
    assert a.content == b.content  # byte for byte
    headers_a = {k: v for k, v in a.headers.items() if k not in PER_REQUEST}
    headers_b = {k: v for k, v in b.headers.items() if k not in PER_REQUEST}
    assert headers_a == headers_b


def test_registering_a_taken_address_answers_the_same(host: Host, client: httpx.Client) -> None:
    taken = signed_up(host, client, "taken").email
    free = unique_email("free")
    body = {"password": "ett bra lösenord 123", "display_name": "Someone Else"}
    answer_taken = client.post("/api/auth/register", json={**body, "email": taken})
    answer_free = client.post("/api/auth/register", json={**body, "email": free})
    same_answer(answer_taken, answer_free)
    assert answer_taken.status_code == 202
    # The owner of the taken address is told, and nothing about the account changed.
    notice = messages_to(host.outbox, taken)[-1]
    assert "du har redan ett" in text_of(notice)
    login = client.post("/api/auth/login", json={"email": taken, "password": PASSWORD})
    assert login.status_code == 200


def test_unknown_address_and_wrong_password_answer_the_same(
    host: Host, client: httpx.Client
) -> None:
    known = signed_up(host, client, "known").email
    unknown = unique_email("nobody")
    wrong = client.post("/api/auth/login", json={"email": known, "password": "inte rätt alls"})
    missing = client.post("/api/auth/login", json={"email": unknown, "password": "inte rätt alls"})
    same_answer(wrong, missing)
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"


def test_forgot_password_answers_the_same(host: Host, client: httpx.Client) -> None:
    known = signed_up(host, client, "forgot").email
    a = client.post("/api/auth/password/forgot", json={"email": known})
    b = client.post("/api/auth/password/forgot", json={"email": unique_email("ghost")})
    same_answer(a, b)
    assert a.status_code == 202


def test_an_unverified_registration_can_be_taken_over_only_through_the_mailbox(
    host: Host, client: httpx.Client
) -> None:
    address = unique_email("squat")
    squatter = {"email": address, "password": "squatters password", "display_name": "Squatter"}
    client.post("/api/auth/register", json=squatter)
    owner = {"email": address, "password": "owners own password", "display_name": "Owner"}
    client.post("/api/auth/register", json=owner)
    code = last_code(host.outbox, address)  # the newest code, sent for the owner's attempt
    client.post(
        "/api/auth/verify-email",
        json={"email": address, "code": code, "password": owner["password"]},
    )
    squat = client.post(
        "/api/auth/login", json={"email": address, "password": squatter["password"]}
    )
    assert squat.status_code == 401
    mine = client.post("/api/auth/login", json={"email": address, "password": owner["password"]})
    assert mine.status_code == 200


@pytest.mark.parametrize("known", [True, False])
def test_failures_bring_growing_delays(host: Host, client: httpx.Client, known: bool) -> None:
    address = signed_up(host, client, "slow").email if known else unique_email("slow")
    wrong = {"email": address, "password": "wrong password"}
    for _ in range(5):
        assert client.post("/api/auth/login", json=wrong).status_code == 401
    blocked = client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert blocked.status_code == 429  # even the right password waits
    assert blocked.json()["code"] == "rate_limited"
    first_wait = int(blocked.headers["retry-after"])
    host.advance_clock(first_wait)
    assert client.post("/api/auth/login", json=wrong).status_code == 401
    second = client.post("/api/auth/login", json=wrong)
    assert second.status_code == 429
    assert int(second.headers["retry-after"]) > first_wait  # growing
    host.advance_clock(int(second.headers["retry-after"]))
    after = client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert after.status_code == (200 if known else 401)


def test_a_success_resets_the_count(host: Host, client: httpx.Client) -> None:
    address = signed_up(host, client, "reset-count").email
    wrong = {"email": address, "password": "wrong password"}
    for _ in range(4):
        client.post("/api/auth/login", json=wrong)
    ok = client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert ok.status_code == 200
    for _ in range(4):
        assert client.post("/api/auth/login", json=wrong).status_code == 401


@pytest.fixture(scope="module")
def proxied_host(
    database_url: str, storage: Storage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Host]:
    """An app that trusts its front end's X-Forwarded-For (as in Azure)."""
    env = app_environment(
        tmp_path_factory.mktemp("proxied"), database_url, storage.connection_string
    )
    env["CASAI_TRUST_FORWARDED_FOR"] = "true"
    with running_host(env, "--migrate") as started:
        yield started


def test_per_address_limit_across_accounts(proxied_host: Host) -> None:
    with proxied_host.client() as client:
        for attempt in range(30):
            wrong = {"email": unique_email(f"spray{attempt}"), "password": "Summer2026!"}
            assert client.post("/api/auth/login", json=wrong).status_code == 401
        last = client.post("/api/auth/login", json={"email": unique_email(), "password": "x" * 9})
        assert last.status_code == 429
        assert last.headers["retry-after"]


def test_a_forged_forwarded_for_does_not_escape_the_limit(proxied_host: Host) -> None:
    with proxied_host.client() as client:
        proxied_host.advance_clock(16 * 60)  # a fresh window
        for attempt in range(30):
            forged = {"X-Forwarded-For": f"198.51.100.{attempt}"}
            wrong = {"email": unique_email("forged"), "password": "Summer2026!"}
            client.post("/api/auth/login", json=wrong, headers=forged)
        last = client.post(
            "/api/auth/login",
            json={"email": unique_email(), "password": "x" * 9},
            headers={"X-Forwarded-For": "203.0.113.99"},
        )
        assert last.status_code == 429


def test_sessions_record_the_client_address(proxied_host: Host) -> None:
    with proxied_host.client() as client:
        proxied_host.advance_clock(16 * 60)
        account = signed_up(proxied_host, client, "where")
        [session] = account.browser.get("/api/auth/sessions").json()["items"]
        assert session["ip"] == "127.0.0.1"


@pytest.fixture(scope="module")
def host_behind_a_proxy(
    database_url: str, storage: Storage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Host]:
    """An app behind one proxy of ours (the Static Web App's, in Azure): the dev host's
    entry is the proxy's, the client's address is the entry the proxy wrote before it."""
    env = app_environment(
        tmp_path_factory.mktemp("behind-proxy"), database_url, storage.connection_string
    )
    env["CASAI_TRUST_FORWARDED_FOR"] = "true"
    env["CASAI_FORWARDED_FOR_PROXIES"] = "1"
    with running_host(env, "--migrate") as started:
        yield started


def test_behind_a_proxy_sessions_record_the_address_it_forwarded(
    host_behind_a_proxy: Host,
) -> None:
    with host_behind_a_proxy.client() as client:
        account = signed_up(host_behind_a_proxy, client, "behind")
        proxied = Browser(client, headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.7:5123"})
        login = proxied.post("/api/auth/login", json={"email": account.email, "password": PASSWORD})
        assert login.json()["status"] == "authenticated", login.text
        sessions = proxied.get("/api/auth/sessions").json()["items"]
        [mine] = [session for session in sessions if session["current"]]
        assert mine["ip"] == "203.0.113.7"  # not the proxy's (the dev host's peer), not the claim


def test_without_trust_the_header_is_ignored(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "notrust")
    forged = Browser(client, headers={"X-Forwarded-For": "203.0.113.7"})
    login = forged.post("/api/auth/login", json={"email": account.email, "password": PASSWORD})
    assert login.json()["status"] == "authenticated", login.text
    sessions = forged.get("/api/auth/sessions").json()["items"]
    [mine] = [session for session in sessions if session["current"]]
    assert mine["ip"] is None  # neither the forged address nor the dev host's peer
    assert [session["ip"] for session in sessions] == [None, None]


def test_wrong_codes_are_limited_per_account_across_sign_ins(
    host: Host, client: httpx.Client
) -> None:
    """Each sign-in with the right password opens a fresh challenge with 5 tries; the
    account as a whole gets 10 wrong codes per 15 minutes, then even the right one waits."""
    account = signed_up(host, client, "guess-totp")
    with_totp(host, account)
    secret = account.totp_secret
    assert secret is not None
    credentials = {"email": account.email, "password": account.password}

    def verify(code: str) -> httpx.Response:
        browser = Browser(client)
        challenge = browser.post("/api/auth/login", json=credentials).json()
        assert challenge["status"] == "otp_required", challenge
        return browser.post(
            "/api/auth/otp/verify",
            json={"challenge_id": challenge["challenge_id"], "code": code, "method": "totp"},
        )

    wrong = f"{(int(totp_now(host, secret, 1)) + 500_000) % 1_000_000:06d}"
    for _ in range(10):  # each on a new sign-in: the challenge's own limit never bites
        assert verify(wrong).status_code == 400
    refused = verify(totp_now(host, secret, 1))
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    host.advance_clock(15 * 60)
    assert verify(totp_now(host, secret, 1)).status_code == 200
