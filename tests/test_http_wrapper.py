"""The one wrapper every function goes through, exercised over HTTP through the dev host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import azure.functions as func
import httpx
import pytest
from pydantic import BaseModel

from shared.http import Endpoint, handle
from shared.preconditions import check_if_match
from shared.problems import SECURITY_HEADERS, Problem
from tests.conftest import Host, Storage, app_environment, running_host

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def wrapper_host(
    database_url: str, storage: Storage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Host]:
    env = app_environment(
        tmp_path_factory.mktemp("wrapper"), database_url, storage.connection_string
    )
    with running_host(env, "--migrate", "--app", "tests.wrapper_app:app") as started:
        yield started


@pytest.fixture
def api(wrapper_host: Host) -> Iterator[httpx.Client]:
    with wrapper_host.client() as client:
        yield client


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body


def test_valid_body_is_parsed_and_answered_with_the_endpoint_status(api: httpx.Client) -> None:
    response = api.post("/api/notes", json={"title": "Schakt", "quantity": "12.500"})
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"title": "Schakt", "quantity": "12.500"}


def test_malformed_json_is_a_validation_error(api: httpx.Client) -> None:
    response = api.post(
        "/api/notes", content=b'{"title": "x", ', headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "validation_error")


def test_body_that_is_not_utf8_is_a_validation_error(api: httpx.Client) -> None:
    response = api.post(
        "/api/notes", content=b'{"title": "\xff"}', headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "validation_error")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_wrong_content_type_is_unsupported_media_type(api: httpx.Client, content_type: str) -> None:
    body = json.dumps({"title": "x", "quantity": "1"}).encode()
    response = api.post("/api/notes", content=body, headers={"Content-Type": content_type})
    assert_problem(response, 415, "unsupported_media_type")


def test_json_with_charset_parameter_is_accepted(api: httpx.Client) -> None:
    body = json.dumps({"title": "Mängd", "quantity": "1"}).encode()
    response = api.post(
        "/api/notes", content=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 201
    assert response.json()["title"] == "Mängd"


def test_empty_body_is_a_validation_error(api: httpx.Client) -> None:
    response = api.post("/api/notes", content=b"", headers={"Content-Type": "application/json"})
    assert_problem(response, 400, "validation_error")


def test_body_over_the_default_limit_is_payload_too_large(api: httpx.Client) -> None:
    title = "x" * (1024 * 1024 + 1)
    response = api.post("/api/notes", json={"title": title, "quantity": "1"})
    assert_problem(response, 413, "payload_too_large")


def test_route_with_its_own_smaller_limit(api: httpx.Client) -> None:
    assert api.post("/api/small-notes", json={"title": "ok", "quantity": "1"}).status_code == 204
    response = api.post("/api/small-notes", json={"title": "x" * 80, "quantity": "1"})
    assert_problem(response, 413, "payload_too_large")


def test_invalid_fields_are_named(api: httpx.Client) -> None:
    response = api.post(
        "/api/notes", json={"title": "x" * 101, "quantity": "1.2345", "colour": "red"}
    )
    body = assert_problem(response, 400, "validation_error")
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"title", "quantity", "colour"}
    assert "x" * 101 not in response.text  # input is not echoed back


def test_body_that_is_not_an_object(api: httpx.Client) -> None:
    response = api.post("/api/notes", json=["title"])
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"][0]["field"] == "body"


def test_query_is_validated(api: httpx.Client) -> None:
    response = api.post("/api/notes?limit=501", json={"title": "x", "quantity": "1"})
    body = assert_problem(response, 400, "validation_error")
    assert body["errors"][0]["field"] == "limit"


def test_unexpected_exception_is_a_500_without_internals(
    api: httpx.Client, wrapper_host: Host
) -> None:
    response = api.get("/api/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    request_id = response.headers["x-request-id"]
    log = wrapper_host.log()
    assert "hunter2" in log  # the traceback goes to the log only
    assert request_id in log
    assert body["detail"]


def test_every_answer_carries_security_headers_and_a_request_id(api: httpx.Client) -> None:
    for response in (
        api.post("/api/notes", json={"title": "x", "quantity": "1"}),
        api.get("/api/boom"),
        api.get("/api/units/none"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert "max-age=" in response.headers["strict-transport-security"]
        assert response.headers["x-request-id"]


def test_a_clients_request_id_is_kept_and_a_bad_one_replaced(api: httpx.Client) -> None:
    kept = api.get("/api/units/none", headers={"X-Request-Id": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    replaced = api.get("/api/units/none", headers={"X-Request-Id": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"


def test_one_structured_log_line_per_request(api: httpx.Client, wrapper_host: Host) -> None:
    response = api.get("/api/units/none", headers={"X-Request-Id": "log-line-check"})
    assert response.status_code == 404
    lines = [line for line in wrapper_host.log().splitlines() if '"log-line-check"' in line]
    assert len(lines) == 1
    record = json.loads(lines[0][lines[0].index("{") :])
    assert record["status"] == 404
    assert record["function"] == "get_unit"
    assert record["method"] == "GET"


def test_work_is_committed_when_the_handler_succeeds(api: httpx.Client) -> None:
    assert api.post("/api/units", json={"code": "keep"}).status_code == 201
    assert api.get("/api/units/keep").json() == {"code": "keep"}


def test_a_problem_after_a_write_rolls_the_write_back(api: httpx.Client) -> None:
    response = api.post("/api/units", json={"code": "gone", "fail_after_write": True})
    assert_problem(response, 409, "conflict")
    assert_problem(api.get("/api/units/gone"), 404, "not_found")


def test_a_problem_before_a_pending_change_is_flushed_drops_it(api: httpx.Client) -> None:
    """A refusal that ran no write ends with COMMIT (no ROLLBACK, which would drop
    psycopg's prepared statements), but never one with a change still pending."""
    body = {"code": "pending", "fail_after_write": True, "flush": False}
    assert_problem(api.post("/api/units", json=body), 409, "conflict")
    assert_problem(api.get("/api/units/pending"), 404, "not_found")


def test_a_problem_that_keeps_its_writes_commits_them(api: httpx.Client) -> None:
    """Problem(keep_writes=True): a refusal that must be remembered (a failed try)."""
    body = {"code": "kept", "fail_after_write": True, "keep_writes": True}
    assert_problem(api.post("/api/units", json=body), 409, "conflict")
    assert api.get("/api/units/kept").json() == {"code": "kept"}


def test_the_log_never_holds_a_request_body(api: httpx.Client, wrapper_host: Host) -> None:
    api.post("/api/notes", json={"title": "Hemlig-titel-4711", "quantity": "1"})
    assert "Hemlig-titel-4711" not in wrapper_host.log()


# Concurrency: If-Match


@pytest.mark.parametrize("if_match", ['"3"', 'W/"3"', '"1", W/"3"', "*"])
def test_if_match_naming_the_version_or_any_version_passes(
    api: httpx.Client, if_match: str
) -> None:
    assert api.put("/api/versioned/a", headers={"If-Match": if_match}).status_code == 204


@pytest.mark.parametrize("if_match", ['"2"', '"2", W/"4"', '*, "2"', "3"])
def test_a_stale_if_match_is_412_with_the_current_version(api: httpx.Client, if_match: str) -> None:
    response = api.put("/api/versioned/a", headers={"If-Match": if_match})
    body = assert_problem(response, 412, "precondition_failed")
    assert body["current"] == {"name": "a", "version": 3}
    assert response.headers["etag"] == '"3"'


def test_without_if_match_is_428(api: httpx.Client) -> None:
    assert_problem(api.put("/api/versioned/a"), 428, "precondition_required")


class Versioned(BaseModel):
    name: str
    version: int


def test_check_if_match_takes_the_header_value() -> None:
    def current() -> Versioned:
        raise AssertionError("the current version is built only for a 412")

    check_if_match("*", 7, current)
    check_if_match('W/"7"', 7, current)
    with pytest.raises(Problem) as missing:
        check_if_match(None, 7, current)
    assert missing.value.status == 428
    with pytest.raises(Problem) as stale:
        check_if_match('"6"', 7, lambda: Versioned(name="b", version=7))
    assert (stale.value.status, stale.value.extra["current"]) == (412, {"name": "b", "version": 7})


# HEAD


def assert_head_answers_like_get(client: httpx.Client, path: str) -> httpx.Response:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code
    assert head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    for name in ("content-type", "etag", *(name.lower() for name in SECURITY_HEADERS)):
        assert head.headers.get(name) == get.headers.get(name), name
    return head


def test_head_of_a_route_with_a_parameter_answers_like_get(api: httpx.Client) -> None:
    head = assert_head_answers_like_get(api, "/api/versioned/b")
    assert head.status_code == 200
    assert head.headers["etag"] == '"3"'


def test_head_of_an_unknown_resource_is_the_404_without_a_body(api: httpx.Client) -> None:
    head = assert_head_answers_like_get(api, "/api/units/none")
    assert head.status_code == 404
    assert head.headers["content-type"] == PROBLEM


def test_head_of_health_answers_like_get_and_is_not_in_the_openapi_document(
    client: httpx.Client,
) -> None:
    assert assert_head_answers_like_get(client, "/api/health").status_code == 200
    paths = client.get("/api/openapi.json").json()["paths"]
    assert all("head" not in operations for operations in paths.values())


def test_the_wrapper_answers_head_with_the_get_headers_and_no_body() -> None:
    # In-process: the dev host drops a HEAD body by itself, so HTTP would not show it.
    spec = Endpoint("GET", "x", "x", "", "", "tests", None, None, Versioned, 200, None, None)
    request = func.HttpRequest("HEAD", "http://x/api/x", headers={}, body=b"")
    get = Versioned(name="a", version=1).model_dump_json().encode()
    response = handle(request, lambda ctx: Versioned(name="a", version=1), spec)
    assert response.status_code == 200
    assert response.get_body() == b""
    assert response.headers["Content-Length"] == str(len(get))
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_head_of_a_post_only_route_is_405_with_allow(api: httpx.Client) -> None:
    response = api.head("/api/notes")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.content == b""


def test_a_file_answer_and_a_raw_body_go_through_the_same_wrapper() -> None:
    # In-process, like the HEAD test above: the endpoints that use them are tested over HTTP
    # in tests/test_exchange.py.
    from shared.http import FileAnswer
    from shared.openapi import build_document

    spec = Endpoint(
        "POST", "x", "x", "", "", "tests", None, None, None, 200, None, None,
        accepts=("text/csv",), produces=("text/csv",),
    )  # fmt: skip

    def echo(ctx: Any) -> FileAnswer:
        assert ctx.body.media_type == "text/csv"
        return FileAnswer(ctx.body.content, "text/csv", {"Content-Disposition": "attachment"})

    sent = func.HttpRequest(
        "POST", "http://x/api/x", headers={"Content-Type": "text/csv"}, body=b"a;b\r\n"
    )
    answered = handle(sent, echo, spec)
    assert answered.status_code == 200
    assert answered.get_body() == b"a;b\r\n"
    assert answered.mimetype == "text/csv"
    assert answered.headers["Content-Disposition"] == "attachment"
    assert answered.headers["X-Content-Type-Options"] == "nosniff"
    as_json = func.HttpRequest(
        "POST", "http://x/api/x", headers={"Content-Type": "application/json"}, body=b"{}"
    )
    assert handle(as_json, echo, spec).status_code == 415
    operation = build_document([spec], title="t", version="1")["paths"]["/x"]["post"]
    assert list(operation["requestBody"]["content"]) == ["text/csv"]
    assert list(operation["responses"]["200"]["content"]) == ["text/csv"]
