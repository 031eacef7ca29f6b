"""OpenAPI 3.1 description built from the registered endpoints and their models."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.http import Endpoint
from shared.problems import ProblemCode

_PARAMETER = re.compile(r"\{\*{0,2}(?P<name>\w+)(?P<constraints>(:[^}=?]+)*)\??(=[^}]*)?\}")
_CONSTRAINT_SCHEMAS: dict[str, dict[str, str]] = {
    "guid": {"type": "string", "format": "uuid"},
    "int": {"type": "integer"},
    "long": {"type": "integer"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
}

# A file in a raw body or a download: bytes, whatever its media type.
FILE_SCHEMA: dict[str, Any] = {"type": "string", "contentMediaType": "application/octet-stream"}

# (model, mode) -> {"$ref": ...} for each model an endpoint takes or returns
_Refs = dict[tuple[type[BaseModel], JsonSchemaMode], dict[str, Any]]

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {
            "type": "string",
            "enum": [code.value for code in ProblemCode],
            "description": "Stable machine-readable error code.",
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        # The optional members some problems carry, as the server sends them.
        "attempts_left": {"type": "integer", "description": "invalid_code: guesses left."},
        "current": {"type": "object", "description": "precondition_failed: the current row."},
        "operation_index": {"type": "integer", "description": "The failing batch operation."},
        "checks": {"type": "object", "description": "unavailable (health): each check's state."},
    },
}


def build_document(endpoints: Iterable[Endpoint], *, title: str, version: str) -> dict[str, Any]:
    endpoints = list(endpoints)
    schemas, refs = _component_schemas(endpoints)
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        path, parameters = _openapi_path(endpoint.route)
        paths.setdefault(path, {})[endpoint.method.lower()] = _operation(endpoint, parameters, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/api"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "__Host-casai_session",
                    "description": "Unsafe methods also need the X-CSRF-Token header.",
                }
            },
        },
    }


def _component_schemas(
    endpoints: list[Endpoint],
) -> tuple[dict[str, Any], _Refs]:
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for endpoint in endpoints:
        if endpoint.body is not None:
            wanted[(endpoint.body, "validation")] = None
        if endpoint.response is not None:
            wanted[(endpoint.response, "serialization")] = None
    if not wanted:
        return {}, {}
    refs, definitions = models_json_schema(
        list(wanted), ref_template="#/components/schemas/{model}"
    )
    return dict(definitions.get("$defs", {})), cast(_Refs, refs)


def _openapi_path(route: str) -> tuple[str, list[dict[str, Any]]]:
    parameters = []
    for match in _PARAMETER.finditer(route):
        kinds = [c.split("(")[0] for c in match.group("constraints").split(":") if c]
        schema = next(
            (_CONSTRAINT_SCHEMAS[k] for k in kinds if k in _CONSTRAINT_SCHEMAS),
            {"type": "string"},
        )
        parameters.append(
            {"name": match.group("name"), "in": "path", "required": True, "schema": schema}
        )
    path = _PARAMETER.sub(lambda m: "{" + m.group("name") + "}", route)
    return "/" + path, parameters


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": property_schema}
        for name, property_schema in schema.get("properties", {}).items()
    ]


def _operation(
    endpoint: Endpoint,
    parameters: list[dict[str, Any]],
    refs: _Refs,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.function_name,
        "tags": [endpoint.tag],
        "summary": endpoint.summary,
    }
    if endpoint.description:
        operation["description"] = endpoint.description
    if endpoint.guard is not None:
        optional = getattr(endpoint.guard, "session_optional", False)
        operation["security"] = [{}, {"session": []}] if optional else [{"session": []}]
        permission = getattr(endpoint.guard, "permission", None)
        if permission:
            operation["x-permission"] = permission
            needs = f"Needs the project permission `{permission}`."
            operation["description"] = f"{operation.get('description', '')}\n\n{needs}".strip()
    if endpoint.query is not None:
        parameters = parameters + _query_parameters(endpoint.query)
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(endpoint.body, "validation")]}},
        }
    elif endpoint.accepts:
        operation["requestBody"] = {
            "required": True,
            "content": {media: {"schema": FILE_SCHEMA} for media in endpoint.accepts},
        }
    success: dict[str, Any] = {"description": "Success"}
    if endpoint.produces:
        success["content"] = {media: {"schema": FILE_SCHEMA} for media in endpoint.produces}
    elif endpoint.response is not None:
        success["content"] = {
            "application/json": {"schema": refs[(endpoint.response, "serialization")]}
        }
    problem = {"$ref": "#/components/schemas/Problem"}
    operation["responses"] = {
        str(endpoint.status): success,
        "default": {
            "description": "A problem (RFC 9457) with a stable `code`",
            "content": {"application/problem+json": {"schema": problem}},
        },
    }
    return operation
