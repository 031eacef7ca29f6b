"""The OpenAPI document says what the server does: each refusal a guard answers, the
CSRF requirement, If-Match and ETag, and the gate's permission are declared where the
server enforces them, checked against the running dev host."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Host
from tests.observed_refusals import declared_codes
from tests.test_projects_matrix import ROWS
from tests.test_schedules import Desk, desk

__all__ = ["desk"]  # the fixture, used by name

UNSAFE = {"post", "put", "patch", "delete"}
_PARAMETER = re.compile(r"\{(\w+)\}")


@pytest.fixture(scope="module")
def document(host: Host) -> dict[str, Any]:
    with host.client() as client:
        served: dict[str, Any] = client.get("/api/openapi.json").json()
    return served


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def concrete(path: str) -> str:
    return "/api" + _PARAMETER.sub(lambda _m: str(uuid.uuid4()), path)


def needs_session(operation: dict[str, Any]) -> bool:
    return bool(operation["security"]) and {} not in operation["security"]


def test_every_refusal_of_a_missing_session_is_declared(
    document: dict[str, Any], client: httpx.Client
) -> None:
    checked = 0
    for method, path, operation in operations(document):
        if not needs_session(operation):
            continue
        answer = client.request(method.upper(), concrete(path))
        where = f"{method.upper()} {path}"
        assert answer.status_code == 401, f"{where}: {answer.status_code}"
        assert answer.json()["code"] in declared_codes(operation, 401), where
        checked += 1
    assert checked > 40


def test_unsafe_operations_with_a_session_declare_csrf_and_refuse_without_it(
    document: dict[str, Any], desk: Desk
) -> None:
    desk.owner.browser.send_csrf = False
    checked = 0
    for method, path, operation in operations(document):
        if method not in UNSAFE or not operation["security"]:
            continue
        where = f"{method.upper()} {path}"
        assert {"session": [], "csrf": []} in operation["security"], where
        assert "csrf_failed" in declared_codes(operation, 403), where
        if needs_session(operation):
            answer = desk.owner.browser.request(method.upper(), concrete(path))
            assert answer.status_code == 403, f"{where}: {answer.status_code}"
            assert answer.json()["code"] == "csrf_failed", where
            checked += 1
    assert checked > 25


def test_if_match_and_etag_are_declared_where_the_server_needs_and_sends_them(
    document: dict[str, Any], desk: Desk
) -> None:
    row = desk.add(kind="text", title="Rad")
    schedule_path = "/projects/{project_id}/schedules/{schedule_id}"
    row_path = schedule_path + "/rows/{row_id}"
    targets = {
        schedule_path: (desk.base, {"name": "Ny"}),
        row_path: (f"{desk.base}/rows/{row['id']}", {"title": "Ny"}),
    }
    for path, (target, change) in targets.items():
        for method in ("patch", "delete"):
            operation = document["paths"][path][method]
            where = f"{method.upper()} {path}"
            [if_match] = [p for p in operation["parameters"] if p["name"] == "If-Match"]
            assert if_match["in"] == "header", where
            assert if_match["required"], where
            assert declared_codes(operation, 428) == ["precondition_required"], where
            assert declared_codes(operation, 412) == ["precondition_failed"], where
            body = {"json": change} if method == "patch" else {}
            answer = desk.owner.browser.request(method.upper(), target, **body)
            assert answer.status_code == 428, f"{where}: {answer.text}"
    for method, path in (("get", schedule_path), ("post", schedule_path + "/rows")):
        operation = document["paths"][path][method]
        success = next(r for s, r in operation["responses"].items() if s.startswith("2"))
        assert "ETag" in success["headers"], f"{method.upper()} {path}"
    assert desk.owner.browser.get(desk.base).headers["ETag"]


def test_the_gate_permission_in_the_document_is_the_one_the_matrix_proves(
    document: dict[str, Any],
) -> None:
    for row in ROWS:
        path = re.sub(r"\{\w+\}", "{x}", "/projects/{project_id}" + row.path.split("?")[0])
        matches = [
            operation
            for method, documented, operation in operations(document)
            if method == row.method.lower() and re.sub(r"\{\w+\}", "{x}", documented) == path
        ]
        assert len(matches) == 1, f"{row.method} {path}"
        assert matches[0]["x-casai-permission"] == row.permission, f"{row.method} {path}"
        assert matches[0]["x-casai-second-factor"] == "project"
        assert {"forbidden", "mfa_required"} <= set(declared_codes(matches[0], 403))
        assert declared_codes(matches[0], 404) == ["not_found"]


def test_every_operation_declares_the_outage_answer_with_retry_after(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        unavailable = operation["responses"]["503"]
        assert "Retry-After" in unavailable["headers"], f"{method.upper()} {path}"
        assert declared_codes(operation, 503) == ["unavailable"]
