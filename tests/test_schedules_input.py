"""Bad input on every schedule endpoint: 400 validation_error, and nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import bad_input
from tests.accounts import Account, new_team
from tests.conftest import Host

TABLES = ["schedules", "schedule_revisions", "schedule_rows"]
ITEM = {"kind": "item", "title": "Schakt", "unit": "m3", "quantity": "1.5", "unit_price": "10.00"}

# Values a row must refuse, field by field.
BAD_VALUES: list[tuple[str, Any]] = [
    ("quantity", "1.2345"),  # 4 decimals
    ("quantity", "-1"),  # negative
    ("quantity", 12.5),  # a JSON number: may already be a float
    ("quantity", "abc"),
    ("quantity", "NaN"),
    ("quantity", "Infinity"),
    ("quantity", "1" * 16),  # too many digits
    ("unit_price", "9.999"),
    ("unit_price", "-5.00"),
    ("amount", "1.001"),
    ("unit", "furlong"),  # not in the units table
    ("title", "x" * 10_240),
    ("title", ""),
    ("kind", "chapter"),
    ("entry_rule", "free"),
    ("regulation", "X"),
    ("title", None),  # required fields cannot be nulled by an update
    ("entry_rule", None),
]


@dataclass
class Place:
    owner: Account
    schedules: str
    schedule: str
    row: str


@pytest.fixture(scope="module")
def place(host: Host) -> Iterator[Place]:
    with host.client() as client:
        team = new_team(host, client, "inputs")
        schedules = f"/api/projects/{team.project_id}/schedules"
        schedule_id = team.owner.browser.post(schedules, json={"name": "MF"}).json()["id"]
        schedule = f"{schedules}/{schedule_id}"
        row = team.owner.browser.post(f"{schedule}/rows", json=ITEM).json()["id"]
        yield Place(team.owner, schedules, schedule, f"{schedule}/rows/{row}")


def send(place: Place, method: str, path: str, body: Any) -> httpx.Response:
    headers = {"If-Match": '"1"'} if method == "PATCH" else {}
    return place.owner.browser.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("name", "value"), BAD_VALUES, ids=lambda v: str(v)[:20])
@pytest.mark.parametrize("where", ["create", "update", "batch create", "batch update"])
def test_bad_row_values(host: Host, place: Place, where: str, name: str, value: Any) -> None:
    row: dict[str, Any] = {**ITEM, name: value}
    if name == "amount":
        row = {"kind": "item", "title": "Klumpsumma", "entry_rule": "lump_sum", "amount": value}
    row_id = place.row.rsplit("/", 1)[1]
    method, path, body = {
        "create": ("POST", f"{place.schedule}/rows", row),
        "update": ("PATCH", place.row, {name: value}),
        "batch create": (
            "POST",
            f"{place.schedule}/rows/batch",
            {"operations": [{"op": "create", **ITEM}, {"op": "create", **row}]},
        ),
        "batch update": (
            "POST",
            f"{place.schedule}/rows/batch",
            {"operations": [{"op": "update", "id": row_id, "version": 1, name: value}]},
        ),
    }[where]
    before = bad_input.snapshot(host, TABLES)
    response = send(place, method, path, body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"
    assert bad_input.TEN_KB not in response.text
    assert bad_input.snapshot(host, TABLES) == before


@pytest.mark.parametrize(
    "row",
    [
        {"kind": "heading", "title": "Rubrik", "quantity": "1"},
        {"kind": "heading", "title": "Rubrik", "unit_price": "1.00"},
        {"kind": "heading", "title": "Rubrik", "unit": "m"},
        {"kind": "text", "title": "Text", "quantity": "1"},
        {"kind": "item", "title": "K", "entry_rule": "lump_sum", "quantity": "1", "amount": "5.00"},
        {"kind": "item", "title": "A", "entry_rule": "rate_only", "quantity": "1"},
        {"kind": "item", "title": "I", "entry_rule": "included_elsewhere", "unit_price": "1.00"},
        {"kind": "item", "title": "N", "amount": "5.00"},
    ],
)
def test_rows_that_break_the_rules_of_their_kind(host: Host, place: Place, row: Any) -> None:
    before = bad_input.snapshot(host, TABLES)
    response = send(place, "POST", f"{place.schedule}/rows", row)
    assert response.status_code == 400, response.text
    assert bad_input.snapshot(host, TABLES) == before


ENDPOINTS: list[tuple[str, str, dict[str, Any], frozenset[str]]] = [
    (
        "POST",
        "schedules",
        {"name": "MF", "doc_no": "10.01", "standard": "ama_hus", "currency": "SEK"},
        frozenset({"doc_no", "standard", "currency"}),
    ),
    ("PATCH", "schedule", {"name": "MF", "doc_no": "10.02"}, frozenset({"name", "doc_no"})),
    ("POST", "rows", ITEM, frozenset({"unit", "quantity", "unit_price"})),
    ("PATCH", "row", {"title": "T", "quantity": "2"}, frozenset({"title", "quantity"})),
    ("POST", "batch", {"operations": [{"op": "create", **ITEM}]}, frozenset()),
    ("POST", "revisions", {"label": "PM 1"}, frozenset()),
]


def cases() -> list[Any]:
    return [
        pytest.param(method, where, body, id=f"{method} {where}: {label}")
        for method, where, valid, optional in ENDPOINTS
        for label, body in bad_input.bad_bodies(valid, optional)
    ]


@pytest.mark.parametrize(("method", "where", "body"), cases())
def test_bad_bodies(host: Host, place: Place, method: str, where: str, body: Any) -> None:
    path = {
        "schedules": place.schedules,
        "schedule": place.schedule,
        "rows": f"{place.schedule}/rows",
        "row": place.row,
        "batch": f"{place.schedule}/rows/batch",
        "revisions": f"{place.schedule}/revisions",
    }[where]
    before = bad_input.snapshot(host, TABLES)
    response = send(place, method, path, body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"
    assert bad_input.snapshot(host, TABLES) == before


# Endpoints whose body is a file, not JSON: bad files, each answered without a write.
FILE_ENDPOINTS: list[tuple[str, str, list[tuple[str, bytes, int]]]] = [
    (
        "POST",
        "import",
        [
            ("empty", b"", 400),
            ("no header row", b"a;b\r\n1;2\r\n", 400),
            ("not text", b"\xff\xfe\x00\x01" * 64, 400),
            ("a bad quantity", "Kod;Benämning;Enhet;Mängd\r\nD;T;m3;1,2345\r\n".encode(), 200),
            ("a negative price", "Benämning;Enhet;Mängd;À-pris\r\nT;m3;1;-5\r\n".encode(), 200),
            ("an unknown unit", "Benämning;Enhet;Mängd\r\nT;furlong;1\r\n".encode(), 200),
            ("a 10 kB title", f"Benämning;Enhet\r\n{bad_input.TEN_KB};m\r\n".encode(), 200),
        ],
    ),
]


def file_cases() -> list[Any]:
    return [
        pytest.param(method, where, content, status, id=f"{method} {where}: {label}")
        for method, where, bad in FILE_ENDPOINTS
        for label, content, status in bad
    ]


@pytest.mark.parametrize(("method", "where", "content", "status"), file_cases())
def test_bad_files(
    host: Host, place: Place, method: str, where: str, content: bytes, status: int
) -> None:
    path = {"import": f"{place.schedule}/import?mode=append"}[where]
    before = bad_input.snapshot(host, TABLES)
    response = place.owner.browser.request(
        method, path, content=content, headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == status, response.text
    if status == 200:  # refused row by row: every bad row reported, nothing written
        assert response.json()["errors"], response.text
        assert bad_input.TEN_KB not in response.text
    else:
        assert response.json()["code"] == "validation_error"
    assert bad_input.snapshot(host, TABLES) == before


def test_every_schedule_endpoint_with_a_body_has_a_row(client: httpx.Client) -> None:
    document = client.get("/api/openapi.json").json()
    with_body = {
        (method.upper(), path.rsplit("/schedules", 1)[1])
        for path, operations in document["paths"].items()
        if "/schedules" in path
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    where = {
        "import": "/{schedule_id}/import",
        "schedules": "",
        "schedule": "/{schedule_id}",
        "rows": "/{schedule_id}/rows",
        "row": "/{schedule_id}/rows/{row_id}",
        "batch": "/{schedule_id}/rows/batch",
        "revisions": "/{schedule_id}/revisions",
    }
    rows = {(method, where[name]) for method, name, _, _ in ENDPOINTS}
    assert with_body == rows | {(method, where[name]) for method, name, _ in FILE_ENDPOINTS}


@pytest.mark.parametrize("field", ["name", "standard", "currency"])
def test_required_schedule_fields_cannot_be_nulled(host: Host, place: Place, field: str) -> None:
    before = bad_input.snapshot(host, TABLES)
    response = send(place, "PATCH", place.schedule, {field: None})
    assert response.status_code == 400, response.text
    assert bad_input.snapshot(host, TABLES) == before
