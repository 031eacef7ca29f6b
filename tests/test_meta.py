"""Meta endpoints of the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import re

import httpx
from azure.functions.decorators.http import HttpTrigger
from openapi_spec_validator import validate

from projects.permissions import PERMISSIONS


def test_health_reads_database_and_storage(client: httpx.Client) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "storage": "ok"}}


def test_units_are_seeded_with_both_languages_and_unece_codes(client: httpx.Client) -> None:
    response = client.get("/api/units")
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    units = {unit["code"]: unit for unit in body["items"]}
    for code in ("st", "m", "m2", "m3", "kg", "ton", "tim", "lm", "sats"):
        assert code in units
    assert units["m2"] == {
        "code": "m2",
        "symbol": "m²",
        "name_sv": "kvadratmeter",
        "name_en": "square metre",
        "unece_code": "MTK",
    }
    assert units["lm"]["name_sv"] == "löpmeter"
    assert units["st"]["unece_code"] == "H87"


def test_permissions_catalogue(client: httpx.Client) -> None:
    response = client.get("/api/permissions")
    assert response.status_code == 200
    body = response.json()
    assert [entry["key"] for entry in body] == list(PERMISSIONS)
    assert len(body) == 15
    assert all(entry["description"] and entry["description_sv"] for entry in body)


@functools.cache
def registered_operations() -> set[tuple[str, str]]:
    """(method, path) of every HTTP function but HEAD, which every GET function answers
    and the document leaves out; get_functions() may run once per app."""
    import function_app

    triggers = [f.get_trigger() for f in function_app.app.get_functions()]
    return {
        (method.value, "/" + re.sub(r"\{\**(\w+)[^}]*\}", r"{\1}", trigger.route or ""))
        for trigger in triggers
        if isinstance(trigger, HttpTrigger)
        for method in trigger.methods or []
        if method.value != "HEAD"
    }


def test_openapi_document_is_valid_and_lists_every_function(client: httpx.Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    served = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert served == registered_operations()
    units = document["paths"]["/units"]["get"]
    schema_ref = units["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert schema_ref.rsplit("/", 1)[1] in document["components"]["schemas"]


def test_unknown_api_path_is_a_404_problem(client: httpx.Client) -> None:
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_a_405_problem_with_allow(client: httpx.Client) -> None:
    response = client.delete("/api/units")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json()["code"] == "method_not_allowed"
