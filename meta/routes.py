import functools
import json
import logging

import azure.functions as func

from meta.schemas import Health
from shared import housekeeping, http
from shared.problems import unavailable

# Each handler imports the service it calls (and with it the ORM and the tables): a
# cold start registers every function without loading them (bench/bench_cold_start.py).
bp = http.Blueprint()
log = logging.getLogger("casai.audit")

API_TITLE = "CASAI API"
API_VERSION = "1.0.0"


@bp.endpoint("GET", "health", response=Health)
def health(ctx: http.Context) -> Health:
    """Whether the app can read its database and its storage.

    Answers 503 `unavailable` with the same `checks`, naming the failing ones.
    """
    from meta import service

    result = service.health()
    if result.status != "ok":
        failing = [name for name, state in result.checks if state != "ok"]
        raise unavailable(f"Failing: {', '.join(failing)}.", checks=result.checks.model_dump())
    return result


@bp.endpoint("GET", "openapi.json")
def openapi(ctx: http.Context) -> func.HttpResponse:
    """This document: the OpenAPI 3.1 description of every endpoint."""
    return func.HttpResponse(_document(), mimetype="application/json")


@functools.cache
def _document() -> str:
    """Built once per process: the endpoints are all registered at import."""
    from shared.openapi import build_document

    document = build_document(http.ENDPOINTS, title=API_TITLE, version=API_VERSION)
    return json.dumps(document, ensure_ascii=False)


@bp.timer_trigger(schedule="15 * * * * *", arg_name="timer", run_on_startup=False)
def forward_audit_events(timer: func.TimerRequest) -> None:
    """Every minute, when this instance could not forward an event: try again.

    The database is touched only then (housekeeping.ON_DEMAND), so it can still pause.
    """
    from shared import audit

    if audit.left_behind_here():
        _forward_audit_outbox()


@bp.timer_trigger(schedule=housekeeping.DAILY, arg_name="timer", run_on_startup=False)
def sweep_audit_outbox(timer: func.TimerRequest) -> None:
    """Daily (shared.housekeeping): forward every event still in the outbox."""
    housekeeping.run(_forward_audit_outbox, "sweep_audit_outbox")


def _forward_audit_outbox() -> None:
    from shared import audit, db

    with db.new_session() as session:
        forwarded = audit.forward_left_behind(session)
    if forwarded:
        log.info("audit: forwarded %d event(s) left in the outbox", forwarded)
