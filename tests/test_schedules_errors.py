"""A refused row edit names the field the client sent: the row's own field for one row,
`operations.{i}.field` and `operation_index` for a batch."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Host
from tests.test_schedules import Desk, new_desk


@pytest.fixture
def desk(host: Host, client: httpx.Client) -> Desk:
    return new_desk(host, client)


def test_a_single_row_patch_with_an_unknown_unit_names_unit(desk: Desk) -> None:
    row = desk.add(kind="item", title="Schakt", unit="m3")
    response = desk.owner.browser.patch(
        f"{desk.base}/rows/{row['id']}", json={"unit": "furlong"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert [error["field"] for error in body["errors"]] == ["unit"]
    assert "operation_index" not in body
    assert desk.rows()[0]["unit"] == "m3"


def test_a_single_row_post_under_an_item_names_parent_id(desk: Desk) -> None:
    item = desk.add(kind="item", title="Schakt", unit="m3")
    response = desk.owner.browser.post(
        f"{desk.base}/rows", json={"kind": "text", "title": "Under", "parent_id": item["id"]}
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert [error["field"] for error in body["errors"]] == ["parent_id"]
    assert "operation_index" not in body


def test_a_batch_with_an_unknown_unit_names_the_operation(desk: Desk) -> None:
    row = desk.add(kind="item", title="Schakt", unit="m3")
    update = {"op": "update", "id": row["id"], "version": row["version"], "unit": "furlong"}
    response = desk.batch([update])
    assert response.status_code == 400, response.text
    body = response.json()
    assert [error["field"] for error in body["errors"]] == ["operations.0.unit"]
    assert body["operation_index"] == 0
    assert desk.rows()[0]["unit"] == "m3"
