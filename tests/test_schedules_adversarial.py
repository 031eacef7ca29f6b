"""Hostile clients of the schedule (mängdförteckning) endpoints.

The same three sections as tests/test_projects_adversarial.py, each a place a new
feature adds its cases to: parallel requests, probing (another project's schedule or
another schedule's row answers like an unknown id) and hostile input.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import bad_input
from tests.accounts import Account, Team, answer, create_project, new_team, simultaneously
from tests.conftest import Host

TABLES = ["schedules", "schedule_revisions", "schedule_rows"]
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IF_MATCH = {"If-Match": '"1"'}


def call(
    account: Account, method: str, path: str, **options: Any
) -> tuple[Account, str, str, dict[str, Any]]:
    return account, method, path, options


def new_schedule(account: Account, project_id: str, name: str = "MF") -> str:
    response = account.browser.post(f"/api/projects/{project_id}/schedules", json={"name": name})
    assert response.status_code == 201, response.text
    return f"/api/projects/{project_id}/schedules/{response.json()['id']}"


def add_row(account: Account, schedule: str, **row: Any) -> dict[str, Any]:
    response = account.browser.post(f"{schedule}/rows", json=row)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def rows_of(account: Account, schedule: str) -> list[dict[str, Any]]:
    response = account.browser.get(f"{schedule}/rows")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# --- parallel requests ------------------------------------------------------------


def test_one_chosen_row_id_in_simultaneous_batches_lands_once(host: Host, team: Team) -> None:
    """Row ids are unique across schedules: of batches racing to create the same id in
    four schedules, one wins and the others get the answer a taken id always gets."""
    schedules = [new_schedule(team.owner, team.project_id, f"MF {n}") for n in range(4)]
    chosen = str(uuid.uuid4())
    create = {"operations": [{"op": "create", "id": chosen, "kind": "text", "title": "T"}]}
    request_id = uuid.uuid4().hex
    calls = [
        call(
            team.owner,
            "POST",
            f"{schedule}/rows/batch",
            json=create,
            headers={"X-Request-Id": request_id},
        )
        for schedule in schedules
    ]
    responses = simultaneously(host, calls)
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    refusals = [r for r in responses if r.status_code == 409]
    assert all(answer(r) == answer(refusals[0]) for r in refusals)
    refusal = refusals[0]
    assert refusal.json()["code"] == "conflict"
    assert refusal.json()["errors"][0]["field"] == "operations.0.id"
    found = [row["id"] for schedule in schedules for row in rows_of(team.owner, schedule)]
    assert found == [chosen]


def test_simultaneous_deletes_of_one_schedule_delete_once(host: Host, team: Team) -> None:
    schedule = new_schedule(team.owner, team.project_id)
    delete = call(team.owner, "DELETE", schedule, headers=IF_MATCH)
    statuses = sorted(r.status_code for r in simultaneously(host, [delete] * 4))
    assert statuses[0] == 204
    assert all(status in (404, 412) for status in statuses[1:]), statuses
    events = team.owner.browser.get(f"/api/projects/{team.project_id}/audit").json()["items"]
    assert [e["action"] for e in events].count("schedule_deleted") == 1


def test_simultaneous_deletes_of_one_row_delete_once(host: Host, team: Team) -> None:
    schedule = new_schedule(team.owner, team.project_id)
    heading = add_row(team.owner, schedule, kind="heading", title="Rubrik")
    add_row(team.owner, schedule, kind="text", title="Under", parent_id=heading["id"])
    delete = call(team.owner, "DELETE", f"{schedule}/rows/{heading['id']}", headers=IF_MATCH)
    statuses = sorted(r.status_code for r in simultaneously(host, [delete] * 4))
    assert statuses == [204, 404, 404, 404]
    assert rows_of(team.owner, schedule) == []


def test_simultaneous_patches_of_one_version_change_the_row_once(host: Host, team: Team) -> None:
    """A content PATCH takes no schedule lock: the version check in SQL alone must let
    exactly one of them through, and tell the others what it became."""
    schedule = new_schedule(team.owner, team.project_id)
    row = add_row(team.owner, schedule, kind="text", title="Före")
    patches = [
        call(
            team.owner,
            "PATCH",
            f"{schedule}/rows/{row['id']}",
            headers=IF_MATCH,
            json={"title": f"Version {n}"},
        )
        for n in range(6)
    ]
    answers = simultaneously(host, patches)
    assert sorted(r.status_code for r in answers) == [200, 412, 412, 412, 412, 412]
    [won] = [r.json() for r in answers if r.status_code == 200]
    assert won["version"] == 2
    for refused in (r for r in answers if r.status_code == 412):
        assert refused.json()["current"]["title"] == won["title"]
        assert refused.headers["ETag"] == '"2"'
    [stored] = rows_of(team.owner, schedule)
    assert (stored["title"], stored["version"]) == (won["title"], 2)
    events = team.owner.browser.get(f"/api/projects/{team.project_id}/audit").json()["items"]
    edits = [e for e in events if e["action"] == "rows_changed" and e["details"].get("updated")]
    assert len(edits) == 1  # one event: for the one edit that was made


# --- probing: another project's schedule, another schedule's row ----------------


@dataclass
class Desk:
    owner: Account
    project_id: str
    schedule: str  # the path of a schedule of the project
    heading: dict[str, Any]
    item: dict[str, Any]
    revision_id: str
    other_project: str
    foreign_schedule: str  # a schedule of another project of the same owner
    foreign_schedule_id: str
    foreign_row: dict[str, Any]
    foreign_revision_id: str


@pytest.fixture(scope="module")
def desk(host: Host) -> Iterator[Desk]:
    with host.client() as client:
        team = new_team(host, client, "schedule-prober")
        schedule = new_schedule(team.owner, team.project_id, "Egen")
        new_schedule(team.owner, team.project_id, "Egen två")
        heading = add_row(team.owner, schedule, kind="heading", title="Mark")
        item = add_row(team.owner, schedule, kind="item", title="Schakt", parent_id=heading["id"])
        other_project = create_project(team.owner, team.org_id, "Granne")
        foreign = new_schedule(team.owner, other_project, "Grannens")
        new_schedule(team.owner, other_project, "Grannens två")
        foreign_row = add_row(team.owner, foreign, kind="heading", title="Grannens rad")
        yield Desk(
            owner=team.owner,
            project_id=team.project_id,
            schedule=schedule,
            heading=heading,
            item=item,
            revision_id=team.owner.browser.get(schedule).json()["working_revision_id"],
            other_project=other_project,
            foreign_schedule=foreign,
            foreign_schedule_id=foreign.rsplit("/", 1)[1],
            foreign_row=foreign_row,
            foreign_revision_id=team.owner.browser.get(foreign).json()["working_revision_id"],
        )


def same_answer(
    account: Account, method: str, foreign: str, unknown: str, body: Any = None
) -> httpx.Response:
    """`body` is sent as JSON, or as a file when it is a FileBody."""
    request_id = uuid.uuid4().hex
    options: dict[str, Any] = {"headers": {"X-Request-Id": request_id, **IF_MATCH}}
    if isinstance(body, FileBody):
        options["content"] = body.content
        options["headers"]["Content-Type"] = body.media_type
    elif body is not None:
        options["json"] = body
    theirs = account.browser.request(method, foreign, **options)
    nobodys = account.browser.request(method, unknown, **options)
    assert 400 <= theirs.status_code < 500, theirs.text
    assert answer(theirs) == answer(nobodys)
    return theirs


ROW = {"kind": "text", "title": "T"}


@dataclass(frozen=True)
class FileBody:
    """A file body (an import), not JSON."""

    content: bytes
    media_type: str


CSV_FILE = FileBody("Kod;Benämning\r\nD;Mark\r\n".encode("utf-8-sig"), "text/csv")


def valid_body(method: str, path: str) -> Any:
    """A body the route accepts, so that what answers is the schedule lookup."""
    if method not in ("POST", "PATCH"):
        return None
    if path.endswith("/import"):
        return CSV_FILE
    if path.endswith("/batch"):
        return {"operations": [{"op": "create", **ROW}]}
    if path.endswith("/rows"):
        return ROW
    if "/rows/" in path:
        return {"title": "T"}
    if path.endswith("/revisions"):
        return {"label": "FU"}
    return {"name": "MF"}


def valid_query(path: str) -> str:
    """The query a route requires, for the same reason."""
    required = {"/compare": "?from=working&to=working", "/export": "?format=csv"}
    required["/import"] = "?mode=append"
    required["/changes"] = "?since=0"
    return next((query for end, query in required.items() if path.endswith(end)), "")


def test_another_projects_schedule_answers_like_an_unknown_one_everywhere(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    """The caller may read both projects: only the route's project may name the schedule."""
    document = client.get("/api/openapi.json").json()
    endpoints = [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if "/schedules/{schedule_id}" in path
        for method in operations
    ]
    assert len(endpoints) >= 8
    before = bad_input.snapshot(host, TABLES)
    unknown = str(uuid.uuid4())
    for method, path in endpoints:
        body = valid_body(method, path)
        template = f"/api{path}{valid_query(path)}".replace(
            "{project_id}", desk.project_id
        ).replace("{row_id}", desk.foreign_row["id"])
        response = same_answer(
            desk.owner,
            method,
            template.replace("{schedule_id}", desk.foreign_schedule_id),
            template.replace("{schedule_id}", unknown),
            body,
        )
        assert response.status_code == 404, (method, path)
    assert bad_input.snapshot(host, TABLES) == before


def test_another_schedules_rows_and_revisions_answer_like_unknown_ones(
    host: Host, desk: Desk
) -> None:
    before = bad_input.snapshot(host, TABLES)
    rows = f"{desk.schedule}/rows"
    theirs, unknown = desk.foreign_row["id"], str(uuid.uuid4())
    for method in ("PATCH", "DELETE"):
        path = f"{rows}/{theirs}"
        body = valid_body(method, path)
        same_answer(desk.owner, method, path, f"{rows}/{unknown}", body)
    for where in ("parent_id", "after_id"):
        placed = [
            desk.owner.browser.post(rows, json={**ROW, where: row_id})
            for row_id in (theirs, unknown)
        ]
        assert placed[0].status_code == 404
        assert placed[0].json() == placed[1].json()
        moved = [
            desk.owner.browser.post(
                f"{rows}/batch",
                json={
                    "operations": [
                        {"op": "move", "id": desk.item["id"], "version": 1, where: row_id}
                    ]
                },
            )
            for row_id in (theirs, unknown)
        ]
        assert moved[0].status_code == 404
        assert moved[0].json() == moved[1].json()
    for read in ("rows", "summary"):
        same_answer(
            desk.owner,
            "GET",
            f"{desk.schedule}/{read}?revision_id={desk.foreign_revision_id}",
            f"{desk.schedule}/{read}?revision_id={uuid.uuid4()}",
        )
    same_answer(
        desk.owner,
        "GET",
        f"{desk.schedule}/compare?from={desk.foreign_revision_id}&to=working",
        f"{desk.schedule}/compare?from={uuid.uuid4()}&to=working",
    )
    same_answer(
        desk.owner,
        "GET",
        f"{desk.schedule}/export?format=xlsx&revision_id={desk.foreign_revision_id}",
        f"{desk.schedule}/export?format=xlsx&revision_id={uuid.uuid4()}",
    )
    same_answer(
        desk.owner,
        "POST",
        f"{desk.schedule}/import?mode=append&revision_id={desk.foreign_revision_id}",
        f"{desk.schedule}/import?mode=append&revision_id={uuid.uuid4()}",
        CSV_FILE,
    )
    assert bad_input.snapshot(host, TABLES) == before


def test_a_chosen_row_id_taken_anywhere_gets_one_answer(host: Host, desk: Desk) -> None:
    """Taken in another project's schedule or in this one: the same 409, nothing written."""
    before = bad_input.snapshot(host, TABLES)
    rows = f"{desk.schedule}/rows"
    for path, body in (
        (rows, lambda row_id: {**ROW, "id": row_id}),
        (f"{rows}/batch", lambda row_id: {"operations": [{"op": "create", **ROW, "id": row_id}]}),
    ):
        request_id = uuid.uuid4().hex
        answers = [
            desk.owner.browser.post(path, json=body(row_id), headers={"X-Request-Id": request_id})
            for row_id in (desk.foreign_row["id"], desk.item["id"])
        ]
        assert answers[0].status_code == 409, answers[0].text
        assert answers[0].json()["code"] == "conflict"
        assert answer(answers[0]) == answer(answers[1])
    assert bad_input.snapshot(host, TABLES) == before


# --- hostile input ----------------------------------------------------------------


def bodies(desk: Desk) -> list[tuple[str, str, dict[str, Any]]]:
    """A valid body for every schedule endpoint that takes one."""
    row = f"{desk.schedule}/rows/{desk.item['id']}"
    item = {
        "kind": "item",
        "title": "Schakt",
        "code": "DCB.2",
        "description": "Jord",
        "unit": "m3",
        "cost_bearer": "Gata",
        "note": "Anm",
    }
    return [
        ("POST", f"/api/projects/{desk.project_id}/schedules", {"name": "MF", "doc_no": "10.01"}),
        ("PATCH", desk.schedule, {"name": "MF", "doc_no": "10.02"}),
        ("POST", f"{desk.schedule}/rows", item),
        ("PATCH", row, {k: v for k, v in item.items() if k != "kind"}),
        ("POST", f"{desk.schedule}/rows/batch", {"operations": [{"op": "create", **item}]}),
        ("POST", f"{desk.schedule}/revisions", {"label": "PM 1"}),
    ]


def test_every_schedule_body_endpoint_is_attacked(client: httpx.Client, desk: Desk) -> None:
    """JSON bodies here; file bodies (import) in test_hostile_files_are_refused_...."""
    document = client.get("/api/openapi.json").json()
    with_body = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if "/schedules" in path
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    schedule_id = desk.schedule.rsplit("/", 1)[1]
    attacked = {
        (
            method,
            path.removeprefix("/api")
            .replace(desk.project_id, "{project_id}")
            .replace(schedule_id, "{schedule_id}")
            .replace(desk.item["id"], "{row_id}"),
        )
        for method, path, _ in bodies(desk)
    }
    assert with_body == attacked


MULTILINE = {"description", "note"}  # line breaks allowed (tested below)


def test_hostile_bodies_are_refused_and_change_nothing(host: Host, desk: Desk) -> None:
    for method, path, valid in bodies(desk):
        for label, options in bad_input.hostile(valid, MULTILINE):
            options.setdefault("headers", {}).update(IF_MATCH)
            before = bad_input.snapshot(host, TABLES)
            response = desk.owner.browser.request(method, path, **options)
            assert response.status_code == 400, (method, path, label, response.text)
            assert response.json()["code"] == "validation_error"
            assert bad_input.snapshot(host, TABLES) == before, (method, path, label)


def test_every_schedule_file_endpoint_is_attacked(client: httpx.Client) -> None:
    document = client.get("/api/openapi.json").json()
    with_file = {
        (method.upper(), path.rsplit("/", 1)[1])
        for path, operations in document["paths"].items()
        if "/schedules" in path
        for method, operation in operations.items()
        if "requestBody" in operation
        and "application/json" not in operation["requestBody"]["content"]
    }
    assert with_file == {("POST", "import")}


HOSTILE_FILES: list[tuple[str, bytes, str, int]] = [
    ("JSON", b'{"rows": []}', "application/json", 415),
    ("no content type", b"Kod;Ben\r\n", "", 415),
    ("empty", b"", "text/csv", 400),
    ("not a zip", b"PK\x03\x04garbage", XLSX_MEDIA, 400),
    ("text as xlsx", b"Kod;Ben\r\n", XLSX_MEDIA, 400),
    ("no header", b"1;2;3\r\n4;5;6\r\n", "text/csv", 400),
    ("binary as CSV", bytes(range(256)) * 4, "text/csv", 400),
    ("control characters", "Kod;Benämning\r\nD;M\x07rk\r\n".encode(), "text/csv", 200),
]


@pytest.mark.parametrize(("label", "content", "media", "status"), HOSTILE_FILES)
def test_hostile_files_are_refused_and_change_nothing(
    host: Host, desk: Desk, label: str, content: bytes, media: str, status: int
) -> None:
    before = bad_input.snapshot(host, TABLES)
    headers = {"Content-Type": media} if media else {}
    response = desk.owner.browser.post(
        f"{desk.schedule}/import?mode=append", content=content, headers=headers
    )
    assert response.status_code == status, (label, response.text)
    if status == 200:  # a row the rules refuse: reported, nothing written
        assert response.json()["errors"], label
    assert bad_input.snapshot(host, TABLES) == before, label


def test_descriptions_and_notes_may_hold_line_breaks(desk: Desk) -> None:
    text = "Rad 1\n\tRad 2\r\nRad 3"
    row = add_row(desk.owner, desk.schedule, kind="text", title="T", description=text, note=text)
    assert (row["description"], row["note"]) == (text, text)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def test_forged_and_foreign_cursors_are_refused(desk: Desk) -> None:
    schedules = f"/api/projects/{desk.project_id}/schedules"

    def cursor_of(path: str) -> str:
        page = desk.owner.browser.get(path, params={"limit": 1}).json()
        assert page["next_cursor"], path
        return str(page["next_cursor"])

    own = cursor_of(schedules)
    assert desk.owner.browser.get(schedules, params={"cursor": own}).json()["items"]
    payload, _, tag = own.rpartition(".")
    refused = [
        b64(b"{}"),
        b64(b"[1,2,3]"),
        b64(b'"x"'),
        b64(b"[null,null]"),
        b64(b"\xff not json"),
        payload,  # the position without its seal
        f"{payload}.{tag[::-1]}",
        cursor_of(f"/api/projects/{desk.other_project}/schedules"),  # another project's
        cursor_of("/api/projects"),  # another list's
    ]
    for cursor in refused:
        response = desk.owner.browser.get(schedules, params={"cursor": cursor})
        assert response.status_code == 400, (cursor, response.text)
        assert response.json()["errors"] == [
            {"field": "cursor", "code": "unknown", "message": "unknown cursor"}
        ]
