"""The change feed of a schedule (GET …/changes?since=): colleagues' edits within seconds."""

from __future__ import annotations

import csv
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from quantities.models import ScheduleRowDeletion
from quantities.schemas import RowChanges
from tests import bad_input
from tests.accounts import Account, Browser, join, sign_in, signed_up
from tests.conftest import Host
from tests.test_exchange import send
from tests.test_project_security import gated_member
from tests.test_schedules import Desk, desk, new_desk, statements_of
from tests.test_schedules_adversarial import same_answer

__all__ = ["desk"]  # the fixture, used by name

CSV = "text/csv"
FEED_TABLES = ["schedule_revisions", "schedule_rows", "schedule_row_deletions"]


def start(desk: Desk, account: Account | None = None) -> int:
    """Where a client that just read the rows starts polling from."""
    response = (account or desk.owner).browser.get(f"{desk.base}/rows")
    assert response.status_code == 200, response.text
    seq: int = response.json()["change_seq"]
    return seq


def changes(desk: Desk, since: int, account: Account | None = None) -> dict[str, Any]:
    response = (account or desk.owner).browser.get(f"{desk.base}/changes", params={"since": since})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def colleague(host: Host, client: httpx.Client, desk: Desk, role: str = "editor") -> Account:
    member = signed_up(host, client, f"colleague-{role}")
    join(host, desk.owner, desk.team.project_id, member, desk.team.roles[role])
    return member


def patch(desk: Desk, row: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = desk.owner.browser.patch(
        f"{desk.base}/rows/{row['id']}", json=fields, headers={"If-Match": f'"{row["version"]}"'}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def without_depth(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "depth"}


def remembered(host: Host, revision_id: str) -> list[str]:
    """The ids of the rows the revision's deletions remember (typed binds: any backend)."""
    engine = create_engine(host.env["CASAI_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            found = connection.scalars(
                select(ScheduleRowDeletion.row_id).where(
                    ScheduleRowDeletion.revision_id == uuid.UUID(revision_id)
                )
            )
            return sorted(str(row_id) for row_id in found)
    finally:
        engine.dispose()


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in rows}


# --- what the feed shows -------------------------------------------------------------


def test_a_colleagues_edits_show_with_their_new_versions_and_the_next_seq(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    rows = [desk.add(kind="item", title=f"Rad {n}", unit="st", quantity="1") for n in range(3)]
    reader = colleague(host, client, desk, "viewer")
    since = start(desk, reader)
    first = patch(desk, rows[0], quantity="2")
    second = patch(desk, rows[2], title="Ny text", unit_price="10.00")
    seen = changes(desk, since, reader)
    assert (seen["since"], seen["seq"], seen["reload"]) == (since, since + 2, False)
    assert seen["schedule_id"] == desk.schedule_id
    assert by_id(seen["rows"]) == {
        first["id"]: without_depth(first),
        second["id"]: without_depth(second),
    }
    assert seen["rows"][0].keys() == without_depth(first).keys()  # RowOut's fields but depth
    assert seen["deleted"] == []
    again = changes(desk, seen["seq"], reader)
    assert (again["seq"], again["rows"], again["deleted"], again["reload"]) == (
        seen["seq"],
        [],
        [],
        False,
    )
    schedule = desk.owner.browser.get(desk.base).json()
    assert seen["revision_id"] == schedule["working_revision_id"]


def test_deleting_a_heading_lists_its_whole_subtree(desk: Desk) -> None:
    heading = desk.add(kind="heading", title="Mark")
    under = desk.add(kind="heading", title="Schakt", parent_id=heading["id"])
    item = desk.add(kind="item", title="Jord", unit="m3", parent_id=under["id"])
    text = desk.add(kind="text", title="Avser slänter", parent_id=heading["id"])
    kept = desk.add(kind="text", title="Annat")
    since = start(desk)
    deleted = desk.owner.browser.delete(
        f"{desk.base}/rows/{heading['id']}", headers={"If-Match": f'"{heading["version"]}"'}
    )
    assert deleted.status_code == 204, deleted.text
    seen = changes(desk, since)
    assert sorted(seen["deleted"]) == sorted(r["id"] for r in (heading, under, item, text))
    assert (seen["rows"], seen["seq"]) == ([], since + 1)
    assert kept["id"] not in seen["deleted"]


def test_a_move_and_a_respaced_sibling_appear(desk: Desk) -> None:
    heading = desk.add(kind="heading", title="Mark")
    row = desk.add(kind="text", title="Flyttas")
    since = start(desk)
    moved = desk.batch(
        [
            {
                "op": "move",
                "id": row["id"],
                "version": row["version"],
                "parent_id": heading["id"],
            }
        ]
    )
    assert moved.status_code == 200, moved.text
    seen = changes(desk, since)
    [shown] = seen["rows"]
    assert (shown["id"], shown["parent_id"], shown["version"]) == (
        row["id"],
        heading["id"],
        row["version"] + 1,
    )
    assert shown == without_depth(next(r for r in desk.rows() if r["id"] == row["id"]))


def test_imports_appear_with_their_created_updated_and_deleted_rows(desk: Desk) -> None:
    old = desk.add(kind="item", code="D.1", title="Gammal", unit="st", quantity="1")
    since = start(desk)
    text = "Kod;Benämning;Enhet;Mängd\r\nD;Mark\r\nD.2;Schakt;m3;10\r\n"
    report = send(desk, "append", text.encode("utf-8-sig"), CSV).json()
    assert (report["created"], report["errors"]) == (2, [])
    appended = changes(desk, since)
    assert appended["seq"] == since + 1
    assert sorted(r["title"] for r in appended["rows"]) == ["Mark", "Schakt"]
    exported = desk.owner.browser.get(f"{desk.base}/export", params={"format": "csv"})
    records = list(
        csv.reader(io.StringIO(exported.content.decode("utf-8-sig"), newline=""), delimiter=";")
    )
    ids = records[0].index("CASAI rad-id")
    kept = [records[0], *(r for r in records[1:] if r[ids] != old["id"])]
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(kept)
    replaced = send(desk, "replace", out.getvalue().encode("utf-8-sig"), CSV).json()
    assert (replaced["deleted"], replaced["errors"]) == (1, [])
    seen = changes(desk, appended["seq"])
    assert (seen["deleted"], seen["seq"]) == ([old["id"]], since + 2)
    preview = send(desk, "replace", b"Kod;Ben\xc3\xa4mning\r\nX;Y\r\n", CSV, dry_run="true")
    assert preview.json()["deleted"] == 2
    assert start(desk) == since + 2  # a preview takes no change number


def test_a_row_created_again_with_a_deleted_id_is_alive(desk: Desk) -> None:
    row = desk.add(kind="text", title="Ångras")
    since = start(desk)
    gone = desk.owner.browser.delete(f"{desk.base}/rows/{row['id']}", headers={"If-Match": '"1"'})
    assert gone.status_code == 204, gone.text
    back = desk.add(id=row["id"], kind="text", title="Tillbaka")
    seen = changes(desk, since)
    assert (seen["deleted"], [r["title"] for r in seen["rows"]]) == ([], ["Tillbaka"])
    gone = desk.owner.browser.delete(
        f"{desk.base}/rows/{back['id']}", headers={"If-Match": f'"{back["version"]}"'}
    )
    assert gone.status_code == 204, gone.text
    seen = changes(desk, since)
    assert (seen["deleted"], seen["rows"]) == ([row["id"]], [])


def test_an_issued_revision_has_no_change_seq_and_the_working_one_keeps_its_own(
    desk: Desk,
) -> None:
    row = desk.add(kind="text", title="Rad")
    since = start(desk)
    issued = desk.owner.browser.post(f"{desk.base}/revisions", json={"label": "FU"}).json()
    listed = desk.owner.browser.get(f"{desk.base}/rows", params={"revision_id": issued["id"]})
    assert listed.json()["change_seq"] is None
    assert start(desk) == since  # issuing writes no working row
    changed = patch(desk, row, title="Efter FU")
    seen = changes(desk, since)
    assert [r["id"] for r in seen["rows"]] == [changed["id"]]


# --- what bumps nothing ---------------------------------------------------------------


def test_refused_requests_take_no_change_number(host: Host, desk: Desk) -> None:
    row = desk.add(kind="item", title="Rad", unit="st", quantity="1")
    desk.add(kind="text", title="Text")
    since = start(desk)
    before = bad_input.snapshot(host, FEED_TABLES)
    url = f"{desk.base}/rows/{row['id']}"
    refused = [
        desk.owner.browser.patch(url, json={"quantity": "2"}, headers={"If-Match": '"9"'}),
        desk.owner.browser.patch(url, json={"quantity": "-2"}, headers={"If-Match": '"1"'}),
        desk.owner.browser.patch(url, json={"title": None}, headers={"If-Match": '"1"'}),
        desk.owner.browser.delete(url, headers={"If-Match": '"9"'}),
        # The first operation is written before the second is refused: rolled back,
        # change number and all.
        desk.batch(
            [
                {"op": "create", "kind": "text", "title": "Ny"},
                {"op": "update", "id": row["id"], "version": 1, "unit": "furlong"},
            ]
        ),
        desk.batch([{"op": "update", "id": row["id"], "version": 7, "title": "x"}]),
    ]
    assert [r.status_code for r in refused] == [412, 400, 400, 412, 400, 412]
    assert bad_input.snapshot(host, FEED_TABLES) == before
    seen = changes(desk, since)
    assert (seen["seq"], seen["rows"], seen["deleted"]) == (since, [], [])
    assert changes(desk, since)["seq"] == start(desk)  # reading takes none either


def test_twenty_parallel_edits_of_different_rows_take_twenty_consecutive_numbers(
    host: Host, desk: Desk
) -> None:
    created = desk.batch(
        [{"op": "create", "kind": "item", "title": f"R{n}", "unit": "st"} for n in range(20)]
    )
    rows = created.json()["rows"]
    since = start(desk)

    def edit(row: dict[str, Any]) -> int:
        with host.client() as own:
            browser = Browser(own, cookie=desk.owner.browser.cookie, csrf=desk.owner.browser.csrf)
            return browser.patch(
                f"{desk.base}/rows/{row['id']}",
                json={"quantity": "5"},
                headers={"If-Match": f'"{row["version"]}"'},
            ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert list(pool.map(edit, rows)) == [200] * 20
    seen = changes(desk, since)
    assert seen["seq"] == since + 20
    assert sorted(r["id"] for r in seen["rows"]) == sorted(r["id"] for r in rows)
    assert all(r["quantity"] == "5.000" for r in seen["rows"])
    # Each edit has a number of its own: after since + k, 20 - k rows are left to see.
    assert [len(changes(desk, since + k)["rows"]) for k in range(21)] == list(range(20, -1, -1))


# --- the query and the gate -------------------------------------------------------------


def test_a_since_ahead_of_the_revision_asks_for_a_reload(desk: Desk) -> None:
    desk.add(kind="text", title="Rad")
    seq = start(desk)
    for since in (seq + 1, 2**63 - 1):
        seen = changes(desk, since)
        assert (seen["reload"], seen["rows"], seen["deleted"], seen["seq"]) == (True, [], [], seq)


@pytest.mark.parametrize("since", ["-1", "abc", "1.5", "", "1e3", "9223372036854775808", "0x10"])
def test_a_since_that_is_not_a_change_number_is_refused(desk: Desk, since: str) -> None:
    response = desk.owner.browser.get(f"{desk.base}/changes", params={"since": since})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"


def test_since_is_required(desk: Desk) -> None:
    response = desk.owner.browser.get(f"{desk.base}/changes")
    assert response.status_code == 400, response.text


def test_another_projects_schedule_answers_like_an_unknown_one(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    other = new_desk(host, client)
    project = desk.base.rsplit("/schedules/", 1)[0]
    theirs = f"{project}/schedules/{other.schedule_id}/changes?since=0"
    nobodys = f"{project}/schedules/{uuid.uuid4()}/changes?since=0"
    assert same_answer(desk.owner, "GET", theirs, nobodys).status_code == 404
    outsider = signed_up(host, client, "outsider")
    assert outsider.browser.get(f"{desk.base}/changes?since=0").status_code == 404


def test_a_session_without_the_required_second_factor_is_refused(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    member = gated_member(host, client, desk.team)
    response = member.browser.get(f"{desk.base}/changes", params={"since": 0})
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "mfa_required"


# --- cheap to poll ---------------------------------------------------------------------


def test_the_feed_takes_the_same_statements_at_20_and_2000_rows(
    host: Host, client: httpx.Client
) -> None:
    """The gate, the schedule with its working revision (and seq), the rows changed, the
    deletions: four statements however many rows there are and changed; two when
    nothing changed."""
    counts = []
    for size in (20, 2000):
        desk = new_desk(host, client)
        created = desk.batch(
            [{"op": "create", "kind": "text", "title": f"R{n}"} for n in range(size)]
        )
        assert created.status_code == 200, created.text
        doomed = created.json()["rows"][:2]
        removed = desk.batch(
            [{"op": "delete", "id": r["id"], "version": r["version"]} for r in doomed]
        )
        assert removed.status_code == 200, removed.text
        measured = []
        for since in (0, start(desk)):
            request_id = f"changes-{size}-{since}-{uuid.uuid4().hex[:8]}"
            response = desk.owner.browser.get(
                f"{desk.base}/changes",
                params={"since": since},
                headers={"X-Request-Id": request_id},
            )
            body = response.json()
            assert (len(body["rows"]), len(body["deleted"])) == (
                (size - 2, 2) if since == 0 else (0, 0)
            )
            measured.append(statements_of(host, request_id))
        counts.append(measured)
    assert counts == [[4, 2], [4, 2]]


# --- forgetting old deletions -----------------------------------------------------------


def test_after_the_sweep_a_since_before_it_asks_for_a_reload(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    first = desk.add(kind="text", title="Gammal")
    second = desk.add(kind="text", title="Ny")
    since = start(desk)
    gone = desk.owner.browser.delete(f"{desk.base}/rows/{first['id']}", headers={"If-Match": '"1"'})
    assert gone.status_code == 204, gone.text
    swept_up_to = start(desk)
    host.advance_clock(25 * 3600)  # past the retention of 24 hours
    desk.owner.browser, _ = sign_in(client, desk.owner)  # the session ended meanwhile
    gone = desk.owner.browser.delete(
        f"{desk.base}/rows/{second['id']}", headers={"If-Match": '"1"'}
    )
    assert gone.status_code == 204, gone.text
    before = changes(desk, since)
    assert (before["reload"], sorted(before["deleted"])) == (
        False,
        sorted([first["id"], second["id"]]),
    )
    for _ in range(2):  # idempotent
        host.run_timer("sweep_row_deletions")
    assert remembered(host, before["revision_id"]) == [second["id"]]
    old = changes(desk, since)
    assert (old["reload"], old["rows"], old["deleted"]) == (True, [], [])
    assert changes(desk, swept_up_to - 1)["reload"]  # the mark is the highest number swept
    recent = changes(desk, swept_up_to)
    assert (recent["reload"], recent["deleted"]) == (False, [second["id"]])


def test_the_documented_examples_are_answers_the_model_takes() -> None:
    examples = RowChanges.model_json_schema()["examples"]
    assert [RowChanges.model_validate(example).reload for example in examples] == [False, True]
