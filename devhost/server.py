"""Serve a `func.FunctionApp` over HTTP and run its timers, standing in for Core Tools.

The host mirrors what the Functions host and Python worker do, so code that works here
works in Azure: routes are ASP.NET templates under the host.json prefix, the user
function gets a `func.HttpRequest` under its trigger's argument name and returns a
`func.HttpResponse`, `async def` functions run on one long-lived event loop, and a
method a function does not list is refused (no implicit HEAD or OPTIONS). Requests
that reach no function, and failures inside one, answer with the API's problem
documents. Files of the web app are served at `/` with a single-page-app fallback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import os
import sys
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func
from azure.functions.decorators.http import HttpTrigger
from azure.functions.decorators.timer import TimerTrigger
from azure.functions.timer import TimerRequest

from devhost.ncrontab import next_fire
from devhost.routing import Match, MethodNotAllowed, Router, split_path
from shared.problems import internal_error, method_not_allowed, not_found

log = logging.getLogger(__name__)

# The server frames the body itself; these from a function would contradict it.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})

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


class DevHost:
    """The functions of one `FunctionApp`, answerable over HTTP and on their schedules.

    `app.get_functions()` may run only once per app object, so build one DevHost per app.
    """

    def __init__(
        self,
        app: func.FunctionApp,
        route_prefix: str = "api",
        static_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self._router: Router[_Function] = Router(route_prefix)
        self._static_root = Path(static_dir).resolve() if static_dir is not None else None
        self._timers: dict[str, _Timer] = {}
        self._loop = _EventLoop()
        self._servers: list[ThreadingHTTPServer] = []
        self._servers_lock = threading.Lock()
        self._stop_timers = threading.Event()
        self._timer_thread: threading.Thread | None = None
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
        result = function.call(**{function.argument: argument})
        if asyncio.iscoroutine(result):
            return self._loop.run(result)
        return result

    def _static(self, root: Path, path: str, method: str) -> func.HttpResponse:
        if method not in ("GET", "HEAD"):
            return method_not_allowed(["GET", "HEAD"]).to_response()
        file = _static_file(root, path)
        if file is None:
            return not_found().to_response()
        mimetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return func.HttpResponse(
            file.read_bytes(), mimetype=mimetype, headers={"Cache-Control": "no-cache"}
        )

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
        base_url = f"http://{host}:{server.server_port}"
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


class _Server(ThreadingHTTPServer):
    """A thread per connection, a deep accept queue, and quiet about clients that leave."""

    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the browser went away (a cancelled fetch, a reload): nothing to do
        log.exception("error while serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP/1.1 requests into `DevHost.respond` calls and writes the answers."""

    protocol_version = "HTTP/1.1"  # keep-alive, as browsers expect of a dev server
    server_version = "devhost"

    def __init__(self, *args: Any, devhost: DevHost, **kwargs: Any) -> None:
        self.devhost = devhost
        super().__init__(*args, **kwargs)

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "Bad request body framing")
            return
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        # As Azure's front end does, append the peer's address to X-Forwarded-For.
        peer = str(self.client_address[0])
        forwarded = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{forwarded}, {peer}" if forwarded else peer
        host, port = self.connection.getsockname()[:2]
        authority = self.headers.get("Host") or f"{host}:{port}"
        response = self.devhost.respond(
            self.command, f"http://{authority}{self.path}", headers, body
        )
        self._write(response)

    # http.server calls do_<METHOD>; every method goes the same way.
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch  # noqa: N815

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self._read_exactly(length)

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self._read_exactly(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailer fields, unused
        return b"".join(chunks)

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
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if _has_body(status) and self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silent: the app's own HTTP wrapper logs each request."""

    def log_message(self, fmt: str, *args: Any) -> None:
        log.warning("%s: %s", self.address_string(), fmt % args)
