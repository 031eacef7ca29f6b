"""The dev host over real HTTP: requests in, responses out, static files and timers.

Each server runs in a thread on a free port and is shut down after its tests; the app
is tests/devhost_sample_app.py.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import azure.functions as func
import httpx
import pytest

from devhost.server import DevHost, read_route_prefix, spa_content_security_policy
from shared.problems import SECURITY_HEADERS
from tests.devhost_sample_app import CONSTRAINT_TEMPLATES, Calls, build_app

REPO = Path(__file__).resolve().parent.parent
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
BLOB_ORIGIN = "http://127.0.0.1:10000"  # Azurite's default blob endpoint
AZURE_BLOB_ORIGINS = "https://*.blob.core.windows.net"  # what the Static Web App allows
SPA_POLICY = spa_content_security_policy(BLOB_ORIGIN)


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@dataclass
class Served:
    host: DevHost
    port: int
    calls: Calls
    site: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    outside = tmp_path_factory.mktemp("site")
    (outside / "secret.txt").write_text("top secret", encoding="utf-8")
    site = outside / "web"
    (site / "assets").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>CASAI</title>", encoding="utf-8")
    (site / "app.js").write_text("console.log('hej')", encoding="utf-8")
    (site / "assets" / "logo.png").write_bytes(PNG_BYTES)
    calls = Calls()
    host = DevHost(build_app(calls), route_prefix="api", static_dir=site, blob_origin=BLOB_ORIGIN)
    _, port = host.start_in_thread("127.0.0.1", 0)
    yield Served(host, port, calls, site)
    host.shutdown()


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base_url, timeout=10) as http_client:
        yield http_client


def raw_get(served: Served, path: str) -> tuple[int, bytes]:
    """GET with the path sent exactly as written (httpx would normalise dot segments)."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-content-type-options"] == "nosniff"
    body: dict[str, object] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    return body


# Routing


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("int", "42"),
        ("int", "-7"),
        ("long", "9223372036854775807"),
        ("bool", "True"),
        ("guid", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        ("guid", "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}"),
        ("alpha", "abcXYZ"),
        ("decimal", "12.50"),
        ("double", "-1.5e3"),
        ("float", "3.14"),
        ("datetime", "2024-02-29T10:30:00"),
        ("minlength", "abc"),
        ("maxlength", "abc"),
        ("length", "abc"),
        ("lengthrange", "abcd"),
        ("min", "10"),
        ("max", "10"),
        ("range", "5"),
        ("regex", "ab1"),
        ("chained", "1"),
    ],
)
def test_constraint_accepts(client: httpx.Client, kind: str, value: str) -> None:
    response = client.get(f"/api/c/{kind}/{quote(value, safe='')}")
    assert response.status_code == 200, response.text
    assert response.json()["route_params"] == {"v": value}


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("int", "4.2"),
        ("int", "2147483648"),
        ("long", "9223372036854775808"),
        ("bool", "yes"),
        ("guid", "3f2504e0-4f89-11d3"),
        ("alpha", "Mängd"),
        ("decimal", "1e5"),
        ("double", "e5"),
        ("float", "pi"),
        ("datetime", "2023-02-29"),
        ("minlength", "ab"),
        ("maxlength", "abcd"),
        ("length", "ab"),
        ("lengthrange", "abcde"),
        ("min", "9"),
        ("max", "11"),
        ("range", "6"),
        ("regex", "abc1"),
        ("chained", "0"),
    ],
)
def test_constraint_refuses_with_404(client: httpx.Client, kind: str, value: str) -> None:
    assert_problem(client.get(f"/api/c/{kind}/{quote(value, safe='')}"), 404, "not_found")


def test_every_constraint_kind_is_served() -> None:
    # The tables above must cover every route of the sample app.
    assert set(CONSTRAINT_TEMPLATES) == {
        "int", "long", "bool", "guid", "alpha", "decimal", "double", "float", "datetime",
        "minlength", "maxlength", "length", "lengthrange", "min", "max", "range", "regex",
        "chained",
    }  # fmt: skip


def test_optional_parameter_present_and_absent(client: httpx.Client) -> None:
    assert client.get("/api/optional").json()["route_params"] == {}
    assert client.get("/api/optional/3").json()["route_params"] == {"page": "3"}


def test_default_value(client: httpx.Client) -> None:
    assert client.get("/api/defaults").json()["route_params"] == {"lang": "sv"}
    assert client.get("/api/defaults/en").json()["route_params"] == {"lang": "en"}


def test_catch_all_with_slashes_and_empty(client: httpx.Client) -> None:
    deep = client.get("/api/files/reports/2024/Mängd%20A.pdf")
    assert deep.json()["route_params"] == {"path": "reports/2024/Mängd A.pdf"}
    assert client.get("/api/files").json()["route_params"] == {}
    assert client.get("/api/files/").json()["route_params"] == {}


@pytest.mark.parametrize(
    ("path", "winner"),
    [
        ("/api/spec/new", "literal"),
        ("/api/spec/12", "constrained"),
        ("/api/spec/twelve", "parameter"),
        ("/api/spec/twelve/details", "optional"),
        ("/api/spec/a/b/c", "catch-all"),
    ],
)
def test_most_specific_route_wins(client: httpx.Client, path: str, winner: str) -> None:
    assert client.get(path).text == winner


def test_method_chooses_among_matching_routes(client: httpx.Client) -> None:
    assert client.get("/api/bymethod/5").text == "int-get"
    assert client.post("/api/bymethod/5").text == "name-post"


def test_literals_and_prefix_are_case_insensitive(client: httpx.Client) -> None:
    assert client.get("/API/Spec/NEW").text == "literal"


def test_blueprint_function_with_its_own_argument_name(client: httpx.Client) -> None:
    assert client.get("/api/bp/ping").text == "pong"


def test_unknown_api_path_is_a_404_problem(client: httpx.Client) -> None:
    body = assert_problem(client.get("/api/no/such/thing"), 404, "not_found")
    assert body["type"] == "https://casai.se/problems/not-found"


def test_wrong_method_is_a_405_problem_with_allow(client: httpx.Client) -> None:
    response = client.get("/api/only-post")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"
    put = client.put("/api/bymethod/5")
    assert_problem(put, 405, "method_not_allowed")
    assert put.headers["allow"] == "GET, POST"


def test_head_only_where_the_function_lists_it(client: httpx.Client) -> None:
    refused = client.head("/api/text")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET"

    head = client.head("/api/with-head")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == "5"
    assert head.headers["x-seen-method"] == "HEAD"
    assert client.get("/api/with-head").text == "hello"


def test_function_without_methods_takes_every_method(client: httpx.Client) -> None:
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        assert client.request(method, "/api/anything").text == method


@pytest.mark.parametrize(
    ("path", "status", "allow"),
    [
        ("/api/anything", 405, "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"),
        ("/app.js", 405, "GET, HEAD"),
        ("/api/no/such", 404, None),
    ],
)
@pytest.mark.parametrize("method", ["TRACE", "QUERY"])
def test_trace_and_query_run_no_function_and_echo_nothing(
    client: httpx.Client, method: str, path: str, status: int, allow: str | None
) -> None:
    response = client.request(method, path, headers={"X-Marker": "echo-me"}, content=b"echo-me")
    assert response.status_code == status, response.text
    assert response.headers.get("allow") == allow
    assert "echo-me" not in response.text
    assert response.headers["content-security-policy"]


@pytest.mark.parametrize("method", ["CONNECT", "FOO", "PROPFIND"])
@pytest.mark.parametrize("path", ["/api/anything", "/api/echo/x", "/api/no/such", "/app.js"])
def test_other_methods_are_a_501_problem_that_echoes_nothing(
    client: httpx.Client, method: str, path: str
) -> None:
    response = client.request(method, path, headers={"X-Marker": "echo-me"}, content=b"echo-me")
    assert_problem(response, 501, "not_implemented")
    assert response.headers["content-security-policy"]
    assert response.headers["connection"] == "close"
    assert "echo-me" not in response.text


# Requests and responses


def test_request_reaches_the_function(client: httpx.Client, served: Served) -> None:
    response = client.post(
        "/api/echo/M%C3%A4ngd?a=1&a=2&name=M%C3%A4ngd&plus=a+b&empty=",
        content="Schakt för ledning – 12 m³".encode(),
        headers=[("X-Test", "value"), ("X-Multi", "one"), ("X-Multi", "two")],
    )
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["url"] == (
        f"{served.base_url}/api/echo/M%C3%A4ngd?a=1&a=2&name=M%C3%A4ngd&plus=a+b&empty="
    )
    assert seen["route_params"] == {"text": "Mängd"}
    # Repeated keys joined with commas, empty values dropped: what the Functions host does.
    assert seen["params"] == {"a": "1,2", "name": "Mängd", "plus": "a b"}
    assert seen["headers"]["x-test"] == "value"
    assert seen["headers"]["x-multi"] == "one, two"
    assert seen["body"] == "Schakt för ledning – 12 m³"


def test_the_peer_is_appended_to_x_forwarded_for_with_its_port(client: httpx.Client) -> None:
    seen = client.get("/api/echo/x", headers={"X-Forwarded-For": "203.0.113.7"}).json()
    forwarded = seen["headers"]["x-forwarded-for"]
    assert re.fullmatch(r"203\.0\.113\.7, 127\.0\.0\.1:[0-9]+", forwarded), forwarded


def test_an_ipv6_peer_is_appended_in_brackets() -> None:
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    host = DevHost(build_app(Calls()))
    _, port = host.start_in_thread("::1", 0)
    try:
        seen = httpx.get(f"http://[::1]:{port}/api/echo/x", timeout=10).json()
    finally:
        host.shutdown()
    assert re.fullmatch(r"\[::1\]:[0-9]+", seen["headers"]["x-forwarded-for"])


def test_server_header_names_no_versions(client: httpx.Client, served: Served) -> None:
    assert client.get("/api/bp/ping").headers["server"] == "devhost"
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(b"GARBAGE\r\n\r\n")  # an answer from http.server itself
        assert b"\r\nServer: devhost\r\n" in connection.recv(4096)


def test_non_ascii_path_as_the_browser_sends_it(client: httpx.Client) -> None:
    assert client.get("/api/echo/Mängd").json()["route_params"] == {"text": "Mängd"}


def test_text_response_has_charset(client: httpx.Client) -> None:
    response = client.get("/api/text")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.content == "Mängd ✓".encode()
    assert response.headers["content-length"] == str(len("Mängd ✓".encode()))


def test_json_response_has_no_charset(client: httpx.Client) -> None:
    assert client.get("/api/echo/x").headers["content-type"] == "application/json"


def test_content_type_header_wins_over_mimetype(client: httpx.Client) -> None:
    assert client.get("/api/custom-type").headers["content-type"] == "application/vnd.casai+json"


def test_plain_string_return_value(client: httpx.Client) -> None:
    response = client.get("/api/plain-string")
    assert response.status_code == 200
    assert response.text == "just text"


def test_binary_bodies_round_trip(client: httpx.Client) -> None:
    body = bytes(range(256)) * 64
    response = client.post(
        "/api/binary", content=body, headers={"Content-Type": "application/octet-stream"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == body


def test_chunked_request_body(client: httpx.Client) -> None:
    chunks = [bytes(range(256)), b"", b"\r\n0\r\n", bytes(range(255, -1, -1))]
    response = client.post("/api/binary", content=iter(chunks))
    assert response.content == b"".join(chunks)


def test_several_set_cookie_headers_survive(client: httpx.Client) -> None:
    response = client.get("/api/cookies")
    assert response.status_code == 204
    assert response.headers.get_list("set-cookie") == [
        "first=1; Path=/",
        "second=2; Path=/; HttpOnly",
    ]
    assert response.content == b""


def test_async_functions_share_one_event_loop(client: httpx.Client) -> None:
    first = client.get("/api/async")
    second = client.get("/api/async")
    third = client.get("/api/async")
    assert first.status_code == 200
    # The app keeps every loop it ran on alive, so a new loop per call would count up.
    assert [first.text, second.text, third.text] == ["loops seen 1"] * 3


def test_exception_is_a_500_problem_without_internals(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="devhost"):
        response = client.get("/api/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert body["detail"] == "Something went wrong on our side."
    failure = next(r for r in caplog.records if "boom" in r.getMessage())
    assert failure.exc_info is not None
    assert "hunter2" in str(failure.exc_info[1])


def test_truncated_body_never_reaches_the_function(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(b"POST /api/record HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        connection.shutdown(socket.SHUT_WR)
        assert connection.recv(1024) == b""  # the server hung up without an answer
    assert served.calls.count("record") == 0


def test_bad_content_length_is_a_400(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(b"POST /api/record HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n")
        answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"\r\nContent-Type: application/problem+json\r\n" in answer
    assert served.calls.count("record") == 0


def test_keep_alive_serves_several_requests_on_one_connection(served: Served) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        for _ in range(3):
            connection.request("POST", "/api/binary", body=b"\x00\xff")
            response = connection.getresponse()
            assert response.read() == b"\x00\xff"
        connection.request("GET", "/api/nothing-here")
        response = connection.getresponse()
        assert response.status == 404
        response.read()
    finally:
        connection.close()


# Static files


def test_index_at_root(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>CASAI</title>" in response.text


def test_files_with_their_types(client: httpx.Client) -> None:
    script = client.get("/app.js")
    assert script.text == "console.log('hej')"
    assert script.headers["content-type"].startswith("text/javascript")
    logo = client.get("/assets/logo.png")
    assert logo.headers["content-type"] == "image/png"
    assert logo.content == PNG_BYTES


def test_head_of_a_static_file(client: httpx.Client) -> None:
    response = client.head("/assets/logo.png")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(PNG_BYTES))
    assert response.content == b""


def test_page_routes_fall_back_to_index(client: httpx.Client) -> None:
    for path in ("/projects", "/projects/3f2504e0/schedules/7", "/assets"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "<title>CASAI</title>" in response.text


def test_deep_links_with_a_query_reload_the_app(client: httpx.Client) -> None:
    for path in ("/invitations/accept?token=abc-DEF_123", "/projects/123", "/invite"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "text/html; charset=utf-8", path
        assert "<title>CASAI</title>" in response.text


def test_static_files_carry_the_web_apps_policy(client: httpx.Client) -> None:
    for path in ("/", "/projects/123", "/app.js", "/assets/logo.png"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == SPA_POLICY, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    policy = directives(SPA_POLICY)
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in SPA_POLICY
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    # Beside its own origin the page may reach only the blob endpoint (project files).
    assert policy["connect-src"] == f"'self' {BLOB_ORIGIN}"


def test_without_a_blob_endpoint_the_page_reaches_only_its_origin() -> None:
    assert directives(spa_content_security_policy(None))["connect-src"] == "'self'"


def test_the_dev_host_allows_the_blob_endpoint_its_settings_name() -> None:
    from shared.config import Settings
    from shared.storage import blob_origin

    own = (
        "DefaultEndpointsProtocol=http;AccountName=casai;AccountKey=a2V5;"
        "BlobEndpoint=http://127.0.0.1:41234/casai;TableEndpoint=http://127.0.0.1:41235/casai;"
    )
    assert blob_origin(Settings(storage_connection_string=own)) == "http://127.0.0.1:41234"
    assert blob_origin(Settings()) == BLOB_ORIGIN  # UseDevelopmentStorage=true


def test_api_answers_keep_their_own_policy(client: httpx.Client) -> None:
    response = client.get("/api/no-such-thing")
    assert_problem(response, 404, "not_found")
    assert (
        response.headers["content-security-policy"] == (SECURITY_HEADERS["Content-Security-Policy"])
    )


def test_the_static_web_app_sends_the_same_policy_but_for_the_blob_origin() -> None:
    config = json.loads(
        (Path(__file__).resolve().parent.parent / "web" / "staticwebapp.config.json").read_text(
            encoding="utf-8"
        )
    )
    deployed = directives(config["globalHeaders"]["Content-Security-Policy"])
    local = directives(SPA_POLICY)
    # The one difference allowed: the SWA's browsers reach Azure's blob endpoints, the
    # dev host's the blob endpoint of its app (Azurite); every other directive is equal.
    assert deployed.pop("connect-src") == f"'self' {AZURE_BLOB_ORIGINS}"
    assert local.pop("connect-src") == f"'self' {BLOB_ORIGIN}"
    assert deployed == local
    assert list(deployed) == list(local)  # in the same order
    fallback = config["navigationFallback"]
    assert fallback["rewrite"] == "/index.html"
    assert "/api/*" in fallback["exclude"]
    assert "/assets/*" in fallback["exclude"]


def test_missing_file_with_extension_is_a_404_problem(client: httpx.Client) -> None:
    assert_problem(client.get("/missing.js"), 404, "not_found")


def test_api_paths_never_fall_back_to_index(client: httpx.Client) -> None:
    assert_problem(client.get("/api/projects"), 404, "not_found")
    assert_problem(client.get("/api"), 404, "not_found")


def test_static_files_answer_only_get_and_head(client: httpx.Client) -> None:
    response = client.post("/index.html")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/../secret",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret",
        "/assets/../../secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%2f..%2fsecret",
        "/..%5csecret.txt",
        "/./index.html",
        "//secret.txt",
    ],
)
def test_path_traversal_is_refused(served: Served, path: str) -> None:
    status, body = raw_get(served, path)
    assert status == 404
    assert b"top secret" not in body
    assert json.loads(body)["code"] == "not_found"


def test_symbolic_link_out_of_the_site_is_refused(served: Served) -> None:
    link = served.site / "escape.txt"
    link.symlink_to(served.site.parent / "secret.txt")
    try:
        status, body = raw_get(served, "/escape.txt")
    finally:
        link.unlink()
    assert status == 404
    assert b"top secret" not in body


def test_a_linked_index_out_of_the_site_is_refused(served: Served) -> None:
    folder = served.site / "linked"
    folder.mkdir()
    (folder / "index.html").symlink_to(served.site.parent / "secret.txt")
    try:
        status, body = raw_get(served, "/linked/")
    finally:
        (folder / "index.html").unlink()
        folder.rmdir()
    assert status == 404
    assert b"top secret" not in body


def test_without_a_static_directory_everything_else_is_404(tmp_path: Path) -> None:
    for static_dir in (None, tmp_path / "absent"):
        host = DevHost(build_app(Calls()), static_dir=static_dir)
        _, port = host.start_in_thread("127.0.0.1", 0)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                assert_problem(http.get("/"), 404, "not_found")
                assert_problem(http.get("/projects"), 404, "not_found")
                assert http.get("/api/bp/ping").text == "pong"
        finally:
            host.shutdown()


def test_empty_route_prefix(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("spa", encoding="utf-8")
    host = DevHost(build_app(Calls()), route_prefix="", static_dir=tmp_path)
    _, port = host.start_in_thread("127.0.0.1", 0)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            assert http.get("/bp/ping").text == "pong"
            assert http.get("/api/bp/ping").text == "spa"
            assert http.get("/").text == "spa"
            assert_problem(http.get("/only-post"), 405, "method_not_allowed")
    finally:
        host.shutdown()


class ListeningHandler(logging.Handler):
    """Catches the dev host's start lines and tells when it is listening."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.listening = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        if record.getMessage().startswith("devhost listening on "):
            self.listening.set()


def test_serve_lists_the_functions_and_stops_on_shutdown() -> None:
    host = DevHost(build_app(Calls()))
    handler = ListeningHandler()
    logger = logging.getLogger("devhost")
    logger.addHandler(handler)
    previous_level = logger.level
    logger.setLevel(logging.INFO)
    thread = threading.Thread(target=host.serve, args=("127.0.0.1", 0))
    try:
        thread.start()
        assert handler.listening.wait(timeout=10)
        base_url = handler.lines[0].removeprefix("devhost listening on ").rstrip("/")
        assert httpx.get(f"{base_url}/api/bp/ping", timeout=10).text == "pong"
    finally:
        host.shutdown()
        thread.join(timeout=10)
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
    assert not thread.is_alive()
    assert f"  echo: [GET,POST] {base_url}/api/echo/{{text}}" in handler.lines
    assert f"  anything: [ALL] {base_url}/api/anything" in handler.lines
    assert "  tick: timer (*/1 * * * * *)" in handler.lines


def test_functions_are_enumerated_once() -> None:
    app = build_app(Calls())
    enumerations = []
    original = app.get_functions

    def counting() -> list[func.Function]:
        enumerations.append(1)
        return original()

    app.get_functions = counting  # type: ignore[method-assign]
    host = DevHost(app)
    host.start_in_thread("127.0.0.1", 0)
    host.run_timer("tick")
    host.shutdown()
    assert enumerations == [1]


# Timers


def test_timer_names(served: Served) -> None:
    assert served.host.timer_names == ["async_timer", "broken", "on_start", "tick"]


def test_run_timer_on_demand(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    before = served.calls.count("tick")
    with caplog.at_level(logging.INFO, logger="devhost"):
        served.host.run_timer("tick")
    assert served.calls.count("tick") == before + 1
    assert [r.getMessage() for r in caplog.records] == ["timer tick fired"]


def test_run_async_timer_with_its_own_argument_name(served: Served) -> None:
    served.host.run_timer("async_timer")
    assert served.calls.count("async_timer") == 1
    assert served.calls.count("past_due") == 0


def test_run_timer_propagates_the_failure(served: Served) -> None:
    with pytest.raises(RuntimeError, match="timer failure"):
        served.host.run_timer("broken")


def test_unknown_timer_names_the_known_ones(served: Served) -> None:
    with pytest.raises(LookupError, match="nope") as raised:
        served.host.run_timer("nope")
    assert "async_timer, broken, on_start, tick" in str(raised.value)
    with pytest.raises(LookupError):
        served.host.run_timer("echo")  # an HTTP function is not a timer


def test_scheduler_fires_timers_and_survives_failures(caplog: pytest.LogCaptureFixture) -> None:
    calls = Calls()
    host = DevHost(build_app(calls))
    with caplog.at_level(logging.INFO, logger="devhost"):
        host.start_timers()
        try:
            assert calls.wait_for("on_start", timeout=5)
            assert calls.wait_for("broken", 2, timeout=5)
            assert calls.wait_for("tick", 2, timeout=5)  # still running after failures
        finally:
            host.shutdown()
    assert calls.count("on_start") == 1
    assert calls.count("async_timer") == 0
    messages = [r.getMessage() for r in caplog.records]
    assert "timer on_start fired" in messages
    assert "timer tick fired" in messages
    assert "timer broken failed" in messages


def test_timers_stop_with_shutdown() -> None:
    calls = Calls()
    host = DevHost(build_app(calls))
    host.start_timers()
    assert calls.wait_for("tick", timeout=5)
    host.shutdown()
    stopped_at = calls.count("tick")
    assert not calls.wait_for("tick", stopped_at + 1, timeout=1.5)


def timer_app(schedule: str) -> func.FunctionApp:
    app = func.FunctionApp()

    @app.timer_trigger(schedule=schedule, arg_name="timer")
    def cleanup(timer: func.TimerRequest) -> None:
        """Does nothing."""

    return app


def test_bad_schedule_fails_at_start_naming_the_function() -> None:
    with pytest.raises(ValueError, match="function cleanup: bad NCRONTAB expression"):
        DevHost(timer_app("every five minutes"))


def test_schedule_from_an_app_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASAI_TEST_CLEANUP_SCHEDULE", "0 */5 * * * *")
    assert DevHost(timer_app("%CASAI_TEST_CLEANUP_SCHEDULE%")).timer_names == ["cleanup"]
    monkeypatch.delenv("CASAI_TEST_CLEANUP_SCHEDULE")
    with pytest.raises(ValueError, match="CASAI_TEST_CLEANUP_SCHEDULE is not set"):
        DevHost(timer_app("%CASAI_TEST_CLEANUP_SCHEDULE%"))


def test_bad_route_fails_at_start_naming_the_function() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="items/{id:nonsense}")
    def broken_route(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("")

    with pytest.raises(ValueError, match="function broken_route: unknown route constraint"):
        DevHost(app)


# host.json


def test_route_prefix_of_this_repository() -> None:
    assert read_route_prefix(REPO / "host.json") == "api"


@pytest.mark.parametrize(
    ("settings", "prefix"),
    [
        ({"version": "2.0"}, "api"),
        ({"extensions": {"http": {}}}, "api"),
        ({"extensions": {"http": {"routePrefix": ""}}}, ""),
        ({"extensions": {"http": {"routePrefix": "/v1/"}}}, "v1"),
    ],
)
def test_route_prefix_from_host_json(tmp_path: Path, settings: object, prefix: str) -> None:
    path = tmp_path / "host.json"
    path.write_text(json.dumps(settings), encoding="utf-8")
    assert read_route_prefix(path) == prefix


def test_answers_are_not_held_back_by_nagles_algorithm() -> None:
    """The server side of a connection has TCP_NODELAY (see _Handler)."""
    from devhost.server import _Handler

    with (
        socket.create_server(("127.0.0.1", 0)) as listener,
        socket.create_connection(listener.getsockname()),
    ):
        accepted, _ = listener.accept()
        with accepted:
            handler = _Handler.__new__(_Handler)
            handler.connection = handler.request = accepted
            handler.setup()
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
