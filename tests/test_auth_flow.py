"""Sign-up, sign-in and second factors over HTTP through the dev host, on every backend."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.accounts import (
    PASSWORD,
    Account,
    Browser,
    forgot,
    last_code,
    messages_to,
    register,
    sign_in,
    signed_up,
    step_up_by_email,
    text_of,
    totp_now,
    unique_email,
    with_email_otp,
    with_totp,
)
from tests.conftest import Host


def wrong_totp(host: Host, secret: str) -> str:
    """A six-digit code that no step the app could accept now (or just after) produces."""
    near = {totp_now(host, secret, steps) for steps in range(-2, 4)}
    return next(code for code in ("000000", "111111", "222222") if code not in near)


def otp_login(client: httpx.Client, account: Account) -> tuple[Browser, dict[str, Any]]:
    browser, response = sign_in(client, account)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "otp_required"
    return browser, body


def test_the_whole_story_with_an_email_code(host: Host, client: httpx.Client) -> None:
    address = unique_email("story")
    register(host, client, address)
    [welcome] = messages_to(host.outbox, address)
    assert welcome.get_body(preferencelist=("html",)) is not None

    # Not verified yet: the right password is not enough.
    early = client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert early.status_code == 403
    assert early.json()["code"] == "email_not_verified"

    code = last_code(host.outbox, address)
    verified = client.post(
        "/api/auth/verify-email", json={"email": address, "code": code, "password": PASSWORD}
    )
    assert verified.json() == {"verified": True}
    account = Account(address, PASSWORD, Browser(client))
    first = account.browser.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert first.json()["status"] == "authenticated"
    with_email_otp(host, account)
    account.browser.post("/api/auth/logout")

    browser, challenge = otp_login(client, account)
    assert "email" in challenge["methods"]
    signed_in_early = browser.cookie is not None
    assert not signed_in_early  # no session before the second factor
    sign_in_code = last_code(host.outbox, address)
    done = browser.post(
        "/api/auth/otp/verify",
        json={"challenge_id": challenge["challenge_id"], "code": sign_in_code},
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "authenticated"
    assert body["session"]["mfa"] is True
    assert body["session"]["methods"] == ["password", "email"]
    assert body["user"]["email"] == address
    cookie = browser.cookie
    assert cookie

    session = browser.get("/api/auth/session")
    assert session.status_code == 200
    assert session.json()["csrf_token"] == browser.csrf

    assert browser.post("/api/auth/logout").status_code == 204
    assert browser.cookie is None  # the answer cleared the cookie
    browser.cookie = cookie  # a copy of the old cookie is refused by the server
    refused = browser.get("/api/auth/session")
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"


def test_session_cookie_attributes(host: Host, client: httpx.Client) -> None:
    address = unique_email("cookie")
    register(host, client, address)
    client.post(
        "/api/auth/verify-email",
        json={"email": address, "code": last_code(host.outbox, address), "password": PASSWORD},
    )
    response = client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    [cookie, _device] = response.headers.get_list("set-cookie")
    assert cookie.startswith("__Host-casai_session=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"path=/", "secure", "httponly", "samesite=lax"} <= attributes
    assert not any(a.startswith("domain") for a in attributes)


def test_wrong_codes_count_down_and_the_sixth_try_fails_even_when_right(
    host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "tries")
    with_email_otp(host, account)
    browser, challenge = otp_login(client, account)
    right = last_code(host.outbox, account.email)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        response = browser.post(
            "/api/auth/otp/verify",
            json={"challenge_id": challenge["challenge_id"], "code": wrong},
        )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_code"
        assert response.json()["attempts_left"] == left
    late = browser.post(
        "/api/auth/otp/verify", json={"challenge_id": challenge["challenge_id"], "code": right}
    )
    assert late.status_code == 410
    assert late.json()["code"] == "challenge_expired"
    assert browser.cookie is None


def test_an_expired_code_is_refused(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "expiry")
    with_email_otp(host, account)
    browser, challenge = otp_login(client, account)
    code = last_code(host.outbox, account.email)
    host.advance_clock(10 * 60 + 1)
    response = browser.post(
        "/api/auth/otp/verify", json={"challenge_id": challenge["challenge_id"], "code": code}
    )
    assert response.status_code == 410
    assert response.json()["code"] == "challenge_expired"


def test_a_code_works_once(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "once")
    with_email_otp(host, account)
    browser, challenge = otp_login(client, account)
    code = last_code(host.outbox, account.email)
    payload = {"challenge_id": challenge["challenge_id"], "code": code}
    assert browser.post("/api/auth/otp/verify", json=payload).status_code == 200
    again = Browser(client).post("/api/auth/otp/verify", json=payload)
    assert again.status_code == 410


def test_a_code_from_another_challenge_does_not_fit(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "bound")
    with_email_otp(host, account)
    _, _first = otp_login(client, account)
    first_code = last_code(host.outbox, account.email)
    browser, second = otp_login(client, account)
    response = browser.post(
        "/api/auth/otp/verify", json={"challenge_id": second["challenge_id"], "code": first_code}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"


def test_resend_waits_30_seconds_and_replaces_the_code(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "resend")
    with_email_otp(host, account)
    browser, challenge = otp_login(client, account)
    old_code = last_code(host.outbox, account.email)
    sent = len(messages_to(host.outbox, account.email))
    payload = {"challenge_id": challenge["challenge_id"]}
    too_soon = client.post("/api/auth/otp/resend", json=payload)
    assert too_soon.status_code == 429
    assert too_soon.json()["code"] == "rate_limited"
    assert 1 <= int(too_soon.headers["retry-after"]) <= 30
    assert len(messages_to(host.outbox, account.email)) == sent  # nothing sent too soon
    host.advance_clock(31)
    assert client.post("/api/auth/otp/resend", json=payload).status_code == 202
    assert len(messages_to(host.outbox, account.email)) == sent + 1  # exactly one new e-mail
    new_code = last_code(host.outbox, account.email)
    # The old code is void (a new code equal to it by chance, 1 in 10^6, would fail here).
    stale = browser.post(
        "/api/auth/otp/verify",
        json={"challenge_id": challenge["challenge_id"], "code": old_code},
    )
    assert stale.status_code == 400
    assert stale.json()["code"] == "invalid_code"
    done = browser.post(
        "/api/auth/otp/verify", json={"challenge_id": challenge["challenge_id"], "code": new_code}
    )
    assert done.status_code == 200


def test_at_most_five_codes_per_account_in_15_minutes(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "cap")
    with_email_otp(host, account)
    host.advance_clock(15 * 60)  # the verification code counted too; start a new window
    _, challenge = otp_login(client, account)  # code 1
    payload = {"challenge_id": challenge["challenge_id"]}
    for _ in range(4):  # codes 2..5
        host.advance_clock(31)
        assert client.post("/api/auth/otp/resend", json=payload).status_code == 202
    host.advance_clock(31)
    capped = client.post("/api/auth/otp/resend", json=payload)
    assert capped.status_code == 429
    assert capped.headers["retry-after"]


def test_authenticator_app_sign_in_and_replay(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "totp")
    with_totp(host, account)
    assert account.totp_secret
    assert len(account.recovery_codes) == 10
    status = account.browser.get("/api/auth/mfa").json()
    assert status == {"email_otp": False, "totp": True, "recovery_codes_left": 10}

    browser, challenge = otp_login(client, account)
    assert challenge["methods"] == ["totp", "recovery"]
    code = totp_now(host, account.totp_secret, steps_ahead=1)  # the confirm used the current step
    ok = browser.post(
        "/api/auth/otp/verify",
        json={"challenge_id": challenge["challenge_id"], "code": code, "method": "totp"},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["session"]["methods"] == ["password", "totp"]

    again, second = otp_login(client, account)
    replay = again.post(
        "/api/auth/otp/verify",
        json={"challenge_id": second["challenge_id"], "code": code, "method": "totp"},
    )
    assert replay.status_code == 400
    assert replay.json()["code"] == "invalid_code"


def test_recovery_code_works_once(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "recovery")
    with_totp(host, account)
    recovery = account.recovery_codes[0]
    browser, challenge = otp_login(client, account)
    ok = browser.post(
        "/api/auth/otp/verify",
        json={"challenge_id": challenge["challenge_id"], "code": recovery, "method": "recovery"},
    )
    assert ok.status_code == 200
    assert browser.get("/api/auth/mfa").json()["recovery_codes_left"] == 9
    other, second = otp_login(client, account)
    twice = other.post(
        "/api/auth/otp/verify",
        json={"challenge_id": second["challenge_id"], "code": recovery, "method": "recovery"},
    )
    assert twice.status_code == 400


def test_regenerated_recovery_codes_void_the_old_ones(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "regen")
    with_totp(host, account)
    old = account.recovery_codes[0]
    fresh = account.browser.post(
        "/api/auth/mfa/recovery-codes", json={"password": account.password}
    )
    assert fresh.status_code == 200
    assert len(fresh.json()["recovery_codes"]) == 10
    browser, challenge = otp_login(client, account)
    refused = browser.post(
        "/api/auth/otp/verify",
        json={"challenge_id": challenge["challenge_id"], "code": old, "method": "recovery"},
    )
    assert refused.status_code == 400
    assert browser.cookie is None
    new = fresh.json()["recovery_codes"][0]
    accepted = browser.post(
        "/api/auth/otp/verify",
        json={"challenge_id": challenge["challenge_id"], "code": new, "method": "recovery"},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "authenticated"
    assert browser.get("/api/auth/mfa").json()["recovery_codes_left"] == 9


def test_totp_setup_needs_a_second_factor_first(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "setup")
    refused = account.browser.post("/api/auth/mfa/totp/setup")
    assert refused.status_code == 403
    assert refused.json()["code"] == "mfa_required"
    step_up_by_email(host, account)
    assert account.browser.get("/api/auth/session").json()["session"]["mfa"] is True
    assert account.browser.post("/api/auth/mfa/totp/setup").status_code == 200


def test_step_up_rotates_the_session_token(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "rotate")
    before = account.browser.cookie
    step_up_by_email(host, account)
    assert account.browser.cookie
    assert account.browser.cookie != before
    stale = Browser(client, cookie=before)
    assert stale.get("/api/auth/session").status_code == 401


def test_a_step_up_code_only_upgrades_its_own_session(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "stepown")
    challenge = account.browser.post("/api/auth/step-up").json()
    code = last_code(host.outbox, account.email)
    other = Browser(client)
    other.post("/api/auth/login", json={"email": account.email, "password": account.password})
    response = other.post(
        "/api/auth/otp/verify", json={"challenge_id": challenge["challenge_id"], "code": code}
    )
    assert response.status_code == 410
    assert other.get("/api/auth/session").json()["session"]["mfa"] is False


def test_removing_the_authenticator_needs_password_and_code(
    host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "remove")
    with_totp(host, account)
    assert account.totp_secret
    wrong = account.browser.request(
        "DELETE", "/api/auth/mfa/totp", json={"password": account.password, "code": "000000"}
    )
    assert wrong.status_code == 400
    wrong_password = account.browser.request(
        "DELETE",
        "/api/auth/mfa/totp",
        json={"password": "not my password at all", "code": totp_now(host, account.totp_secret, 1)},
    )
    assert wrong_password.status_code == 403
    assert wrong_password.json()["code"] == "invalid_credentials"
    assert account.browser.get("/api/auth/mfa").json()["totp"] is True  # still on
    host.advance_clock(30)  # a step no request has offered yet, whatever was checked first
    removed = account.browser.request(
        "DELETE",
        "/api/auth/mfa/totp",
        json={"password": account.password, "code": totp_now(host, account.totp_secret, 1)},
    )
    assert removed.status_code == 204
    assert account.browser.get("/api/auth/mfa").json() == {
        "email_otp": False,
        "totp": False,
        "recovery_codes_left": 0,
    }


@pytest.mark.parametrize("header", [None, "wrong-token"])
def test_unsafe_requests_need_the_csrf_token(
    host: Host, client: httpx.Client, header: str | None
) -> None:
    account = signed_up(host, client, "csrf")
    account.browser.send_csrf = False
    headers = {"X-CSRF-Token": header} if header else {}
    response = account.browser.post("/api/auth/logout", headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    account.browser.send_csrf = True
    assert account.browser.get("/api/auth/session").status_code == 200  # still signed in


def test_idle_sessions_end_after_an_hour(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "idle")
    host.advance_clock(59 * 60)
    assert account.browser.get("/api/auth/session").status_code == 200  # activity counts
    host.advance_clock(59 * 60)
    assert account.browser.get("/api/auth/session").status_code == 200
    host.advance_clock(61 * 60)
    assert account.browser.get("/api/auth/session").status_code == 401


def test_sessions_end_after_12_hours_however_active(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "absolute")
    for _ in range(13):  # 11 h 55 min in all, never idle for more than 55 minutes
        host.advance_clock(55 * 60)
        assert account.browser.get("/api/auth/session").status_code == 200
    host.advance_clock(6 * 60)  # 12 h 1 min after sign-in, last seen only 6 min ago
    assert account.browser.get("/api/auth/session").status_code == 401


def test_password_change_ends_the_other_sessions(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "change")
    other = Browser(client)
    other.post("/api/auth/login", json={"email": account.email, "password": account.password})
    assert other.get("/api/auth/session").status_code == 200
    new_password = "ett helt nytt lösenord 2026"
    changed = account.browser.post(
        "/api/auth/password/change",
        json={"current_password": account.password, "new_password": new_password},
    )
    assert changed.status_code == 204
    assert account.browser.get("/api/auth/session").status_code == 200
    assert other.get("/api/auth/session").status_code == 401
    old = client.post("/api/auth/login", json={"email": account.email, "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/api/auth/login", json={"email": account.email, "password": new_password})
    assert new.status_code == 200


def test_password_change_with_a_wrong_current_password(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "wrongcur")
    response = account.browser.post(
        "/api/auth/password/change",
        json={"current_password": "not my password at all", "new_password": "a fine new one 42"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "invalid_credentials"
    fine = client.post("/api/auth/login", json={"email": account.email, "password": PASSWORD})
    assert fine.status_code == 200


def test_password_reset_ends_every_session(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "reset")
    assert forgot(host, client, account.email).status_code == 202
    code = last_code(host.outbox, account.email)
    new_password = "återställt och långt nog"
    reset = client.post(
        "/api/auth/password/reset",
        json={"email": account.email, "code": code, "new_password": new_password},
    )
    assert reset.status_code == 204, reset.text
    assert account.browser.get("/api/auth/session").status_code == 401
    again = client.post(
        "/api/auth/password/reset",
        json={"email": account.email, "code": code, "new_password": "yet another good one"},
    )
    assert again.status_code == 400
    login = client.post("/api/auth/login", json={"email": account.email, "password": new_password})
    assert login.status_code == 200


def test_password_reset_needs_the_authenticator_code_when_there_is_one(
    host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "resettotp")
    with_totp(host, account)
    assert account.totp_secret
    forgot(host, client, account.email)
    code = last_code(host.outbox, account.email)
    body = {"email": account.email, "code": code, "new_password": "nytt lösenord med app"}
    missing = client.post("/api/auth/password/reset", json=body)
    assert missing.status_code == 403
    assert missing.json()["code"] == "totp_required"
    hash_sql = "SELECT password_hash FROM users WHERE email = :email"
    before = host.query(hash_sql, email=account.email)
    wrong = client.post(
        "/api/auth/password/reset",
        json={**body, "totp_code": wrong_totp(host, account.totp_secret)},
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid_code"
    assert host.query(hash_sql, email=account.email) == before  # password unchanged
    assert account.browser.get("/api/auth/session").status_code == 200  # sessions kept
    done = client.post(
        "/api/auth/password/reset",
        json={**body, "totp_code": totp_now(host, account.totp_secret, 1)},
    )
    assert done.status_code == 204, done.text
    assert host.query(hash_sql, email=account.email) != before


def test_list_and_end_own_sessions(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "sessions")
    other = Browser(client)
    other.post("/api/auth/login", json={"email": account.email, "password": account.password})
    listed = account.browser.get("/api/auth/sessions").json()["items"]
    assert len(listed) == 2
    [mine] = [s for s in listed if s["current"]]
    [theirs] = [s for s in listed if not s["current"]]
    stranger = signed_up(host, client, "stranger")
    not_theirs = stranger.browser.delete(f"/api/auth/sessions/{theirs['id']}")
    assert not_theirs.status_code == 404
    assert account.browser.delete(f"/api/auth/sessions/{theirs['id']}").status_code == 204
    assert other.get("/api/auth/session").status_code == 401
    assert account.browser.delete("/api/auth/sessions").status_code == 204
    assert account.browser.get("/api/auth/session").json()["session"]["id"] == mine["id"]


def test_end_all_other_sessions(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "others")
    others = [Browser(client) for _ in range(2)]
    for other in others:
        other.post("/api/auth/login", json={"email": account.email, "password": account.password})
    assert account.browser.delete("/api/auth/sessions").status_code == 204
    assert all(o.get("/api/auth/session").status_code == 401 for o in others)
    assert account.browser.get("/api/auth/session").status_code == 200


def test_profile_and_security_log(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "me")
    client.post("/api/auth/login", json={"email": account.email, "password": "wrong password!"})
    me = account.browser.get("/api/me").json()
    assert me["email"] == account.email
    assert me["locale"] == "sv"
    changed = account.browser.patch("/api/me", json={"display_name": "Åsa Öberg", "locale": "en"})
    assert changed.json()["display_name"] == "Åsa Öberg"
    log = account.browser.get("/api/me/security-log").json()
    actions = [event["action"] for event in log["items"]]
    assert actions[0] == "profile_changed"  # newest first
    assert {"registered", "email_verified", "login_succeeded", "login_failed"} <= set(actions)
    page = account.browser.get("/api/me/security-log", params={"limit": 2}).json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    rest = account.browser.get(
        "/api/me/security-log", params={"limit": 500, "cursor": page["next_cursor"]}
    ).json()
    assert [e["id"] for e in page["items"] + rest["items"]] == [e["id"] for e in log["items"]]
    assert PASSWORD not in str(log)


def test_emails_follow_the_users_language(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "locale")
    before = len(messages_to(host.outbox, account.email))
    forgot(host, client, account.email)
    swedish = messages_to(host.outbox, account.email)[before]
    assert "lösenord" in str(swedish["Subject"])
    account.browser.patch("/api/me", json={"locale": "en"})
    forgot(host, client, account.email)
    english = messages_to(host.outbox, account.email)[-1]
    assert "password" in str(english["Subject"])
    assert "Your code" in text_of(english)


def count_rows(host: Host, table: str, address: str) -> int:
    sql = f"SELECT COUNT(*) FROM {table} t JOIN users u ON u.id = t.user_id WHERE u.email = :email"
    return int(host.query(sql, email=address)[0][0])


def test_timers_purge_ended_sessions_and_codes(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "purge")
    with_email_otp(host, account)
    otp_login(client, account)  # leaves an open sign-in challenge
    live = signed_up(host, client, "purge-live")
    assert count_rows(host, "sessions", account.email) == 1
    assert count_rows(host, "otp_challenges", account.email) >= 1
    host.advance_clock(30 * 60)
    live.browser.get("/api/auth/session")  # keeps the other account's session alive
    step_up = live.browser.post("/api/auth/step-up")  # a challenge opened just now
    assert step_up.status_code == 200, step_up.text
    host.run_timer("purge_challenges")
    assert count_rows(host, "otp_challenges", account.email) == 0
    assert count_rows(host, "otp_challenges", live.email) == 1  # the open one stays...
    kept = live.browser.post(
        "/api/auth/otp/verify",
        json={
            "challenge_id": step_up.json()["challenge_id"],
            "code": last_code(host.outbox, live.email),
        },
    )
    assert kept.status_code == 200, kept.text  # ...and still works
    assert count_rows(host, "sessions", account.email) == 1  # 30 idle minutes: still live
    host.advance_clock(31 * 60)
    live.browser.get("/api/auth/session")
    for _ in range(2):  # idempotent
        host.run_timer("purge_sessions")
    assert count_rows(host, "sessions", account.email) == 0
    assert count_rows(host, "sessions", live.email) == 1
    assert live.browser.get("/api/auth/session").status_code == 200


def test_strangers_asking_for_reset_codes_cannot_lock_the_owner_out(
    host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "lockout")
    with_email_otp(host, account)
    host.advance_clock(15 * 60)  # past the verification code's window
    for _ in range(5):
        assert forgot(host, client, account.email).status_code == 202
    reset_code = last_code(host.outbox, account.email)
    sent = len(messages_to(host.outbox, account.email))
    over_cap = forgot(host, client, account.email)
    assert over_cap.status_code == 429  # said plainly (and alike for unknown addresses)...
    assert over_cap.json()["code"] == "rate_limited"
    assert "last one sent still works" in over_cap.json()["detail"]
    assert len(messages_to(host.outbox, account.email)) == sent  # ...and nothing sent

    # The owner still gets a sign-in code, and the last reset code still works.
    browser, challenge = otp_login(client, account)
    assert len(messages_to(host.outbox, account.email)) == sent + 1
    signed_in = browser.post(
        "/api/auth/otp/verify",
        json={
            "challenge_id": challenge["challenge_id"],
            "code": last_code(host.outbox, account.email),
        },
    )
    assert signed_in.status_code == 200, signed_in.text
    reset = client.post(
        "/api/auth/password/reset",
        json={
            "email": account.email,
            "code": reset_code,
            "new_password": "ett nytt långt lösenord",
        },
    )
    assert reset.status_code == 204, reset.text


def test_strangers_guessing_reset_codes_cannot_lock_the_owner_out(
    host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "guessed")
    with_email_otp(host, account)
    host.advance_clock(15 * 60)  # past the verification code's window
    guess = {"email": account.email, "code": "000000", "new_password": "ett nytt långt lösenord"}
    for _ in range(2):  # two reset codes, five wrong guesses at each: ten in all
        forgot(host, client, account.email)
        if last_code(host.outbox, account.email) == guess["code"]:
            guess["code"] = "999999"
        for _ in range(5):
            assert client.post("/api/auth/password/reset", json=guess).status_code == 400
    forgot(host, client, account.email)
    refused = client.post("/api/auth/password/reset", json=guess)
    assert refused.status_code == 429  # the reset codes' own limit...

    browser, challenge = otp_login(client, account)  # ...does not reach sign-in codes
    signed_in = browser.post(
        "/api/auth/otp/verify",
        json={
            "challenge_id": challenge["challenge_id"],
            "code": last_code(host.outbox, account.email),
        },
    )
    assert signed_in.status_code == 200, signed_in.text
