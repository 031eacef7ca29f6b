"""A small FunctionApp for the dev host tests, written the way the areas write theirs.

`build_app` makes a fresh app each time, because the dev host may enumerate an app's
functions only once. What the timer functions do is recorded in a `Calls` object the
tests can wait on.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter

import azure.functions as func

# Constraint kind → the parameter template behind /api/c/{kind}/.
CONSTRAINT_TEMPLATES = {
    "int": "{v:int}",
    "long": "{v:long}",
    "bool": "{v:bool}",
    "guid": "{v:guid}",
    "alpha": "{v:alpha}",
    "decimal": "{v:decimal}",
    "double": "{v:double}",
    "float": "{v:float}",
    "datetime": "{v:datetime}",
    "minlength": "{v:minlength(3)}",
    "maxlength": "{v:maxlength(3)}",
    "length": "{v:length(3)}",
    "lengthrange": "{v:length(2,4)}",
    "min": "{v:min(10)}",
    "max": "{v:max(10)}",
    "range": "{v:range(1,5)}",
    "regex": r"{v:regex(^[a-z]{{2}}\d$)}",
    "chained": "{v:int:min(1)}",
}


class Calls:
    """Counts of what the functions did, safe to wait on from another thread."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._changed = threading.Condition()

    def record(self, name: str) -> None:
        with self._changed:
            self._counts[name] += 1
            self._changed.notify_all()

    def count(self, name: str) -> int:
        with self._changed:
            return self._counts[name]

    def wait_for(self, name: str, count: int = 1, timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._counts[name] >= count, timeout)


def describe(req: func.HttpRequest) -> func.HttpResponse:
    """Everything the function saw of the request, as JSON."""
    seen = {
        "method": req.method,
        "url": req.url,
        "route_params": dict(req.route_params),
        "params": dict(req.params),
        "headers": dict(req.headers),
        "body": req.get_body().decode("utf-8", errors="replace"),
    }
    return func.HttpResponse(json.dumps(seen), mimetype="application/json")


def label(text: str) -> func.HttpResponse:
    return func.HttpResponse(text)


def build_app(calls: Calls) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="echo/{text}", methods=["GET", "POST"])
    def echo(req: func.HttpRequest) -> func.HttpResponse:
        return describe(req)

    for kind, template in CONSTRAINT_TEMPLATES.items():
        route = app.route(route=f"c/{kind}/{template}", methods=["GET"])
        app.function_name(name=f"constraint_{kind}")(route(describe))

    # Registered from least to most specific, so that order cannot be what decides.
    @app.route(route="spec/{*rest}", methods=["GET"])
    def spec_catch_all(req: func.HttpRequest) -> func.HttpResponse:
        return label("catch-all")

    @app.route(route="spec/{name}/{extra?}", methods=["GET"])
    def spec_optional(req: func.HttpRequest) -> func.HttpResponse:
        return label("optional")

    @app.route(route="spec/{name}", methods=["GET"])
    def spec_parameter(req: func.HttpRequest) -> func.HttpResponse:
        return label("parameter")

    @app.route(route="spec/{id:int}", methods=["GET"])
    def spec_constrained(req: func.HttpRequest) -> func.HttpResponse:
        return label("constrained")

    @app.route(route="spec/new", methods=["GET"])
    def spec_literal(req: func.HttpRequest) -> func.HttpResponse:
        return label("literal")

    @app.route(route="bymethod/{id:int}", methods=["GET"])
    def bymethod_get(req: func.HttpRequest) -> func.HttpResponse:
        return label("int-get")

    @app.route(route="bymethod/{name}", methods=["POST"])
    def bymethod_post(req: func.HttpRequest) -> func.HttpResponse:
        return label("name-post")

    @app.route(route="optional/{page?}", methods=["GET"])
    def optional(req: func.HttpRequest) -> func.HttpResponse:
        return describe(req)

    @app.route(route="defaults/{lang=sv}", methods=["GET"])
    def defaults(req: func.HttpRequest) -> func.HttpResponse:
        return describe(req)

    @app.route(route="files/{*path}", methods=["GET"])
    def files(req: func.HttpRequest) -> func.HttpResponse:
        return describe(req)

    @app.route(route="binary", methods=["POST"])
    def binary(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(req.get_body(), mimetype="application/octet-stream")

    @app.route(route="record", methods=["POST"])
    def record(req: func.HttpRequest) -> func.HttpResponse:
        calls.record("record")
        return func.HttpResponse(status_code=204)

    @app.route(route="cookies", methods=["GET"])
    def cookies(req: func.HttpRequest) -> func.HttpResponse:
        response = func.HttpResponse(status_code=204)
        response.headers.add("Set-Cookie", "first=1; Path=/")
        response.headers.add("Set-Cookie", "second=2; Path=/; HttpOnly")
        return response

    @app.route(route="text", methods=["GET"])
    def text(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("Mängd ✓")

    @app.route(route="custom-type", methods=["GET"])
    def custom_type(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(
            "{}", headers={"Content-Type": "application/vnd.casai+json"}, mimetype="text/plain"
        )

    # Every event loop this app's async function ran on, kept alive so that no two
    # of them can share an id (a freed loop's id may be reused by the next one).
    loops_seen: list[asyncio.AbstractEventLoop] = []

    @app.route(route="async", methods=["GET"])
    async def async_function(req: func.HttpRequest) -> func.HttpResponse:
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        if not any(seen is loop for seen in loops_seen):
            loops_seen.append(loop)
        return label(f"loops seen {len({id(seen) for seen in loops_seen})}")

    @app.route(route="boom", methods=["GET"])
    def boom(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError("the database password is hunter2")

    @app.route(route="only-post", methods=["POST"])
    def only_post(req: func.HttpRequest) -> func.HttpResponse:
        return label("posted")

    @app.route(route="with-head", methods=["GET", "HEAD"])
    def with_head(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("hello", headers={"X-Seen-Method": req.method})

    @app.route(route="anything")
    def anything(req: func.HttpRequest) -> func.HttpResponse:
        return label(req.method)

    @app.route(route="plain-string", methods=["GET"])
    def plain_string(req: func.HttpRequest) -> str:
        return "just text"

    bp = func.Blueprint(http_auth_level=func.AuthLevel.ANONYMOUS)  # type: ignore[no-untyped-call]

    @bp.route(route="bp/ping", methods=["GET"], trigger_arg_name="request")
    def blueprint_ping(request: func.HttpRequest) -> func.HttpResponse:
        return label("pong")

    app.register_functions(bp)

    @app.timer_trigger(schedule="*/1 * * * * *", arg_name="timer")
    def tick(timer: func.TimerRequest) -> None:
        calls.record("tick")

    @app.timer_trigger(schedule="*/1 * * * * *", arg_name="timer")
    def broken(timer: func.TimerRequest) -> None:
        calls.record("broken")
        raise RuntimeError("timer failure")

    @app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
    def on_start(timer: func.TimerRequest) -> None:
        calls.record("on_start")

    @app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="my_timer")
    async def async_timer(my_timer: func.TimerRequest) -> None:
        await asyncio.sleep(0)
        calls.record("async_timer" if not my_timer.past_due else "past_due")

    return app
