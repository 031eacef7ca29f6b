"""Serve a `func.FunctionApp` over HTTP and run its timers, standing in for Core Tools.

The host mirrors what the Functions host and Python worker do, so code that works here
works in Azure: routes are ASP.NET templates under the host.json prefix, the user
function gets a `func.HttpRequest` under its trigger's argument name and returns a
`func.HttpResponse`, `async def` functions run on one long-lived event loop, and a
method a function does not list is refused (no implicit HEAD or OPTIONS). Requests
that reach no function, and failures inside one, answer with the API's problem
documents. Files of the web app are served at `/` with a single-page-app fallback.

What the host refuses itself, before any function runs, is answered with an
`application/problem+json` document carrying the security headers, and the connection
is closed (what follows on it cannot be trusted to be the next request):

- a method other than the seven a function can list (GET, HEAD, POST, PUT, PATCH,
  DELETE, OPTIONS) never reaches a function and nothing is echoed: TRACE and QUERY
  (methods HTTP defines that no function here takes) are 405 `method_not_allowed`
  with the path's Allow (404 where nothing is), CONNECT and made-up methods are 501
  `not_implemented` on every path;
- a body over the host's limit (`max_body_bytes`; `python -m devhost` uses the largest
  any endpoint declares) is 413 `payload_too_large`, decided from Content-Length before
  the body is read (and before `100 Continue`), or as soon as a chunked body passes it;
- unreadable framing (a Content-Length that is not one decimal number, a transfer
  coding other than chunked, both Content-Length and Transfer-Encoding, a bad chunk),
  a header line without a colon, a folded line or control characters in a header, a
  missing, repeated or malformed Host, and a request target that is not a path (with
  its query) of complete percent escapes decoding to text without control characters
  are 400 `bad_request`; absolute-form and `*` targets are refused too;
- http.server's own refusals (a request line it cannot read or longer than 64 KiB, a
  header line over 64 KiB or more than 100 headers) keep their status, with the
  status's name as the code.

The `Server` header names no versions, and the peer is appended to X-Forwarded-For as
Azure's front end appends it: `v4:port` or `[v6]:port`.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import mimetypes
import os
import re
import socket
import sys
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from enum import Enum
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import azure.functions as func
from azure.functions.decorators.http import HttpTrigger
from azure.functions.decorators.timer import TimerTrigger
from azure.functions.timer import TimerRequest

from devhost.ncrontab import next_fire
from devhost.routing import Match, MethodNotAllowed, NoRoute, Router, split_path
from shared.problems import (
    Problem,
    http_error,
    internal_error,
    method_not_allowed,
    not_found,
    payload_too_large,
)

# The methods a function may list (func.HttpMethod): all a function can be offered.
FUNCTION_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
# Methods HTTP defines (RFC 9110's TRACE; QUERY, the safe method with a body, from the
# HTTP working group) that no function is offered: 405, not the 501 of unknown methods.
UNOFFERED_METHODS = frozenset({"TRACE", "QUERY"})
log = logging.getLogger(__name__)

# The server frames the body itself; these from a function would contradict it.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})

# The Functions host's own default limit on a request body (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT).
DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024

# What the request line and header section may hold (RFC 9110 §5, RFC 9112 §3).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_CONTROL_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # a tab is allowed
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BROKEN_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_AUTHORITY = re.compile(r"(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_DECIMAL = re.compile(r"[0-9]{1,18}")
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_MAX_CHUNK_LINE = 4096  # a chunk size and its extensions


# The web app's documents and files (web/dist) carry their own policy, the one the Static
# Web App sends (web/staticwebapp.config.json, globalHeaders; a test keeps the two equal
# but for the blob origin): scripts and styles only from files of the site, no inline
# ones, API calls to this origin. The browser moves project files itself, to and from
# Blob storage with SAS URLs: the Static Web App allows Azure's blob endpoints, the dev
# host the one its app uses (`blob_origin`, Azurite's here).
# API answers keep shared.problems.SECURITY_HEADERS (`default-src 'none'`).
def spa_content_security_policy(blob_origin: str | None) -> str:
    connect = "'self'" if blob_origin is None else f"'self' {blob_origin}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src {connect}; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )


def spa_headers(blob_origin: str | None) -> dict[str, str]:
    return {
        "Content-Security-Policy": spa_content_security_policy(blob_origin),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-cache",
    }


# Wake the timer thread at least this often, so a jump of the wall clock (a laptop
# waking from sleep) is noticed rather than slept through.
_MAX_TIMER_SLEEP_SECONDS = 60.0


@dataclass(frozen=True)
class _Function:
    """A registered function: its name, the Python callable and its trigger argument."""

    name: str
    call: Callable[..., Any]
    argument: str


@dataclass(frozen=True)
class _Timer:
    function: _Function
    schedule: str
    run_on_startup: bool


class _EventLoop:
    """One long-lived asyncio loop for `async def` functions, as in the Python worker.

    A loop per call would break async clients that a module creates once and reuses:
    they stay bound to the loop of their first use.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(
                    target=_run_loop, args=(self._loop,), name="devhost-asyncio", daemon=True
                ).start()
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    def close(self) -> None:
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_forever()
    finally:
        loop.close()


def _now() -> datetime:
    return datetime.now(UTC)


def _method_name(method: object) -> str:
    """A trigger's method as text: the decorator stores HttpMethod members, or strings."""
    return str(method.value if isinstance(method, Enum) else method)


def _app_setting(value: str) -> str:
    """Resolve a `%NAME%` binding expression from the environment, as the host does."""
    if len(value) > 2 and value.startswith("%") and value.endswith("%"):
        name = value[1:-1]
        if name not in os.environ:
            raise ValueError(f"app setting {name} is not set")
        return os.environ[name]
    return value


def _query_params(query: str) -> dict[str, str]:
    """Query string to `req.params` as the Functions host builds it.

    Repeated keys are joined with commas (`a=1&a=2` gives "1,2") and keys whose value is
    empty are left out, as the host strips them before the Python worker sees them.
    """
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(key, []).append(value)
    joined = {key: ",".join(items) for key, items in values.items()}
    return {key: value for key, value in joined.items() if value}


def read_route_prefix(host_json_path: str | os.PathLike[str]) -> str:
    """host.json `extensions.http.routePrefix`, "api" when absent (the host's default)."""
    settings = json.loads(Path(host_json_path).read_text(encoding="utf-8-sig"))
    prefix = settings.get("extensions", {}).get("http", {}).get("routePrefix", "api")
    return str(prefix).strip("/")


def worker_threads() -> int:
    """How many sync functions run at once: the Python worker's PYTHON_THREADPOOL_THREAD_COUNT,
    by default Python's ThreadPoolExecutor size, min(32, CPUs + 4)."""
    configured = os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return min(32, (os.cpu_count() or 1) + 4)


class DevHost:
    """The functions of one `FunctionApp`, answerable over HTTP and on their schedules.

    `app.get_functions()` may run only once per app object, so build one DevHost per app.
    """

    def __init__(
        self,
        app: func.FunctionApp,
        route_prefix: str = "api",
        static_dir: str | os.PathLike[str] | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        blob_origin: str | None = None,
    ) -> None:
        """`blob_origin`: where the web app's browser may send project files (the
        scheme, host and port of the app's blob endpoint); none, only to this origin."""
        self.max_body_bytes = max_body_bytes
        self.spa_headers = spa_headers(blob_origin)
        self._router: Router[_Function] = Router(route_prefix)
        self._static_root = Path(static_dir).resolve() if static_dir is not None else None
        self._timers: dict[str, _Timer] = {}
        self._loop = _EventLoop()
        self._servers: list[ThreadingHTTPServer] = []
        self._servers_lock = threading.Lock()
        self._stop_timers = threading.Event()
        self._timer_thread: threading.Thread | None = None
        self._executions = threading.BoundedSemaphore(worker_threads())
        for function in app.get_functions():
            self._register(function)

    def _register(self, function: func.Function) -> None:
        call = function.get_user_function()
        name = function.get_function_name() or call.__name__
        trigger = function.get_trigger()
        if trigger is None:
            raise ValueError(f"function {name} has no trigger")
        registered = _Function(name, call, trigger.name)
        try:
            if isinstance(trigger, HttpTrigger):
                methods = [_method_name(m) for m in trigger.methods or ()]
                # No route (or an empty one) means the function's name, as in the host.
                self._router.add(trigger.route or name, methods, registered)
            elif isinstance(trigger, TimerTrigger):
                schedule = _app_setting(trigger.schedule)
                next_fire(schedule, _now())  # a bad schedule fails now, not in the timer thread
                self._timers[name] = _Timer(registered, schedule, bool(trigger.run_on_startup))
            else:
                log.warning(
                    "function %s has a %s, which the dev host does not run",
                    name,
                    type(trigger).__name__,
                )
        except ValueError as error:
            raise ValueError(f"function {name}: {error}") from error

    # Requests

    def respond(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> func.HttpResponse:
        """Answer one request; the HTTP handler's only call into the host."""
        parts = urlsplit(url)
        found = self._router.resolve(parts.path, method)
        if method in UNOFFERED_METHODS:
            return self._unoffered_refused(parts.path, found)
        if isinstance(found, Match):
            request = func.HttpRequest(
                method,
                url,
                headers=headers,
                params=_query_params(parts.query),
                route_params=found.params,
                body=body,
            )
            return self._call_http(found.handler, request)
        if isinstance(found, MethodNotAllowed):
            return method_not_allowed(list(found.allowed)).to_response()
        root = self._static_root
        if root is not None and root.is_dir() and not self._router.reserves(parts.path):
            return self._static(root, parts.path, method)
        return not_found().to_response()

    def _unoffered_refused(
        self, path: str, found: Match[_Function] | MethodNotAllowed | NoRoute
    ) -> func.HttpResponse:
        """TRACE and QUERY are methods HTTP defines and no function takes (the Functions
        host routes only the methods a function lists, and a function without a list is
        not offered them here either): 405 with what the path allows, 404 where nothing
        is; no function runs, so nothing of the request is echoed."""
        if isinstance(found, Match):
            return method_not_allowed(list(FUNCTION_METHODS)).to_response()
        if isinstance(found, MethodNotAllowed):
            return method_not_allowed(list(found.allowed)).to_response()
        root = self._static_root
        if root is not None and root.is_dir() and not self._router.reserves(path):
            return method_not_allowed(["GET", "HEAD"]).to_response()
        return not_found().to_response()

    def _call_http(self, function: _Function, request: func.HttpRequest) -> func.HttpResponse:
        try:
            result = self._invoke(function, request)
        except Exception:
            log.exception("function %s raised", function.name)
            return internal_error().to_response()
        if isinstance(result, func.HttpResponse):
            return result
        if isinstance(result, str):  # the worker accepts a plain string as the response
            return func.HttpResponse(result)
        log.error("function %s returned a %s, not an HttpResponse", function.name, type(result))
        return internal_error().to_response()

    def _invoke(self, function: _Function, argument: object) -> Any:
        # As in the Functions Python worker, sync functions run on a bounded thread pool:
        # a burst of requests queues here, before a function runs, not for the database.
        with self._executions:
            result = function.call(**{function.argument: argument})
        if asyncio.iscoroutine(result):
            return self._loop.run(result)
        return result

    def _static(self, root: Path, path: str, method: str) -> func.HttpResponse:
        if method not in ("GET", "HEAD"):
            return method_not_allowed(["GET", "HEAD"]).to_response()
        try:
            file = _static_file(root, path)
        except OSError:  # e.g. a name longer than the file system allows
            file = None
        if file is None:
            return not_found().to_response()
        mimetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        headers = dict(self.spa_headers)  # a response's own copy
        return func.HttpResponse(file.read_bytes(), mimetype=mimetype, headers=headers)

    # Servers

    def start_in_thread(
        self, host: str = "127.0.0.1", port: int = 0
    ) -> tuple[ThreadingHTTPServer, int]:
        """Serve in a daemon thread; returns the server and the bound port (port 0 picks one).

        `shutdown()` stops it.
        """
        server = self._bind(host, port)
        threading.Thread(target=server.serve_forever, name="devhost-http", daemon=True).start()
        return server, server.server_port

    def serve(self, host: str = "127.0.0.1", port: int = 7071) -> None:
        """Serve until `shutdown()` is called from another thread, or KeyboardInterrupt."""
        server = self._bind(host, port)
        base_url = f"http://{_host_and_port(host, server.server_port)}"
        log.info("devhost listening on %s/", base_url)
        for line in self._function_lines(base_url):
            log.info("%s", line)
        try:
            server.serve_forever()
        finally:
            self._forget(server)
            server.server_close()

    def shutdown(self) -> None:
        """Stop the servers and the timer thread this host started, and its event loop."""
        with self._servers_lock:
            servers, self._servers = self._servers, []
        for server in servers:
            server.shutdown()
            server.server_close()
        self._stop_timers.set()
        if self._timer_thread is not None:
            self._timer_thread.join()
            self._timer_thread = None
        self._loop.close()

    def _bind(self, host: str, port: int) -> ThreadingHTTPServer:
        server = _Server((host, port), partial(_Handler, devhost=self))
        with self._servers_lock:
            self._servers.append(server)
        return server

    def _forget(self, server: ThreadingHTTPServer) -> None:
        with self._servers_lock:
            if server in self._servers:
                self._servers.remove(server)

    def _function_lines(self, base_url: str) -> list[str]:
        """One line per function, like the list Core Tools prints at start."""
        lines = []
        for route in self._router.routes:
            methods = ",".join(sorted(route.methods or {"ALL"}))
            template = route.template.text.strip("/")
            path = "/".join(part for part in (self._router.prefix, template) if part)
            lines.append(f"  {route.handler.name}: [{methods}] {base_url}/{path}")
        for name in self.timer_names:
            lines.append(f"  {name}: timer ({self._timers[name].schedule})")
        return lines

    # Timers

    @property
    def timer_names(self) -> list[str]:
        return sorted(self._timers)

    def run_timer(self, name: str) -> None:
        """Run one timer function now, in this thread; its exceptions propagate."""
        timer = self._timers.get(name)
        if timer is None:
            known = ", ".join(self.timer_names) or "none"
            raise LookupError(f"no timer function named {name!r}; timer functions: {known}")
        log.info("timer %s fired", name)
        self._invoke(timer.function, TimerRequest(past_due=False))

    def start_timers(self) -> None:
        """Run the timers in a daemon thread: run-on-startup ones at once, all on schedule."""
        if self._timer_thread is not None or not self._timers:
            return
        self._stop_timers.clear()
        self._timer_thread = threading.Thread(
            target=self._run_schedule, name="devhost-timers", daemon=True
        )
        self._timer_thread.start()

    def _run_schedule(self) -> None:
        """Sleep until the earliest due timer, run it, repeat; timers run one at a time.

        A timer's next time is computed after it ran, so occurrences missed while it ran
        are skipped rather than fired in a burst.
        """
        for name, timer in self._timers.items():
            if timer.run_on_startup:
                self._fire(name)
        due = {name: next_fire(timer.schedule, _now()) for name, timer in self._timers.items()}
        while not self._stop_timers.is_set():
            name = min(due, key=due.__getitem__)
            delay = (due[name] - _now()).total_seconds()
            if delay > 0:
                self._stop_timers.wait(min(delay, _MAX_TIMER_SLEEP_SECONDS))
                continue
            self._fire(name)
            due[name] = next_fire(self._timers[name].schedule, _now())

    def _fire(self, name: str) -> None:
        try:
            self.run_timer(name)
        except Exception:
            log.exception("timer %s failed", name)


def _static_file(root: Path, path: str) -> Path | None:
    """The file under `root` for a URL path, `index.html` for a page route, else None.

    Dot segments, encoded slashes and backslashes are refused outright, and the
    resolved file must still lie under `root` (no escape through symbolic links).
    """
    segments = split_path(path)
    if any(s in ("", ".", "..") or "/" in s or "\\" in s or "\0" in s for s in segments):
        return None
    candidate = root.joinpath(*segments).resolve()
    if candidate.is_dir():
        candidate = (candidate / "index.html").resolve()
    if not candidate.is_relative_to(root):
        return None
    if candidate.is_file():
        return candidate
    if not segments or not PurePosixPath(segments[-1]).suffix:
        index = root / "index.html"
        return index if index.is_file() else None
    return None


def _content_type(response: func.HttpResponse) -> str:
    """Content-Type from mimetype and charset, with the charset only for text/* (as the
    Python worker writes it)."""
    mimetype = str(response.mimetype)
    return f"{mimetype}; charset={response.charset}" if mimetype.startswith("text/") else mimetype


def _has_body(status: int) -> bool:
    return status >= 200 and status not in (204, 304)


def _host_and_port(host: str, port: int) -> str:
    """An address as it goes in a URL or in X-Forwarded-For: `v4:port`, `[v6]:port`."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _target_fault(target: str) -> str | None:
    """Why a request target cannot be routed, or None.

    Functions get the decoded path and query: an incomplete percent escape, bytes that
    are not UTF-8 and control characters (a NUL, say) would reach them, and the database
    behind them, unchecked.
    """
    if not target.startswith("/"):
        return "The request target must be a path."
    if _BROKEN_PERCENT.search(target):
        return "The request target has an incomplete percent escape."
    try:
        decoded = unquote(target, errors="strict")
    except UnicodeDecodeError:
        return "The request target does not decode to UTF-8."
    if _CONTROL.search(decoded):
        return "The request target holds control characters."
    return None


def _header_fault(headers: Message, version: str) -> str | None:
    """Why a header section cannot be trusted, or None.

    http.server takes a line without a colon for the end of the headers (and what
    follows for the body), and keeps folded lines and control characters in values.
    Host must be there once in HTTP/1.1 and name a host (RFC 9112 §3.2): the URL a
    function sees is built from it.
    """
    if headers.defects:
        return "A header line is malformed."
    for name, value in headers.items():
        if not _TOKEN.fullmatch(name):
            return "A header name is malformed."
        if _CONTROL_IN_VALUE.search(value):
            return "A header value holds control characters or a folded line."
    hosts = headers.get_all("Host") or []
    if len(hosts) > 1 or (not hosts and version >= "HTTP/1.1"):
        return "Send one Host header."
    if hosts and hosts[0] and not _AUTHORITY.fullmatch(hosts[0]):
        return "The Host header does not name a host."
    return None


def _declared_length(headers: Message) -> int | None:
    """The body's Content-Length, 0 without one, or None for a chunked body.

    Raises a 400 problem for framing a server cannot rely on (RFC 9112 §6): a coding
    other than chunked, Transfer-Encoding together with Content-Length (the way to
    smuggle a request past a proxy), or a Content-Length that is not one decimal number.
    """
    codings = ", ".join(headers.get_all("Transfer-Encoding") or [])
    lengths = {
        value.strip()
        for field in headers.get_all("Content-Length") or []
        for value in field.split(",")
    }
    if codings:
        if codings.strip().lower() != "chunked":
            raise http_error(400, "Only the chunked transfer coding is understood.")
        if lengths:
            raise http_error(400, "Send Transfer-Encoding or Content-Length, not both.")
        return None
    if not lengths:
        return 0
    length = lengths.pop()
    if lengths or not _DECIMAL.fullmatch(length):
        raise http_error(400, "Content-Length must be one decimal number.")
    return int(length)


class _Server(ThreadingHTTPServer):
    """A thread per connection, a deep accept queue, and quiet about clients that leave."""

    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: Callable[..., _Handler]) -> None:
        # An IPv6 literal (`--host ::1`) needs an IPv6 socket.
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the browser went away (a cancelled fetch, a reload): nothing to do
        log.exception("error while serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP/1.1 requests into `DevHost.respond` calls and writes the answers."""

    protocol_version = "HTTP/1.1"  # keep-alive, as browsers expect of a dev server
    # TCP_NODELAY: headers and body go out in two writes, and with Nagle's algorithm the
    # second waits for the client's delayed ACK (about 40 ms on Linux) on small answers.
    disable_nagle_algorithm = True
    # A request line without a version (HTTP/0.9) gets a status line and headers too.
    default_request_version = "HTTP/1.0"
    server_version = "devhost"

    def __init__(self, *args: Any, devhost: DevHost, **kwargs: Any) -> None:
        self.devhost = devhost
        super().__init__(*args, **kwargs)

    def version_string(self) -> str:
        """The Server header: no Python version to tell an attacker what to try."""
        return self.server_version

    def parse_request(self) -> bool:
        """http.server's parsing, then a 400 for what it lets through unchecked."""
        if not super().parse_request():
            return False
        fault = _target_fault(self.path) or _header_fault(self.headers, self.request_version)
        if fault is not None:
            self._refuse(http_error(400, fault))
            return False
        return True

    def handle_expect_100(self) -> bool:
        """Hold back `100 Continue` until the body is known to be acceptable (`_read_body`),
        so a client waiting for it never sends a body that is refused."""
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (request line, header section, unknown method) as
        problems; its message, which may quote the request, goes to the log only."""
        self._refuse(http_error(code), message)

    def _refuse(self, problem: Problem, reason: str | None = None) -> None:
        """Answer without passing the request on, and close the connection: whatever the
        client sent after the refused part is unread, so it cannot carry another request."""
        self.log_message("refused with %d: %s", problem.status, reason or problem.detail)
        self.close_connection = True
        self._write(problem.to_response())

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except Problem as problem:
            self._refuse(problem)
            return
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        # As Azure's front end does, append the peer's address and port to X-Forwarded-For.
        peer = _host_and_port(*self.client_address[:2])
        forwarded = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{forwarded}, {peer}" if forwarded else peer
        authority = self.headers.get("Host") or _host_and_port(*self.connection.getsockname()[:2])
        response = self.devhost.respond(
            self.command, f"http://{authority}{self.path}", headers, body
        )
        self._write(response)

    # http.server calls do_<METHOD>; these go the same way (TRACE and QUERY only to
    # their refusal), and any other method is a 501.
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch  # noqa: N815
    do_TRACE = do_QUERY = _dispatch  # noqa: N815

    def _read_body(self) -> bytes:
        """The body, refused before it is read when it would pass the host's limit."""
        length = _declared_length(self.headers)
        limit = self.devhost.max_body_bytes
        if length is not None and length > limit:
            raise payload_too_large(limit)
        expects_continue = self.headers.get("Expect", "").lower() == "100-continue"
        if expects_continue and self.request_version >= "HTTP/1.1":
            self.send_response_only(HTTPStatus.CONTINUE)
            self.end_headers()
        if length is None:
            return self._read_chunked(limit)
        return self._read_exactly(length)

    def _read_chunked(self, limit: int) -> bytes:
        """A chunked body (RFC 9112 §7.1), refused as soon as it would pass `limit`."""
        body = bytearray()
        while size := self._read_chunk_size():
            if len(body) + size > limit:
                raise payload_too_large(limit)
            body += self._read_exactly(size)
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise http_error(400, "A chunk is longer than its size.")
        try:
            http.client.parse_headers(self.rfile)  # trailer fields, unused, bounded as headers
        except http.client.HTTPException:
            raise http_error(400, "The trailer fields are malformed or too large.") from None
        return bytes(body)

    def _read_chunk_size(self) -> int:
        line = self.rfile.readline(_MAX_CHUNK_LINE)
        if not line:
            raise ConnectionAbortedError("the client closed the connection mid-body")
        size = line.split(b";")[0].strip()
        if not line.endswith(b"\n") or not _HEX.fullmatch(size):
            raise http_error(400, "A chunk size is not a hexadecimal number.")
        return int(size, 16)

    def _read_exactly(self, size: int) -> bytes:
        data = self.rfile.read(size)
        if len(data) < size:  # never hand a function half a body
            raise ConnectionAbortedError("the client closed the connection mid-body")
        return data

    def _write(self, response: func.HttpResponse) -> None:
        status = int(response.status_code)
        body = response.get_body()
        self.send_response(status)
        has_content_type = False
        for name, value in response.headers.items():
            lower = name.lower()
            if lower in _FRAMING_HEADERS:
                continue
            has_content_type = has_content_type or lower == "content-type"
            self.send_header(name, value)
        if not has_content_type:
            self.send_header("Content-Type", _content_type(response))
        if _has_body(status):
            self.send_header("Content-Length", self._content_length(response, body))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if _has_body(status) and self.command != "HEAD":
            self.wfile.write(body)

    def _content_length(self, response: func.HttpResponse, body: bytes) -> str:
        """The body's length; for HEAD, the length a function says GET would send, if it
        says one (a HEAD answer has no body to measure)."""
        declared = response.headers.get("Content-Length")
        if self.command == "HEAD" and declared is not None and declared.isdigit():
            return str(declared)
        return str(len(body))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silent: the app's own HTTP wrapper logs each request."""

    def log_message(self, fmt: str, *args: Any) -> None:
        log.warning("%s: %s", self.address_string(), fmt % args)
