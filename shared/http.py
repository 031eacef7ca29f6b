"""The one way in for every HTTP function.

`Blueprint.endpoint(...)` registers a handler as its own HTTP-triggered function
and wraps it so that every request gets, in this order: a request id, the body
size limit, the query and JSON body parsed into pydantic models, a database
session committed only when the handler succeeds (then its audit events are
forwarded, see shared.audit), the mapping of `Problem` (and
of anything unexpected) to `application/problem+json`, the security headers and
one structured log line. A GET endpoint answers HEAD too, with the same status
and headers and no body. A handler takes a `Context` and returns a pydantic
model (sent as JSON with the endpoint's status), a `FileAnswer` (a download, in one
of the media types the endpoint `produces`), `None` (204) or a ready `func.HttpResponse`
(cookies). An endpoint that `accepts` raw bodies (a file upload) gets a `RawBody` as
`ctx.body` once its Content-Type is one of those media types (else 415).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func
from pydantic import BaseModel, ValidationError

from shared.client import Client
from shared.config import get_settings
from shared.forwarded import client_ip
from shared.outages import Dependency, down_dependency, outage_cause
from shared.problems import (
    SECURITY_HEADERS,
    Problem,
    ProblemCode,
    Refusals,
    internal_error,
    not_found,
    payload_too_large,
    unavailable,
    unsupported_media_type,
    validation_error,
)
from shared.schemas import field_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from shared.db import DatabaseActivity

log = logging.getLogger("casai.http")

JSON_MEDIA_TYPE = "application/json"
REQUEST_ID_HEADER = "X-Request-Id"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_JSON_CONTENT_TYPE = re.compile(r"^application/([a-z0-9.+-]+\+)?json$")
# json.loads recurses once per level of nesting; deeper bodies are refused before it runs.
MAX_JSON_DEPTH = 64
# A JSON string, escapes honoured; one left open runs to the end, so no input makes
# removing them quadratic.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_BRACKET_STEP = [1 if byte in b"[{" else -1 for byte in range(256)]  # only brackets are looked up

Handler = Callable[["Context"], "BaseModel | FileAnswer | func.HttpResponse | None"]
# A guard runs before the handler and raises a Problem to refuse the request
# (no session, CSRF, membership, permission, second factor); it may `ctx.establish` what it found.
Guard = Callable[["Context"], None]
Model = TypeVar("Model", bound=BaseModel)
Established = TypeVar("Established")
GuardT = TypeVar("GuardT", bound=Guard)


@dataclass(frozen=True)
class GuardContract:
    """What a guard tells the OpenAPI document (shared.openapi) about the requests it
    lets through and the refusals it answers.

    `session` is whether a signed-in session is needed or only read when present; a
    guard that reads a session also checks the CSRF header on unsafe methods (403
    `csrf_failed`), which the document adds by itself. `extensions` are the
    operation's `x-casai-*` members: the permission and the second-factor rule.
    """

    session: Literal["required", "optional"]
    refusals: Refusals
    extensions: Mapping[str, str] = field(default_factory=dict)


def declare_guard(contract: GuardContract) -> Callable[[GuardT], GuardT]:
    """Attach `contract` to a guard function (a guard object has a `contract` attribute)."""

    def declared(guard: GuardT) -> GuardT:
        guard.contract = contract  # type: ignore[attr-defined]
        return guard

    return declared


def guard_contract(guard: Guard) -> GuardContract:
    contract = getattr(guard, "contract", None)
    if not isinstance(contract, GuardContract):
        raise TypeError(f"guard {guard!r} declares no GuardContract")
    return contract


@dataclass(frozen=True)
class Endpoint:
    """What the OpenAPI document says about one registered function."""

    method: str
    route: str
    function_name: str
    summary: str
    description: str
    tag: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    max_body: int | None
    guard: Guard | None
    errors: Refusals = field(default_factory=dict)
    if_match: bool = False  # the handler needs If-Match: 428 without it, 412 when stale
    response_headers: tuple[str, ...] = ()  # names in shared.openapi.RESPONSE_HEADERS
    accepts: tuple[str, ...] = ()  # media types of a raw body (a file), instead of JSON
    produces: tuple[str, ...] = ()  # media types of a file answer, instead of JSON
    # A create's follow-ups, where they are not what its path shows: target operationId ->
    # the target's parameter that takes the created id (shared.openapi.links).
    links: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawBody:
    """A request's body as it came (a file), with the media type it was sent as."""

    content: bytes
    media_type: str


@dataclass(frozen=True)
class FileAnswer:
    """A file sent as the answer: its bytes, media type and headers (Content-Disposition)."""

    content: bytes
    media_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


# Filled as the area blueprints are imported; read by the OpenAPI document.
ENDPOINTS: list[Endpoint] = []


@dataclass
class Context:
    """Everything a handler needs about its request."""

    request: func.HttpRequest
    request_id: str
    route: Mapping[str, str]
    body: Any = None
    query: Any = None
    _established: dict[type, object] = field(default_factory=dict, repr=False)
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    _session: Session | None = field(default=None, repr=False)
    _after_response: list[Callable[[], object]] = field(default_factory=list, repr=False)
    problem: ProblemCode | None = None  # the code of the problem answered, for the log line

    def establish(self, found: object) -> None:
        """Keep what a guard found (a session, a project membership), one per type."""
        self._established[type(found)] = found

    def established(self, kind: type[Established]) -> Established:
        """What a guard established of `kind`; an endpoint without that guard is a bug."""
        found = self._established.get(kind)
        if not isinstance(found, kind):
            raise RuntimeError(f"no guard of this endpoint established a {kind.__name__}")
        return found

    @property
    def client(self) -> Client:
        """Where the request comes from, for services: address and User-Agent."""
        agent = (self.header("User-Agent") or "")[: Client.USER_AGENT_MAX] or None
        return Client(ip=self.client_ip, user_agent=agent)

    def after_response(self, work: Callable[[], object]) -> None:
        """Run `work` once the request committed and its answer is on its way.

        For work whose duration must not show in the answer (what it would tell an
        attacker). It runs in a thread of its own and may be lost with the instance,
        so it must be durable already (queued in the database) and also done by a timer.
        """
        self._after_response.append(work)

    @property
    def db(self) -> Session:
        """The request's database session, opened on first use, committed by the wrapper."""
        if self._session is None:
            from shared.db import connect, new_session

            self._session = new_session()
            connect(self._session)  # now, so that the wait for a connection is measured
        return self._session

    def route_id(self, name: str, missing: str = "Nothing here.") -> uuid.UUID:
        """The `{name:guid}` route value as a UUID.

        The guid constraint (like ASP.NET's) also admits the `{…}` and `(…)`
        spellings; a value uuid cannot read answers 404 with `missing`, as an
        unknown id does.
        """
        try:
            return uuid.UUID(self.route[name].removeprefix("(").removesuffix(")"))
        except ValueError:
            raise not_found(missing) from None

    def header(self, name: str) -> str | None:
        value: str | None = self.request.headers.get(name)
        return value

    @property
    def client_ip(self) -> str | None:
        """The caller's address as the trusted front end saw it, or None when unknown.

        The front end (Azure's, or the dev host) appends the peer address to
        X-Forwarded-For; only the entries our own proxies wrote are trusted
        (shared.forwarded), anything before them is the client's own claim.
        """
        settings = get_settings()
        if not settings.trust_forwarded_for:
            return None
        return client_ip(self.header("X-Forwarded-For"), settings.forwarded_for_proxies)


class Blueprint(func.Blueprint):
    def __init__(self) -> None:
        # Anonymous at the Functions level: access is decided per request by the app.
        super().__init__(http_auth_level=func.AuthLevel.ANONYMOUS)  # type: ignore[no-untyped-call]

    def endpoint(
        self,
        method: str,
        route: str,
        *,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        max_body: int | None = None,
        tag: str = "",
        guard: Guard | None = None,
        errors: Refusals | None = None,
        if_match: bool = False,
        response_headers: Sequence[str] = (),
        accepts: tuple[str, ...] = (),
        produces: tuple[str, ...] = (),
        links: Mapping[str, str] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register `handler` as the function answering `method` on `route` (under /api).

        `errors` are the refusals the handler itself answers (the wrapper's and the
        guard's are known already), `if_match` that it needs the header, and
        `response_headers` the headers its success sets, `links` a create's follow-ups
        where they are not what its path shows: all for the OpenAPI document.
        """
        if guard is not None:
            guard_contract(guard)  # every guard says what it refuses

        def register(handler: Handler) -> Handler:
            doc = (handler.__doc__ or "").strip()
            summary, _, description = doc.partition("\n")
            spec = Endpoint(
                method=method.upper(),
                route=route,
                function_name=handler.__name__,
                summary=summary.strip(),
                description=description.strip(),
                tag=tag or handler.__module__.split(".")[0],
                body=body,
                query=query,
                response=response,
                status=status,
                max_body=max_body,
                guard=guard,
                errors=dict(errors or {}),
                if_match=if_match,
                response_headers=tuple(response_headers),
                accepts=accepts,
                produces=produces,
                links=dict(links or {}),
            )
            ENDPOINTS.append(spec)
            function = _wrap(handler, spec)
            # One function for GET and HEAD: the Functions host routes only the methods listed.
            methods = [spec.method, "HEAD"] if spec.method == "GET" else [spec.method]
            self.function_name(name=spec.function_name)(
                self.route(route=route, methods=methods, auth_level=func.AuthLevel.ANONYMOUS)(
                    function
                )
            )
            return handler

        return register


def _wrap(handler: Handler, spec: Endpoint) -> Callable[[func.HttpRequest], func.HttpResponse]:
    # A plain function with the `req` parameter the Functions worker binds; not
    # functools.wraps, whose __wrapped__ would make the worker see the handler's signature.
    def function(req: func.HttpRequest) -> func.HttpResponse:
        return handle(req, handler, spec)

    function.__name__ = handler.__name__
    function.__qualname__ = handler.__qualname__
    function.__module__ = handler.__module__
    function.__doc__ = handler.__doc__
    return function


def handle(req: func.HttpRequest, handler: Handler, spec: Endpoint) -> func.HttpResponse:
    started = time.perf_counter()
    supplied_id = req.headers.get(REQUEST_ID_HEADER) or ""
    request_id = supplied_id if _CLIENT_REQUEST_ID.match(supplied_id) else uuid.uuid4().hex
    context = Context(request=req, request_id=request_id, route=dict(req.route_params))
    from shared.db import track_requests

    activity = track_requests()
    dependency: Dependency | None = None
    try:
        response = _answer(context, req, handler, spec)
    except Exception as exc:
        _rollback(context)
        dependency = down_dependency(exc)
        if dependency is None:
            log.exception("unhandled error in %s (request %s)", spec.function_name, request_id)
            context.problem = ProblemCode.INTERNAL_ERROR
            response = internal_error().to_response()
        else:
            log.warning(
                "%s unavailable in %s (request %s): %s",
                dependency,
                spec.function_name,
                request_id,
                outage_cause(exc),
            )
            context.problem = ProblemCode.UNAVAILABLE
            response = unavailable(
                f"The {dependency} is unavailable; try again shortly."
            ).to_response()
    finally:
        _close(context)
    # One look at the names present: a werkzeug lookup of a missing header raises and
    # catches inside, which was most of the wrapper's cost on a small answer.
    present = {name.lower() for name, _ in response.headers.items()}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            response.headers[name] = value
    response.headers[REQUEST_ID_HEADER] = request_id
    _log_request(req, spec, response.status_code, context, started, activity, dependency)
    if context._after_response and response.status_code < 400:
        threading.Thread(
            target=_run_after_response, args=(context._after_response, request_id), daemon=True
        ).start()
    if req.method == "HEAD":
        return _without_body(response)
    return response


def _answer(
    context: Context, req: func.HttpRequest, handler: Handler, spec: Endpoint
) -> func.HttpResponse:
    """The handler's answer, or the problem it or the parsing raised; writes committed."""
    try:
        _check_body_size(req, spec.max_body or get_settings().max_body_bytes)
        if spec.guard is not None:
            spec.guard(context)
        if spec.query is not None:
            context.query = parse_model(spec.query, _query_values(req), where="query")
        if spec.body is not None:
            context.body = parse_model(spec.body, _read_json(req), where="body")
        elif spec.accepts:
            context.body = _read_raw(req, spec.accepts)
        result = handler(context)
        _commit(context)
    except Problem as problem:
        if problem.keep_writes:
            _commit(context)  # the refusal itself is remembered (a failed try)
        else:
            _end_refused(context)
        context.problem = problem.code
        return problem.to_response()
    response = _render(result, spec.status)
    for name, value in context.response_headers:
        response.headers.add(name, value)
    return response


def _run_after_response(work: list[Callable[[], object]], request_id: str) -> None:
    for each in work:
        try:
            each()
        except Exception:  # a timer does the same work again; nothing is lost
            log.exception("work after request %s failed", request_id)


def _without_body(response: func.HttpResponse) -> func.HttpResponse:
    """The answer to HEAD: the status and headers GET would send, and no body."""
    head = func.HttpResponse(
        status_code=response.status_code, mimetype=response.mimetype, charset=response.charset
    )
    for name, value in response.headers.items():
        head.headers.add(name, value)
    body = response.get_body()
    if body:
        head.headers["Content-Length"] = str(len(body))  # what GET would send
    return head


def largest_body_limit() -> int:
    """The largest body any registered endpoint accepts: what a front end may let through.

    Each endpoint still refuses more than its own limit.
    """
    declared = [spec.max_body for spec in ENDPOINTS if spec.max_body is not None]
    return max([get_settings().max_body_bytes, *declared])


def _commit(context: Context) -> None:
    """Commit the request's writes, then forward the audit events they recorded."""
    if context._session is not None:
        from shared import audit

        context._session.commit()
        audit.forward_recorded(context._session)


def _end_refused(context: Context) -> None:
    """Undo a refused request's writes. A refusal that wrote nothing (a 412, a 404 of
    the gate) ends its transaction with COMMIT instead, which changes nothing either:
    psycopg answers every ROLLBACK by dropping the connection's prepared statements
    (DEALLOCATE ALL, then each statement parsed anew), which made every later request
    on that connection dearer."""
    from shared.db import wrote_nothing

    session = context._session
    if session is None or not wrote_nothing(session):
        _rollback(context)
        return
    try:
        session.commit()
    except Exception:  # nothing was to be kept: the refusal stands
        _rollback(context)


def _rollback(context: Context) -> None:
    if context._session is not None:
        with contextlib.suppress(Exception):  # a lost connection has nothing to roll back
            context._session.rollback()


def _close(context: Context) -> None:
    if context._session is not None:
        with contextlib.suppress(Exception):  # the pool discards a lost connection
            context._session.close()


def _check_body_size(req: func.HttpRequest, limit: int) -> None:
    declared = req.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise payload_too_large(limit)
    if len(req.get_body()) > limit:
        raise payload_too_large(limit)


def _query_values(req: func.HttpRequest) -> dict[str, str]:
    """The query parameters as the model reads them, a parameter sent empty included.

    The Functions host leaves `name=` out of `req.params`, which would read as a
    parameter not sent at all (`revision_id=` as the working revision); the URL still
    has it, so it is validated as the empty string it is, and refused where the model
    wants a value.
    """
    values = dict(req.params)
    for name, value in parse_qsl(urlsplit(req.url).query, keep_blank_values=True):
        if value == "":
            values.setdefault(name, "")
    return values


def _read_json(req: func.HttpRequest) -> Any:
    content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if not _JSON_CONTENT_TYPE.match(content_type):
        raise unsupported_media_type(JSON_MEDIA_TYPE)
    raw = req.get_body()
    if not raw.strip():
        raise validation_error("A JSON body is required.")
    too_deep = validation_error(f"The body is nested too deeply (at most {MAX_JSON_DEPTH}).")
    if json_depth_exceeds(raw, MAX_JSON_DEPTH):
        raise too_deep
    try:
        return json.loads(raw)
    except RecursionError:  # the scan above should have caught it; never a 500
        raise too_deep from None
    except (UnicodeDecodeError, ValueError):
        raise validation_error("The body is not valid JSON.") from None


def _read_raw(req: func.HttpRequest, accepted: tuple[str, ...]) -> RawBody:
    content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in accepted:
        raise unsupported_media_type(" or ".join(accepted))
    raw: bytes = req.get_body()
    if not raw:
        raise validation_error("A body is required.")
    return RawBody(raw, content_type)


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit`, found without recursion.

    Strings go first (a bracket inside one does not count), then the brackets left are
    counted up and down: linear passes at C speed. Unbalanced input may count wrongly,
    but json.loads then fails at the first stray bracket, before nesting any further.
    """
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0) > limit


def parse_model(model: type[Model], data: Any, *, where: str) -> Model:
    """Validate `data` into `model`, or raise a 400 naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(f"The {where} is not valid.", field_errors(exc, where)) from None


def json_response(
    data: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        data.model_dump_json(),
        status_code=status,
        headers=dict(headers or {}),
        mimetype=JSON_MEDIA_TYPE,
    )


def _render(
    result: BaseModel | FileAnswer | func.HttpResponse | None, status: int
) -> func.HttpResponse:
    if result is None:
        return func.HttpResponse(status_code=204)
    if isinstance(result, func.HttpResponse):
        return result
    if isinstance(result, FileAnswer):
        return func.HttpResponse(
            result.content,
            status_code=status,
            headers=dict(result.headers),
            mimetype=result.media_type,
        )
    return json_response(result, status)


def _log_request(
    req: func.HttpRequest,
    spec: Endpoint,
    status: int,
    context: Context,
    started: float,
    activity: DatabaseActivity,
    dependency: Dependency | None,
) -> None:
    line: dict[str, object] = {
        "event": "http_request",
        "request_id": context.request_id,
        "function": spec.function_name,
        "method": req.method,
        "route": spec.route,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "sql_statements": activity.statements,
        "pool_wait_ms": round(activity.pool_wait_ms, 1),
        "lock_wait_ms": round(activity.lock_wait_ms, 1),
    }
    if context.problem is not None:
        line["problem"] = str(context.problem)
    if dependency is not None:
        line["unavailable"] = str(dependency)
    log.info(json.dumps(line))
