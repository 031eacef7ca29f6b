"""Platform administration over HTTP: the authorisation matrix of every admin endpoint,
disabling and enabling accounts, ending their sessions, tickets, and the admin command.

Nobody is an administrator by default; `python -m admin grant` makes one. Every admin
endpoint needs an administrator's session that passed a second factor: anyone else
gets 403 (401 without a session).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from admin.schemas import AdminAction
from support.tickets import TicketStatus
from tests import bad_input
from tests.accounts import (
    PASSWORD,
    Account,
    Browser,
    admin_command,
    answer,
    last_code,
    make_admin,
    sign_in,
    signed_up,
    simultaneously,
    unique_email,
    user_id,
    with_email_otp,
)
from tests.conftest import Host
from tests.test_privacy import stored_id
from tests.test_support import settled

ACCOUNT_TABLES = ["users", "sessions", "support_tickets"]


@dataclass
class World:
    host: Host
    client: httpx.Client
    callers: dict[str, Account | None]

    def fresh_user(self) -> str:
        return user_id(signed_up(self.host, self.client, "target"))

    def fresh_ticket(self) -> str:
        response = self.client.post(
            "/api/support/tickets",
            json={
                "subject": "Hjälp",
                "message": "Något gick fel.",
                "category": "problem",
                "email": unique_email("ticket"),
            },
        )
        assert response.status_code == 202, response.text
        [(ticket_id,)] = self.host.query(
            "SELECT id FROM support_tickets WHERE reference = :r", r=response.json()["reference"]
        )
        return str(uuid.UUID(str(ticket_id)))


CALLERS = [
    "no session",
    "a user",
    "a user with a second factor",
    "an admin without a second factor",
    "an admin",
]
EXPECTED = {
    "no session": (401, "unauthenticated"),
    "a user": (403, "forbidden"),
    "a user with a second factor": (403, "forbidden"),
    "an admin without a second factor": (403, "mfa_required"),
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # "{target}" is a fresh account or ticket per allowed call
    allowed: int
    fresh: Callable[[World], str] | None = None


ROWS = [
    Row("GET", "/admin/users", 200),
    Row("POST", "/admin/users/{target}/disable", 200, World.fresh_user),
    Row("POST", "/admin/users/{target}/enable", 200, World.fresh_user),
    Row("DELETE", "/admin/users/{target}/sessions", 204, World.fresh_user),
    Row("GET", "/admin/tickets", 200),
    Row("POST", "/admin/tickets/{target}/close", 200, World.fresh_ticket),
]


@pytest.fixture(scope="module")
def world(host: Host) -> Iterator[World]:
    with host.client() as client:
        user = signed_up(host, client, "plain")
        strong = signed_up(host, client, "strong")
        with_email_otp(host, strong)  # its session passed a second factor
        callers: dict[str, Account | None] = {
            "no session": None,
            "a user": user,
            "a user with a second factor": strong,
            "an admin without a second factor": make_admin(host, client, second_factor=False),
            "an admin": make_admin(host, client),
        }
        yield World(host, client, callers)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.path}")
def test_admin_authorisation_matrix(world: World, host: Host, row: Row, caller: str) -> None:
    allowed = caller == "an admin"
    target = row.fresh(world) if (row.fresh and allowed) else None
    if target is None:  # a real account and ticket: a refusal must not depend on the target
        target = user_id(signed_up(host, world.client, "bystander"))
        if "tickets" in row.path:
            target = world.fresh_ticket()
    account = world.callers[caller]
    browser = account.browser if account is not None else Browser(world.client)
    path = "/api" + row.path.format(target=target)
    if allowed:
        response = browser.request(row.method, path)
        assert response.status_code == row.allowed, response.text
        return
    settled(host)  # the fresh ticket's forward after its response: not the refusal's doing
    with bad_input.unchanged(host, ACCOUNT_TABLES, caller, row.path):
        response = browser.request(row.method, path)
    status, code = EXPECTED[caller]
    assert response.status_code == status, f"{caller}: {response.text}"
    assert response.json()["code"] == code


@pytest.mark.parametrize("caller", [c for c in CALLERS if c != "an admin"])
def test_a_refusal_is_alike_for_a_known_and_an_unknown_id(world: World, caller: str) -> None:
    """Byte for byte: nobody but an administrator learns which accounts or tickets exist."""
    account = world.callers[caller]
    browser = account.browser if account is not None else Browser(world.client)
    known = {"users": world.fresh_user(), "tickets": world.fresh_ticket()}
    for row in ROWS:
        if "{target}" not in row.path:
            continue
        kind = "tickets" if row.path.startswith("/admin/tickets") else "users"
        request_id = {"X-Request-Id": uuid.uuid4().hex}
        answers = [
            answer(
                browser.request(
                    row.method, "/api" + row.path.format(target=target), headers=request_id
                )
            )
            for target in (known[kind], str(uuid.uuid4()))
        ]
        assert answers[0] == answers[1], (caller, row.path)
        assert answers[0][0] in (401, 403)


ID_PATHS = [
    ("POST", "/api/admin/users/{}/disable"),
    ("POST", "/api/admin/users/{}/enable"),
    ("DELETE", "/api/admin/users/{}/sessions"),
    ("POST", "/api/admin/tickets/{}/close"),
]
ADMIN_QUERIES = [
    ("/api/admin/users", {"limit": "0"}),
    ("/api/admin/users", {"limit": "501"}),
    ("/api/admin/users", {"limit": "ten"}),
    ("/api/admin/users", {"cursor": "not-a-cursor"}),
    ("/api/admin/users", {"cursor": "x" * 3000}),
    ("/api/admin/users", {"q": "a\nb"}),
    ("/api/admin/users", {"q": "a\u2066b"}),
    ("/api/admin/tickets", {"status": "open\x00"}),
    ("/api/admin/tickets", {"status": "OPEN"}),
    ("/api/admin/tickets", {"limit": "-1"}),
    ("/api/admin/tickets", {"cursor": "\x00"}),
]


def test_hostile_queries_and_ids_on_admin_endpoints_are_refused_and_change_nothing(
    host: Host, world: World
) -> None:
    admin = world.callers["an admin"]
    assert admin is not None
    # Ids from elsewhere: a ticket's id is no account, an account's no ticket, and a
    # ticket's reference is no id.
    ticket_id, account_id = world.fresh_ticket(), world.fresh_user()
    [(reference,)] = host.query(
        "SELECT reference FROM support_tickets WHERE id = :i", i=stored_id(host, ticket_id)
    )
    elsewhere = [
        ("POST", f"/api/admin/users/{ticket_id}/disable"),
        ("POST", f"/api/admin/users/{ticket_id}/enable"),
        ("DELETE", f"/api/admin/users/{ticket_id}/sessions"),
        ("POST", f"/api/admin/tickets/{account_id}/close"),
    ]
    settled(host)
    with bad_input.unchanged(host, ACCOUNT_TABLES):
        for path, params in ADMIN_QUERIES:
            refused = admin.browser.get(path, params=params)
            assert refused.status_code == 400, (path, params, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
            # (a control character in the query is refused by the host: bad_request)
            assert refused.json()["code"] in ("validation_error", "bad_request"), refused.text
        for method, path in ID_PATHS:
            for wrong in ("not-a-uuid", "..%2F..%2Fme", "%00", reference):
                refused = admin.browser.request(method, path.format(wrong))
                assert refused.status_code in (400, 404), (path, wrong, refused.text)
                assert refused.headers["content-type"].startswith("application/problem+json")
        for method, path in elsewhere:
            refused = admin.browser.request(method, path)
            assert refused.status_code == 404, (path, refused.text)
            assert refused.json()["code"] == "not_found"


def test_every_admin_endpoint_has_a_row(client: httpx.Client) -> None:
    document = client.get("/api/openapi.json").json()
    served = {
        (method.upper(), path.replace("{user_id}", "{target}").replace("{ticket_id}", "{target}"))
        for path, operations in document["paths"].items()
        if path.startswith("/admin")
        for method in operations
    }
    assert served == {(row.method, row.path) for row in ROWS}


def test_a_disabled_users_session_is_refused_on_its_next_request(
    host: Host, client: httpx.Client, world: World
) -> None:
    admin = world.callers["an admin"]
    assert admin is not None
    victim = signed_up(host, client, "disabled")
    second_browser, _ = sign_in(client, victim)
    victim_id = user_id(victim)
    assert victim.browser.get("/api/me").status_code == 200
    disabled = admin.browser.post(f"/api/admin/users/{victim_id}/disable")
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled_at"] is not None
    assert disabled.json()["live_sessions"] == 0
    for browser in (victim.browser, second_browser):
        refused = browser.get("/api/me")
        assert refused.status_code == 401
        assert refused.json()["code"] == "unauthenticated"
    left = victim.browser.get("/api/auth/sessions")
    assert left.status_code == 401
    _, login = sign_in(client, victim)
    assert login.status_code == 403
    assert login.json()["code"] == "account_disabled"
    enabled = admin.browser.post(f"/api/admin/users/{victim_id}/enable")
    assert enabled.status_code == 200
    assert enabled.json()["disabled_at"] is None
    browser, login = sign_in(client, victim)
    assert login.status_code == 200, login.text
    log = browser.get("/api/me/security-log?limit=100").json()["items"]
    actions = [event["action"] for event in log]
    assert actions.count("user_disabled") == 1
    assert actions.count("user_enabled") == 1


def test_a_sign_in_half_done_when_the_account_is_disabled_never_gets_a_session(
    host: Host, client: httpx.Client, world: World
) -> None:
    admin = world.callers["an admin"]
    assert admin is not None
    victim = signed_up(host, client, "mid-sign-in")
    with_email_otp(host, victim)
    victim_id = user_id(victim)
    browser, login = sign_in(client, victim)
    assert login.json()["status"] == "otp_required"
    code = last_code(host.outbox, victim.email)
    assert admin.browser.post(f"/api/admin/users/{victim_id}/disable").status_code == 200
    with bad_input.unchanged(host, ["sessions"]):
        refused = browser.post(
            "/api/auth/otp/verify",
            json={"challenge_id": login.json()["challenge_id"], "code": code},
        )
    assert refused.status_code == 410, refused.text
    assert refused.json()["code"] == "challenge_expired"
    assert "set-cookie" not in refused.headers
    assert browser.get("/api/me").status_code == 401


def test_simultaneous_disables_disable_once(host: Host, client: httpx.Client, world: World) -> None:
    admin = world.callers["an admin"]
    assert admin is not None
    victim = signed_up(host, client, "raced")
    victim_id = user_id(victim)
    call: tuple[Account, str, str, dict[str, Any]] = (
        admin,
        "POST",
        f"/api/admin/users/{victim_id}/disable",
        {},
    )
    statuses = [r.status_code for r in simultaneously(host, [call] * 6)]
    assert statuses == [200] * 6
    assert admin.browser.post(f"/api/admin/users/{victim_id}/enable").status_code == 200
    browser, _ = sign_in(client, victim)
    actions = [e["action"] for e in browser.get("/api/me/security-log?limit=100").json()["items"]]
    assert actions.count("user_disabled") == 1


def test_simultaneous_enables_enable_once_and_a_deleted_account_stays_deleted(
    host: Host, client: httpx.Client, world: World
) -> None:
    admin = world.callers["an admin"]
    assert admin is not None
    victim = signed_up(host, client, "re-enabled")
    victim_id = user_id(victim)
    assert admin.browser.post(f"/api/admin/users/{victim_id}/disable").status_code == 200
    call: tuple[Account, str, str, dict[str, Any]] = (
        admin,
        "POST",
        f"/api/admin/users/{victim_id}/enable",
        {},
    )
    answers = simultaneously(host, [call] * 6)
    assert [r.status_code for r in answers] == [200] * 6
    assert {r.json()["disabled_at"] for r in answers} == {None}
    browser, _ = sign_in(client, victim)
    actions = [e["action"] for e in browser.get("/api/me/security-log?limit=100").json()["items"]]
    assert actions.count("user_enabled") == 1
    gone = signed_up(host, client, "deleted-by-holder")
    gone_id = user_id(gone)
    assert gone.browser.delete("/api/me", json={"password": PASSWORD}).status_code == 204
    with bad_input.unchanged(host, ACCOUNT_TABLES):
        refused = admin.browser.post(f"/api/admin/users/{gone_id}/enable")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "conflict"


def test_ending_a_users_sessions_leaves_them_able_to_sign_in(
    host: Host, client: httpx.Client, world: World
) -> None:
    admin = world.callers["an admin"]
    assert admin is not None
    victim = signed_up(host, client, "ended")
    ended = admin.browser.delete(f"/api/admin/users/{user_id(victim)}/sessions")
    assert ended.status_code == 204
    assert victim.browser.get("/api/me").status_code == 401
    _, login = sign_in(client, victim)
    assert login.status_code == 200


def test_an_admin_cannot_disable_themselves_and_unknown_accounts_are_404(
    host: Host, world: World
) -> None:
    admin = world.callers["an admin"]
    assert admin is not None
    with bad_input.unchanged(host, ACCOUNT_TABLES):
        own = admin.browser.post(f"/api/admin/users/{user_id(admin)}/disable")
        assert own.status_code == 409
        for method, path in ID_PATHS:
            unknown = admin.browser.request(method, path.format(uuid.uuid4()))
            assert unknown.status_code == 404, (path, unknown.text)
            assert unknown.json()["code"] == "not_found"


def test_searching_users_by_part_of_the_address_or_name(
    host: Host, client: httpx.Client, world: World
) -> None:
    admin = world.callers["an admin"]
    assert admin is not None
    someone = signed_up(host, client, "findme")
    found = admin.browser.get("/api/admin/users", params={"q": someone.email[3:12].upper()})
    assert found.status_code == 200, found.text
    assert [u["email"] for u in found.json()["items"]] == [someone.email]
    # LIKE's wildcards are searched for as themselves
    assert admin.browser.get("/api/admin/users", params={"q": "%"}).json()["items"] == []
    assert admin.browser.get("/api/admin/users", params={"q": "_"}).json()["items"] == []
    for hostile in ("\x00", "a\u202eb", "x" * 101):
        refused = admin.browser.get("/api/admin/users", params={"q": hostile})
        assert refused.status_code == 400, hostile
    page = admin.browser.get("/api/admin/users", params={"limit": 1}).json()
    assert page["next_cursor"]
    other_query = admin.browser.get(
        "/api/admin/users", params={"q": "a", "cursor": page["next_cursor"]}
    )
    assert other_query.status_code == 400  # a cursor is bound to its search


def test_admins_see_tickets_and_close_them_once(
    host: Host, client: httpx.Client, world: World
) -> None:
    admin = world.callers["an admin"]
    assert admin is not None
    ticket_id = world.fresh_ticket()
    listed = admin.browser.get("/api/admin/tickets", params={"status": "open", "limit": 500})
    assert ticket_id in {t["id"] for t in listed.json()["items"]}
    close: tuple[Account, str, str, dict[str, Any]] = (
        admin,
        "POST",
        f"/api/admin/tickets/{ticket_id}/close",
        {},
    )
    answers = simultaneously(host, [close] * 4)
    assert [r.status_code for r in answers] == [200] * 4
    assert len({r.json()["closed_at"] for r in answers}) == 1
    assert {r.json()["status"] for r in answers} == {"closed"}
    closed = admin.browser.get("/api/admin/tickets", params={"status": "closed", "limit": 500})
    assert ticket_id in {t["id"] for t in closed.json()["items"]}
    bad = admin.browser.get("/api/admin/tickets", params={"status": "lost"})
    assert bad.status_code == 400
    assert {str(s) for s in TicketStatus} == {"open", "closed"}  # what the filter offers


def platform_trail(host: Host) -> list[dict[str, Any]]:
    """The `platform` audit trail as Table storage holds it, everything forwarded."""
    from azure.data.tables import TableClient

    host.run_timer("sweep_audit_outbox")  # what the admin command left in the outbox too
    with TableClient.from_connection_string(
        host.env["CASAI_STORAGE_CONNECTION_STRING"], host.env["CASAI_AUDIT_TABLE"]
    ) as table:
        entities = table.query_entities("PartitionKey eq @trail", parameters={"trail": "platform"})
        return [dict(entity) for entity in entities]


def test_every_admin_action_is_in_the_platform_trail(
    host: Host, client: httpx.Client, world: World
) -> None:
    admin = make_admin(host, client)
    admin_id = user_id(admin)
    target_id = world.fresh_user()
    ticket_id = world.fresh_ticket()
    for method, path in (
        ("GET", "/api/admin/users?q=target"),
        ("GET", "/api/admin/tickets?status=open"),
        ("POST", f"/api/admin/users/{target_id}/disable"),
        ("POST", f"/api/admin/users/{target_id}/enable"),
        ("DELETE", f"/api/admin/users/{target_id}/sessions"),
        ("POST", f"/api/admin/tickets/{ticket_id}/close"),
    ):
        assert admin.browser.request(method, path).status_code in (200, 204), path
    events = platform_trail(host)
    done = sorted((e["action"], e["target"]) for e in events if e["actor_id"] == admin_id)
    [(reference,)] = host.query(
        "SELECT reference FROM support_tickets WHERE id = :i", i=stored_id(host, ticket_id)
    )
    assert done == sorted(
        [
            (AdminAction.USERS_LISTED, ""),
            (AdminAction.TICKETS_LISTED, ""),
            (AdminAction.USER_DISABLED, target_id),
            (AdminAction.USER_ENABLED, target_id),
            (AdminAction.SESSIONS_ENDED, target_id),
            (AdminAction.TICKET_CLOSED, reference),
        ]
    )
    # The command line's grant is there too, by no account.
    granted = [
        e for e in events if (e["action"], e["target"]) == (AdminAction.ADMIN_GRANTED, admin_id)
    ]
    assert [e["actor_id"] for e in granted] == [""]


def test_the_admin_command_grants_and_revokes(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "promoted")
    assert account.browser.get("/api/admin/users").status_code == 403
    assert admin_command(host, "grant", unique_email("nobody")).returncode == 1
    granted = admin_command(host, "grant", account.email.upper())
    assert granted.returncode == 0, granted.stderr
    assert "is now a platform administrator" in granted.stdout
    assert account.email in admin_command(host, "list").stdout
    # An admin needs a second factor for every admin endpoint.
    assert account.browser.get("/api/admin/users").json()["code"] == "mfa_required"
    revoked = admin_command(host, "revoke", account.email)
    assert revoked.returncode == 0, revoked.stderr
    assert account.browser.get("/api/admin/users").json()["code"] == "forbidden"


def test_nobody_makes_themselves_an_admin_over_http(host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "climber")
    with bad_input.unchanged(host, ["users"]):
        for body in ({"platform_admin": True}, {"display_name": "X", "platform_admin": True}):
            response = account.browser.patch("/api/me", json=body)
            assert response.status_code == 400
    assert account.browser.get("/api/admin/users").status_code == 403
