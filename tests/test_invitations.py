"""Invitations, the only way into a project: the story and every way around it."""

from __future__ import annotations

import httpx

from tests.accounts import (
    Browser,
    Team,
    create_org,
    create_project,
    invitation_token,
    invite,
    join,
    last_code,
    messages_to,
    register,
    role_ids,
    signed_up,
    step_up_by_email,
    text_of,
    unique_email,
    user_id,
)
from tests.conftest import Host


def test_the_whole_story(host: Host, client: httpx.Client) -> None:
    """A invites B as Editor with 2FA; B registers, accepts, signs in with a code; C sees 404."""
    a = signed_up(host, client, "anna")
    org_id = create_org(a, "Anläggning AB")
    project_id = create_project(a, org_id, "E4 Förbifart")
    editor = role_ids(a, org_id)["editor"]
    b_email = unique_email("bertil")
    token = invite(host, a, project_id, b_email, editor, require_2fa=True)
    [mail] = messages_to(host.outbox, b_email)
    assert a.email in str(mail["Subject"])  # the sender's verified address, not their words
    assert "E4 Förbifart" in text_of(mail)
    assert f"{host.env.get('CASAI_PUBLIC_BASE_URL', 'http://127.0.0.1:7071')}/invite#token=" in (
        text_of(mail)
    )

    preview = client.post("/api/invitations/preview", json={"token": token})
    assert preview.status_code == 200
    assert preview.json()["project_name"] == "E4 Förbifart"
    assert preview.json()["email"] == b_email

    register(host, client, b_email)
    client.post(
        "/api/auth/verify-email",
        json={
            "email": b_email,
            "code": last_code(host.outbox, b_email),
            "password": "korrekt häst batteri häftklammer",
        },
    )
    b = Browser(client)
    first = b.post(
        "/api/auth/login", json={"email": b_email, "password": "korrekt häst batteri häftklammer"}
    )
    assert first.json()["status"] == "authenticated"  # no project yet: no code needed
    mine = b.get("/api/me/invitations").json()["items"]
    assert [i["project_name"] for i in mine] == ["E4 Förbifart"]
    accepted = b.post("/api/invitations/accept", json={"token": token})
    assert accepted.status_code == 200, accepted.text
    # Without the code the membership requires, the project shows its name and needs only.
    assert accepted.json()["project"] == {
        "id": project_id,
        "org_id": org_id,
        "name": "E4 Förbifart",
        "require_2fa": False,
        "require_totp": False,
        "mfa_satisfied": False,
    }
    gated = b.get(f"/api/projects/{project_id}")
    assert gated.status_code == 403
    assert gated.json()["code"] == "mfa_required"
    b.post("/api/auth/logout")

    again = b.post(
        "/api/auth/login", json={"email": b_email, "password": "korrekt häst batteri häftklammer"}
    )
    assert again.json()["status"] == "otp_required"  # the membership requires 2FA
    done = b.post(
        "/api/auth/otp/verify",
        json={
            "challenge_id": again.json()["challenge_id"],
            "code": last_code(host.outbox, b_email),
        },
    )
    assert done.status_code == 200
    seen = b.get(f"/api/projects/{project_id}")
    assert seen.status_code == 200
    assert seen.json()["mfa_satisfied"] is True
    assert seen.json()["my_role"]["key"] == "editor"
    listed = b.get("/api/projects").json()["items"]
    assert [p["id"] for p in listed] == [project_id]

    c = signed_up(host, client, "cecilia")
    assert c.browser.get(f"/api/projects/{project_id}").status_code == 404
    assert c.browser.get("/api/projects").json()["items"] == []


def test_nobody_can_ask_for_access(host: Host, client: httpx.Client, team: Team) -> None:
    stranger = signed_up(host, client, "asker")
    for method, path in (
        ("POST", f"/api/projects/{team.project_id}/members"),
        ("POST", f"/api/projects/{team.project_id}/join"),
        ("POST", f"/api/projects/{team.project_id}/invitations"),
    ):
        response = stranger.browser.request(method, path, json={"email": stranger.email})
        assert response.status_code in (404, 405)
    assert stranger.browser.get(f"/api/projects/{team.project_id}").status_code == 404


def test_wrong_email_is_forbidden(host: Host, client: httpx.Client, team: Team) -> None:
    token = invite(
        host, team.owner, team.project_id, unique_email("intended"), team.roles["viewer"]
    )
    someone = signed_up(host, client, "someone")
    response = someone.browser.post("/api/invitations/accept", json={"token": token})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert someone.browser.get(f"/api/projects/{team.project_id}").status_code == 404


def test_an_invitation_works_once(host: Host, client: httpx.Client, team: Team) -> None:
    member = signed_up(host, client, "once")
    token = invite(host, team.owner, team.project_id, member.email, team.roles["viewer"])
    assert member.browser.post("/api/invitations/accept", json={"token": token}).status_code == 200
    team.owner.browser.delete(f"/api/projects/{team.project_id}/members/{user_id(member)}")
    again = member.browser.post("/api/invitations/accept", json={"token": token})
    assert again.status_code == 404
    assert client.post("/api/invitations/preview", json={"token": token}).status_code == 404
    assert member.browser.get(f"/api/projects/{team.project_id}").status_code == 404


def test_a_revoked_invitation_is_gone(host: Host, client: httpx.Client, team: Team) -> None:
    member = signed_up(host, client, "revoked")
    created = team.owner.browser.post(
        f"/api/projects/{team.project_id}/invitations",
        json={"email": member.email, "role_id": team.roles["viewer"]},
    ).json()
    token = invitation_token(host.outbox, member.email)
    pending = team.owner.browser.get(f"/api/projects/{team.project_id}/invitations").json()
    assert created["id"] in [i["id"] for i in pending["items"]]
    revoked = team.owner.browser.delete(
        f"/api/projects/{team.project_id}/invitations/{created['id']}"
    )
    assert revoked.status_code == 204
    assert member.browser.post("/api/invitations/accept", json={"token": token}).status_code == 404
    assert member.browser.get("/api/me/invitations").json()["items"] == []


def test_an_expired_invitation_is_gone(host: Host, client: httpx.Client, team: Team) -> None:
    member = signed_up(host, client, "late")
    token = invite(host, team.owner, team.project_id, member.email, team.roles["viewer"])
    host.advance_clock(7 * 24 * 3600 + 1)
    fresh = Browser(client)  # the old session has ended by now
    fresh.post("/api/auth/login", json={"email": member.email, "password": member.password})
    assert fresh.post("/api/invitations/accept", json={"token": token}).status_code == 404
    assert client.post("/api/invitations/preview", json={"token": token}).status_code == 404


def test_reinviting_replaces_the_old_invitation(
    host: Host, client: httpx.Client, team: Team
) -> None:
    member = signed_up(host, client, "twice")
    old = invite(host, team.owner, team.project_id, member.email, team.roles["viewer"])
    new = invite(host, team.owner, team.project_id, member.email, team.roles["editor"])
    assert member.browser.post("/api/invitations/accept", json={"token": old}).status_code == 404
    accepted = member.browser.post("/api/invitations/accept", json={"token": new})
    assert accepted.json()["project"]["my_role"]["key"] == "editor"


def test_accepting_after_the_inviter_lost_the_right(
    host: Host, client: httpx.Client, team: Team
) -> None:
    admin = signed_up(host, client, "admin")
    join(host, team.owner, team.project_id, admin, team.roles["administrator"])
    invitee = signed_up(host, client, "orphan")
    token = invite(host, admin, team.project_id, invitee.email, team.roles["viewer"])
    demoted = team.owner.browser.patch(
        f"/api/projects/{team.project_id}/members/{user_id(admin)}",
        json={"role_id": team.roles["viewer"]},
    )
    assert demoted.status_code == 200
    refused = invitee.browser.post("/api/invitations/accept", json={"token": token})
    assert refused.status_code == 404


def test_a_guessed_token_is_not_found(host: Host, client: httpx.Client, team: Team) -> None:
    member = signed_up(host, client, "guesser")
    for guess in ("A" * 43, "not-a-real-token-at-all-0123456789"):
        assert (
            member.browser.post("/api/invitations/accept", json={"token": guess}).status_code == 404
        )
        assert client.post("/api/invitations/preview", json={"token": guess}).status_code == 404


def test_accepting_from_the_list_by_id(host: Host, client: httpx.Client, team: Team) -> None:
    member = signed_up(host, client, "byid")
    invite(host, team.owner, team.project_id, member.email, team.roles["viewer"])
    [pending] = member.browser.get("/api/me/invitations").json()["items"]
    other = signed_up(host, client, "notmine")
    stolen = other.browser.post("/api/invitations/accept", json={"invitation_id": pending["id"]})
    assert stolen.status_code == 404
    mine = member.browser.post("/api/invitations/accept", json={"invitation_id": pending["id"]})
    assert mine.status_code == 200


def test_a_removed_member_is_out_at_once(host: Host, client: httpx.Client, team: Team) -> None:
    member = signed_up(host, client, "removed")
    join(host, team.owner, team.project_id, member, team.roles["editor"])
    assert member.browser.get(f"/api/projects/{team.project_id}").status_code == 200
    gone = team.owner.browser.delete(f"/api/projects/{team.project_id}/members/{user_id(member)}")
    assert gone.status_code == 204
    assert member.browser.get(f"/api/projects/{team.project_id}").status_code == 404


def test_a_deleted_project_is_gone_for_everyone(
    host: Host, client: httpx.Client, team: Team
) -> None:
    member = signed_up(host, client, "deleted")
    join(host, team.owner, team.project_id, member, team.roles["administrator"])
    assert team.owner.browser.delete(f"/api/projects/{team.project_id}").status_code == 204
    for account in (team.owner, member):
        assert account.browser.get(f"/api/projects/{team.project_id}").status_code == 404
        assert account.browser.get("/api/projects").json()["items"] == []


def test_the_audit_shows_who_did_what(host: Host, client: httpx.Client, team: Team) -> None:
    member = signed_up(host, client, "audited")
    join(host, team.owner, team.project_id, member, team.roles["viewer"])
    token = invitation_token(host.outbox, member.email)
    team.owner.browser.put(
        f"/api/projects/{team.project_id}/security",
        json={"require_2fa": True, "require_totp": False},
    )
    step_up_by_email(host, team.owner)  # the project now requires a second factor
    events = team.owner.browser.get(f"/api/projects/{team.project_id}/audit").json()["items"]
    actions = [e["action"] for e in events]
    assert actions[:3] == ["security_changed", "invitation_accepted", "invitation_sent"]
    assert actions[-1] == "project_created"
    sent = events[2]
    assert sent["actor_id"] == user_id(team.owner)
    assert sent["target"] == member.email
    assert sent["at"]
    assert "token" not in str(events).lower().replace("invitation_id", "")
    assert token not in str(events)
    assert token not in team.owner.browser.get(f"/api/projects/{team.project_id}/audit").text


def test_the_timer_marks_and_purges_expired_invitations(
    host: Host, client: httpx.Client, team: Team
) -> None:
    address = unique_email("stale")
    invite(host, team.owner, team.project_id, address, team.roles["viewer"])
    sql = "SELECT status FROM invitations WHERE email = :email"
    host.advance_clock(8 * 24 * 3600)
    owner = team.owner
    signed_in = owner.browser.post(
        "/api/auth/login", json={"email": owner.email, "password": owner.password}
    )  # the old session has ended by now
    assert signed_in.json()["status"] == "authenticated", signed_in.text
    recent = unique_email("recent")
    recent_token = invite(host, owner, team.project_id, recent, team.roles["viewer"])
    host.run_timer("expire_invitations")
    assert host.query(sql, email=address) == [("expired",)]
    assert host.query(sql, email=recent) == [("pending",)]  # not yet due: untouched
    preview = client.post("/api/invitations/preview", json={"token": recent_token})
    assert preview.status_code == 200, preview.text
    host.advance_clock(31 * 24 * 3600)
    host.run_timer("expire_invitations")
    assert host.query(sql, email=address) == []
    assert host.query(sql, email=recent) == [("expired",)]  # ended only now: kept 30 days
