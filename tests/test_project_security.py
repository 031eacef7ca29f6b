"""The 2FA gate, roles and the guards against escalation, over HTTP on every backend."""

from __future__ import annotations

import httpx

from tests.accounts import (
    Account,
    Browser,
    Team,
    create_org,
    create_project,
    invitation_token,
    join,
    messages_to,
    role_ids,
    sign_in,
    signed_up,
    step_up_by_email,
    totp_now,
    unique_email,
    user_id,
    with_totp,
)
from tests.conftest import Host


def require(team: Team, *, totp: bool = False) -> None:
    response = team.owner.browser.put(
        f"/api/projects/{team.project_id}/security",
        json={"require_2fa": True, "require_totp": totp},
    )
    assert response.status_code == 200, response.text


def gated_member(host: Host, client: httpx.Client, team: Team) -> Account:
    """A project administrator without a second factor, once the project requires one."""
    member = signed_up(host, client, "member")
    join(host, team.owner, team.project_id, member, team.roles["administrator"])
    require(team)
    return member


def sign_in_again(host: Host, client: httpx.Client, account: Account) -> httpx.Response:
    account.browser, response = sign_in(client, account)
    return response


# --- the 2FA gate ---------------------------------------------------------------


def test_switching_a_project_to_2fa_gates_open_sessions_until_step_up(
    host: Host, client: httpx.Client, team: Team
) -> None:
    member = signed_up(host, client, "member")
    join(host, team.owner, team.project_id, member, team.roles["editor"])
    assert member.browser.get(f"/api/projects/{team.project_id}").status_code == 200
    require(team)
    gated = member.browser.get(f"/api/projects/{team.project_id}")
    assert gated.status_code == 403
    assert gated.json()["code"] == "mfa_required"
    listed = member.browser.get("/api/projects").json()["items"]
    assert listed[0]["require_2fa"] is True
    assert listed[0]["mfa_satisfied"] is False
    step_up_by_email(host, member)
    assert member.browser.get(f"/api/projects/{team.project_id}").status_code == 200
    assert member.browser.get("/api/projects").json()["items"][0]["mfa_satisfied"] is True


def test_a_project_requiring_2fa_asks_for_a_code_at_login(
    host: Host, client: httpx.Client, team: Team
) -> None:
    member = signed_up(host, client, "atlogin")
    join(host, team.owner, team.project_id, member, team.roles["viewer"])
    require(team)
    assert sign_in_again(host, client, member).json()["status"] == "otp_required"


def test_a_membership_requiring_2fa_asks_for_a_code_at_login(
    host: Host, client: httpx.Client, team: Team
) -> None:
    member = signed_up(host, client, "personal")
    join(host, team.owner, team.project_id, member, team.roles["viewer"])
    assert sign_in_again(host, client, member).json()["status"] == "authenticated"
    changed = team.owner.browser.patch(
        f"/api/projects/{team.project_id}/members/{user_id(member)}", json={"require_2fa": True}
    )
    assert changed.status_code == 200
    assert changed.json()["require_2fa"] is True
    response = sign_in_again(host, client, member)
    assert response.json()["status"] == "otp_required"
    assert response.json()["methods"] == ["email"]
    # Not the project as a whole: the owner still signs in with the password alone.
    assert sign_in_again(host, client, team.owner).json()["status"] == "authenticated"


def test_a_project_requiring_an_app_refuses_email_codes(
    host: Host, client: httpx.Client, team: Team
) -> None:
    member = signed_up(host, client, "apponly")
    join(host, team.owner, team.project_id, member, team.roles["viewer"])
    require(team, totp=True)
    step_up_by_email(host, member)
    refused = member.browser.get(f"/api/projects/{team.project_id}")
    assert refused.status_code == 403
    assert refused.json()["code"] == "totp_required"
    with_totp(host, member)  # setting up the app is allowed with the e-mail code
    assert member.totp_secret
    response = sign_in_again(host, client, member)
    challenge = response.json()
    assert challenge["methods"] == ["totp", "recovery"]
    done = member.browser.post(
        "/api/auth/otp/verify",
        json={
            "challenge_id": challenge["challenge_id"],
            "code": totp_now(host, member.totp_secret, 1),
        },
    )
    assert done.status_code == 200
    assert member.browser.get(f"/api/projects/{team.project_id}").status_code == 200


def test_requiring_an_app_implies_2fa(host: Host, client: httpx.Client, team: Team) -> None:
    response = team.owner.browser.put(
        f"/api/projects/{team.project_id}/security",
        json={"require_2fa": False, "require_totp": True},
    )
    assert response.json()["require_2fa"] is True


# --- roles and escalation --------------------------------------------------------


def test_an_administrator_cannot_hand_out_owner_permissions(
    host: Host, client: httpx.Client, team: Team
) -> None:
    admin = signed_up(host, client, "admin")
    join(host, team.owner, team.project_id, admin, team.roles["administrator"])
    viewer = signed_up(host, client, "target")
    join(host, team.owner, team.project_id, viewer, team.roles["viewer"])
    invite = admin.browser.post(
        f"/api/projects/{team.project_id}/invitations",
        json={"email": "new@example.se", "role_id": team.roles["owner"]},
    )
    assert invite.status_code == 403
    assert "project.delete" in invite.json()["detail"]
    promote = admin.browser.patch(
        f"/api/projects/{team.project_id}/members/{user_id(viewer)}",
        json={"role_id": team.roles["owner"]},
    )
    assert promote.status_code == 403
    demote_owner = admin.browser.patch(
        f"/api/projects/{team.project_id}/members/{user_id(team.owner)}",
        json={"role_id": team.roles["viewer"]},
    )
    assert demote_owner.status_code == 403
    remove_owner = admin.browser.delete(
        f"/api/projects/{team.project_id}/members/{user_id(team.owner)}"
    )
    assert remove_owner.status_code == 403
    # What an administrator may hand out, they can.
    ok = admin.browser.patch(
        f"/api/projects/{team.project_id}/members/{user_id(viewer)}",
        json={"role_id": team.roles["editor"]},
    )
    assert ok.status_code == 200


def test_the_last_manager_cannot_leave_or_be_demoted(
    host: Host, client: httpx.Client, team: Team
) -> None:
    me = user_id(team.owner)
    base = f"/api/projects/{team.project_id}/members/{me}"
    demoted = team.owner.browser.patch(base, json={"role_id": team.roles["viewer"]})
    assert demoted.status_code == 409
    assert team.owner.browser.delete(base).status_code == 409
    second = signed_up(host, client, "second")
    join(host, team.owner, team.project_id, second, team.roles["owner"])
    assert team.owner.browser.delete(base).status_code == 204  # now someone else manages


def test_org_admins_adjust_roles_and_changes_count_at_once(
    host: Host, client: httpx.Client, team: Team
) -> None:
    viewer = signed_up(host, client, "adjusted")
    join(host, team.owner, team.project_id, viewer, team.roles["viewer"])
    assert viewer.browser.get(f"/api/projects/{team.project_id}/members").status_code == 200
    roles = team.owner.browser.get(f"/api/orgs/{team.org_id}/roles").json()["items"]
    viewer_role = next(r for r in roles if r["key"] == "viewer")
    assert viewer_role["builtin"] is True
    assert {r["key"] for r in roles} == {"owner", "administrator", "editor", "viewer"}
    narrowed = [p for p in viewer_role["permissions"] if p != "members.view"]
    changed = team.owner.browser.patch(
        f"/api/orgs/{team.org_id}/roles/{viewer_role['id']}", json={"permissions": narrowed}
    )
    assert changed.status_code == 200
    assert viewer.browser.get(f"/api/projects/{team.project_id}/members").status_code == 403
    # A plain org member cannot adjust roles.
    assert (
        viewer.browser.patch(
            f"/api/orgs/{team.org_id}/roles/{viewer_role['id']}", json={"permissions": []}
        ).status_code
        == 403
    )


def test_role_changes_that_would_strand_a_project_are_refused(
    host: Host, client: httpx.Client, team: Team
) -> None:
    everything_but_manage = [
        p for p in client.get("/api/permissions").json() if p["key"] != "members.manage"
    ]
    response = team.owner.browser.patch(
        f"/api/orgs/{team.org_id}/roles/{team.roles['owner']}",
        json={"permissions": [p["key"] for p in everything_but_manage]},
    )
    assert response.status_code == 409


def test_custom_roles(host: Host, client: httpx.Client, team: Team) -> None:
    created = team.owner.browser.post(
        f"/api/orgs/{team.org_id}/roles",
        json={
            "name_sv": "Kalkylator",
            "name_en": "Estimator",
            "permissions": ["project.view", "schedules.view", "schedules.export"],
        },
    )
    assert created.status_code == 201
    role = created.json()
    assert role["builtin"] is False
    member = signed_up(host, client, "estimator")
    join(host, team.owner, team.project_id, member, role["id"])
    held = team.owner.browser.delete(f"/api/orgs/{team.org_id}/roles/{role['id']}")
    assert held.status_code == 409
    team.owner.browser.delete(f"/api/projects/{team.project_id}/members/{user_id(member)}")
    unheld = team.owner.browser.delete(f"/api/orgs/{team.org_id}/roles/{role['id']}")
    assert unheld.status_code == 204
    builtin = team.owner.browser.delete(f"/api/orgs/{team.org_id}/roles/{team.roles['viewer']}")
    assert builtin.status_code == 409


def test_org_admins_do_not_see_projects_they_are_not_in(
    host: Host, client: httpx.Client, team: Team
) -> None:
    colleague = signed_up(host, client, "colleague")
    join(host, team.owner, team.project_id, colleague, team.roles["viewer"])
    # The colleague is now an org member; make them admin, then give them a project.
    promoted = team.owner.browser.put(
        f"/api/orgs/{team.org_id}/members/{user_id(colleague)}", json={"org_role": "admin"}
    )
    assert promoted.status_code == 200
    their_project = create_project(colleague, team.org_id, "Colleague's")
    # The owner is an org admin too, and still cannot see the colleague's project.
    assert team.owner.browser.get(f"/api/projects/{their_project}").status_code == 404
    listed = {p["id"] for p in team.owner.browser.get("/api/projects").json()["items"]}
    assert their_project not in listed


def test_an_organisation_keeps_an_admin(host: Host, client: httpx.Client, team: Team) -> None:
    me = user_id(team.owner)
    response = team.owner.browser.put(
        f"/api/orgs/{team.org_id}/members/{me}", json={"org_role": "member"}
    )
    assert response.status_code == 409


def test_organisations_are_private_to_their_members(
    host: Host, client: httpx.Client, team: Team
) -> None:
    stranger = signed_up(host, client, "nosy")
    for path in ("", "/members", "/roles"):
        assert stranger.browser.get(f"/api/orgs/{team.org_id}{path}").status_code == 404
    created = stranger.browser.post(
        "/api/projects", json={"org_id": team.org_id, "name": "Inside job"}
    )
    assert created.status_code == 404


def test_lists_page_with_a_cursor(host: Host, client: httpx.Client, team: Team) -> None:
    for number in range(4):
        create_project(team.owner, team.org_id, f"Projekt {number}")
    first = team.owner.browser.get("/api/projects", params={"limit": 2}).json()
    assert len(first["items"]) == 2
    second = team.owner.browser.get(
        "/api/projects", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    third = team.owner.browser.get(
        "/api/projects", params={"limit": 2, "cursor": second["next_cursor"]}
    ).json()
    names = [p["name"] for page in (first, second, third) for p in page["items"]]
    assert len(names) == len(set(names)) == 5
    assert third["next_cursor"] is None
    bad = team.owner.browser.get("/api/projects", params={"cursor": "bm9wZQ"})
    assert bad.status_code == 400


def test_every_spelling_the_guid_constraint_admits_reads_as_that_id(team: Team) -> None:
    """The route constraint also admits {…} and (…) GUIDs: they name the same row, and
    an unknown one is a 404 like any other (it was a 500 for the (…) form)."""
    browser = team.owner.browser
    for spelled in (f"{{{team.project_id}}}", f"({team.project_id})", team.project_id.upper()):
        assert browser.get(f"/api/projects/{spelled}").json()["id"] == team.project_id
    unknown = "(0b5d1c1e-7f55-4d6e-9a5c-3f2b8e1d4c7a)"
    for path in (
        f"/api/projects/{unknown}",
        f"/api/orgs/{unknown}",
        f"/api/projects/{team.project_id}/schedules/{unknown}",
    ):
        response = browser.get(path)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "not_found"
    ended = browser.delete(f"/api/auth/sessions/{unknown}")
    assert ended.status_code == 404


def test_a_new_project_in_an_org_whose_owner_role_cannot_manage_is_refused(
    host: Host, client: httpx.Client
) -> None:
    """With no project yet, nothing stopped an admin narrowing the Owner role; a project
    created then would have had nobody able to manage its members."""
    admin = signed_up(host, client, "narrowed-owner")
    org_id = create_org(admin, "Tom AB")
    owner_role = role_ids(admin, org_id)["owner"]
    keys = [p["key"] for p in client.get("/api/permissions").json()]
    narrowed = admin.browser.patch(
        f"/api/orgs/{org_id}/roles/{owner_role}",
        json={"permissions": [k for k in keys if k != "members.manage"]},
    )
    assert narrowed.status_code == 200, narrowed.text
    refused = admin.browser.post("/api/projects", json={"org_id": org_id, "name": "Strandad"})
    assert refused.status_code == 409
    assert admin.browser.get("/api/projects").json()["items"] == []


def test_invitation_mail_is_limited(host: Host, client: httpx.Client, team: Team) -> None:
    """3 e-mails an hour to one address from one project; 50 an hour from one inviter."""
    invitations = f"/api/projects/{team.project_id}/invitations"
    address = unique_email("spammed")

    def send(to: str) -> httpx.Response:
        return team.owner.browser.post(
            invitations, json={"email": to, "role_id": team.roles["viewer"]}
        )

    for _ in range(3):
        assert send(address).status_code == 201
    token = invitation_token(host.outbox, address)
    refused = send(address)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert len(messages_to(host.outbox, address)) == 3
    # The invitation sent last is still the valid one.
    preview = client.post("/api/invitations/preview", json={"token": token})
    assert preview.status_code == 200, preview.text

    for n in range(47):  # 3 + 47 = 50 from this inviter
        assert send(unique_email(f"many{n}")).status_code == 201
    last = unique_email("one-too-many")
    assert send(last).status_code == 429
    assert messages_to(host.outbox, last) == []
    host.advance_clock(58 * 60)
    assert send(last).status_code == 429  # still within the hour
    assert team.owner.browser.get("/api/me").status_code == 200  # stay signed in
    host.advance_clock(3 * 60)
    assert send(last).status_code == 201


def test_two_managers_removing_each_other_at_once_leave_one(
    host: Host, client: httpx.Client, team: Team
) -> None:
    """Each removal alone keeps a manager; run together without the organisation's lock,
    both could pass their check and leave the project with nobody to manage it."""
    from concurrent.futures import ThreadPoolExecutor

    members = f"/api/projects/{team.project_id}/members"
    other = signed_up(host, client, "co-owner")
    join(host, team.owner, team.project_id, other, team.roles["owner"])
    pairs = [(team.owner, user_id(other)), (other, user_id(team.owner))]

    def remove(pair: tuple[Account, str]) -> int:
        account, target = pair
        with host.client() as own:
            browser = Browser(own, cookie=account.browser.cookie, csrf=account.browser.csrf)
            return browser.delete(f"{members}/{target}").status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(remove, pairs))
    assert statuses[0] == 204
    assert statuses[1] in (404, 409), statuses  # refused, or no longer a member by then
    listings = [account.browser.get(members) for account in (team.owner, other)]
    [remaining] = [listing.json()["items"] for listing in listings if listing.status_code == 200]
    assert len(remaining) == 1


def test_two_admins_demoting_each_other_at_once_leave_one(
    host: Host, client: httpx.Client, team: Team
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    org_members = f"/api/orgs/{team.org_id}/members"
    other = signed_up(host, client, "co-admin")
    join(host, team.owner, team.project_id, other, team.roles["viewer"])
    promoted = team.owner.browser.put(f"{org_members}/{user_id(other)}", json={"org_role": "admin"})
    assert promoted.status_code == 200, promoted.text
    pairs = [(team.owner, user_id(other)), (other, user_id(team.owner))]

    def demote(pair: tuple[Account, str]) -> int:
        account, target = pair
        with host.client() as own:
            browser = Browser(own, cookie=account.browser.cookie, csrf=account.browser.csrf)
            return browser.put(f"{org_members}/{target}", json={"org_role": "member"}).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(demote, pairs))
    assert statuses[0] == 200
    assert statuses[1] in (403, 409), statuses  # refused, or no longer an admin by then
    listings = [account.browser.get(org_members) for account in (team.owner, other)]
    [remaining] = [listing.json()["items"] for listing in listings if listing.status_code == 200]
    assert sorted(m["org_role"] for m in remaining) == ["admin", "member"]  # the directory
    assert sorted(listing.status_code for listing in listings) == [200, 403]  # is for admins


# --- what a session without the required factor sees ------------------------------

GATED_FIELDS = {"id", "org_id", "name", "require_2fa", "require_totp", "mfa_satisfied"}


def test_a_project_behind_a_second_factor_is_listed_by_name_only(
    host: Host, client: httpx.Client, team: Team
) -> None:
    secret = create_project(
        team.owner, team.org_id, "Tunneln", number="12-345", description="Hemlig budget"
    )
    member = signed_up(host, client, "listed")
    join(host, team.owner, secret, member, team.roles["editor"])
    required = team.owner.browser.put(
        f"/api/projects/{secret}/security", json={"require_2fa": True, "require_totp": False}
    )
    assert required.status_code == 200, required.text
    listing = member.browser.get("/api/projects")
    [item] = listing.json()["items"]
    assert set(item) == GATED_FIELDS
    assert item == {
        "id": secret,
        "org_id": team.org_id,
        "name": "Tunneln",
        "require_2fa": True,
        "require_totp": False,
        "mfa_satisfied": False,
    }
    assert "Hemlig" not in listing.text
    assert "12-345" not in listing.text
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert set(schemas["GatedProject"]["properties"]) == GATED_FIELDS
    step_up_by_email(host, member)
    [full] = member.browser.get("/api/projects").json()["items"]
    assert full["description"] == "Hemlig budget"
    assert full["my_role"]["key"] == "editor"
    assert full["mfa_satisfied"] is True


def test_org_routes_ask_for_the_factor_the_callers_projects_require(
    host: Host, client: httpx.Client, team: Team
) -> None:
    org = f"/api/orgs/{team.org_id}"
    elsewhere = signed_up(host, client, "unrequired")
    free_project = create_project(team.owner, team.org_id, "Fritt")
    join(host, team.owner, free_project, elsewhere, team.roles["viewer"])
    require(team)

    def refused(code: str) -> None:
        for path in (org, f"{org}/members", f"{org}/roles"):
            response = team.owner.browser.get(path)
            assert response.status_code == 403, (path, response.text)
            assert response.json()["code"] == code
        edit = team.owner.browser.patch(
            f"{org}/roles/{team.roles['viewer']}", json={"name_en": "Reader"}
        )
        assert edit.json()["code"] == code

    refused("mfa_required")
    # Not the organisation as a whole: one whose projects require nothing gets through.
    assert elsewhere.browser.get(f"{org}/roles").status_code == 200
    step_up_by_email(host, team.owner)
    assert team.owner.browser.get(f"{org}/members").status_code == 200
    require(team, totp=True)
    refused("totp_required")


# --- editing a role grants it to everyone who holds it ----------------------------


def org_admin_in_project(host: Host, client: httpx.Client, team: Team, role: str) -> Account:
    """Someone holding `role` in the team's project whom the owner made an org admin."""
    colleague = signed_up(host, client, "org-admin")
    join(host, team.owner, team.project_id, colleague, team.roles[role])
    promoted = team.owner.browser.put(
        f"/api/orgs/{team.org_id}/members/{user_id(colleague)}", json={"org_role": "admin"}
    )
    assert promoted.status_code == 200, promoted.text
    return colleague


def permissions_of(account: Account, org_id: str, role_id: str) -> list[str]:
    roles = account.browser.get(f"/api/orgs/{org_id}/roles").json()["items"]
    [role] = [r for r in roles if r["id"] == role_id]
    return list(role["permissions"])


def test_an_org_admin_holding_viewer_cannot_make_viewer_everything(
    host: Host, client: httpx.Client, team: Team
) -> None:
    """The attack: an org admin who is a mere Viewer in a project adds every permission to
    Viewer, then turns the project's 2FA off and removes its Owner."""
    require(team)
    step_up_by_email(host, team.owner)
    attacker = org_admin_in_project(host, client, team, "viewer")
    step_up_by_email(host, attacker)
    viewer = team.roles["viewer"]
    before = permissions_of(team.owner, team.org_id, viewer)
    everything = [p["key"] for p in client.get("/api/permissions").json()]
    escalate = attacker.browser.patch(
        f"/api/orgs/{team.org_id}/roles/{viewer}", json={"permissions": everything}
    )
    assert escalate.status_code == 403, escalate.text
    assert escalate.json()["code"] == "forbidden"
    for named in ("project.security", "members.manage", "project.delete"):
        assert named in escalate.json()["detail"]
    assert permissions_of(team.owner, team.org_id, viewer) == before
    project = f"/api/projects/{team.project_id}"
    off = attacker.browser.put(
        f"{project}/security", json={"require_2fa": False, "require_totp": False}
    )
    assert off.status_code == 403
    assert attacker.browser.delete(f"{project}/members/{user_id(team.owner)}").status_code == 403
    assert team.owner.browser.get(project).json()["require_2fa"] is True
    # Taking permissions away grants nothing: that edit still works.
    narrowed = attacker.browser.patch(
        f"/api/orgs/{team.org_id}/roles/{viewer}", json={"permissions": ["project.view"]}
    )
    assert narrowed.status_code == 200, narrowed.text


def test_a_role_offered_by_a_pending_invitation_is_guarded_too(
    host: Host, client: httpx.Client, team: Team
) -> None:
    admin = org_admin_in_project(host, client, team, "viewer")
    roles = f"/api/orgs/{team.org_id}/roles"
    created = admin.browser.post(
        roles, json={"name_sv": "Gäst", "name_en": "Guest", "permissions": ["project.view"]}
    )
    assert created.status_code == 201, created.text
    guest = f"{roles}/{created.json()['id']}"
    # Used nowhere: an org admin may shape it freely.
    free = admin.browser.patch(guest, json={"permissions": ["project.view", "members.manage"]})
    assert free.status_code == 200, free.text
    assert admin.browser.patch(guest, json={"permissions": ["project.view"]}).status_code == 200
    offered = team.owner.browser.post(
        f"/api/projects/{team.project_id}/invitations",
        json={"email": unique_email("guest"), "role_id": created.json()["id"]},
    )
    assert offered.status_code == 201, offered.text
    refused = admin.browser.patch(guest, json={"permissions": ["project.view", "members.manage"]})
    assert refused.status_code == 403, refused.text
    assert "members.manage" in refused.json()["detail"]
    assert permissions_of(team.owner, team.org_id, created.json()["id"]) == ["project.view"]
    team.owner.browser.delete(f"/api/projects/{team.project_id}/invitations/{offered.json()['id']}")
    again = admin.browser.patch(guest, json={"permissions": ["project.view", "members.manage"]})
    assert again.status_code == 200, again.text


def test_an_admin_holding_the_added_permission_everywhere_may_add_it(
    host: Host, client: httpx.Client, team: Team
) -> None:
    viewer = signed_up(host, client, "widened")
    join(host, team.owner, team.project_id, viewer, team.roles["viewer"])
    role = f"/api/orgs/{team.org_id}/roles/{team.roles['viewer']}"
    widened = [*permissions_of(team.owner, team.org_id, team.roles["viewer"]), "schedules.edit"]
    # Another admin's project, where the owner is not a member, offers Viewer too.
    colleague = org_admin_in_project(host, client, team, "viewer")
    theirs = create_project(colleague, team.org_id, "Kollegans")
    offered = colleague.browser.post(
        f"/api/projects/{theirs}/invitations",
        json={"email": unique_email("offered"), "role_id": team.roles["viewer"]},
    )
    assert offered.status_code == 201, offered.text
    refused = team.owner.browser.patch(role, json={"permissions": widened})
    assert refused.status_code == 403, refused.text
    assert colleague.browser.delete(f"/api/projects/{theirs}").status_code == 204
    # Only live projects count: now the Owner holds schedules.edit wherever Viewer is used.
    changed = team.owner.browser.patch(role, json={"permissions": widened, "name_en": "Reader"})
    assert changed.status_code == 200, changed.text
    project = viewer.browser.get(f"/api/projects/{team.project_id}").json()
    assert "schedules.edit" in project["my_permissions"]
    assert project["my_role"]["name"] in ("Reader", "Läsare")
    events = team.owner.browser.get(f"/api/projects/{team.project_id}/audit").json()["items"]
    [event] = [e for e in events if e["action"] == "role_changed"]
    assert event["target"] == team.roles["viewer"]
    assert event["actor_id"] == user_id(team.owner)
    assert event["details"]["fields"] == "name_en,permissions"
    assert "schedules.edit" in event["details"]["permissions"].split(",")


# --- organisation membership follows project membership ---------------------------


def org_listed(account: Account, org_id: str) -> bool:
    return org_id in {o["id"] for o in account.browser.get("/api/orgs").json()["items"]}


def test_a_member_removed_from_their_last_project_leaves_the_organisation(
    host: Host, client: httpx.Client, team: Team
) -> None:
    member = signed_up(host, client, "leaver")
    second = create_project(team.owner, team.org_id, "Andra")
    for project in (team.project_id, second):
        join(host, team.owner, project, member, team.roles["viewer"])
    org = f"/api/orgs/{team.org_id}"
    directory = member.browser.get(f"{org}/members")
    assert directory.status_code == 403  # the directory is for admins
    assert directory.json()["code"] == "forbidden"
    assert member.email not in directory.text
    me = user_id(member)
    team.owner.browser.delete(f"/api/projects/{team.project_id}/members/{me}")
    assert org_listed(member, team.org_id)  # still in a project of the organisation
    team.owner.browser.delete(f"/api/projects/{second}/members/{me}")
    for path in (org, f"{org}/members", f"{org}/roles"):
        assert member.browser.get(path).status_code == 404, path
    created = member.browser.post("/api/projects", json={"org_id": team.org_id, "name": "Eget"})
    assert created.status_code == 404
    assert not org_listed(member, team.org_id)
    people = team.owner.browser.get(f"{org}/members").json()["items"]
    assert member.email not in {p["email"] for p in people}
    # Invited again, they are back.
    join(host, team.owner, second, member, team.roles["viewer"])
    assert org_listed(member, team.org_id)


def test_deleting_a_project_ends_the_org_membership_it_gave(
    host: Host, client: httpx.Client, team: Team
) -> None:
    member = signed_up(host, client, "orphaned")
    join(host, team.owner, team.project_id, member, team.roles["viewer"])
    assert org_listed(member, team.org_id)
    assert team.owner.browser.delete(f"/api/projects/{team.project_id}").status_code == 204
    assert not org_listed(member, team.org_id)
    assert org_listed(team.owner, team.org_id)  # admins stay without projects


def test_an_admin_without_a_project_cannot_be_made_a_plain_member(
    host: Host, client: httpx.Client, team: Team
) -> None:
    admin = org_admin_in_project(host, client, team, "viewer")
    team.owner.browser.delete(f"/api/projects/{team.project_id}/members/{user_id(admin)}")
    assert org_listed(admin, team.org_id)
    demoted = team.owner.browser.put(
        f"/api/orgs/{team.org_id}/members/{user_id(admin)}", json={"org_role": "member"}
    )
    assert demoted.status_code == 409, demoted.text
    [mine] = [o for o in admin.browser.get("/api/orgs").json()["items"] if o["id"] == team.org_id]
    assert mine["my_org_role"] == "admin"
