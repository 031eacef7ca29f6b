"""The authorisation matrix: every project-scoped endpoint × every kind of caller.

One table drives it: each row names an endpoint and the permission it needs; the
expected status for each caller follows from the predefined roles. An endpoint
under /projects/{project_id} without a row fails `test_every_project_endpoint_has_a_row`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from projects.permissions import BUILTIN_ROLES
from tests.accounts import (
    Account,
    Browser,
    create_org,
    create_project,
    join,
    role_ids,
    signed_up,
    unique_email,
    user_id,
)
from tests.conftest import Host

CALLERS = [
    "no session",
    "non-member",
    "member of another project",
    "another organisation's admin",
    "viewer",
    "editor",
    "administrator",
    "owner",
]
ROLE_PERMISSIONS = {key: permissions for key, _, _, permissions in BUILTIN_ROLES}
# A body the guard never sees: callers it lets through get 400 from validation,
# so the matrix changes nothing where a real body would.
INVALID_BODY = {"unknown_field": True}
PDF = b"%PDF-1.7\n"


@dataclass
class World:
    host: Host
    client: httpx.Client
    owner: Account
    callers: dict[str, Account | None]
    org_id: str
    project_id: str
    roles: dict[str, str]
    viewer_id: str
    schedule_id: str
    row_id: str

    def fresh_project(self) -> str:
        return create_project(self.owner, self.org_id, "Throwaway")

    def fresh_member(self) -> str:
        member = signed_up(self.host, self.client, "throwaway")
        join(self.host, self.owner, self.project_id, member, self.roles["viewer"])
        return user_id(member)

    def fresh_invitation(self) -> str:
        response = self.owner.browser.post(
            f"/api/projects/{self.project_id}/invitations",
            json={"email": unique_email("pending"), "role_id": self.roles["viewer"]},
        )
        return str(response.json()["id"])

    def fresh_upload(self) -> str:
        """A file whose bytes have arrived, not yet completed."""
        upload = self.owner.browser.post(
            f"/api/projects/{self.project_id}/files",
            json={"filename": "Plan.pdf", "content_type": "application/pdf", "size": len(PDF)},
        ).json()
        put = httpx.put(upload["upload_url"], content=PDF, headers=upload["upload_headers"])
        assert put.status_code == 201, put.text
        return str(upload["id"])

    def fresh_file(self) -> str:
        file_id = self.fresh_upload()
        done = self.owner.browser.post(f"/api/projects/{self.project_id}/files/{file_id}/complete")
        assert done.status_code == 200, done.text
        return file_id


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # relative to the project; "{target}" is filled per call
    permission: str
    allowed: int  # the status a caller with the permission gets
    body: dict[str, Any] | None = None
    # For rows whose allowed call changes things: a fresh target per allowed caller.
    fresh: Callable[[World], str] | None = None
    # For destructive rows: the project the allowed caller acts on.
    fresh_project: bool = False


ROWS = [
    Row("GET", "", "project.view", 200),
    Row("PATCH", "", "project.edit", 400, body=INVALID_BODY),
    Row("DELETE", "", "project.delete", 204, fresh_project=True),
    Row("PUT", "/security", "project.security", 400, body=INVALID_BODY),
    Row("GET", "/members", "members.view", 200),
    Row("PATCH", "/members/{target}", "members.manage", 400, body=INVALID_BODY),
    Row("DELETE", "/members/{target}", "members.manage", 204, fresh=World.fresh_member),
    Row("POST", "/invitations", "members.invite", 400, body=INVALID_BODY),
    Row("GET", "/invitations", "members.invite", 200),
    Row(
        "DELETE",
        "/invitations/{target}",
        "members.invite",
        204,
        fresh=World.fresh_invitation,
    ),
    Row("GET", "/audit", "audit.view", 200),
    Row("GET", "/schedules", "schedules.view", 200),
    Row("POST", "/schedules", "schedules.manage", 400, body=INVALID_BODY),
    Row("GET", "/schedules/{schedule}", "schedules.view", 200),
    Row("PATCH", "/schedules/{schedule}", "schedules.manage", 400, body=INVALID_BODY),
    # Without If-Match: a caller the gate lets through gets 428, and nothing is deleted.
    Row("DELETE", "/schedules/{schedule}", "schedules.manage", 428),
    Row("GET", "/schedules/{schedule}/rows", "schedules.view", 200),
    Row("POST", "/schedules/{schedule}/rows", "schedules.edit", 400, body=INVALID_BODY),
    Row("POST", "/schedules/{schedule}/rows/batch", "schedules.edit", 400, body=INVALID_BODY),
    Row("PATCH", "/schedules/{schedule}/rows/{row}", "schedules.edit", 400, body=INVALID_BODY),
    Row("DELETE", "/schedules/{schedule}/rows/{row}", "schedules.edit", 428),
    Row("GET", "/schedules/{schedule}/summary", "schedules.view", 200),
    Row("GET", "/schedules/{schedule}/changes?since=0", "schedules.view", 200),
    Row("GET", "/schedules/{schedule}/revisions", "schedules.view", 200),
    Row("POST", "/schedules/{schedule}/revisions", "schedules.manage", 400, body=INVALID_BODY),
    Row("GET", "/schedules/{schedule}/compare?from=working&to=working", "schedules.view", 200),
    Row("GET", "/files", "files.view", 200),
    Row("POST", "/files", "files.upload", 400, body=INVALID_BODY),
    Row("GET", "/files/{target}", "files.view", 200, fresh=World.fresh_file),
    Row("POST", "/files/{target}/complete", "files.upload", 200, fresh=World.fresh_upload),
    Row("DELETE", "/files/{target}", "files.delete", 204, fresh=World.fresh_file),
    Row("GET", "/schedules/{schedule}/export?format=csv", "schedules.export", 200),
    # A JSON body: a caller the gate lets through gets 415, and nothing is imported.
    Row(
        "POST", "/schedules/{schedule}/import?mode=append", "schedules.edit", 415, body=INVALID_BODY
    ),
]


@pytest.fixture(scope="module")
def world(host: Host) -> Iterator[World]:
    with host.client() as client:
        owner = signed_up(host, client, "owner")
        org_id = create_org(owner)
        roles = role_ids(owner, org_id)
        project_id = create_project(owner, org_id)
        callers: dict[str, Account | None] = {"no session": None, "owner": owner}
        for key in ("viewer", "editor", "administrator"):
            member = signed_up(host, client, key)
            join(host, owner, project_id, member, roles[key])
            callers[key] = member
        callers["non-member"] = signed_up(host, client, "outsider")
        elsewhere = signed_up(host, client, "elsewhere")
        other_project = create_project(owner, org_id, "Annat projekt")
        join(host, owner, other_project, elsewhere, roles["viewer"])
        callers["member of another project"] = elsewhere
        rival = signed_up(host, client, "rival")
        create_project(rival, create_org(rival, "Konkurrent AB"))
        callers["another organisation's admin"] = rival
        viewer = callers["viewer"]
        assert viewer is not None
        schedules = f"/api/projects/{project_id}/schedules"
        schedule_id = owner.browser.post(schedules, json={"name": "MF"}).json()["id"]
        row = owner.browser.post(
            f"{schedules}/{schedule_id}/rows", json={"kind": "heading", "title": "Rubrik"}
        )
        yield World(
            host,
            client,
            owner,
            callers,
            org_id,
            project_id,
            roles,
            user_id(viewer),
            schedule_id,
            row.json()["id"],
        )


def expected(row: Row, caller: str) -> int:
    if caller == "no session":
        return 401
    if caller not in ROLE_PERMISSIONS:
        return 404  # not a member: the project's existence is not revealed
    return row.allowed if row.permission in ROLE_PERMISSIONS[caller] else 403


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.path or '/'}")
def test_authorisation_matrix(world: World, host: Host, row: Row, caller: str) -> None:
    want = expected(row, caller)
    allowed = want == row.allowed
    project_id = world.fresh_project() if (row.fresh_project and allowed) else world.project_id
    if row.fresh_project and allowed and caller != "owner":
        # A fresh project is the owner's; give the caller the same role there.
        account = world.callers[caller]
        assert account is not None
        join(host, world.owner, project_id, account, world.roles[caller])
    target = row.fresh(world) if (row.fresh and allowed) else world.viewer_id
    relative = row.path.format(target=target, schedule=world.schedule_id, row=world.row_id)
    path = f"/api/projects/{project_id}{relative}"
    account = world.callers[caller]
    browser = account.browser if account is not None else Browser(world.client)
    options = {"json": row.body} if row.body is not None else {}
    response = browser.request(row.method, path, **options)
    assert response.status_code == want, f"{caller}: {response.text}"
    if want in (401, 403, 404):
        code = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}[want]
        assert response.json()["code"] == code


def test_every_project_endpoint_has_a_row(client: httpx.Client) -> None:
    document = client.get("/api/openapi.json").json()
    prefix = "/projects/{project_id}"
    served = {
        (
            method.upper(),
            path.removeprefix(prefix)
            .replace("{user_id}", "{target}")
            .replace("{invitation_id}", "{target}")
            .replace("{file_id}", "{target}")
            .replace("{schedule_id}", "{schedule}")
            .replace("{row_id}", "{row}"),
        )
        for path, operations in document["paths"].items()
        if path.startswith(prefix)
        for method in operations
    }
    assert served == {(row.method, row.path.partition("?")[0]) for row in ROWS}


def test_an_unknown_project_and_a_foreign_one_look_the_same(world: World, host: Host) -> None:
    outsider = world.callers["non-member"]
    assert outsider is not None
    foreign = outsider.browser.get(f"/api/projects/{world.project_id}")
    unknown = outsider.browser.get(f"/api/projects/{uuid.uuid4()}")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
