"""OpenAPI 3.1 description built from the registered endpoints and their models."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.http import Endpoint, guard_contract
from shared.problems import FieldProblem, ProblemCode, Refusals, merged_refusals
from shared.schemas import CLEAN_TEXT_PATTERN, free_text_schemas

_PARAMETER = re.compile(r"\{\*{0,2}(?P<name>\w+)(?P<constraints>(:[^}=?]+)*)\??(=[^}]*)?\}")
_CONSTRAINT_SCHEMAS: dict[str, dict[str, str]] = {
    "guid": {"type": "string", "format": "uuid"},
    "int": {"type": "integer"},
    "long": {"type": "integer"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
}

# A file in a download: bytes, whatever its media type; in a request, never empty.
FILE_SCHEMA: dict[str, Any] = {"type": "string", "contentMediaType": "application/octet-stream"}
UPLOAD_SCHEMA: dict[str, Any] = {**FILE_SCHEMA, "minLength": 1}

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
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string", "description": "Where: a dotted path."},
                    "code": {
                        "type": "string",
                        "enum": [problem.value for problem in FieldProblem],
                        "description": "Why, stable: for a message in the user's language.",
                    },
                    "message": {"type": "string", "description": "Why, in English."},
                    "limit": {
                        "type": "string",
                        "description": "The limit a too_short, too_long, too_small or "
                        "too_large value broke.",
                    },
                },
            },
        },
        # The optional members some problems carry, as the server sends them.
        "attempts_left": {"type": "integer", "description": "invalid_code: guesses left."},
        "current": {"type": "object", "description": "precondition_failed: the current row."},
        "operation_index": {"type": "integer", "description": "The failing batch operation."},
        "checks": {"type": "object", "description": "unavailable (health): each check's state."},
        "project_id": {"type": "string", "description": "conflict: the project concerned."},
        "project_name": {"type": "string"},
        "org_id": {"type": "string", "description": "conflict: the organisation concerned."},
        "org_name": {"type": "string"},
    },
}


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The response headers an endpoint may declare it sets (Endpoint.response_headers).
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The version of what was answered; send it back in If-Match.",
        "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
    },
    "Set-Cookie": {
        "description": "The session cookie (`__Host-casai_session`, HttpOnly, Secure, "
        "SameSite=Lax), set or cleared; on sign-in also the trusted-device cookie.",
        "schema": {"type": "string"},
    },
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 1},
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "The ETag last read (`*` for any version): 412 with the current "
    "version when it is stale, 428 when missing or empty.",
    "schema": {"type": "string", "minLength": 1},
}
# Refusals the one wrapper (shared.http) answers for every endpoint, and for those with
# a query, a body or an id in the path; and the host's own 400 for a request it cannot
# read (a request target with control characters, broken framing: devhost.server).
_ALWAYS: Refusals = {
    400: [ProblemCode.BAD_REQUEST],
    413: [ProblemCode.PAYLOAD_TOO_LARGE],
    503: [ProblemCode.UNAVAILABLE],
}
_WITH_QUERY: Refusals = {400: [ProblemCode.VALIDATION_ERROR]}
_WITH_BODY: Refusals = {
    400: [ProblemCode.VALIDATION_ERROR],
    415: [ProblemCode.UNSUPPORTED_MEDIA_TYPE],
}
_WITH_IF_MATCH: Refusals = {
    412: [ProblemCode.PRECONDITION_FAILED],
    428: [ProblemCode.PRECONDITION_REQUIRED],
}
_WITH_CSRF: Refusals = {403: [ProblemCode.CSRF_FAILED]}


def refusals(endpoint: Endpoint) -> dict[int, list[ProblemCode]]:
    """Every status `endpoint` can answer other than success, with its problem codes:
    the wrapper's, the guard's and the handler's own."""
    parts: list[Refusals] = [_ALWAYS, endpoint.errors]
    if endpoint.query is not None:
        parts.append(_WITH_QUERY)
    if endpoint.body is not None or endpoint.accepts:
        parts.append(_WITH_BODY)
    if endpoint.if_match:
        parts.append(_WITH_IF_MATCH)
    if endpoint.guard is not None:
        parts.append(guard_contract(endpoint.guard).refusals)
        if endpoint.method in UNSAFE_METHODS:
            parts.append(_WITH_CSRF)
    return merged_refusals(*parts)


def build_document(endpoints: Iterable[Endpoint], *, title: str, version: str) -> dict[str, Any]:
    endpoints = list(endpoints)
    schemas, refs = _component_schemas(endpoints)
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        path, parameters = _openapi_path(endpoint.route)
        paths.setdefault(path, {})[endpoint.method.lower()] = _operation(endpoint, parameters, refs)
    created = links(endpoints)
    for endpoint in endpoints:
        if endpoint.function_name in created:
            path, _ = _openapi_path(endpoint.route)
            answer = paths[path][endpoint.method.lower()]["responses"][str(endpoint.status)]
            answer["links"] = created[endpoint.function_name]
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
                    "description": "The session cookie sign-in sets.",
                },
                "csrf": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-CSRF-Token",
                    "description": "The session's CSRF token (`csrf_token` of GET /me and "
                    "of sign-in), on every POST, PUT, PATCH and DELETE with a session.",
                },
            },
        },
    }


def is_create(endpoint: Endpoint) -> bool:
    """A POST answering 201 with what it made, which has an `id`."""
    return (
        endpoint.method == "POST"
        and endpoint.status == 201
        and endpoint.response is not None
        and "id" in endpoint.response.model_fields
    )


def links(endpoints: Iterable[Endpoint]) -> dict[str, dict[str, Any]]:
    """By the create's operationId, the OpenAPI links of its 201 answer to what can follow
    on what it made, each named by the target's operationId, so that a client (or a
    stateful fuzzer) can chain them.

    The created resource's path is the create's path and one more segment, a path
    parameter (POST `projects/{project_id}/schedules` makes
    `projects/{project_id}/schedules/{schedule_id}`). Its follow-ups are the operations on
    that path and on the paths below it (`.../{schedule_id}/rows`), but not those with
    another path parameter, which neither the create's request nor its answer gives
    (`.../rows/{row_id}`). The new parameter takes `$response.body#/id`, the
    others `$request.path.<name>`; where the create sends an ETag and the follow-up on
    the resource itself needs If-Match, `header.If-Match` takes `$response.header.ETag`.

    Where that is not right, the create declares its follow-ups instead (`Endpoint.links`):
    each target operationId with its parameter that takes the id, `query.<name>` for one
    in the query (an issued revision's rows), the target's path parameters as above (a
    pending upload can only be completed, not read or deleted).
    """
    endpoints = list(endpoints)
    by_id = {endpoint.function_name: endpoint for endpoint in endpoints}
    found: dict[str, dict[str, Any]] = {}
    for create in filter(is_create, endpoints):
        if create.links:
            targets = [(by_id[name], parameter) for name, parameter in create.links.items()]
        else:
            targets = _follow_ups(create, endpoints)
        create_path, _ = _openapi_path(create.route)
        created = {}
        for target, parameter in targets:
            path, parameters = _openapi_path(target.route)
            mapping = {p["name"]: f"$request.path.{p['name']}" for p in parameters}
            mapping[parameter] = "$response.body#/id"
            itself = path == f"{create_path}/{{{parameter}}}"
            if itself and target.if_match and "ETag" in create.response_headers:
                mapping["header.If-Match"] = "$response.header.ETag"
            created[target.function_name] = {
                "operationId": target.function_name,
                "parameters": mapping,
                "description": f"{target.method} on what was created: {target.summary}",
            }
        if created:
            found[create.function_name] = dict(sorted(created.items()))
    return found


def _follow_ups(create: Endpoint, endpoints: list[Endpoint]) -> list[tuple[Endpoint, str]]:
    """The operations on what `create` makes and below it, by its path (`links`), each
    with the path parameter that takes the created id."""
    create_path, create_parameters = _openapi_path(create.route)
    given = {parameter["name"] for parameter in create_parameters}
    found = []
    for target in endpoints:
        path, parameters = _openapi_path(target.route)
        below = path.removeprefix(create_path + "/{")
        if below == path:
            continue
        new, _, rest = below.partition("}")
        names = {parameter["name"] for parameter in parameters}
        if (not rest or rest.startswith("/")) and new not in given and names - given == {new}:
            found.append((target, new))
    return found


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
    """The model's fields as query parameters. Free text carries the pattern of clean
    text: the host refuses a request target with control characters (400 bad_request)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    parameters = []
    for name, property_schema in schema.get("properties", {}).items():
        for text in free_text_schemas(property_schema):
            text["pattern"] = CLEAN_TEXT_PATTERN
        parameters.append(
            {"name": name, "in": "query", "required": name in required, "schema": property_schema}
        )
    return parameters


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
        contract = guard_contract(endpoint.guard)
        needed: dict[str, list[str]] = {"session": []}
        if endpoint.method in UNSAFE_METHODS:
            needed["csrf"] = []
        optional = contract.session == "optional"
        operation["security"] = [{}, needed] if optional else [needed]
        operation.update(contract.extensions)
        permission = contract.extensions.get("x-casai-permission")
        if permission:
            needs = f"Needs the project permission `{permission}`."
            operation["description"] = f"{operation.get('description', '')}\n\n{needs}".strip()
    else:
        operation["security"] = []
    if endpoint.if_match:
        parameters = [*parameters, IF_MATCH]
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
            "content": {media: {"schema": UPLOAD_SCHEMA} for media in endpoint.accepts},
        }
    success: dict[str, Any] = {"description": "Success"}
    if endpoint.produces:
        success["content"] = {media: {"schema": FILE_SCHEMA} for media in endpoint.produces}
    elif endpoint.response is not None:
        success["content"] = {
            "application/json": {"schema": refs[(endpoint.response, "serialization")]}
        }
    if endpoint.response_headers:
        success["headers"] = {name: RESPONSE_HEADERS[name] for name in endpoint.response_headers}
    responses: dict[str, Any] = {str(endpoint.status): success}
    for status, codes in refusals(endpoint).items():
        responses[str(status)] = _problem_response(status, codes)
    operation["responses"] = responses
    return operation


PROBLEM_REF = "#/components/schemas/Problem"


def _problem_response(status: int, codes: list[ProblemCode]) -> dict[str, Any]:
    listed = ", ".join(f"`{code}`" for code in codes)
    response: dict[str, Any] = {
        "description": f"A problem (RFC 9457): {listed}",
        "content": {
            "application/problem+json": {
                "schema": {
                    "allOf": [
                        {"$ref": PROBLEM_REF},
                        {"properties": {"code": {"enum": [code.value for code in codes]}}},
                    ]
                }
            }
        },
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": RETRY_AFTER}
    return response
