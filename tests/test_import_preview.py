"""The import preview (`dry_run=true`): the real import's report, and nothing written."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from typing import Any

import httpx
import openpyxl
import pytest

from tests import bad_input
from tests.accounts import join, signed_up
from tests.conftest import Host
from tests.test_exchange import FIRST_ROW, TABLES, XLSX, build, export, send
from tests.test_schedules import Desk, desk

__all__ = ["desk"]  # the fixture, used by name

CSV = "text/csv"


def project_outbox(host: Host, desk: Desk) -> list[tuple[Any, ...]]:
    """The project's events still in the audit outbox, once the forwarder (in the
    background) has taken them: none unless Table storage refused them. Only the
    project's: on the host the test files share, another file may leave events of its
    own behind (a storage outage it staged), which no timer takes there."""
    partition = f"project:{desk.team.project_id}"
    deadline = time.monotonic() + 20
    while True:
        events = host.query(
            "SELECT id, action FROM audit_outbox WHERE partition_key = :p ORDER BY id", p=partition
        )
        if not events or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def picture(host: Host, desk: Desk) -> dict[str, Any]:
    """Every row of the tables an import writes, and the project's audit trail."""
    state = bad_input.snapshot(host, TABLES)
    state["audit_outbox"] = project_outbox(host, desk)
    trail = desk.owner.browser.get(f"/api/projects/{desk.team.project_id}/audit")
    assert trail.status_code == 200, trail.text
    state["audit"] = trail.json()["items"]
    return state


def csv_file(records: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(records)
    return out.getvalue().encode("utf-8-sig")


def appended(desk: Desk) -> tuple[bytes, str]:
    """The schedule as CSV with one title changed and two new rows."""
    records = list(
        csv.reader(
            io.StringIO(export(desk, "csv").content.decode("utf-8-sig"), newline=""),
            delimiter=";",
        )
    )
    header = records[0]
    records[2][header.index("Benämning")] = "Ny benämning"
    for title in ("Tillägg 1", "Tillägg 2"):
        copy = list(records[-1])
        copy[header.index("CASAI rad-id")] = copy[header.index("CASAI nyckel")] = ""
        copy[header.index("Benämning")] = title
        records.append(copy)
    return csv_file(records), CSV


def replaced(desk: Desk) -> tuple[bytes, str]:
    """The schedule as CSV without its text row, a title changed and a row added."""
    records = list(
        csv.reader(
            io.StringIO(export(desk, "csv").content.decode("utf-8-sig"), newline=""),
            delimiter=";",
        )
    )
    header = records[0]
    kinds = header.index("CASAI typ")
    records = [r for r in records if r[kinds] != "text"]
    records[3][header.index("Benämning")] = "Annan"
    copy = list(records[-1])
    copy[header.index("CASAI rad-id")] = copy[header.index("CASAI nyckel")] = ""
    records.append(copy)
    return csv_file(records), CSV


def priced(desk: Desk) -> tuple[bytes, str]:
    """A bidder's returned xlsx: every price changed, one quantity changed too."""
    book = openpyxl.load_workbook(io.BytesIO(export(desk, "xlsx").content))
    sheet = book["Mängdförteckning"]
    header = [cell.value for cell in sheet[FIRST_ROW - 1]]
    column = {name: index + 1 for index, name in enumerate(header)}
    for number in range(FIRST_ROW, sheet.max_row + 1):
        if sheet.cell(number, column["CASAI typ"]).value == "item":
            sheet.cell(number, column["À-pris"]).value = 77.25
            sheet.cell(number, column["Mängd"]).value = 3
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), XLSX


@pytest.mark.parametrize(
    ("mode", "changed", "counts"),
    [
        ("append", appended, (2, 1, 0)),
        ("replace", replaced, (1, 1, 1)),
        ("prices", priced, (0, 9, 0)),  # the 9 priceable items
    ],
)
def test_a_preview_reports_what_the_import_does_and_writes_nothing(
    host: Host,
    desk: Desk,
    mode: str,
    changed: Callable[[Desk], tuple[bytes, str]],
    counts: tuple[int, int, int],
) -> None:
    build(desk)
    content, media = changed(desk)
    before = picture(host, desk)
    preview = send(desk, mode, content, media, dry_run="true")
    assert preview.status_code == 200, preview.text
    assert picture(host, desk) == before
    real = send(desk, mode, content, media)
    assert real.status_code == 200, real.text
    foreseen, done = preview.json(), real.json()
    assert (foreseen.pop("dry_run"), done.pop("dry_run")) == (True, False)
    assert foreseen == done
    assert done["errors"] == []
    assert (done["created"], done["updated"], done["deleted"]) == counts
    if mode == "prices":
        assert done["differences"]  # the quantities the bidder changed
    assert picture(host, desk) != before  # the real import did write


def test_a_preview_of_a_file_with_bad_rows_reports_them(host: Host, desk: Desk) -> None:
    text = "Kod;Benämning;Enhet;Mängd;À-pris\r\nD;Mark\r\nD.1;Schakt;m3;10,5;12,00\r\n"
    text += "D.2;Fyll;m3;tio;12,00\r\nD.3;Okänd;furlong;1;1\r\n"
    before = picture(host, desk)
    preview = send(desk, "append", text.encode("utf-8-sig"), CSV, dry_run="true")
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert [e["row"] for e in body["errors"]] == [4, 5]
    assert (body["created"], body["dry_run"]) == (0, True)
    assert picture(host, desk) == before
    real = send(desk, "append", text.encode("utf-8-sig"), CSV).json()
    assert real["errors"] == body["errors"]


def test_a_viewer_may_not_preview_an_import(host: Host, client: httpx.Client, desk: Desk) -> None:
    viewer = signed_up(host, client, "reader")
    join(host, desk.owner, desk.team.project_id, viewer, desk.team.roles["viewer"])
    content = "Kod;Benämning\r\nD;Mark\r\n".encode("utf-8-sig")
    answers = [
        viewer.browser.post(
            f"{desk.base}/import",
            params={"mode": "append", **flag},
            content=content,
            headers={"Content-Type": CSV},
        )
        for flag in ({"dry_run": "true"}, {})
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json() == answers[1].json()


@pytest.mark.parametrize("flag", ["maybe", "2", ""])
def test_a_hostile_dry_run_flag_is_refused(host: Host, desk: Desk, flag: str) -> None:
    before = bad_input.snapshot(host, TABLES)
    response = send(desk, "append", "Kod;Benämning\r\nD;Mark\r\n".encode(), CSV, dry_run=flag)
    assert response.status_code == 400, response.text
    assert bad_input.snapshot(host, TABLES) == before
