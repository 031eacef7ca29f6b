"""Mängdförteckningar over HTTP: schedules, the row tree, totals and concurrent editing."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.accounts import Account, Browser, Team, join, new_team, signed_up, user_id
from tests.conftest import Host


@dataclass
class Desk:
    team: Team
    schedule_id: str

    @property
    def owner(self) -> Account:
        return self.team.owner

    @property
    def base(self) -> str:
        return f"/api/projects/{self.team.project_id}/schedules/{self.schedule_id}"

    def rows(self, account: Account | None = None) -> list[dict[str, Any]]:
        response = (account or self.owner).browser.get(f"{self.base}/rows")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def add(self, **row: Any) -> dict[str, Any]:
        response = self.owner.browser.post(f"{self.base}/rows", json=row)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        assert response.headers["etag"] == f'"{body["version"]}"'
        return body

    def batch(
        self, operations: list[dict[str, Any]], account: Account | None = None
    ) -> httpx.Response:
        return (account or self.owner).browser.post(
            f"{self.base}/rows/batch", json={"operations": operations}
        )

    def summary(self) -> dict[str, Any]:
        response = self.owner.browser.get(f"{self.base}/summary")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def new_desk(host: Host, client: httpx.Client) -> Desk:
    team = new_team(host, client, "estimator")
    created = team.owner.browser.post(
        f"/api/projects/{team.project_id}/schedules",
        json={"name": "Mängdförteckning Väg", "doc_no": "10.01", "standard": "ama_anlaggning"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["currency"] == "SEK"
    return Desk(team, created.json()["id"])


@pytest.fixture
def desk(host: Host, client: httpx.Client) -> Desk:
    return new_desk(host, client)


def titles(rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(row["depth"], row["title"]) for row in rows]


# --- the tree -------------------------------------------------------------------


def test_insert_after_first_child_move_and_delete_subtrees(desk: Desk) -> None:
    a = desk.add(kind="heading", code="D", title="Markarbeten")
    b = desk.add(kind="heading", code="E", title="Bitumenbundna lager")
    desk.add(kind="item", code="DCB.2", title="Schakt", parent_id=a["id"], unit="m3")
    desk.add(kind="item", code="DCB.1", title="Röjning", parent_id=a["id"], first=True, unit="m2")
    sub = desk.add(kind="heading", code="DC", title="Undergrund", after_id=a["id"])
    desk.add(kind="item", title="Fyllning", parent_id=sub["id"], unit="m3")
    assert titles(desk.rows()) == [
        (0, "Markarbeten"),
        (1, "Röjning"),
        (1, "Schakt"),
        (0, "Undergrund"),
        (1, "Fyllning"),
        (0, "Bitumenbundna lager"),
    ]
    moved = desk.batch(
        [{"op": "move", "id": sub["id"], "version": sub["version"], "parent_id": b["id"]}]
    )
    assert moved.status_code == 200, moved.text
    assert titles(desk.rows()) == [
        (0, "Markarbeten"),
        (1, "Röjning"),
        (1, "Schakt"),
        (0, "Bitumenbundna lager"),
        (1, "Undergrund"),
        (2, "Fyllning"),
    ]
    into_itself = desk.batch(
        [{"op": "move", "id": b["id"], "version": b["version"], "parent_id": sub["id"]}]
    )
    assert into_itself.status_code == 400
    gone = desk.owner.browser.delete(f"{desk.base}/rows/{b['id']}", headers={"If-Match": '"1"'})
    assert gone.status_code == 204
    assert titles(desk.rows()) == [(0, "Markarbeten"), (1, "Röjning"), (1, "Schakt")]
    assert_sibling_keys_ascend(desk.rows())


def test_moving_under_a_row_that_does_not_exist_is_404_and_changes_nothing(desk: Desk) -> None:
    heading = desk.add(kind="heading", title="Markarbeten")
    item = desk.add(kind="item", title="Schakt", parent_id=heading["id"])
    before = desk.rows()
    for place in ({"parent_id": str(uuid.uuid4())}, {"after_id": str(uuid.uuid4())}):
        move = {"op": "move", "id": item["id"], "version": item["version"], **place}
        response = desk.batch([move])
        assert response.status_code == 404, response.text
        assert response.json()["operation_index"] == 0
        assert desk.rows() == before


def test_rows_go_under_headings_only(desk: Desk) -> None:
    item = desk.add(kind="item", title="Schakt", unit="m3")
    response = desk.owner.browser.post(
        f"{desk.base}/rows", json={"kind": "item", "title": "Under", "parent_id": item["id"]}
    )
    assert response.status_code == 400


# --- amounts and totals -----------------------------------------------------------


def test_totals_of_a_hand_checked_example(desk: Desk) -> None:
    ops: list[dict[str, Any]] = []
    h1, h2, h21 = (str(uuid.uuid4()) for _ in range(3))
    ops.append(
        {"op": "create", "id": h1, "kind": "heading", "title": "Gata", "cost_bearer": "gata"}
    )
    ops.append({"op": "create", "id": h2, "kind": "heading", "title": "VA", "cost_bearer": "VA"})
    ops.append(
        {"op": "create", "id": h21, "kind": "heading", "title": "Ledningar", "parent_id": h2}
    )
    item = {"op": "create", "kind": "item", "unit": "m"}
    ops += [
        # 12.345 m × 99.99 = 1234.37655 → 1234.38 (half-up to öre)
        {**item, "parent_id": h1, "title": "Kantsten", "quantity": "12.345", "unit_price": "99.99"},
        # 0.005 × 1.00 = 0.005 → 0.01 (half-up, not banker's rounding)
        {**item, "parent_id": h1, "title": "Avrundning", "quantity": "0.005", "unit_price": "1.00"},
        # not priced: no amount, adds nothing, counted unpriced
        {**item, "parent_id": h1, "title": "Ej prissatt", "quantity": "10"},
        # included elsewhere (fyrstreckad): quantity only, neither priced nor unpriced
        {
            **item,
            "parent_id": h1,
            "title": "Ingår",
            "quantity": "5",
            "entry_rule": "included_elsewhere",
        },
        # lump sum: an amount only
        {
            "op": "create",
            "kind": "item",
            "parent_id": h21,
            "title": "Etablering",
            "entry_rule": "lump_sum",
            "amount": "15000.00",
        },
        # rate only: priced, but no amount
        {
            **item,
            "parent_id": h21,
            "title": "Á-pris",
            "entry_rule": "rate_only",
            "unit_price": "450.00",
        },
        # provisional: counts like normal; its own cost bearer
        {
            **item,
            "parent_id": h21,
            "title": "Reglerbar",
            "entry_rule": "provisional",
            "quantity": "3",
            "unit_price": "0.10",
            "cost_bearer": "el",
        },
        {"op": "create", "kind": "text", "parent_id": h21, "title": "Anmärkning"},
    ]
    assert desk.batch(ops).status_code == 200
    rows = {row["title"]: row for row in desk.rows()}
    assert rows["Kantsten"]["amount"] == "1234.38"
    assert rows["Kantsten"]["quantity"] == "12.345"
    assert rows["Avrundning"]["amount"] == "0.01"
    assert rows["Ej prissatt"]["amount"] is None
    assert rows["Ingår"]["amount"] is None
    assert rows["Etablering"]["amount"] == "15000.00"
    assert rows["Á-pris"]["amount"] is None
    assert rows["Reglerbar"]["amount"] == "0.30"
    assert rows["Gata"]["amount"] is None  # headings carry no amount of their own
    summary = desk.summary()
    assert summary["total"] == "16234.69"  # 1234.38 + 0.01 + 15000.00 + 0.30
    assert summary["priced_items"] == 5  # Kantsten, Avrundning, Etablering, Á-pris, Reglerbar
    assert summary["unpriced_items"] == 1
    headings = {h["title"]: h["total"] for h in summary["headings"]}
    assert headings == {"Gata": "1234.39", "VA": "15000.30", "Ledningar": "15000.30"}
    bearers = {b["cost_bearer"]: b["total"] for b in summary["cost_bearers"]}
    assert bearers == {"gata": "1234.39", "VA": "15000.00", "el": "0.30"}


def test_a_10000_row_schedule_sums_exactly(desk: Desk) -> None:
    ops = [
        {
            "op": "create",
            "kind": "item",
            "title": f"Rad {n}",
            "unit": "st",
            "quantity": f"{n % 997}.{n % 1000:03d}",
            "unit_price": f"{n % 89}.{n % 100:02d}",
        }
        for n in range(10_000)
    ]
    for start in range(0, len(ops), 5000):
        assert desk.batch(ops[start : start + 5000]).status_code == 200
    from decimal import ROUND_HALF_UP, Decimal

    expected = sum(
        (Decimal(op["quantity"]) * Decimal(op["unit_price"])).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        for op in ops
    )
    assert desk.summary()["total"] == f"{expected:.2f}"


# --- concurrency ----------------------------------------------------------------


def test_two_clients_editing_one_row(host: Host, client: httpx.Client, desk: Desk) -> None:
    editor = signed_up(host, client, "coeditor")
    join(host, desk.owner, desk.team.project_id, editor, desk.team.roles["editor"])
    row = desk.add(kind="item", title="Schakt", unit="m3", quantity="10")
    url = f"{desk.base}/rows/{row['id']}"
    etag = f'"{row["version"]}"'
    first = desk.owner.browser.patch(url, json={"quantity": "12"}, headers={"If-Match": etag})
    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    second = editor.browser.patch(url, json={"quantity": "99"}, headers={"If-Match": etag})
    assert second.status_code == 412
    assert second.json()["code"] == "precondition_failed"
    assert second.json()["current"]["quantity"] == "12.000"
    assert second.headers["etag"] == '"2"'
    [stored] = desk.rows(editor)
    assert stored["quantity"] == "12.000"
    missing = editor.browser.patch(url, json={"quantity": "99"})
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"


def test_two_clients_editing_different_rows(host: Host, client: httpx.Client, desk: Desk) -> None:
    editor = signed_up(host, client, "neighbour")
    join(host, desk.owner, desk.team.project_id, editor, desk.team.roles["editor"])
    one = desk.add(kind="item", title="Ett", unit="st", quantity="1")
    two = desk.add(kind="item", title="Två", unit="st", quantity="2")
    a = desk.owner.browser.patch(
        f"{desk.base}/rows/{one['id']}", json={"quantity": "11"}, headers={"If-Match": '"1"'}
    )
    b = editor.browser.patch(
        f"{desk.base}/rows/{two['id']}", json={"quantity": "22"}, headers={"If-Match": '"1"'}
    )
    assert a.status_code == b.status_code == 200
    assert [row["quantity"] for row in desk.rows()] == ["11.000", "22.000"]


def test_a_stale_batch_operation_fails_the_batch(desk: Desk) -> None:
    row = desk.add(kind="item", title="Schakt", unit="m3")
    renamed = desk.owner.browser.patch(
        f"{desk.base}/rows/{row['id']}",
        json={"title": "Schakt för väg"},
        headers={"If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    before = desk.rows()
    stale = desk.batch(
        [
            {"op": "create", "kind": "item", "title": "Ny rad", "unit": "m"},  # valid alone
            {"op": "update", "id": row["id"], "version": 1, "title": "Gammal"},
        ]
    )
    assert stale.status_code == 412
    assert stale.json()["operation_index"] == 1
    after = desk.rows()
    assert after == before  # the valid create did not land either
    assert [r["title"] for r in after] == ["Schakt för väg"]


def test_schedule_etag(desk: Desk) -> None:
    current = desk.owner.browser.get(desk.base)
    assert current.headers["etag"] == '"1"'
    renamed = desk.owner.browser.patch(desk.base, json={"name": "Ny"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200
    assert renamed.headers["etag"] == '"2"'
    stale = desk.owner.browser.delete(desk.base, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current"]["name"] == "Ny"
    assert desk.owner.browser.delete(desk.base).status_code == 428
    assert desk.owner.browser.delete(desk.base, headers={"If-Match": '"2"'}).status_code == 204
    assert desk.owner.browser.get(desk.base).status_code == 404


# --- batches --------------------------------------------------------------------


def test_an_invalid_300th_operation_changes_nothing(host: Host, desk: Desk) -> None:
    desk.add(kind="heading", title="Befintlig")
    ops: list[dict[str, Any]] = [
        {"op": "create", "kind": "item", "title": f"Rad {n}", "unit": "m"} for n in range(299)
    ]
    ops.append({"op": "create", "kind": "item", "title": "Fel", "unit": "furlong"})
    ops += [{"op": "create", "kind": "item", "title": "Efter", "unit": "m"}]
    before = host.query("SELECT COUNT(*) FROM schedule_rows")
    response = desk.batch(ops)
    assert response.status_code == 400
    body = response.json()
    assert body["operation_index"] == 299
    assert body["errors"][0]["field"] == "operations.299.unit"
    assert host.query("SELECT COUNT(*) FROM schedule_rows") == before
    assert titles(desk.rows()) == [(0, "Befintlig")]


def test_an_invalid_operation_by_schema_names_its_index(desk: Desk) -> None:
    ops: list[dict[str, Any]] = [
        {"op": "create", "kind": "item", "title": f"Rad {n}"} for n in range(300)
    ]
    ops[299]["quantity"] = "1.2345"
    response = desk.batch(ops)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("operations.299.")
    assert desk.rows() == []


def test_a_batch_can_build_a_tree_with_its_own_ids(desk: Desk) -> None:
    heading = str(uuid.uuid4())
    response = desk.batch(
        [
            {"op": "create", "id": heading, "kind": "heading", "title": "Rubrik"},
            {"op": "create", "kind": "item", "title": "Rad", "parent_id": heading, "unit": "st"},
        ]
    )
    assert response.status_code == 200
    assert response.json()["created"] == 2
    assert titles(desk.rows()) == [(0, "Rubrik"), (1, "Rad")]


def test_more_than_5000_operations_are_refused(desk: Desk) -> None:
    ops = [{"op": "create", "kind": "text", "title": "x"}] * 5001
    assert desk.batch(ops).status_code == 400


# --- reads are cheap ------------------------------------------------------------


def statements_of(host: Host, request_id: str) -> int:
    for line in host.log().splitlines():
        if f'"{request_id}"' in line and '"http_request"' in line:
            return int(json.loads(line[line.index("{") :])["sql_statements"])
    raise AssertionError(f"no log line for {request_id}")


def test_reading_10_and_2000_rows_takes_the_same_statements(
    host: Host, client: httpx.Client
) -> None:
    counts = []
    for size in (10, 2000):
        desk = new_desk(host, client)
        assert (
            desk.batch(
                [
                    {"op": "create", "kind": "item", "title": f"R{n}", "unit": "st"}
                    for n in range(size)
                ]
            ).status_code
            == 200
        )
        request_id = f"rows-{size}-{uuid.uuid4().hex[:8]}"
        response = desk.owner.browser.get(f"{desk.base}/rows", headers={"X-Request-Id": request_id})
        assert len(response.json()["items"]) == size
        counts.append(statements_of(host, request_id))
    assert counts[0] == counts[1]
    assert counts[0] <= 10


def test_an_edit_takes_six_statements_and_a_stale_one_three(
    host: Host, client: httpx.Client
) -> None:
    """The gate reads the session, its account and the membership in one statement, the
    schedule with its working revision in one, the row with its headings in one; then the
    revision's change number for the change feed (quantities.changes), the UPDATE and the
    audit event. A stale If-Match stops after the reads, takes no change number and
    changes nothing."""
    desk = new_desk(host, client)
    heading = desk.add(kind="heading", title="Rubrik")
    row = desk.add(kind="item", title="Rad", unit="st", parent_id=heading["id"])
    counts = []
    for version, expected in ((row["version"], 200), (row["version"], 412)):
        request_id = f"patch-{expected}-{uuid.uuid4().hex[:8]}"
        response = desk.owner.browser.patch(
            f"{desk.base}/rows/{row['id']}",
            json={"quantity": "2.5"},
            headers={"If-Match": f'"{version}"', "X-Request-Id": request_id},
        )
        assert response.status_code == expected, response.text
        answered = response.json() if expected == 200 else response.json()["current"]
        assert (answered["depth"], answered["quantity"]) == (1, "2.500")
        counts.append(statements_of(host, request_id))
    assert counts == [6, 3]  # 5 before the change feed's number (UPDATE … RETURNING)
    assert [r["quantity"] for r in desk.rows() if r["id"] == row["id"]] == ["2.500"]


# --- the gate -------------------------------------------------------------------


def test_a_viewer_reads_but_cannot_edit(host: Host, client: httpx.Client, desk: Desk) -> None:
    viewer = signed_up(host, client, "reader")
    join(host, desk.owner, desk.team.project_id, viewer, desk.team.roles["viewer"])
    desk.add(kind="heading", title="Rubrik")
    assert len(desk.rows(viewer)) == 1
    refused = viewer.browser.post(f"{desk.base}/rows", json={"kind": "text", "title": "x"})
    assert refused.status_code == 403
    outsider = signed_up(host, client, "outsider")
    assert outsider.browser.get(f"{desk.base}/rows").status_code == 404


def test_a_schedule_of_another_project_is_not_found(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    other = new_desk(host, client)
    wrong = f"/api/projects/{desk.team.project_id}/schedules/{other.schedule_id}"
    assert desk.owner.browser.get(wrong).status_code == 404


def test_simultaneous_edits_of_one_row_let_exactly_one_through(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    row = desk.add(kind="item", title="Schakt", unit="m3", quantity="1")
    url = f"{desk.base}/rows/{row['id']}"

    def edit(n: int) -> int:
        with host.client() as own:
            browser = Browser(own, cookie=desk.owner.browser.cookie, csrf=desk.owner.browser.csrf)
            response = browser.patch(url, json={"quantity": f"{n}"}, headers={"If-Match": '"1"'})
            return response.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(edit, range(2, 8)))
    assert statuses == [200, 412, 412, 412, 412, 412]
    [stored] = desk.rows()
    assert stored["version"] == 2


def test_simultaneous_batches_on_one_schedule_all_land_in_order(host: Host, desk: Desk) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def add_rows(n: int) -> int:
        with host.client() as own:
            browser = Browser(own, cookie=desk.owner.browser.cookie, csrf=desk.owner.browser.csrf)
            ops = [{"op": "create", "kind": "text", "title": f"{n}-{i}"} for i in range(50)]
            return browser.post(f"{desk.base}/rows/batch", json={"operations": ops}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(add_rows, range(4))) == [200] * 4
    rows = desk.rows()
    assert len(rows) == 200
    assert_sibling_keys_ascend(rows)  # no position taken twice
    batches = [row["title"].split("-")[0] for row in rows]
    assert batches == sorted(batches, key=batches.index)  # each batch's rows together
    assert all(
        row["title"] == f"{n}-{i % 50}"
        for i, (row, n) in enumerate(zip(rows, batches, strict=True))
    )


def assert_sibling_keys_ascend(rows: list[dict[str, Any]]) -> None:
    """Rows come in tree order; under each parent their positions (order keys) ascend."""
    last: dict[str | None, int] = {}
    for row in rows:
        parent = row["parent_id"]
        assert row["position"] > last.get(parent, -(2**53)), row
        assert abs(row["position"]) < 2**53  # exact as a JavaScript number
        last[parent] = row["position"]


def test_schedule_changes_are_in_the_project_audit(desk: Desk) -> None:
    heading = desk.add(kind="heading", title="Markarbeten")
    desk.batch(
        [
            {"op": "create", "kind": "item", "title": "Schakt", "parent_id": heading["id"]},
            {"op": "update", "id": heading["id"], "version": 1, "title": "Mark"},
        ]
    )
    audit = desk.owner.browser.get(f"/api/projects/{desk.team.project_id}/audit").json()
    events = [e for e in audit["items"] if e["target"] == desk.schedule_id]
    assert [e["action"] for e in events] == ["rows_changed", "rows_changed", "schedule_created"]
    batch, single, created = events
    assert batch["details"]["created"] == 1
    assert batch["details"]["updated"] == 1
    assert heading["id"] in batch["details"]["row_ids"]
    assert single["details"]["created"] == 1
    assert single["details"]["row_ids"] == heading["id"]
    assert created["details"]["name"] == "Mängdförteckning Väg"
    assert {e["actor_id"] for e in events} == {user_id(desk.owner)}
