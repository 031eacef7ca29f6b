"""Bad input on every organisation, project and invitation endpoint: 400, nothing written."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import bad_input
from tests.accounts import (
    Account,
    create_org,
    create_project,
    invite,
    join,
    role_ids,
    signed_up,
    user_id,
)
from tests.conftest import Host

TABLES = bad_input.PROJECT_TABLES


@dataclass
class Place:
    owner: Account
    org_id: str
    project_id: str
    member_id: str
    roles: dict[str, str]
    token: str


@dataclass(frozen=True)
class Row:
    method: str
    path: Callable[[Place], str]
    valid: Callable[[Place], dict[str, Any]]
    optional: frozenset[str] = frozenset()


ROWS = [
    Row("POST", lambda p: "/api/orgs", lambda p: {"name": "Org"}),
    Row("PATCH", lambda p: f"/api/orgs/{p.org_id}", lambda p: {"name": "Org"}),
    Row(
        "PUT",
        lambda p: f"/api/orgs/{p.org_id}/members/{p.member_id}",
        lambda p: {"org_role": "admin"},
    ),
    Row(
        "POST",
        lambda p: f"/api/orgs/{p.org_id}/roles",
        lambda p: {
            "name_sv": "Roll",
            "name_en": "Role",
            "description": "",
            "permissions": ["project.view"],
        },
        frozenset({"description"}),
    ),
    Row(
        "PATCH",
        lambda p: f"/api/orgs/{p.org_id}/roles/{p.roles['viewer']}",
        lambda p: {"name_sv": "Roll", "name_en": "Role", "permissions": ["project.view"]},
        frozenset({"name_sv", "name_en", "permissions"}),
    ),
    Row(
        "POST",
        lambda p: "/api/projects",
        lambda p: {
            "org_id": p.org_id,
            "name": "P",
            "number": "1",
            "description": "d",
            "require_2fa": False,
        },
        frozenset({"number", "description", "require_2fa"}),
    ),
    Row(
        "PATCH",
        lambda p: f"/api/projects/{p.project_id}",
        lambda p: {"name": "P", "number": "1", "description": "d"},
        frozenset({"name", "number", "description"}),
    ),
    Row(
        "PUT",
        lambda p: f"/api/projects/{p.project_id}/security",
        lambda p: {"require_2fa": True, "require_totp": False},
    ),
    Row(
        "PATCH",
        lambda p: f"/api/projects/{p.project_id}/members/{p.member_id}",
        lambda p: {"role_id": p.roles["editor"], "require_2fa": True},
        frozenset({"role_id", "require_2fa"}),
    ),
    Row(
        "POST",
        lambda p: f"/api/projects/{p.project_id}/invitations",
        lambda p: {"email": "new@example.se", "role_id": p.roles["viewer"], "require_2fa": False},
        frozenset({"require_2fa"}),
    ),
    Row("POST", lambda p: "/api/invitations/preview", lambda p: {"token": p.token}),
    Row(
        "POST",
        lambda p: "/api/invitations/accept",
        lambda p: {"token": p.token},
    ),
]


@pytest.fixture(scope="module")
def place(host: Host) -> Iterator[Place]:
    with host.client() as client:
        owner = signed_up(host, client, "inputowner")
        org_id = create_org(owner)
        roles = role_ids(owner, org_id)
        project_id = create_project(owner, org_id)
        member = signed_up(host, client, "inputmember")
        join(host, owner, project_id, member, roles["viewer"])
        token = invite(host, owner, project_id, "pending@example.se", roles["viewer"])
        yield Place(owner, org_id, project_id, user_id(member), roles, token)


def cases() -> list[Any]:
    return [
        pytest.param(row, label, body, id=f"{row.method} {index}: {label}")
        for index, row in enumerate(ROWS)
        for label, body in bad_input.bad_bodies(row.valid(EXAMPLE), row.optional)
    ]


EXAMPLE = Place(
    owner=None,  # type: ignore[arg-type]
    org_id=str(uuid.UUID(int=1)),
    project_id=str(uuid.UUID(int=2)),
    member_id=str(uuid.UUID(int=3)),
    roles={key: str(uuid.UUID(int=4)) for key in ("owner", "editor", "viewer")},
    token="t" * 43,
)


def real(body: Any, place: Place) -> Any:
    """The example body with the real ids of this run."""
    if not isinstance(body, dict):
        return [real(item, place) for item in body] if isinstance(body, list) else body
    swap = {
        EXAMPLE.org_id: place.org_id,
        EXAMPLE.roles["viewer"]: place.roles["viewer"],
        EXAMPLE.token: place.token,
    }
    return {k: swap.get(v, v) if isinstance(v, str) else v for k, v in body.items()}


@pytest.mark.parametrize(("row", "label", "body"), cases())
def test_bad_input_is_refused_and_changes_nothing(
    host: Host, place: Place, row: Row, label: str, body: Any
) -> None:
    with bad_input.unchanged(host, TABLES):
        response = place.owner.browser.request(row.method, row.path(place), json=real(body, place))
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "validation_error"
        assert bad_input.TEN_KB not in response.text


@pytest.mark.parametrize(
    "query", [{"limit": "0"}, {"limit": "501"}, {"limit": "many"}, {"cursor": "%%%"}]
)
@pytest.mark.parametrize(
    "path",
    [
        lambda p: "/api/projects",
        lambda p: "/api/orgs",
        lambda p: f"/api/projects/{p.project_id}/members",
        lambda p: f"/api/projects/{p.project_id}/invitations",
        lambda p: f"/api/orgs/{p.org_id}/members",
    ],
)
def test_bad_paging_is_refused(
    place: Place, path: Callable[[Place], str], query: dict[str, str]
) -> None:
    response = place.owner.browser.get(path(place), params=query)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"


def test_unknown_role_or_permission_is_a_validation_error(place: Place) -> None:
    unknown_role = place.owner.browser.post(
        f"/api/projects/{place.project_id}/invitations",
        json={"email": "x@example.se", "role_id": str(uuid.uuid4())},
    )
    assert unknown_role.status_code == 400
    unknown_permission = place.owner.browser.post(
        f"/api/orgs/{place.org_id}/roles",
        json={"name_sv": "R", "name_en": "R", "permissions": ["root.everything"]},
    )
    assert unknown_permission.status_code == 400


def test_every_body_endpoint_has_a_row(client: httpx.Client, place: Place) -> None:
    document = client.get("/api/openapi.json").json()
    with_body = {
        method.upper() + " " + path
        for path, operations in document["paths"].items()
        if path.startswith(("/orgs", "/projects", "/invitations"))
        and "/schedules" not in path  # tests/test_schedules_input.py has those
        and "/files" not in path  # tests/test_files.py has those
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    rows = {
        row.method
        + " "
        + row.path(place)
        .removeprefix("/api")
        .replace(place.org_id, "{org_id}")
        .replace(place.project_id, "{project_id}")
        .replace(place.member_id, "{user_id}")
        .replace(place.roles["viewer"], "{role_id}")
        for row in ROWS
    }
    assert with_body == rows


def test_a_project_name_cannot_be_nulled(host: Host, place: Place) -> None:
    response = place.owner.browser.patch(f"/api/projects/{place.project_id}", json={"name": None})
    assert response.status_code == 400
    assert place.owner.browser.get(f"/api/projects/{place.project_id}").json()["name"]
