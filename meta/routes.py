import functools
import json

import azure.functions as func

from meta import service
from meta.schemas import Health
from shared import http
from shared.openapi import build_document
from shared.problems import unavailable

bp = http.Blueprint()

API_TITLE = "CASAI API"
API_VERSION = "1.0.0"


@bp.endpoint("GET", "health", response=Health)
def health(ctx: http.Context) -> Health:
    """Whether the app can read its database and its storage.

    Answers 503 `unavailable` with the same `checks`, naming the failing ones.
    """
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
    document = build_document(http.ENDPOINTS, title=API_TITLE, version=API_VERSION)
    return json.dumps(document, ensure_ascii=False)
