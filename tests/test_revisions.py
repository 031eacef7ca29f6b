"""Issued revisions over HTTP: freezing the working revision under a label, listing and
comparing them."""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.accounts import Browser, user_id
from tests.conftest import Host, create_storage_resources
from tests.test_outages import OwnStorage, host_of_its_own, own_database, own_storage
from tests.test_project_security import gated_member
from tests.test_schedules import Desk, desk, new_desk
from tests.test_schedules_adversarial import same_answer

__all__ = ["desk", "own_database", "own_storage"]  # the fixtures, used by name


def issue(desk: Desk, label: str) -> httpx.Response:
    return desk.owner.browser.post(f"{desk.base}/revisions", json={"label": label})


def test_issue_copies_the_rows_and_leaves_the_working_revision_editable(desk: Desk) -> None:
    heading = desk.add(kind="heading", code="D", title="Markarbeten")
    item = desk.add(
        kind="item",
        title="Schakt",
        unit="m3",
        quantity="10",
        unit_price="12.50",
        parent_id=heading["id"],
    )
    working = desk.rows()
    issued = issue(desk, "  PM 1 ")
    assert issued.status_code == 201, issued.text
    revision = issued.json()
    assert revision["label"] == "PM 1"
    assert revision["row_count"] == 2
    assert revision["total"] == "125.00"
    assert revision["issued_by"] == user_id(desk.owner)

    frozen = desk.owner.browser.get(f"{desk.base}/rows", params={"revision_id": revision["id"]})
    assert frozen.status_code == 200, frozen.text
    copies = frozen.json()["items"]
    assert [r["stable_key"] for r in copies] == [r["stable_key"] for r in working]
    assert {r["id"] for r in copies}.isdisjoint(r["id"] for r in working)
    assert copies[1]["parent_id"] == copies[0]["id"]

    edited = desk.owner.browser.patch(
        f"{desk.base}/rows/{item['id']}", json={"quantity": "20"}, headers={"If-Match": '"1"'}
    )
    assert edited.status_code == 200, edited.text
    assert desk.summary()["total"] == "250.00"
    again = desk.owner.browser.get(f"{desk.base}/summary", params={"revision_id": revision["id"]})
    assert again.json()["total"] == "125.00"

    listed = desk.owner.browser.get(f"{desk.base}/revisions")
    assert listed.status_code == 200, listed.text
    assert listed.json()["next_cursor"] is None
    assert [(r["label"], r["row_count"], r["total"]) for r in listed.json()["items"]] == [
        ("PM 1", 2, "125.00")
    ]


def test_labels_are_unique_per_schedule_and_checked(desk: Desk) -> None:
    assert issue(desk, "FU").status_code == 201
    duplicate = issue(desk, "FU")
    assert duplicate.status_code == 409, duplicate.text
    assert duplicate.json()["code"] == "conflict"
    for bad in ["", "   ", "x" * 41, "Rev\x07A"]:
        assert issue(desk, bad).status_code == 400, bad
    assert issue(desk, "Rev A").status_code == 201


def test_simultaneous_issues_of_one_label_let_exactly_one_through(host: Host, desk: Desk) -> None:
    desk.add(kind="text", title="Allmänt")

    def attempt(_: int) -> int:
        with host.client() as own:
            browser = Browser(own, cookie=desk.owner.browser.cookie, csrf=desk.owner.browser.csrf)
            response = browser.post(f"{desk.base}/revisions", json={"label": "PM 1"})
            return response.status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(attempt, range(4))) == [201, 409, 409, 409]
    listed = desk.owner.browser.get(f"{desk.base}/revisions").json()["items"]
    assert [r["label"] for r in listed] == ["PM 1"]


def test_another_projects_revision_reads_like_an_unknown_one(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    other = new_desk(host, client)
    foreign = other.owner.browser.post(f"{other.base}/revisions", json={"label": "FU"}).json()
    rows = f"{desk.base}/rows?revision_id="
    unknown = "00000000-0000-4000-8000-000000000000"
    answer = same_answer(desk.owner, "GET", rows + foreign["id"], rows + unknown)
    assert answer.status_code == 404


def test_an_issued_revisions_rows_refuse_every_edit(desk: Desk) -> None:
    desk.add(kind="item", title="Schakt", unit="m3", quantity="10", unit_price="12.50")
    revision = issue(desk, "FU").json()
    frozen_rows = f"{desk.base}/rows"
    [row] = desk.owner.browser.get(frozen_rows, params={"revision_id": revision["id"]}).json()[
        "items"
    ]
    url = f"{desk.base}/rows/{row['id']}"
    match = {"If-Match": '"1"'}
    attempts = [
        desk.owner.browser.patch(url, json={"quantity": "20"}, headers=match),
        desk.owner.browser.delete(url, headers=match),
        desk.batch([{"op": "update", "id": row["id"], "version": 1, "title": "Fyllning"}]),
        desk.batch([{"op": "delete", "id": row["id"], "version": 1}]),
        desk.batch([{"op": "move", "id": row["id"], "version": 1, "first": True}]),
    ]
    for response in attempts:
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "conflict"
    after = desk.owner.browser.get(frozen_rows, params={"revision_id": revision["id"]}).json()
    assert after["items"] == [row]
    listed = desk.owner.browser.get(f"{desk.base}/revisions").json()["items"]
    assert [(r["row_count"], r["total"]) for r in listed] == [(1, "125.00")]


def test_a_session_without_the_second_factor_is_refused_where_the_project_asks_for_it(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    member = gated_member(host, client, desk.team)
    for response in [
        member.browser.get(f"{desk.base}/revisions"),
        member.browser.post(f"{desk.base}/revisions", json={"label": "FU"}),
        member.browser.get(f"{desk.base}/compare", params={"from": "working", "to": "working"}),
    ]:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "mfa_required"


def compare(desk: Desk, old: str, new: str) -> httpx.Response:
    return desk.owner.browser.get(f"{desk.base}/compare", params={"from": old, "to": new})


def keys(rows: list[dict[str, Any]]) -> list[str]:
    return [r["stable_key"] for r in rows]


def test_compare_shows_exactly_the_edits_made_since_the_revision(desk: Desk) -> None:
    a = desk.add(kind="heading", code="D", title="Markarbeten")
    a1 = desk.add(
        kind="item", title="Schakt", unit="m3", quantity="10", unit_price="12.50", parent_id=a["id"]
    )
    a2 = desk.add(
        kind="item", title="Fyll", unit="m3", quantity="2", unit_price="100", parent_id=a["id"]
    )
    b = desk.add(kind="heading", code="E", title="Ledningar")
    b1 = desk.add(
        kind="item", title="Rör", unit="m", quantity="1", unit_price="50", parent_id=b["id"]
    )
    revision = issue(desk, "PM 1").json()
    assert compare(desk, revision["id"], "working").json()["changed"] == []

    match = {"If-Match": '"1"'}
    edited = desk.owner.browser.patch(
        f"{desk.base}/rows/{a1['id']}", json={"quantity": "20"}, headers=match
    )
    assert edited.status_code == 200, edited.text
    a3 = desk.add(
        kind="item", title="Packning", unit="m2", quantity="1", unit_price="10", parent_id=a["id"]
    )
    assert (
        desk.owner.browser.delete(f"{desk.base}/rows/{b1['id']}", headers=match).status_code == 204
    )
    moved = desk.batch([{"op": "move", "id": a2["id"], "version": 1, "parent_id": b["id"]}])
    assert moved.status_code == 200, moved.text

    answer = compare(desk, revision["id"], "working")
    assert answer.status_code == 200, answer.text
    diff = answer.json()
    assert keys(diff["added"]) == [a3["stable_key"]]
    assert keys(diff["removed"]) == [b1["stable_key"]]
    assert keys(diff["moved"]) == [a2["stable_key"]]  # the insert beside a1 moved nothing
    assert [(c["stable_key"], c["changes"]) for c in diff["changed"]] == [
        (a1["stable_key"], [{"field": "quantity", "old": "10.000", "new": "20.000"}])
    ]
    assert diff["total"] == {"old": "375.00", "new": "460.00", "difference": "85.00"}
    assert [
        (h["code"], h["old"], h["new"], h["difference"], h["subtree_changed"])
        for h in diff["top_headings"]
    ] == [("D", "325.00", "260.00", "-65.00", True), ("E", "50.00", "200.00", "150.00", True)]
    assert sorted(diff["marked_headings"]) == sorted([a["stable_key"], b["stable_key"]])

    backwards = compare(desk, "working", revision["id"]).json()
    assert keys(backwards["added"]) == [b1["stable_key"]]
    assert keys(backwards["removed"]) == [a3["stable_key"]]
    assert backwards["total"]["difference"] == "-85.00"
    same = compare(desk, "working", "working").json()
    assert (same["added"], same["removed"], same["moved"], same["changed"]) == ([], [], [], [])


def test_reordering_siblings_marks_only_the_row_that_moved(desk: Desk) -> None:
    rows = [desk.add(kind="text", title=f"Rad {n}") for n in range(5)]
    revision = issue(desk, "FU").json()
    last = rows[-1]
    moved = desk.batch([{"op": "move", "id": last["id"], "version": 1, "first": True}])
    assert moved.status_code == 200, moved.text
    diff = compare(desk, revision["id"], "working").json()
    assert keys(diff["moved"]) == [last["stable_key"]]
    assert diff["added"] == diff["removed"] == diff["changed"] == []


def test_compare_refuses_bad_and_foreign_revisions_alike(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    other = new_desk(host, client)
    foreign = other.owner.browser.post(f"{other.base}/revisions", json={"label": "FU"}).json()
    unknown = "00000000-0000-4000-8000-000000000000"
    url = f"{desk.base}/compare?to=working&from="
    answer = same_answer(desk.owner, "GET", url + foreign["id"], url + unknown)
    assert answer.status_code == 404
    for bad in ["", "Working", "1; DROP TABLE schedule_rows", "\x00"]:
        refused = compare(desk, bad, "working")
        assert refused.status_code == 400, bad
        assert refused.json()["code"] in {"validation_error", "bad_request"}, bad
    missing = desk.owner.browser.get(f"{desk.base}/compare", params={"from": "working"})
    assert missing.status_code == 400, missing.text


# --- the snapshot in Blob storage -----------------------------------------------


def listed(desk: Desk) -> list[dict[str, Any]]:
    response = desk.owner.browser.get(f"{desk.base}/revisions")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def snapshot_hashes(desk: Desk, wait_s: float = 10) -> list[str | None]:
    """The listed revisions' snapshot hashes, once every one is written (or the wait ends)."""
    deadline = time.monotonic() + wait_s
    while True:
        hashes = [r["snapshot_sha256"] for r in listed(desk)]
        if all(hashes) or time.monotonic() > deadline:
            return hashes
        time.sleep(0.1)


def snapshot_blobs(host: Host) -> dict[str, bytes]:
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(host.env["CASAI_STORAGE_CONNECTION_STRING"])
    container = service.get_container_client(host.env["CASAI_REVISIONS_CONTAINER"])
    return {
        blob.name: container.download_blob(blob.name).readall() for blob in container.list_blobs()
    }


def test_an_issued_revision_is_kept_in_blob_storage_under_its_hash(host: Host, desk: Desk) -> None:
    heading = desk.add(kind="heading", code="D", title="Markarbeten")
    desk.add(
        kind="item",
        title="Schakt",
        unit="m3",
        quantity="10",
        unit_price="12.50",
        parent_id=heading["id"],
        cost_bearer="Etapp 1",
    )
    revision = issue(desk, "FU").json()
    [digest] = snapshot_hashes(desk)
    assert digest is not None, "the snapshot was not written"

    name = f"{desk.team.project_id}/{desk.schedule_id}/{revision['id']}.json"
    content = snapshot_blobs(host)[name]
    assert hashlib.sha256(content).hexdigest() == digest
    snapshot = json.loads(content)
    assert snapshot["revision"]["label"] == "FU"
    assert snapshot["schedule"]["doc_no"] == "10.01"
    frozen = {"revision_id": revision["id"]}
    rows = desk.owner.browser.get(f"{desk.base}/rows", params=frozen).json()["items"]
    assert snapshot["rows"] == rows
    summary = desk.owner.browser.get(f"{desk.base}/summary", params=frozen).json()
    assert snapshot["summary"] == summary
    assert snapshot["summary"]["total"] == "125.00"

    desk.add(kind="text", title="Efter FU")  # the working copy changes; the snapshot not
    host.run_timer("sweep_revision_snapshots")
    assert snapshot_blobs(host)[name] == content
    assert snapshot_hashes(desk) == [digest]


def test_a_revision_issued_while_blob_storage_is_down_gets_its_snapshot_once_it_is_back(
    own_database: str, own_storage: OwnStorage, tmp_path: Path
) -> None:
    with host_of_its_own(own_database, own_storage, tmp_path) as host, host.client() as client:
        desk = new_desk(host, client)
        desk.add(kind="item", title="Schakt", unit="m3", quantity="2", unit_price="3.00")
        own_storage.stop()
        issued = issue(desk, "PM 1")
        # SQL holds the revision; its snapshot waits for storage, like an audit event.
        assert issued.status_code == 201, issued.text
        assert issued.json()["snapshot_sha256"] is None
        time.sleep(1)  # the request's own attempt after its answer fails meanwhile
        assert snapshot_hashes(desk, wait_s=0) == [None]
        host.run_timer("sweep_revision_snapshots")  # still down: nothing lost, nothing written
        assert snapshot_hashes(desk, wait_s=0) == [None]

        own_storage.start()
        create_storage_resources(host.env)
        host.run_timer("sweep_revision_snapshots")
        host.run_timer("sweep_revision_snapshots")  # twice: one blob, one hash
        [digest] = snapshot_hashes(desk, wait_s=0)
        assert digest is not None
        [content] = snapshot_blobs(host).values()
        assert hashlib.sha256(content).hexdigest() == digest
        assert json.loads(content)["summary"]["total"] == "6.00"


def test_an_empty_revision_id_is_refused_not_read_as_the_working_revision(desk: Desk) -> None:
    desk.add(kind="text", title="Rad")
    for endpoint in ("rows", "summary"):
        answer = desk.owner.browser.get(f"{desk.base}/{endpoint}?revision_id=")
        assert answer.status_code == 400, answer.text
        assert answer.json()["code"] == "validation_error"
        assert [e["field"] for e in answer.json()["errors"]] == ["revision_id"]
