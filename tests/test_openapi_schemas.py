"""The request schemas of the document say what the request models enforce: each rule
checked on the document, and the schema's answer compared with the model's on values at
both sides of it."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from shared.schemas import CLEAN_MULTILINE_PATTERN, CLEAN_TEXT_PATTERN, Patch, refused_character
from tests.test_openapi_examples import document, endpoints, schema_errors
from tests.test_schedules import Desk, desk

__all__ = ["desk"]  # the fixture, used by name

# Keywords pydantic writes for its own constraints that no JSON Schema validator knows.
PYDANTIC_ONLY = {"ge", "le", "gt", "lt", "max_digits", "decimal_places", "multiple_of"}


def bodies() -> list[type[BaseModel]]:
    return sorted({e.body for e in endpoints() if e.body is not None}, key=lambda m: m.__name__)


def component(model: type[BaseModel]) -> dict[str, Any]:
    found: dict[str, Any] = document()["components"]["schemas"][model.__name__]
    return found


def walk(schema: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(schema, dict):
        found.append(schema)
        for value in schema.values():
            found.extend(walk(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(walk(value))
    return found


def test_no_keyword_of_the_document_is_pydantic_s_own() -> None:
    used = {key for schema in walk(document()) for key in schema if key in PYDANTIC_ONLY}
    # "ge" and the like would be property names only inside "properties"; none is one.
    assert used == set()


@pytest.mark.parametrize("model", bodies(), ids=lambda m: m.__name__)
def test_every_free_text_field_carries_the_clean_text_pattern(model: type[BaseModel]) -> None:
    for name, schema in component(model).get("properties", {}).items():
        for text in walk(schema):
            if text.get("type") == "string":
                bound = {"enum", "const", "format", "pattern"} & set(text)
                assert bound, f"{model.__name__}.{name}: free text without a pattern"


@pytest.mark.parametrize("model", bodies(), ids=lambda m: m.__name__)
def test_not_null_fields_are_not_nullable_and_patches_name_a_field(
    model: type[BaseModel],
) -> None:
    schema = component(model)
    for name in getattr(model, "not_null", ()):
        assert {"type": "null"} not in walk(schema["properties"][name]), f"{name} nullable"
        with pytest.raises(ValidationError):
            model.model_validate({name: None})
    if issubclass(model, Patch):
        assert schema["minProperties"] == 1
        with pytest.raises(ValidationError):
            model.model_validate({})


def ecma(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)  # the \\uXXXX escapes read the same in Python's re


@pytest.mark.parametrize("multiline", [False, True])
def test_the_clean_text_pattern_refuses_exactly_what_the_check_refuses(multiline: bool) -> None:
    pattern = ecma(CLEAN_MULTILINE_PATTERN if multiline else CLEAN_TEXT_PATTERN)
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        if 0xD800 <= point <= 0xDFFF:
            continue  # a JSON body cannot carry a lone surrogate; the pattern leaves them out
        refused = refused_character(char, multiline=multiline) is not None
        assert (pattern.fullmatch(char) is None) == refused, f"U+{point:04X}"


NEW_ROW = "#/components/schemas/RowCreate"


@pytest.mark.parametrize(
    "row",
    [
        {"kind": "heading", "title": "Mark", "quantity": "1"},
        {"kind": "text", "title": "Not", "entry_rule": "lump_sum"},
        {"kind": "item", "title": "Schakt", "amount": "10.00"},
        {"kind": "item", "title": "Schakt", "entry_rule": "lump_sum", "quantity": "2"},
        {"kind": "item", "title": "Schakt", "entry_rule": "rate_only", "quantity": "2"},
        {"kind": "item", "title": "Schakt", "entry_rule": "included_elsewhere", "unit_price": "1"},
    ],
)
def test_a_new_row_the_document_refuses_is_one_the_server_refuses(
    host_client: Callable[[dict[str, Any]], httpx.Response], row: dict[str, Any]
) -> None:
    assert schema_errors(row, NEW_ROW)
    answer = host_client(row)
    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize(
    "row",
    [
        {"kind": "heading", "title": "Mark"},
        {"kind": "item", "title": "Klump", "entry_rule": "lump_sum", "amount": "1250.00"},
        {"kind": "item", "title": "Takt", "entry_rule": "rate_only", "unit_price": "85.50"},
        {"kind": "item", "title": "Ingår", "entry_rule": "included_elsewhere", "quantity": "3"},
        {"kind": "item", "title": "Schakt", "unit": "m3", "quantity": "120", "unit_price": "1"},
    ],
)
def test_a_new_row_the_document_takes_is_one_the_server_takes(
    host_client: Callable[[dict[str, Any]], httpx.Response], row: dict[str, Any]
) -> None:
    assert schema_errors(row, NEW_ROW) == []
    answer = host_client(row)
    assert answer.status_code == 201, answer.text


@pytest.fixture
def host_client(desk: Desk) -> Callable[[dict[str, Any]], httpx.Response]:
    """POST a row to a schedule of the desk's owner; the answer."""

    def post(row: dict[str, Any]) -> httpx.Response:
        return desk.owner.browser.post(f"{desk.base}/rows", json=row)

    return post
