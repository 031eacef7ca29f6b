"""Hostile clients of the organisation, project and invitation endpoints.

Three sections, each a place a new feature adds its cases to:
- parallel requests: single-use things are used once, counts stay exact, nothing 500s;
- probing: something that exists but is not the caller's answers byte for byte like
  something that does not exist;
- hostile input: deep nesting, control characters, ids from elsewhere and foreign or
  forged cursors get a 4xx problem and change nothing.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import bad_input
from tests.accounts import (
    Account,
    Team,
    answer,
    create_org,
    create_project,
    invite,
    join,
    messages_to,
    role_ids,
    signed_up,
    simultaneously,
    unique_email,
    user_id,
)
from tests.conftest import Host

TABLES = bad_input.PROJECT_TABLES


def count(host: Host, sql: str, **params: object) -> int:
    [(found,)] = host.query(sql, **params)
    return int(found)


def memberships(host: Host, table: str, account: Account) -> int:
    """Rows of `table` (project_members, org_members) of the account."""
    sql = f"SELECT COUNT(*) FROM {table} m JOIN users u ON u.id = m.user_id WHERE u.email = :e"
    return count(host, sql, e=account.email)


def audit_actions(team: Team, action: str) -> list[dict[str, Any]]:
    response = team.owner.browser.get(f"/api/projects/{team.project_id}/audit?limit=500")
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["action"] == action]


# --- parallel requests ------------------------------------------------------------


def call(
    account: Account, method: str, path: str, **options: Any
) -> tuple[Account, str, str, dict[str, Any]]:
    """One request for `simultaneously`."""
    return account, method, path, options


def test_eight_simultaneous_accepts_of_one_invitation_join_once(
    host: Host, client: httpx.Client, team: Team
) -> None:
    invitee = signed_up(host, client, "eager")
    token = invite(host, team.owner, team.project_id, invitee.email, team.roles["viewer"])
    accept = call(invitee, "POST", "/api/invitations/accept", json={"token": token})
    statuses = sorted(r.status_code for r in simultaneously(host, [accept] * 8))
    assert statuses[0] == 200
    assert all(status in (404, 409) for status in statuses[1:]), statuses
    assert memberships(host, "project_members", invitee) == 1
    assert memberships(host, "org_members", invitee) == 1
    assert host.query("SELECT status FROM invitations WHERE email = :e", e=invitee.email) == [
        ("accepted",)
    ]
    assert len(audit_actions(team, "invitation_accepted")) == 1


def test_simultaneous_accepts_into_two_projects_of_one_org_join_it_once(
    host: Host, client: httpx.Client, team: Team
) -> None:
    second = create_project(team.owner, team.org_id, "Andra")
    invitee = signed_up(host, client, "twofold")
    tokens = [
        invite(host, team.owner, project, invitee.email, team.roles["viewer"])
        for project in (team.project_id, second)
    ]
    calls = [call(invitee, "POST", "/api/invitations/accept", json={"token": t}) for t in tokens]
    assert [r.status_code for r in simultaneously(host, calls)] == [200, 200]
    assert memberships(host, "project_members", invitee) == 2
    assert memberships(host, "org_members", invitee) == 1


def test_simultaneous_invitations_to_one_address_leave_one_and_count_exactly(
    host: Host, team: Team
) -> None:
    address = unique_email("flooded")
    send = call(
        team.owner,
        "POST",
        f"/api/projects/{team.project_id}/invitations",
        json={"email": address, "role_id": team.roles["viewer"]},
    )
    statuses = sorted(r.status_code for r in simultaneously(host, [send] * 6))
    assert statuses == [201, 201, 201, 429, 429, 429]  # 3 an hour to one address
    pending = "SELECT COUNT(*) FROM invitations WHERE email = :e AND status = 'pending'"
    assert count(host, pending, e=address) == 1
    assert len(messages_to(host.outbox, address)) == 3


def test_simultaneous_revokes_of_one_invitation_revoke_once(host: Host, team: Team) -> None:
    created = team.owner.browser.post(
        f"/api/projects/{team.project_id}/invitations",
        json={"email": unique_email("revoked"), "role_id": team.roles["viewer"]},
    )
    revoke = call(
        team.owner, "DELETE", f"/api/projects/{team.project_id}/invitations/{created.json()['id']}"
    )
    statuses = sorted(r.status_code for r in simultaneously(host, [revoke] * 4))
    assert statuses == [204, 404, 404, 404]
    assert len(audit_actions(team, "invitation_revoked")) == 1


def test_simultaneous_removals_of_one_member_remove_once(
    host: Host, client: httpx.Client, team: Team
) -> None:
    member = signed_up(host, client, "removed")
    join(host, team.owner, team.project_id, member, team.roles["viewer"])
    remove = call(
        team.owner, "DELETE", f"/api/projects/{team.project_id}/members/{user_id(member)}"
    )
    statuses = sorted(r.status_code for r in simultaneously(host, [remove] * 4))
    assert statuses == [204, 404, 404, 404]
    assert len(audit_actions(team, "member_removed")) == 1


def test_simultaneous_deletes_of_one_project_delete_once(host: Host, team: Team) -> None:
    delete = call(team.owner, "DELETE", f"/api/projects/{team.project_id}")
    statuses = sorted(r.status_code for r in simultaneously(host, [delete] * 4))
    assert statuses == [204, 404, 404, 404]


def test_deleting_a_role_while_it_is_granted_never_breaks(
    host: Host, client: httpx.Client, team: Team
) -> None:
    """Each request alone is fine; together, unserialised, one of them hit the foreign key."""
    member = signed_up(host, client, "regranted")
    join(host, team.owner, team.project_id, member, team.roles["viewer"])
    member_path = f"/api/projects/{team.project_id}/members/{user_id(member)}"
    for attempt in range(3):
        role = team.owner.browser.post(
            f"/api/orgs/{team.org_id}/roles",
            json={"name_sv": f"R{attempt}", "name_en": f"R{attempt}", "permissions": []},
        ).json()
        grant = call(team.owner, "PATCH", member_path, json={"role_id": role["id"]})
        delete = call(team.owner, "DELETE", f"/api/orgs/{team.org_id}/roles/{role['id']}")
        granted, deleted = (r.status_code for r in simultaneously(host, [grant, delete]))
        assert (granted, deleted) in ((200, 409), (400, 204)), (granted, deleted)
        held = team.owner.browser.get(f"/api/projects/{team.project_id}/members").json()
        [their_role] = [m["role"]["id"] for m in held["items"] if m["email"] == member.email]
        assert (their_role == role["id"]) == (granted == 200)
        if granted == 200:  # give the viewer role back for the next round
            back = team.owner.browser.patch(member_path, json={"role_id": team.roles["viewer"]})
            assert back.status_code == 200, back.text


def test_simultaneous_edits_of_one_role_each_land_whole(host: Host, team: Team) -> None:
    role = f"/api/orgs/{team.org_id}/roles/{team.roles['viewer']}"
    sets = [
        ["project.view", "schedules.view"],
        ["project.view", "files.view"],
        ["project.view", "members.view", "schedules.view"],
        ["project.view"],
    ]
    calls = [call(team.owner, "PATCH", role, json={"permissions": s}) for s in sets * 2]
    assert [r.status_code for r in simultaneously(host, calls)] == [200] * 8
    roles = team.owner.browser.get(f"/api/orgs/{team.org_id}/roles").json()["items"]
    [viewer] = [r for r in roles if r["id"] == team.roles["viewer"]]
    assert viewer["permissions"] in [sorted(s) for s in sets]


# --- probing: what is not yours looks like what does not exist --------------------


@dataclass
class World:
    """An owner with two organisations and projects holding members, invitations and
    events; a rival with the same of their own; a stranger with nothing."""

    owner: Account
    org_id: str
    second_org: str
    project_id: str
    second_project: str
    roles: dict[str, str]
    member: Account
    member_id: str
    rival: Account
    rival_org: str
    rival_project: str
    rival_roles: dict[str, str]
    rival_member_id: str
    rival_invitation: str
    token: str
    stranger: Account


def pending_invitation(owner: Account, project_id: str, role_id: str) -> str:
    response = owner.browser.post(
        f"/api/projects/{project_id}/invitations",
        json={"email": unique_email("pending"), "role_id": role_id},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture(scope="module")
def world(host: Host) -> Iterator[World]:
    with host.client() as client:
        owner = signed_up(host, client, "prober-owner")
        org_id = create_org(owner, "Egen AB")
        second_org = create_org(owner, "Andra AB")
        roles = role_ids(owner, org_id)
        project_id = create_project(owner, org_id, "Eget", number="1", description="Hemligt")
        second_project = create_project(owner, org_id, "Andra")
        member = signed_up(host, client, "prober-member")
        for project in (project_id, second_project):
            join(host, owner, project, member, roles["viewer"])
            for _ in range(2):
                pending_invitation(owner, project, roles["viewer"])
        token = invite(host, owner, project_id, unique_email("invited"), roles["viewer"])
        rival = signed_up(host, client, "prober-rival")
        rival_org = create_org(rival, "Rival AB")
        create_org(rival, "Rival två AB")
        rival_roles = role_ids(rival, rival_org)
        rival_project = create_project(rival, rival_org, "Rivalens")
        create_project(rival, rival_org, "Rivalens andra")
        rival_member = signed_up(host, client, "prober-rival-member")
        join(host, rival, rival_project, rival_member, rival_roles["viewer"])
        rival_invitation = pending_invitation(rival, rival_project, rival_roles["viewer"])
        pending_invitation(rival, rival_project, rival_roles["viewer"])
        yield World(
            owner=owner,
            org_id=org_id,
            second_org=second_org,
            project_id=project_id,
            second_project=second_project,
            roles=roles,
            member=member,
            member_id=user_id(member),
            rival=rival,
            rival_org=rival_org,
            rival_project=rival_project,
            rival_roles=rival_roles,
            rival_member_id=user_id(rival_member),
            rival_invitation=rival_invitation,
            token=token,
            stranger=signed_up(host, client, "prober-stranger"),
        )


def same_answer(
    account: Account, method: str, existing: str, unknown: str, body: Any = None
) -> None:
    """`existing` (someone else's) and `unknown` (a random id) answer byte for byte alike."""
    request_id = uuid.uuid4().hex
    options: dict[str, Any] = {"headers": {"X-Request-Id": request_id}}
    if body is not None:
        options["json"] = body
    theirs = account.browser.request(method, existing, **options)
    nobodys = account.browser.request(method, unknown, **options)
    assert 400 <= theirs.status_code < 500, theirs.text
    assert answer(theirs) == answer(nobodys)


def openapi_paths(client: httpx.Client, prefix: str) -> list[tuple[str, str]]:
    document = client.get("/api/openapi.json").json()
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path.startswith(prefix)
        for method in operations
    ]


def fill(path: str, **ids: str) -> str:
    """An OpenAPI path with its {placeholders} filled, the ones not given by random ids."""
    for name in ("project_id", "org_id", "user_id", "role_id", "invitation_id"):
        path = path.replace(f"{{{name}}}", ids.get(name, str(uuid.uuid4())))
    for name in ("schedule_id", "row_id", "file_id"):
        path = path.replace(f"{{{name}}}", ids.get(name, str(uuid.UUID(int=7))))
    return f"/api{path}"


def test_a_project_one_is_not_in_answers_like_an_unknown_one_everywhere(
    client: httpx.Client, world: World
) -> None:
    unknown = str(uuid.uuid4())
    endpoints = openapi_paths(client, "/projects/{project_id}")
    assert len(endpoints) > 20
    for method, path in endpoints:
        body = {"name": "x"} if method in ("POST", "PUT", "PATCH") else None
        for caller in (world.stranger, world.rival):
            same_answer(
                caller,
                method,
                fill(path, project_id=world.project_id),
                fill(path, project_id=unknown),
                body,
            )


def test_an_organisation_one_is_not_in_answers_like_an_unknown_one_everywhere(
    client: httpx.Client, world: World
) -> None:
    unknown = str(uuid.uuid4())
    for method, path in openapi_paths(client, "/orgs/{org_id}"):
        body = {"name": "x"} if method in ("POST", "PUT", "PATCH") else None
        same_answer(
            world.stranger,
            method,
            fill(path, org_id=world.org_id),
            fill(path, org_id=unknown),
            body,
        )


def test_ids_from_elsewhere_answer_like_unknown_ones_and_change_nothing(
    host: Host, world: World
) -> None:
    project = f"/api/projects/{world.project_id}"
    org = f"/api/orgs/{world.org_id}"
    random_id = str(uuid.uuid4())
    with bad_input.unchanged(host, TABLES):
        probes: list[tuple[str, str, str, Any]] = [
            # a member, an invitation, a role of another project or organisation
            ("PATCH", f"{project}/members/{world.rival_member_id}", "require_2fa", True),
            ("DELETE", f"{project}/members/{world.rival_member_id}", "", None),
            ("DELETE", f"{project}/invitations/{world.rival_invitation}", "", None),
            ("PATCH", f"{org}/roles/{world.rival_roles['viewer']}", "name_en", "Mine"),
            ("DELETE", f"{org}/roles/{world.rival_roles['viewer']}", "", None),
            ("PUT", f"{org}/members/{world.rival_member_id}", "org_role", "admin"),
        ]
        for method, path, field, value in probes:
            body = {field: value} if field else None
            foreign_id = path.rsplit("/", 1)[1]
            same_answer(world.owner, method, path, path.replace(foreign_id, random_id), body)
        # another organisation's role handed out here; another organisation to create in
        member = f"{project}/members/{world.member_id}"
        invitations = f"{project}/invitations"
        for method, path, body in (
            ("PATCH", member, {"role_id": "{role}"}),
            ("POST", invitations, {"email": unique_email("x"), "role_id": "{role}"}),
        ):
            request_id = uuid.uuid4().hex
            answers = [
                answer(
                    world.owner.browser.request(
                        method,
                        path,
                        json={k: role if v == "{role}" else v for k, v in body.items()},
                        headers={"X-Request-Id": request_id},
                    )
                )
                for role in (world.rival_roles["owner"], random_id)
            ]
            assert answers[0][0] == 400
            assert answers[0] == answers[1]
        request_id = uuid.uuid4().hex
        created = [
            answer(
                world.owner.browser.post(
                    "/api/projects",
                    json={"org_id": org_id, "name": "P"},
                    headers={"X-Request-Id": request_id},
                )
            )
            for org_id in (world.rival_org, random_id)
        ]
        assert created[0][0] == 404
        assert created[0] == created[1]


def test_invitations_of_others_answer_like_unknown_ones(host: Host, world: World) -> None:
    request_id = uuid.uuid4().hex
    headers = {"X-Request-Id": request_id}
    by_id = [
        answer(
            world.owner.browser.post(
                "/api/invitations/accept", json={"invitation_id": i}, headers=headers
            )
        )
        for i in (world.rival_invitation, str(uuid.uuid4()))
    ]
    assert by_id[0][0] == 404
    assert by_id[0] == by_id[1]
    previews = [
        answer(world.stranger.browser.post("/api/invitations/preview", json=t, headers=headers))
        for t in ({"token": "A" * 43}, {"token": "B" * 43})
    ]
    assert previews[0] == previews[1]


# --- hostile input ----------------------------------------------------------------


def bodies(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """A valid body for every endpoint of the area that takes one."""
    project = f"/api/projects/{world.project_id}"
    org = f"/api/orgs/{world.org_id}"
    role = {"name_sv": "Roll", "name_en": "Role", "description": "d", "permissions": []}
    return [
        ("POST", "/api/orgs", {"name": "Org"}),
        ("PATCH", org, {"name": "Org"}),
        ("PUT", f"{org}/members/{world.member_id}", {"org_role": "member"}),
        ("POST", f"{org}/roles", role),
        ("PATCH", f"{org}/roles/{world.roles['editor']}", {"name_en": "Role", "description": "d"}),
        ("POST", "/api/projects", {"org_id": world.org_id, "name": "P", "number": "1"}),
        ("PATCH", project, {"name": "P", "number": "1", "description": "d"}),
        ("PUT", f"{project}/security", {"require_2fa": False, "require_totp": False}),
        ("PATCH", f"{project}/members/{world.member_id}", {"require_2fa": False}),
        (
            "POST",
            f"{project}/invitations",
            {"email": "x@example.se", "role_id": world.roles["viewer"]},
        ),
        ("POST", "/api/invitations/preview", {"token": world.token}),
        ("POST", "/api/invitations/accept", {"token": world.token}),
    ]


def test_every_body_endpoint_is_attacked(client: httpx.Client, world: World) -> None:
    served = {
        (method, path)
        for method, path in openapi_paths(client, "/")
        if path.startswith(("/orgs", "/projects", "/invitations"))
        and "/schedules" not in path
        and "/files" not in path  # tests/test_files.py attacks those
    }
    document = client.get("/api/openapi.json").json()
    with_body = {(m, p) for m, p in served if "requestBody" in document["paths"][p][m.lower()]}
    attacked = {
        (
            method,
            path.removeprefix("/api")
            .replace(world.org_id, "{org_id}")
            .replace(world.project_id, "{project_id}")
            .replace(world.member_id, "{user_id}")
            .replace(world.roles["editor"], "{role_id}"),
        )
        for method, path, _ in bodies(world)
    }
    assert with_body == attacked


MULTILINE = {"description"}  # line breaks allowed (test_descriptions_may_hold_line_breaks)


def test_hostile_bodies_are_refused_and_change_nothing(host: Host, world: World) -> None:
    for method, path, valid in bodies(world):
        for label, options in bad_input.hostile(valid, MULTILINE):
            with bad_input.unchanged(host, TABLES, method, path, label):
                response = world.owner.browser.request(method, path, **options)
                assert response.status_code == 400, (method, path, label, response.text)
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.json()["code"] == "validation_error"


def test_descriptions_may_hold_line_breaks(world: World) -> None:
    text = "Etapp 1:\n\tschakt\r\nEtapp 2"
    project = world.owner.browser.patch(
        f"/api/projects/{world.project_id}", json={"description": text}
    )
    assert project.status_code == 200, project.text
    assert project.json()["description"] == text
    role = world.owner.browser.patch(
        f"/api/orgs/{world.org_id}/roles/{world.roles['editor']}", json={"description": text}
    )
    assert role.status_code == 200, role.text
    assert role.json()["description"] == text


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


FORGED_CURSORS = {
    "object": b64(b"{}"),
    "three numbers": b64(b"[1,2,3]"),
    "a string": b64(b'"x"'),
    "two nulls": b64(b"[null,null]"),
    "not JSON": b64(b"\xff\xfe\x00 not json"),
    "a well-formed position": b64(
        json.dumps(["2024-01-01T00:00:00+00:00", str(uuid.UUID(int=0))]).encode()
    ),
    "a storage continuation": b64(b'{"PartitionKey": "project:x", "RowKey": "0"}'),
    "not base64": "%%%",
    "a dot alone": ".",
}


def lists(world: World) -> dict[str, tuple[Account, str, Account, str]]:
    """Each list endpoint: who reads it and its path, then who reads the same list of
    another project, organisation or person, and that path."""
    project, other = world.project_id, world.second_project
    owner, rival = world.owner, world.rival
    return {
        "projects": (owner, "/api/projects", rival, "/api/projects"),
        "orgs": (owner, "/api/orgs", rival, "/api/orgs"),
        "org members": (
            owner,
            f"/api/orgs/{world.org_id}/members",
            rival,
            f"/api/orgs/{world.rival_org}/members",
        ),
        "members": (
            owner,
            f"/api/projects/{project}/members",
            owner,
            f"/api/projects/{other}/members",
        ),
        "invitations": (
            owner,
            f"/api/projects/{project}/invitations",
            owner,
            f"/api/projects/{other}/invitations",
        ),
        "audit": (owner, f"/api/projects/{project}/audit", owner, f"/api/projects/{other}/audit"),
        "security log": (owner, "/api/me/security-log", rival, "/api/me/security-log"),
    }


def next_cursor(account: Account, path: str) -> str:
    response = account.browser.get(path, params={"limit": 1})
    assert response.status_code == 200, response.text
    cursor = response.json()["next_cursor"]
    assert cursor, path
    return str(cursor)


def refused_cursor(account: Account, path: str, cursor: str) -> None:
    response = account.browser.get(path, params={"cursor": cursor})
    assert response.status_code == 400, (path, cursor, response.text)
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"] == [
        {"field": "cursor", "code": "unknown", "message": "unknown cursor"}
    ]


LISTS = ["projects", "orgs", "org members", "members", "invitations", "audit", "security log"]


@pytest.mark.parametrize("name", LISTS)
def test_forged_and_foreign_cursors_are_refused(world: World, name: str) -> None:
    every_list = lists(world)
    assert set(every_list) == set(LISTS)
    reader, path, elsewhere, same_list_elsewhere = every_list[name]
    own = next_cursor(reader, path)
    second_page = reader.browser.get(path, params={"limit": 1, "cursor": own})
    assert second_page.status_code == 200, second_page.text
    assert second_page.json()["items"]
    for cursor in FORGED_CURSORS.values():
        refused_cursor(reader, path, cursor)
    payload, _, tag = own.rpartition(".")
    refused_cursor(reader, path, f"{payload}.{tag[::-1]}")
    refused_cursor(reader, path, f"{b64(b'[1,2]').rstrip('=')}.{tag}")
    for other_name, (other_reader, other_path, _, _) in every_list.items():
        if other_name != name:
            refused_cursor(reader, path, next_cursor(other_reader, other_path))
    refused_cursor(reader, path, next_cursor(elsewhere, same_list_elsewhere))
