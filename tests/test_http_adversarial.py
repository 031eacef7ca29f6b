"""Requests no well-behaved client sends, over raw sockets through the dev host.

Each is answered at once with a 4xx (or 501) `application/problem+json` carrying the
security headers, never a 500, an HTML page, a hang or a silent hang-up, and the host
keeps serving. Framing, header and method cases run against the sample app of
test_devhost_server.py in a thread, with a small body limit; the app's own limits and
parsing against the real app.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from devhost import azurite
from devhost.server import DevHost
from shared.config import get_settings
from shared.forwarded import client_address
from shared.http import largest_body_limit
from shared.problems import SECURITY_HEADERS
from tests.accounts import signed_up
from tests.conftest import DEVHOST, REPO, Host, Storage, app_environment
from tests.devhost_sample_app import Calls, build_app

LIMIT = 1000  # the sample host's body limit


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def exchange(port: int, request: bytes) -> Answer:
    """Send `request` as it is and read the answer up to its end (or the server's close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received and (chunk := connection.recv(65536)):
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:])
        }
        while len(body) < int(headers.get("content-length", 0)):
            chunk = connection.recv(65536)
            assert chunk, "the server hung up mid-answer"
            body += chunk
    return Answer(int(lines[0].split()[1]), headers, body)


def assert_refused(answer: Answer, status: int, code: str) -> dict[str, Any]:
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/problem+json"
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name.lower()] == value, name
    assert answer.headers["connection"] == "close"
    problem: dict[str, Any] = answer.json()
    assert (problem["status"], problem["code"]) == (status, code)
    return problem


@dataclass
class Sample:
    port: int
    calls: Calls

    def still_serves(self) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10) as client:
            assert client.get("/api/bp/ping").text == "pong"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    site = tmp_path_factory.mktemp("site")
    (site / "index.html").write_text("<!doctype html>", encoding="utf-8")
    calls = Calls()
    host = DevHost(build_app(calls), static_dir=site, max_body_bytes=LIMIT)
    _, port = host.start_in_thread("127.0.0.1", 0)
    yield Sample(port, calls)
    host.shutdown()


def post_record(*header_lines: str, body: bytes = b"") -> bytes:
    head = "".join(
        f"{line}\r\n" for line in ("POST /api/record HTTP/1.1", "Host: x", *header_lines)
    )
    return head.encode("latin-1") + b"\r\n" + body


# Framing


@pytest.mark.parametrize(
    "request_bytes",
    [
        post_record("Content-Length: ten"),
        post_record("Content-Length: -1"),
        post_record("Content-Length: +5", body=b"abcde"),
        post_record("Content-Length: 1.5"),
        post_record("Content-Length: 0x10"),
        post_record("Content-Length: 5, 6", body=b"abcdef"),
        post_record("Content-Length: 5", "Content-Length: 6", body=b"abcdef"),
        post_record("Content-Length: 1" + "0" * 30),
        post_record(
            "Transfer-Encoding: chunked", "Content-Length: 3", body=b"3\r\nabc\r\n0\r\n\r\n"
        ),
        post_record("Transfer-Encoding: gzip", body=b"abc"),
        post_record("Transfer-Encoding: gzip, chunked", body=b"0\r\n\r\n"),
        post_record("Transfer-Encoding: xchunked", body=b"0\r\n\r\n"),
        post_record("Transfer-Encoding: chunked", body=b"-5\r\nabc"),
        post_record("Transfer-Encoding: chunked", body=b"0x3\r\nabc\r\n0\r\n\r\n"),
        post_record("Transfer-Encoding: chunked", body=b"1_0\r\n" + b"a" * 16 + b"\r\n0\r\n\r\n"),
        post_record("Transfer-Encoding: chunked", body=b"zz\r\n"),
        post_record("Transfer-Encoding: chunked", body=b"3\r\nabcdef\r\n0\r\n\r\n"),
        post_record("Transfer-Encoding: chunked", body=b"1" + b";x" * 5000),
        post_record("Transfer-Encoding: chunked", body=b"0\r\nX: " + b"a" * 70000 + b"\r\n\r\n"),
    ],
)
def test_unreadable_framing_is_a_400_and_reaches_no_function(
    sample: Sample, request_bytes: bytes
) -> None:
    assert_refused(exchange(sample.port, request_bytes), 400, "bad_request")
    assert sample.calls.count("record") == 0
    sample.still_serves()


def test_a_content_length_over_the_limit_is_refused_before_the_body_is_read(
    sample: Sample,
) -> None:
    # Nothing follows the headers: a host waiting for the body would never answer.
    problem = assert_refused(
        exchange(sample.port, post_record(f"Content-Length: {LIMIT + 1}")),
        413,
        "payload_too_large",
    )
    assert str(LIMIT) in problem["detail"]
    assert sample.calls.count("record") == 0


def test_expect_100_continue_over_the_limit_gets_the_413_instead(sample: Sample) -> None:
    request = post_record(f"Content-Length: {LIMIT + 1}", "Expect: 100-continue")
    assert_refused(exchange(sample.port, request), 413, "payload_too_large")


def test_expect_100_continue_within_the_limit_continues(sample: Sample) -> None:
    with socket.create_connection(("127.0.0.1", sample.port), timeout=10) as connection:
        connection.sendall(
            b"POST /api/binary HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        assert connection.recv(4096) == b"HTTP/1.1 100 Continue\r\n\r\n"
        connection.sendall(b"abc")
        assert connection.recv(4096).startswith(b"HTTP/1.1 200 ")


def test_a_chunked_body_is_refused_once_it_passes_the_limit(sample: Sample) -> None:
    # A first chunk within the limit, then only the size of one that passes it: a host
    # reading on would wait for that chunk forever.
    first = b"a" * (LIMIT - 10)
    request = post_record(
        "Transfer-Encoding: chunked", body=b"%x\r\n%s\r\n%x\r\n" % (len(first), first, 20)
    )
    assert_refused(exchange(sample.port, request), 413, "payload_too_large")
    assert sample.calls.count("record") == 0
    sample.still_serves()


# Request line, headers, methods


def get_echo(*header_lines: str, target: str = "/api/echo/x") -> bytes:
    lines = (f"GET {target} HTTP/1.1", *header_lines, "Connection: close")
    return "".join(f"{line}\r\n" for line in lines).encode("latin-1") + b"\r\n"


@pytest.mark.parametrize(
    "request_bytes",
    [
        # A header line without a colon: http.server would take the rest for the body.
        post_record("Nonsense", "Content-Length: 3", body=b"abc"),
        post_record("Content-Length : 3", body=b"abc"),
        post_record(" Content-Length: 3", body=b"abc"),
        post_record(": empty-name"),
        get_echo("Host: x", "X-Folded: one", " two"),
        get_echo("Host: x", "X-Nul: a\0b"),
        get_echo("Host: x", "X-Escape: a\x1bb"),
        get_echo("Host: x", "Bad(Name: 1"),
        get_echo(),  # HTTP/1.1 without Host
        get_echo("Host: x", "Host: y"),
        get_echo("Host: evil/api/boom?"),
        get_echo("Host: user@x"),
        get_echo("Host: x y"),
        get_echo("Host: x:99999999"),
        get_echo("Host: x", target="/api/echo/%00"),
        get_echo("Host: x", target="/api/echo/a%0Ab"),
        get_echo("Host: x", target="/api/echo/%zz"),
        get_echo("Host: x", target="/api/echo/%4"),
        get_echo("Host: x", target="/api/echo/%ff"),
        get_echo("Host: x", target="/api/echo/x?q=%00"),
        get_echo("Host: x", target="/api/echo/x\x7f"),
        get_echo("Host: x", target="http://x/api/echo/x"),
        get_echo("Host: x", target="*"),
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.x\r\nHost: x\r\n\r\n",
        b"POST /api/record\r\n\r\n",  # HTTP/0.9 knew only GET
    ],
)
def test_a_malformed_request_is_a_400(sample: Sample, request_bytes: bytes) -> None:
    answer = exchange(sample.port, request_bytes)
    assert_refused(answer, 400, "bad_request")
    assert b"/api/boom" not in answer.body  # nothing of the request is quoted back
    assert sample.calls.count("record") == 0
    sample.still_serves()


def test_an_absurdly_long_url_is_a_414(sample: Sample) -> None:
    answer = exchange(sample.port, get_echo("Host: x", target="/api/echo/" + "a" * 70_000))
    assert_refused(answer, 414, "request_uri_too_long")


@pytest.mark.parametrize(
    "header_lines",
    [("Host: x", "X-Long: " + "a" * 70_000), ("Host: x", *(f"X-{n}: {n}" for n in range(101)))],
    ids=["a line over 64 KiB", "over 100 headers"],
)
def test_too_large_a_header_section_is_a_431(sample: Sample, header_lines: tuple[str]) -> None:
    answer = exchange(sample.port, get_echo(*header_lines))
    assert_refused(answer, 431, "request_header_fields_too_large")


def test_http_2_on_the_http_1_port_is_a_505(sample: Sample) -> None:
    answer = exchange(sample.port, b"GET / HTTP/2.0\r\nHost: x\r\n\r\n")
    assert_refused(answer, 505, "http_version_not_supported")


@pytest.mark.parametrize("method", ["CONNECT", "get", "M-SEARCH"])
def test_other_methods_are_a_501_that_quotes_nothing(sample: Sample, method: str) -> None:
    request = f"{method} /api/anything HTTP/1.1\r\nHost: x\r\nX-Marker: echo-me\r\n\r\n"
    answer = exchange(sample.port, request.encode())
    assert_refused(answer, 501, "not_implemented")
    assert b"echo-me" not in answer.body
    sample.still_serves()


def test_trace_is_a_405_that_quotes_nothing(sample: Sample) -> None:
    request = b"TRACE /api/anything HTTP/1.1\r\nHost: x\r\nX-Marker: echo-me\r\n\r\n"
    answer = exchange(sample.port, request)
    assert answer.status == 405
    assert answer.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    assert b"echo-me" not in answer.body
    sample.still_serves()


def test_a_request_without_a_version_gets_a_status_line_and_headers(sample: Sample) -> None:
    # http.server answers HTTP/0.9 with a bare body: no status, no content type.
    answer = exchange(sample.port, b"GET /api/echo/x\r\n\r\n")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"


def test_a_static_name_too_long_for_the_file_system_is_a_404(sample: Sample) -> None:
    # The file system refuses the name (ENAMETOOLONG); the host used to hang up.
    answer = exchange(sample.port, get_echo("Host: x", target="/" + "a" * 300 + ".js"))
    assert answer.status == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "not_found"


# The real app


def post_login(content_length: int) -> bytes:
    return (
        b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % content_length
    )


def port_of(host: Host) -> int:
    return int(host.base_url.rsplit(":", 1)[1])


def test_a_huge_content_length_is_a_413_at_once(host: Host, client: httpx.Client) -> None:
    memory_before = resident_memory(host)
    started = time.monotonic()
    answer = exchange(port_of(host), post_login(100_000_000_000))
    assert_refused(answer, 413, "payload_too_large")
    assert time.monotonic() - started < 5
    assert resident_memory(host) - memory_before < 20 * 1024 * 1024
    assert client.get("/api/health").status_code == 200


def test_the_host_limit_is_the_largest_an_endpoint_declares(host: Host) -> None:
    import function_app  # noqa: F401 (registers every endpoint, as in the host's process)

    limit = largest_body_limit()
    assert limit > get_settings().max_body_bytes  # the schedule batch route's own limit
    # Nothing follows the headers: a host waiting for the body would never answer.
    problem = assert_refused(
        exchange(port_of(host), post_login(limit + 1)), 413, "payload_too_large"
    )
    assert str(limit) in problem["detail"]


def resident_memory(host: Host) -> int:
    """The dev host process's resident set, in bytes."""
    status = Path(f"/proc/{host.process.pid}/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kilobytes) * 1024


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
    ids=["arrays", "objects"],
)
def test_deeply_nested_json_is_a_400(client: httpx.Client, body: bytes) -> None:
    response = client.post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert "nested too deeply" in problem["detail"]
    assert client.get("/api/health").status_code == 200


@pytest.mark.parametrize(("levels", "refused"), [(64, False), (65, True)])
def test_nesting_is_limited_to_64_levels(client: httpx.Client, levels: int, refused: bool) -> None:
    # The body's object and arrays in one of its fields; json.loads itself would read 65.
    arrays = levels - 1
    body = b'{"email": ' + b"[" * arrays + b"]" * arrays + b', "password": "x"}'
    response = client.post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert ("nested too deeply" in problem["detail"]) is refused
    if not refused:
        assert [error["field"] for error in problem["errors"]] == ["email"]


# Client addresses


@pytest.mark.parametrize(
    ("entry", "address"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:51234", "203.0.113.7"),
        (" 203.0.113.7:51234 ", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]:51234", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:0DB8:0000::0001]:443", "2001:db8::1"),
        ("2001:0db8:0:0:0:0:0:1", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("[::ffff:cb00:7107]:8080", "203.0.113.7"),
        ("::1", "::1"),
        ("", None),
        ("unknown", None),
        ("example.se", None),
        ("example.se:443", None),
        ("203.0.113.7:", None),
        ("203.0.113.7:port", None),
        ("203.0.113.256", None),
        ("[2001:db8::1", None),
        ("[2001:db8::1]:", None),
        ("[2001:db8::1]x", None),
        ("[203.0.113.7]:80:80", None),
        ("2001:db8::1:51234:1:2:3", None),
        ("' OR 1=1 --", None),
    ],
)
def test_client_address_from_a_forwarded_entry(entry: str, address: str | None) -> None:
    assert client_address(entry) == address


@pytest.fixture(scope="module")
def ipv6_proxied_host(
    database_url: str, storage: Storage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Host]:
    """The real app on [::1], trusting its front end's X-Forwarded-For (as in Azure)."""
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback here")
    env = app_environment(tmp_path_factory.mktemp("ipv6"), database_url, storage.connection_string)
    env["CASAI_TRUST_FORWARDED_FOR"] = "true"
    port = azurite.free_port()
    log_path = Path(env["CASAI_DATA_DIR"]) / "devhost.log"
    command = [*DEVHOST, "--host", "::1", "--port", str(port), "--no-timers", "--migrate"]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    started = Host(f"http://[::1]:{port}", env, process, log_path)
    try:
        wait_for_ipv6_port(started, port)
        yield started
    finally:
        started.stop()


def wait_for_ipv6_port(started: Host, port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("::1", port), timeout=0.2).close()
            return
        except OSError:
            assert started.process.poll() is None, started.log()
            assert time.monotonic() < deadline, started.log()
            time.sleep(0.1)


def ipv6_loopback() -> bool:
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        return False
    return True


def test_a_session_records_an_ipv6_client_without_its_port(ipv6_proxied_host: Host) -> None:
    with ipv6_proxied_host.client() as client:
        account = signed_up(ipv6_proxied_host, client, "ipv6")
        [session] = account.browser.get("/api/auth/sessions").json()["items"]
    assert session["ip"] == "::1"
