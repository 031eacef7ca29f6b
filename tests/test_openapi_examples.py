"""The OpenAPI document's examples and links: every JSON request body has examples that
the model and the document's schema both accept, and every create's answer links to
what can follow on what it made (shared.openapi.links)."""

from __future__ import annotations

import functools
import re
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the venv
from openapi_spec_validator import validate

from shared import http
from shared.openapi import build_document, is_create

_PARAMETER = re.compile(r"\{\*{0,2}(\w+)[^}]*\}")


@functools.cache
def endpoints() -> tuple[http.Endpoint, ...]:
    if not http.ENDPOINTS:
        import function_app  # noqa: F401 (registers the endpoints)
    return tuple(http.ENDPOINTS)


@functools.cache
def document() -> dict[str, Any]:
    return build_document(endpoints(), title="CASAI", version="test")


def path_of(endpoint: http.Endpoint) -> str:
    return "/" + _PARAMETER.sub(r"{\1}", endpoint.route)


def operation(endpoint: http.Endpoint) -> dict[str, Any]:
    found: dict[str, Any] = document()["paths"][path_of(endpoint)][endpoint.method.lower()]
    return found


def schema_errors(instance: Any, ref: str) -> list[str]:
    """What the document's schema at `ref` finds wrong with `instance` ($refs resolved
    in the document, formats checked)."""
    schema = {"$ref": ref, "components": document()["components"]}
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)
    ]


def test_the_document_is_valid_openapi() -> None:
    validate(document())


def test_every_json_body_has_examples_the_model_and_the_document_accept() -> None:
    checked = 0
    for endpoint in endpoints():
        if endpoint.body is None:
            continue
        where = f"{endpoint.function_name} ({endpoint.body.__name__})"
        ref = operation(endpoint)["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = document()["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        examples = component.get("examples")
        assert examples, f"{where}: no examples"
        for example in examples:
            endpoint.body.model_validate(example)  # raises, naming the field
            assert not schema_errors(example, ref), f"{where}: {schema_errors(example, ref)}"
        checked += 1
    assert checked > 30


def test_every_example_in_the_components_fits_its_schema() -> None:
    """Also those a body model's parts carry (the batch operations), and those a model
    inherits from its base."""
    for name, component in document()["components"]["schemas"].items():
        for example in component.get("examples", []):
            errors = schema_errors(example, f"#/components/schemas/{name}")
            assert not errors, f"{name}: {errors}"


def _parameters(target: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for parameter in target.get("parameters", []):
        found.setdefault(parameter["in"], set()).add(parameter["name"])
    return found


def test_every_create_links_to_operations_that_exist_with_their_path_parameters() -> None:
    by_id = {
        item["operationId"]: item
        for path_item in document()["paths"].values()
        for item in path_item.values()
    }
    creates = [endpoint for endpoint in endpoints() if is_create(endpoint)]
    assert len(creates) >= 7
    for create in creates:
        source = _parameters(operation(create)).get("path", set())
        found = operation(create)["responses"][str(create.status)].get("links")
        assert found, f"{create.function_name}: no links"
        for name, link in found.items():
            where = f"{create.function_name} -> {name}"
            assert link["operationId"] == name, where
            assert name in by_id, f"{where}: no such operation"
            target = _parameters(by_id[name])
            mapped: dict[str, set[str]] = {}
            for key, expression in link["parameters"].items():
                location, _, parameter = key.rpartition(".")
                mapped.setdefault(location or "path", set()).add(parameter)
                request = expression.removeprefix("$request.path.")
                if request != expression:
                    assert request in source, f"{where}: {expression}"
                else:
                    assert expression in ("$response.body#/id", "$response.header.ETag"), where
            assert mapped.pop("path", set()) == target.get("path", set()), where
            for location, names in mapped.items():
                assert names <= target.get(location, set()), f"{where}: {location} {names}"
            assert list(link["parameters"].values()).count("$response.body#/id") == 1, where


def test_links_follow_the_created_resource_and_stop_at_ids_no_answer_gives() -> None:
    def targets(create: str) -> set[str]:
        endpoint = next(e for e in endpoints() if e.function_name == create)
        return set(operation(endpoint)["responses"]["201"]["links"])

    assert {"get_org", "rename_org", "list_roles", "create_role"} <= targets("create_org")
    assert "set_org_role" not in targets("create_org")  # needs a user_id
    assert {"get_schedule", "update_schedule", "create_row", "issue_revision"} <= targets(
        "create_schedule"
    )
    assert not targets("create_schedule") & {"update_row", "get_project", "list_schedules"}
    assert targets("create_row") == {"update_row", "delete_row"}
    assert targets("issue_revision") == {"list_rows", "compare_revisions", "export_schedule"}
    assert targets("start_upload") == {"complete_upload"}  # declared: pending until then
    update = next(e for e in endpoints() if e.function_name == "create_schedule")
    link = operation(update)["responses"]["201"]["links"]["update_schedule"]
    assert link["parameters"]["header.If-Match"] == "$response.header.ETag"
