"""A schedule's revisions and the exchange of files in a real browser (issue 18): issue
PM 1 and see it listed, open and compare links, export files that openpyxl and csv read
back with the rows' values, and import with a preview: a file with one bad row shows
the report naming that row and changes nothing; a good file changes the rows only once
the person confirms the preview.

The browser, the screen checks (axe-core, CSP violations, a screenshot of each screen in
Swedish) and the sign-in helpers are test_web_auth's; the schedule and its rows are made
over the API (test_schedules' Desk).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openpyxl
from playwright.sync_api import Page, expect

from tests.accounts import join, signed_up
from tests.conftest import Host
from tests.test_schedules import Desk, new_desk
from tests.test_web_auth import (  # noqa: F401  (browser and screen are fixtures)
    Screen,
    browser,
    screen,
    sign_in_on,
)
from tests.test_web_projects import choose

FIRST_ROW = 9  # of the xlsx sheet: the header block, a blank row and the column header first
NBSP = "\u00a0"


# The grid's number columns and the export's headers for them.
SHOWN = {"quantity": "Mängd", "unit_price": "À-pris", "amount": "CASAI belopp"}


def grid_number(page: Page, row_id: str, column: str) -> Decimal:
    """A number as the grid shows it (`2 315,63`, no-break spaces), as a Decimal."""
    text = page.locator(f'[role="row"][row-id="{row_id}"] [col-id="{column}"]').inner_text()
    plain = re.sub(r"[\s\u00a0\u202f]", "", text).replace("\u2212", "-").replace(",", ".")
    return Decimal(plain)


def with_rows(desk: Desk) -> None:
    heading = desk.add(kind="heading", code="D", title="Markarbeten")
    under = heading["id"]
    desk.add(
        kind="item",
        code="D.1",
        title="Schakt",
        unit="m3",
        quantity="10",
        unit_price="12.50",
        parent_id=under,
    )
    desk.add(
        kind="item",
        code="D.2",
        title="Fyll",
        unit="m3",
        quantity="2",
        unit_price="100.00",
        parent_id=under,
    )


def working_rows(desk: Desk) -> list[dict[str, Any]]:
    return desk.rows()


def schedule_version(desk: Desk) -> int:
    response = desk.owner.browser.get(desk.base)
    assert response.status_code == 200, response.text
    version: int = response.json()["version"]
    return version


def choose_file(page: Page, label: str, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=label).click()
    chooser.value.set_files(str(path))


def csv_file(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig") + b"\r\n")
    return path


def test_issue_list_open_compare_and_export(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
    tmp_path: Path,
) -> None:
    desk = new_desk(host, client)
    with_rows(desk)
    page = screen.open(f"/projects/{desk.team.project_id}/schedules/{desk.schedule_id}")
    sign_in_on(page, desk.owner.email, desk.owner.password)
    expect(page.get_by_role("heading", name="Revisioner", level=2)).to_be_visible()
    expect(page.get_by_text("Inga revisioner är utgivna än.")).to_be_visible()
    screen.check("schedule-revisions-none")

    page.get_by_role("textbox", name="Revisionens namn").fill("PM 1")
    page.get_by_role("button", name="Ge ut revision").click()
    expect(page.get_by_role("status")).to_have_text("PM 1 är utgiven.")
    table = page.get_by_role("table", name="Utgivna revisioner, de äldsta först")
    row = table.get_by_role("row").filter(has_text="PM 1")
    shown = row.get_by_role("cell")
    expect(shown.nth(0)).to_have_text("PM 1")
    expect(shown.nth(1)).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
    expect(shown.nth(2)).to_have_text("3")
    expect(shown.nth(3)).to_have_text(f"325,00{NBSP}kr")  # 10 × 12,50 + 2 × 100,00
    revisions = desk.owner.browser.get(f"{desk.base}/revisions").json()["items"]
    assert [r["label"] for r in revisions] == ["PM 1"]
    pm1 = revisions[0]["id"]
    screen_path = f"/projects/{desk.team.project_id}/schedules/{desk.schedule_id}"
    expect(row.get_by_role("link", name="Öppna PM 1")).to_have_attribute(
        "href", f"{screen_path}?revision={pm1}"
    )

    # A label taken is explained and issues nothing.
    page.get_by_role("textbox", name="Revisionens namn").fill("PM 1")
    page.get_by_role("button", name="Ge ut revision").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Mängdförteckningen har redan en revision med det namnet. Välj ett annat."
    )
    assert len(desk.owner.browser.get(f"{desk.base}/revisions").json()["items"]) == 1
    screen.check("schedule-revisions")

    # Compare: the latest revision against the working copy, then the other way round.
    compare = page.get_by_role("link", name="Jämför", exact=True)
    expect(compare).to_have_attribute("href", f"{screen_path}?compare={pm1}&to=working")
    choose(page, "Jämför med", "PM 1")
    expect(compare).to_have_count(0)
    expect(page.get_by_text("Välj två olika revisioner att jämföra.")).to_be_visible()
    choose(page, "Jämför från", "Arbetskopia")
    expect(compare).to_have_attribute("href", f"{screen_path}?compare=working&to={pm1}")

    # The working copy as xlsx: openpyxl reads the rows' values back.
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Exportera som xlsx").click()
    workbook = tmp_path / downloading.value.suggested_filename
    assert workbook.suffix == ".xlsx"
    downloading.value.save_as(workbook)
    sheet = openpyxl.load_workbook(workbook)["Mängdförteckning"]
    header = [cell.value for cell in sheet[FIRST_ROW - 1]]
    column = {name: index for index, name in enumerate(header)}
    found = [tuple(cell.value for cell in line) for line in sheet.iter_rows(min_row=FIRST_ROW)]
    listed = working_rows(desk)
    assert len(found) == len(listed) == 3
    for item, cells in zip(listed, found, strict=True):
        assert (cells[column["Kod"]], cells[column["Benämning"]]) == (item["code"], item["title"])
        if item["kind"] == "item":
            assert cells[column["Enhet"]] == item["unit"]
            assert Decimal(str(cells[column["Mängd"]])) == Decimal(item["quantity"])
            assert Decimal(str(cells[column["À-pris"]])) == Decimal(item["unit_price"])
            assert Decimal(str(cells[column["CASAI belopp"]])) == Decimal(item["amount"])
            # ... which are the values the editor's grid shows.
            assert {field: grid_number(page, item["id"], field) for field in SHOWN} == {
                field: Decimal(str(cells[column[header]])) for field, header in SHOWN.items()
            }

    # The issued revision as CSV, under the name the API gives it.
    with page.expect_download() as downloading:
        row.get_by_role("button", name="Exportera PM 1 som CSV").click()
    assert downloading.value.suggested_filename.endswith(".csv")
    assert "PM 1" in downloading.value.suggested_filename
    text = Path(downloading.value.path()).read_bytes().decode("utf-8-sig")
    assert ";Schakt;" in text
    assert "12,50" in text


def test_import_previews_every_bad_row_and_writes_only_when_confirmed(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
    tmp_path: Path,
) -> None:
    desk = new_desk(host, client)
    with_rows(desk)
    page = screen.open(f"/projects/{desk.team.project_id}/schedules/{desk.schedule_id}")
    sign_in_on(page, desk.owner.email, desk.owner.password)
    expect(page.get_by_role("heading", name="Läs in en fil")).to_be_visible()
    rows_before, version_before = working_rows(desk), schedule_version(desk)

    bad = csv_file(
        tmp_path,
        "anbud med fel.csv",
        [
            "Kod;Benämning;Enhet;Mängd;À-pris",
            "E;Ledningar",
            "E.1;Rör;m;tio;50,00",
            "E.2;Brunn;st;1;900,00",
        ],
    )
    choose_file(page, "Fil att läsa in (xlsx eller CSV)", bad)
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Filen har 1 fel rad. Inget har lästs in; rätta filen och försök igen."
    )
    errors = page.get_by_role("table", name="Fel i filen, per rad")
    expect(errors.get_by_role("row")).to_have_count(2)  # the header and the one bad row
    bad_row = errors.get_by_role("row").nth(1).get_by_role("cell")
    expect(bad_row.nth(0)).to_have_text("3")
    expect(bad_row.nth(1)).to_contain_text("tio")
    expect(page.get_by_text("Benämning → Benämning")).to_be_visible()
    expect(page.get_by_role("button", name="Läs in filen")).to_be_disabled()
    screen.check("schedule-import-errors")
    assert working_rows(desk) == rows_before
    assert schedule_version(desk) == version_before

    good = csv_file(
        tmp_path,
        "ledningar.csv",
        ["Kod;Benämning;Enhet;Mängd;À-pris", "E;Ledningar", "E.1;Rör;m;40;50,00"],
    )
    choose_file(page, "Fil att läsa in (xlsx eller CSV)", good)
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_role("status")).to_have_text(
        "Inget är inläst än. Så här blir det om du läser in filen."
    )
    counts = page.get_by_role("table", name="Rader som importen skulle ändra")
    expect(counts.get_by_role("row", name="Nya 2")).to_be_visible()
    screen.check("schedule-import-preview")
    assert working_rows(desk) == rows_before  # a preview writes nothing
    assert schedule_version(desk) == version_before

    page.get_by_role("button", name="Läs in filen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Filen är inläst: 2 nya, 0 ändrade, 0 borttagna och 0 oförändrade rader."
    )
    after = working_rows(desk)
    assert [row["title"] for row in after] == [
        "Markarbeten",
        "Schakt",
        "Fyll",
        "Ledningar",
        "Rör",
    ]
    assert after[-1]["quantity"].startswith("40")
    assert after[-1]["amount"] == "2000.00"
    screen.check("schedule-imported")


def test_a_viewer_reads_the_revisions_and_neither_issues_exports_nor_imports(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    desk = new_desk(host, client)
    with_rows(desk)
    issued = desk.owner.browser.post(f"{desk.base}/revisions", json={"label": "FU"})
    assert issued.status_code == 201, issued.text
    viewer = signed_up(host, client, "schedule-viewer")
    join(host, desk.owner, desk.team.project_id, viewer, desk.team.roles["viewer"])

    page = screen.open(f"/projects/{desk.team.project_id}/schedules/{desk.schedule_id}")
    sign_in_on(page, viewer.email, viewer.password)
    table = page.get_by_role("table", name="Utgivna revisioner, de äldsta först")
    expect(table.get_by_role("link", name="Öppna FU")).to_be_visible()
    expect(page.get_by_role("link", name="Jämför", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Exportera"))).to_have_count(0)
    expect(page.get_by_role("heading", name="Ge ut en revision")).to_have_count(0)
    expect(page.get_by_role("heading", name="Export och import")).to_have_count(0)
    screen.check("schedule-panels-viewer")


def test_a_bidders_prices_are_taken_and_other_differences_shown(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
    tmp_path: Path,
) -> None:
    desk = new_desk(host, client)
    with_rows(desk)
    page = screen.open(f"/projects/{desk.team.project_id}/schedules/{desk.schedule_id}")
    sign_in_on(page, desk.owner.email, desk.owner.password)
    bid = csv_file(
        tmp_path,
        "anbud.csv",
        ["Kod;Benämning;Enhet;Mängd;À-pris", "D.1;Schakt i berg;m3;10;15,00"],
    )
    choose_file(page, "Fil att läsa in (xlsx eller CSV)", bid)
    page.get_by_role("radio", name="Bara à-priser (anbud)").check()
    page.get_by_role("button", name="Förhandsgranska").click()
    differences = page.get_by_role(
        "table", name="Skillnader mot mängdförteckningen (bara priset tas in)"
    )
    difference = differences.get_by_role("row").nth(1).get_by_role("cell")
    expect(difference.nth(0)).to_have_text("2")
    expect(difference.nth(1)).to_have_text("Benämning")
    counts = page.get_by_role("table", name="Rader som importen skulle ändra")
    expect(counts.get_by_role("row", name="Ändrade 1")).to_be_visible()
    screen.check("schedule-import-prices")
    assert [row["unit_price"] for row in working_rows(desk)][1] == "12.50"

    page.get_by_role("button", name="Läs in filen").click()
    expect(page.get_by_role("status")).to_contain_text("Filen är inläst: 0 nya, 1 ändrade")
    schakt = working_rows(desk)[1]
    assert (schakt["title"], schakt["unit_price"]) == ("Schakt", "15.00")  # only the price
