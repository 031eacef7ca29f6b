"""Privacy self-service over HTTP: GET /me/export and DELETE /me, on SQLite and PostgreSQL.

The export holds the caller's data and nothing of anyone else's; deletion needs the
password (and a second factor when the account has one), ends every session, leaves
the projects intact with a removed user as the author, frees the address, and is
refused while the caller is the last one who can manage a project or an organisation.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx

from devhost import azurite
from tests import bad_input
from tests.accounts import (
    PASSWORD,
    Account,
    Browser,
    Team,
    create_org,
    create_project,
    invite,
    join,
    last_code,
    messages_to,
    new_team,
    register,
    role_ids,
    sign_in,
    signed_up,
    simultaneously,
    step_up_by_email,
    unique_email,
    user_id,
    with_email_otp,
    with_totp,
)
from tests.conftest import Host, app_environment, running_host, start_storage

ACCOUNT_TABLES = [
    "users",
    "sessions",
    "project_members",
    "org_members",
    "projects",
    "totp_credentials",
    "recovery_codes",
]


def stored_id(host: Host, value: str) -> object:
    """A UUID as the app's database keeps it (SQLite: 32 hex digits), for host.query."""
    if host.env["CASAI_DATABASE_URL"].startswith("sqlite"):
        return uuid.UUID(value).hex
    return uuid.UUID(value)


def with_schedule(owner: Account, account: Account, project_id: str) -> tuple[str, str]:
    """A schedule (the owner's) with one row the account wrote: (schedule id, row id)."""
    schedules = f"/api/projects/{project_id}/schedules"
    schedule = owner.browser.post(schedules, json={"name": "MF 1"})
    assert schedule.status_code == 201, schedule.text
    row = account.browser.post(
        f"{schedules}/{schedule.json()['id']}/rows",
        json={"kind": "item", "title": "Schakt", "unit": "m3", "quantity": "12.5"},
    )
    assert row.status_code == 201, row.text
    return str(schedule.json()["id"]), str(row.json()["id"])


def test_the_export_holds_the_callers_data_and_nothing_of_anyone_elses(
    host: Host, client: httpx.Client, team: Team
) -> None:
    me = signed_up(host, client, "exporter")
    join(host, team.owner, team.project_id, me, team.roles["editor"])
    _, row_id = with_schedule(team.owner, me, team.project_id)
    own_org = create_org(me, "Min firma")
    own_project = create_project(me, own_org, "Eget projekt")
    invited = unique_email("invitee")
    sent = me.browser.post(
        f"/api/projects/{own_project}/invitations",
        json={"email": invited, "role_id": role_ids(me, own_org)["viewer"]},
    )
    assert sent.status_code == 201, sent.text
    ticket = me.browser.post(
        "/api/support/tickets",
        json={"subject": "Fråga", "message": "Hur exporterar jag?", "category": "question"},
    )
    assert ticket.status_code == 202
    other = team.owner  # shares a project with me, has sessions, events, tickets
    other.browser.post(
        "/api/support/tickets",
        json={"subject": "Annan", "message": "Ägarens egen fråga", "category": "problem"},
    )
    other.browser.patch("/api/me", json={"display_name": "Ägaren Olsson"})

    response = me.browser.get("/api/me/export")
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["format"] == "casai-export/1"
    assert document["profile"]["email"] == me.email
    assert document["profile"]["id"] == user_id(me)
    assert {p["project_id"] for p in document["projects"]} == {team.project_id, own_project}
    [shared] = [p for p in document["projects"] if p["project_id"] == team.project_id]
    assert shared["role_key"] == "editor"
    assert "schedules.edit" in shared["permissions"]
    assert {o["org_id"] for o in document["organisations"]} == {team.org_id, own_org}
    assert [s["current"] for s in document["sessions"]] == [True]
    actions = {event["action"] for event in document["security_log"]}
    assert {"registered", "email_verified", "login_succeeded", "support_ticket_sent"} <= actions
    assert [i["id"] for i in document["invitations_sent"]] == [sent.json()["id"]]
    assert [i["project_id"] for i in document["invitations_received"]] == [team.project_id]
    assert [t["reference"] for t in document["support_tickets"]] == [ticket.json()["reference"]]
    assert document["authored"]["rows_last_edited"] == [row_id]

    text = json.dumps(document, ensure_ascii=False)
    other_id = user_id(other)
    other_sessions = [s["id"] for s in other.browser.get("/api/auth/sessions").json()["items"]]
    for foreign in (other.email, other_id, "Ägaren Olsson", "Ägarens egen fråga", invited):
        assert foreign not in text, foreign
    for session_id in other_sessions:
        assert session_id not in text
    log = me.browser.get("/api/me/security-log?limit=100").json()["items"]
    assert [e["action"] for e in log].count("data_exported") == 1


def test_the_export_is_503_while_table_storage_is_down(database_url: str, tmp_path: Path) -> None:
    own_storage = start_storage(tmp_path / "azurite")
    env = app_environment(tmp_path / "app", database_url, own_storage.connection_string)
    try:
        with running_host(env, "--migrate") as app, app.client() as client:
            me = signed_up(app, client, "offline")
            azurite.stop(own_storage.server)
            response = me.browser.get("/api/me/export")
    finally:
        azurite.stop(own_storage.server)
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "unavailable"
    assert int(response.headers["Retry-After"]) > 0


def test_deletion_leaves_projects_intact_and_the_address_free_to_register_again(
    host: Host, client: httpx.Client, team: Team
) -> None:
    leaving = signed_up(host, client, "leaving")
    join(host, team.owner, team.project_id, leaving, team.roles["administrator"])
    schedule_id, row_id = with_schedule(team.owner, leaving, team.project_id)
    old_id = user_id(leaving)
    other_browser, _ = sign_in(client, leaving)
    response = leaving.browser.delete("/api/me", json={"password": PASSWORD})
    assert response.status_code == 204, response.text
    assert "Max-Age=0" in response.headers["set-cookie"]
    for browser in (leaving.browser, other_browser):
        assert browser.get("/api/me").status_code == 401
    _, login = sign_in(client, leaving)
    assert login.status_code == 401  # the address no longer has an account

    # The project, its schedule and the row they wrote are all still there.
    owner = team.owner.browser
    assert owner.get(f"/api/projects/{team.project_id}").status_code == 200
    rows = owner.get(f"/api/projects/{team.project_id}/schedules/{schedule_id}/rows").json()
    assert [r["id"] for r in rows["items"]] == [row_id]
    members = owner.get(f"/api/projects/{team.project_id}/members").json()["items"]
    assert leaving.email not in {m["email"] for m in members}
    # ... written by a removed user: the account's row stays with nothing personal in it.
    [(name, address, password_hash, deleted)] = host.query(
        "SELECT u.display_name, u.email, u.password_hash, u.deleted_at FROM users u "
        "JOIN schedule_rows r ON r.last_edited_by = u.id WHERE r.id = :row",
        row=stored_id(host, row_id),
    )
    assert name == "Borttagen användare"
    assert address.endswith("@removed.invalid")
    assert password_hash == ""
    assert deleted is not None
    assert leaving.email not in address

    # The address registers anew: a new account, with nothing of the old one.
    register(host, client, leaving.email)
    code = last_code(host.outbox, leaving.email)
    verified = client.post(
        "/api/auth/verify-email", json={"email": leaving.email, "code": code, "password": PASSWORD}
    )
    assert verified.status_code == 200, verified.text
    fresh, login = sign_in(client, leaving)
    assert login.status_code == 200, login.text
    assert user_id(Account(leaving.email, PASSWORD, fresh)) != old_id
    assert fresh.get("/api/projects").json()["items"] == []


def test_deletion_removes_the_credentials_and_the_personal_fields_of_tickets(
    host: Host, client: httpx.Client
) -> None:
    me = signed_up(host, client, "forgotten")
    with_totp(host, me)  # (its session passed a second factor on the way)
    sent = me.browser.post(
        "/api/support/tickets",
        json={
            "subject": "Fråga",
            "message": "Hur byter jag roll?",
            "category": "question",
            "name": "Åsa Hemlig",
        },
    )
    assert sent.status_code == 202, sent.text
    reference = sent.json()["reference"]
    mine = stored_id(host, user_id(me))
    owned = {
        "totp_credentials": "user_id = :u",
        "recovery_codes": "user_id = :u",
        "sessions": "user_id = :u",
    }

    def counts() -> dict[str, int]:
        return {
            table: host.query(f"SELECT COUNT(*) FROM {table} WHERE {where}", u=mine)[0][0]
            for table, where in owned.items()
        }

    assert counts() == {"totp_credentials": 1, "recovery_codes": 10, "sessions": 1}
    assert me.browser.delete("/api/me", json={"password": PASSWORD}).status_code == 204
    assert counts() == {"totp_credentials": 0, "recovery_codes": 0, "sessions": 0}
    [(address, name, message, sender)] = host.query(
        "SELECT email, name, message, user_id FROM support_tickets WHERE reference = :r",
        r=reference,
    )
    assert (address, name) == (None, None)
    assert message == "Hur byter jag roll?"  # what was asked stays, not who asked
    [(display_name,)] = host.query("SELECT display_name FROM users WHERE id = :u", u=sender)
    assert display_name == "Borttagen användare"


def test_the_only_manager_of_a_project_cannot_delete_the_account(
    host: Host, client: httpx.Client
) -> None:
    team = new_team(host, client, "sole-owner")
    with bad_input.unchanged(host, ACCOUNT_TABLES):
        refused = team.owner.browser.delete("/api/me", json={"password": PASSWORD})
    assert refused.status_code == 409
    assert refused.json()["code"] == "conflict"
    assert refused.json()["project_id"] == team.project_id
    assert refused.json()["project_name"] == "Väg 56"  # for the message in any language
    assert team.owner.browser.get("/api/me").status_code == 200
    # Once someone else manages the project, the owner may go.
    heir = signed_up(host, client, "heir")
    join(host, team.owner, team.project_id, heir, team.roles["owner"])
    # ... but is still the organisation's only admin, and the organisation has people.
    still = team.owner.browser.delete("/api/me", json={"password": PASSWORD})
    assert still.status_code == 409
    assert still.json()["org_id"] == team.org_id
    org = team.owner.browser.get(f"/api/orgs/{team.org_id}").json()
    assert still.json()["org_name"] == org["name"]
    promoted = team.owner.browser.put(
        f"/api/orgs/{team.org_id}/members/{user_id(heir)}", json={"org_role": "admin"}
    )
    assert promoted.status_code == 200, promoted.text
    assert team.owner.browser.delete("/api/me", json={"password": PASSWORD}).status_code == 204
    assert heir.browser.get(f"/api/projects/{team.project_id}").status_code == 200


def test_an_organisation_of_ones_own_with_no_project_left_does_not_hold_one_back(
    host: Host, client: httpx.Client
) -> None:
    me = signed_up(host, client, "solo")
    create_org(me, "Tomt AB")
    assert me.browser.delete("/api/me", json={"password": PASSWORD}).status_code == 204


def test_deletion_needs_the_password_and_changes_nothing_without_it(
    host: Host, client: httpx.Client
) -> None:
    me = signed_up(host, client, "careful")
    with bad_input.unchanged(host, ACCOUNT_TABLES):
        for body in ({"password": "fel lösenord här"}, {}, {"password": 5}, {"pass": PASSWORD}):
            refused = me.browser.delete("/api/me", json=body)
            assert refused.status_code in (400, 403), refused.text
        no_csrf = Browser(client, cookie=me.browser.cookie, send_csrf=False)
        assert no_csrf.delete("/api/me", json={"password": PASSWORD}).status_code == 403
        for label, options in bad_input.hostile({"password": PASSWORD}, set()):
            assert me.browser.delete("/api/me", **options).status_code == 400, label
    assert me.browser.get("/api/me").status_code == 200


def test_with_a_second_factor_on_deletion_needs_a_session_that_passed_it(
    host: Host, client: httpx.Client
) -> None:
    me = signed_up(host, client, "two-factor")
    with_email_otp(host, me)
    browser, login = sign_in(client, me)
    assert login.json()["status"] == "otp_required"
    code = last_code(host.outbox, me.email)
    verified = browser.post(
        "/api/auth/otp/verify", json={"challenge_id": login.json()["challenge_id"], "code": code}
    )
    assert verified.status_code == 200
    # The session that passed the factor may delete (one lacking it: the next test).
    me.browser = browser
    assert me.browser.delete("/api/me", json={"password": PASSWORD}).status_code == 204


def test_a_session_lacking_the_second_factor_cannot_delete(
    host: Host, client: httpx.Client
) -> None:
    team = new_team(host, client, "strict-owner")
    member = signed_up(host, client, "weak-session")
    join(host, team.owner, team.project_id, member, team.roles["viewer"])
    # The member's membership requires 2FA from now on; their session predates it.
    patched = team.owner.browser.patch(
        f"/api/projects/{team.project_id}/members/{user_id(member)}", json={"require_2fa": True}
    )
    assert patched.status_code == 200, patched.text
    with bad_input.unchanged(host, ACCOUNT_TABLES):
        refused = member.browser.delete("/api/me", json={"password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json()["code"] == "mfa_required"
    step_up_by_email(host, member)
    assert member.browser.delete("/api/me", json={"password": PASSWORD}).status_code == 204


def test_simultaneous_deletions_delete_once(host: Host, client: httpx.Client) -> None:
    me = signed_up(host, client, "hasty")
    address = me.email
    call = (me, "DELETE", "/api/me", {"json": {"password": PASSWORD}})
    statuses = sorted(r.status_code for r in simultaneously(host, [call] * 5))
    assert statuses.count(204) == 1, statuses
    assert set(statuses) <= {204, 401, 403}, statuses
    assert host.query("SELECT COUNT(*) FROM users WHERE email = :e", e=address) == [(0,)]
    assert messages_to(host.outbox, address)  # (the mails sent before stay sent)


def test_an_invitation_to_the_address_survives_for_whoever_registers_it_next(
    host: Host, client: httpx.Client, team: Team
) -> None:
    me = signed_up(host, client, "reinvited")
    token = invite(host, team.owner, team.project_id, me.email, team.roles["viewer"])
    assert me.browser.delete("/api/me", json={"password": PASSWORD}).status_code == 204
    preview = client.post("/api/invitations/preview", json={"token": token})
    assert preview.status_code == 200, preview.text
