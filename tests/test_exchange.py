"""Export and import of mängdförteckningar over HTTP: xlsx and Swedish CSV, both ways."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pytest

from tests import bad_input
from tests.conftest import Host
from tests.test_project_security import gated_member
from tests.test_revisions import snapshot_hashes
from tests.test_schedules import Desk, desk, new_desk
from tests.test_schedules_adversarial import same_answer

__all__ = ["desk"]  # the fixture, used by name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLES = ["schedules", "schedule_revisions", "schedule_rows"]
INJECTIONS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x")', "'=already"]
VISIBLE = ["Kod", "Benämning", "Enhet", "Mängd", "À-pris", "Belopp", "Kostnadsbärare", "Anm"]
FIRST_ROW = 9  # the header block, a blank row and the column header come first


def export(desk: Desk, file_format: str, **params: str) -> httpx.Response:
    response = desk.owner.browser.get(
        f"{desk.base}/export", params={"format": file_format, **params}
    )
    assert response.status_code == 200, response.text
    return response


def send(desk: Desk, mode: str, content: bytes, media: str = XLSX, **params: str) -> httpx.Response:
    return desk.owner.browser.post(
        f"{desk.base}/import",
        params={"mode": mode, **params},
        content=content,
        headers={"Content-Type": media},
    )


def build(desk: Desk) -> dict[str, dict[str, Any]]:
    """A small schedule with every kind of row and entry rule, and hostile texts."""
    rows: dict[str, dict[str, Any]] = {}
    rows["D"] = desk.add(kind="heading", code="D", title="Markarbeten", cost_bearer="gata")
    rows["DC"] = desk.add(kind="heading", code="DC", title="Undergrund", parent_id=rows["D"]["id"])
    under = rows["DC"]["id"]
    rows["item"] = desk.add(
        kind="item",
        code="DCB.2",
        title="Schakt",
        unit="m3",
        quantity="1234.5",
        unit_price="12.50",
        parent_id=under,
    )
    rows["unpriced"] = desk.add(
        kind="item", code="DCB.3", title="Fyll", unit="m2", quantity="2", parent_id=under
    )
    rows["four"] = desk.add(
        kind="item", code="DCB.4", title="Ingår", entry_rule="included_elsewhere", parent_id=under
    )
    rows["lump"] = desk.add(
        kind="item",
        code="DCB.5",
        title="Etablering",
        entry_rule="lump_sum",
        amount="-1234.50",
        parent_id=under,
        cost_bearer="VA",
    )
    rows["rate"] = desk.add(
        kind="item",
        code="DCB.6",
        title="Timpris",
        unit="tim",
        entry_rule="rate_only",
        unit_price="650.00",
        parent_id=under,
    )
    rows["text"] = desk.add(
        kind="text", title="Avser även släntning", note="\tTab först", parent_id=under
    )
    for n, text in enumerate(INJECTIONS):
        rows[f"inj{n}"] = desk.add(
            kind="item",
            code=text,
            title=text,
            note=text,
            cost_bearer=text,
            unit="st",
            quantity="1",
            unit_price="1.00",
        )
    return rows


def data_rows(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows(min_row=FIRST_ROW)]


def test_xlsx_export_reads_back_with_the_same_rows_formats_and_protection(desk: Desk) -> None:
    rows = build(desk)
    response = export(desk, "xlsx")
    assert response.headers["content-type"].startswith(XLSX)
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "10.01" in disposition
    assert "arbetskopia" in disposition
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Mängdförteckning"]
    header = [cell.value for cell in sheet[FIRST_ROW - 1]]
    assert header[:8] == VISIBLE
    assert sheet.freeze_panes == f"A{FIRST_ROW}"
    assert sheet.protection.sheet
    column = {name: index for index, name in enumerate(header)}
    listed = desk.rows()
    found = data_rows(sheet)
    assert len(found) == len(listed)
    for number, (row, cells) in enumerate(zip(listed, found, strict=True), start=FIRST_ROW):
        assert cells[column["CASAI nyckel"]] == row["stable_key"]
        assert cells[column["CASAI rad-id"]] == row["id"]
        assert sheet.row_dimensions[number].outlineLevel == row["depth"]
        price = sheet.cell(number, column["À-pris"] + 1)
        priceable = row["kind"] == "item" and row["entry_rule"] != "included_elsewhere"
        assert price.protection.locked is not (priceable and row["entry_rule"] != "lump_sum")
        if row["kind"] == "heading":
            assert sheet.cell(number, 2).font.b
    item = found[[r["id"] for r in listed].index(rows["item"]["id"])]
    assert item[column["Mängd"]] == 1234.5
    assert item[column["À-pris"]] == 12.5
    assert str(item[column["Belopp"]]).startswith("=")
    assert Decimal(str(item[column["CASAI belopp"]])) == Decimal("15431.25")
    number = FIRST_ROW + [r["id"] for r in listed].index(rows["item"]["id"])
    assert sheet.cell(number, column["Mängd"] + 1).number_format == "#,##0.000"
    assert sheet.cell(number, column["À-pris"] + 1).number_format == "#,##0.00"
    four = found[[r["id"] for r in listed].index(rows["four"]["id"])]
    assert [four[column[n]] for n in ("Enhet", "Mängd", "À-pris", "Belopp")] == ["-"] * 4
    lump = found[[r["id"] for r in listed].index(rows["lump"]["id"])]
    assert [lump[column[n]] for n in ("Enhet", "Mängd", "À-pris")] == ["-"] * 3
    assert lump[column["Belopp"]] == -1234.5  # a number, not escaped text
    rate = found[[r["id"] for r in listed].index(rows["rate"]["id"])]
    assert (rate[column["Mängd"]], rate[column["Belopp"]]) == (0, "-")
    summary = desk.summary()
    top = found[0]
    assert Decimal(str(top[column["CASAI belopp"]])) == Decimal(summary["headings"][0]["total"])
    totals = book["Sammanställning"]
    values = [tuple(c.value for c in row) for row in totals.iter_rows()]
    assert any(v[1] == "Markarbeten" for v in values)
    assert any(v[1] == "Summa" and Decimal(str(v[3])) == Decimal(summary["total"]) for v in values)


def test_injection_strings_come_out_inert_in_xlsx_and_csv(desk: Desk) -> None:
    build(desk)
    book = openpyxl.load_workbook(io.BytesIO(export(desk, "xlsx").content))
    sheet = book["Mängdförteckning"]
    for row in sheet.iter_rows(min_row=FIRST_ROW):
        for index in (0, 1, 6, 7):  # Kod, Benämning, Kostnadsbärare, Anm
            cell = row[index]
            if cell.value is not None:
                assert cell.data_type == "s", cell.value
                assert not str(cell.value).startswith(("=", "+", "-", "@", "\t")), cell.value
    text = export(desk, "csv").content.decode("utf-8-sig")
    for record in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
        for value in (record[0], record[1], record[6], record[7]):
            assert not value.startswith(("=", "+", "-", "@", "\t")), value
    assert "-1234,50" in text  # the lump sum stays a number
    assert "'=1+1" in text
    assert "''=already" in text


def test_csv_is_what_swedish_excel_opens(desk: Desk) -> None:
    rows = build(desk)
    response = export(desk, "csv")
    assert response.headers["content-type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    assert not raw[3:].lower().startswith(b"sep=")
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    records = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert records[0][:8] == VISIBLE
    by_key = {r[records[0].index("CASAI rad-id")]: r for r in records[1:]}
    item = by_key[rows["item"]["id"]]
    assert (item[3], item[4], item[5]) == ("1234,500", "12,50", "15431,25")
    listed = desk.rows()
    assert [r[records[0].index("CASAI nyckel")] for r in records[1:]] == [
        r["stable_key"] for r in listed
    ]
    total = sum(
        Decimal(r[5].replace(",", "."))
        for r in records[1:]
        if r[records[0].index("CASAI typ")] == "item" and r[5] not in ("", "-")
    )
    assert total == Decimal(desk.summary()["total"])


def identity(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    fields = (
        *("depth", "kind", "code", "title", "description", "unit", "quantity", "unit_price"),
        *("amount", "entry_rule", "regulation", "cost_bearer", "note", "stable_key", "id"),
    )
    return [tuple(row[f] for f in fields) for row in rows]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_export_then_replace_gives_identical_rows(desk: Desk, file_format: str) -> None:
    build(desk)
    before, totals = desk.rows(), desk.summary()
    media = XLSX if file_format == "xlsx" else "text/csv"
    report = send(desk, "replace", export(desk, file_format).content, media)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["errors"] == []
    assert (body["created"], body["updated"], body["deleted"]) == (0, 0, 0)
    assert identity(desk.rows()) == identity(before)
    assert desk.summary() == totals
    again = send(desk, "append", export(desk, file_format).content, media).json()
    assert (again["created"], again["errors"]) == (0, [])  # matched, never duplicated
    assert identity(desk.rows()) == identity(before)


def test_a_file_exported_from_an_issued_revision_matches_the_working_rows(desk: Desk) -> None:
    build(desk)
    revision = desk.owner.browser.post(f"{desk.base}/revisions", json={"label": "FU"}).json()
    before = desk.rows()
    issued = export(desk, "xlsx", revision_id=revision["id"]).content
    report = send(desk, "replace", issued).json()
    assert report["errors"] == []
    assert report["created"] == 0
    assert identity(desk.rows()) == identity(before)


def realistic_fixture() -> bytes:
    """About 200 rows as a client's MF looks: a title block with merged cells, AMA codes
    over several levels, company codes, headings, text rows, fyrstreckade and lump-sum
    rows, decimal commas, grouped thousands, empty prices."""
    book = openpyxl.Workbook()
    sheet = book.create_sheet("MF", 0)
    sheet.append(["Mängdförteckning Väg 12"])
    sheet.merge_cells("A1:G1")
    sheet.append(["Objekt: Väg 12, etapp 2"])
    sheet.append([])
    sheet.append(["AMA-kod", "Beskrivning", None, "Enh", "Antal", "A-pris", "Summa"])
    sheet.merge_cells("B4:C4")
    for top in "DE":
        sheet.append([top, f"Avsnitt {top}"])
        for group in "BCD":
            code = f"{top}C{group}"
            sheet.append([code, f"Grupp {code}"])
            sheet.append([f"{code}.1", f"Undergrupp {code}"])
            for n in range(1, 9):
                sheet.append([f"{code}.1{n}", f"Post {n}", None, "m3", f"1 23{n},5", f"{n},25"])
            sheet.append([None, "Gäller även slänter"])
            sheet.append([f"{code}.2", f"Ingår {code}", None, "-", "-", "-", "-"])
            sheet.append([f"{code}.3", "Etablering", None, "-", "-", "-", "5\u00a0000,00"])
            for n in range(1, 9):
                sheet.append([f"//{code}{n}", f"Företagets post {n}", None, "st", n, None])
            for n in range(1, 9):
                sheet.append([f"{code}.4{n}", f"Tillägg {n}", None, "m", f"{n}.5", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_realistic_file_builds_the_tree_from_the_code_pyramid(desk: Desk) -> None:
    report = send(desk, "append", realistic_fixture())
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["errors"] == []
    assert body["tree_from"] == "codes"
    assert {c["field"] for c in body["columns"]} >= {"code", "title", "unit", "quantity"}
    rows = desk.rows()
    assert len(rows) == body["created"] > 170
    by_code = {r["code"]: r for r in rows if r["code"]}
    assert by_code["D"]["depth"] == 0
    assert by_code["D"]["kind"] == "heading"
    assert by_code["DCB"]["parent_id"] == by_code["D"]["id"]
    assert by_code["DCC"]["parent_id"] == by_code["D"]["id"]
    assert by_code["DCB.1"]["parent_id"] == by_code["DCB"]["id"]
    assert by_code["DCB.13"]["parent_id"] == by_code["DCB.1"]["id"]
    assert by_code["DCB.13"]["quantity"] == "1233.500"
    assert by_code["DCB.13"]["unit_price"] == "3.25"
    assert by_code["//DCB1"]["parent_id"] == by_code["DCB"]["id"]  # the heading above it
    assert by_code["DCB.41"]["parent_id"] == by_code["DCB"]["id"]
    assert by_code["DCB.2"]["entry_rule"] == "included_elsewhere"
    assert by_code["DCB.3"]["entry_rule"] == "lump_sum"
    assert by_code["DCB.3"]["amount"] == "5000.00"
    assert by_code["DCB.41"]["unit_price"] is None
    assert by_code["DCB.41"]["quantity"] == "1.500"
    texts = [r for r in rows if r["kind"] == "text"]
    assert texts
    assert texts[0]["parent_id"] == by_code["DCB.1"]["id"]
    assert by_code["E"]["parent_id"] is None


def test_the_tree_comes_from_excel_outline_levels_without_codes(desk: Desk) -> None:
    book = openpyxl.Workbook()
    sheet = book.create_sheet("MF", 0)
    sheet.append(["Benämning", "Enhet", "Mängd", "À-pris"])
    for title, unit, quantity, price, level in [
        ("Markarbeten", None, None, None, 0),
        ("Schakt", "m3", 10, "12,50", 1),
        ("Undergrund", None, None, None, 1),
        ("Fyll", "m3", "1\u202f000,5", None, 2),
        ("Ledningar", None, None, None, 0),
        ("Rör", "m", "\u22121", "5", 1),
    ]:
        sheet.append([title, unit, quantity, price])
        sheet.row_dimensions[sheet.max_row].outlineLevel = level
    out = io.BytesIO()
    book.save(out)
    report = send(desk, "append", out.getvalue()).json()
    assert [e["row"] for e in report["errors"]] == [7]  # a negative quantity
    assert desk.rows() == []
    sheet.cell(7, 3).value = "1"
    out = io.BytesIO()
    book.save(out)
    report = send(desk, "append", out.getvalue()).json()
    assert report["errors"] == []
    assert report["tree_from"] == "outline"
    assert [(r["depth"], r["kind"], r["title"]) for r in desk.rows()] == [
        (0, "heading", "Markarbeten"),
        (1, "item", "Schakt"),
        (1, "heading", "Undergrund"),
        (2, "item", "Fyll"),
        (0, "heading", "Ledningar"),
        (1, "item", "Rör"),
    ]
    assert desk.rows()[3]["quantity"] == "1000.500"


def test_one_bad_row_writes_nothing_and_is_reported_by_number(host: Host, desk: Desk) -> None:
    text = "Kod;Benämning;Enhet;Mängd;À-pris\r\nD;Mark\r\nD.1;Schakt;m3;10,5;12,00\r\n"
    text += "D.2;Fyll;m3;tio;12,00\r\nD.3;Okänd;furlong;1;1\r\n"
    before = bad_input.snapshot(host, TABLES)
    report = send(desk, "append", text.encode("utf-8-sig"), "text/csv")
    assert report.status_code == 200, report.text
    body = report.json()
    assert [e["row"] for e in body["errors"]] == [4, 5]
    assert "tio" in body["errors"][0]["message"]
    assert body["created"] == 0
    assert bad_input.snapshot(host, TABLES) == before


def test_a_zip_bomb_and_an_oversized_body_are_refused(host: Host, desk: Desk) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    before = bad_input.snapshot(host, TABLES)
    refused = send(desk, "append", bomb.getvalue())
    assert refused.status_code == 413, refused.text
    assert refused.json()["code"] == "payload_too_large"
    big = send(desk, "append", b"x" * (20 * 1024 * 1024 + 1), "text/csv")
    assert big.status_code == 413
    wrong = send(desk, "append", b"Kod;Ben\r\n", "application/json")
    assert wrong.status_code == 415
    broken = send(desk, "append", b"PK\x03\x04 not a zip")
    assert broken.status_code == 400
    assert bad_input.snapshot(host, TABLES) == before


def test_bidder_prices_change_prices_only(desk: Desk) -> None:
    rows = build(desk)
    book = openpyxl.load_workbook(io.BytesIO(export(desk, "xlsx").content))
    sheet = book["Mängdförteckning"]
    header = [cell.value for cell in sheet[FIRST_ROW - 1]]
    column = {name: index + 1 for index, name in enumerate(header)}
    for number in range(FIRST_ROW, sheet.max_row + 1):
        row_id = sheet.cell(number, column["CASAI rad-id"]).value
        if row_id == rows["item"]["id"]:
            sheet.cell(number, column["À-pris"]).value = 99.5
            sheet.cell(number, column["Mängd"]).value = 1  # the bidder may not change this
        if row_id == rows["unpriced"]["id"]:
            sheet.cell(number, column["À-pris"]).value = "1 000,25"
            sheet.cell(number, column["Benämning"]).value = "Annan text"
    out = io.BytesIO()
    book.save(out)
    before = {r["id"]: r for r in desk.rows()}
    report = send(desk, "prices", out.getvalue())
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["errors"] == []
    assert body["updated"] == 2
    differing = {d["id"]: d["fields"] for d in body["differences"]}
    assert differing == {rows["item"]["id"]: ["quantity"], rows["unpriced"]["id"]: ["title"]}
    after = {r["id"]: r for r in desk.rows()}
    assert after[rows["item"]["id"]]["unit_price"] == "99.50"
    assert after[rows["item"]["id"]]["quantity"] == before[rows["item"]["id"]]["quantity"]
    assert after[rows["unpriced"]["id"]]["unit_price"] == "1000.25"
    assert after[rows["unpriced"]["id"]]["title"] == "Fyll"
    unchanged = [i for i in before if i not in (rows["item"]["id"], rows["unpriced"]["id"])]
    assert all(after[i] == before[i] for i in unchanged)


def test_an_issued_revision_refuses_import_and_nothing_changes(host: Host, desk: Desk) -> None:
    build(desk)
    revision = desk.owner.browser.post(f"{desk.base}/revisions", json={"label": "FU"}).json()
    content = export(desk, "xlsx").content
    # The snapshot's hash lands after the answer (quantities.snapshots): wait for it, so
    # that "nothing changed" compares what the refused imports could have changed.
    assert all(snapshot_hashes(desk))
    before = bad_input.snapshot(host, TABLES)
    for mode in ("append", "replace", "prices"):
        refused = send(desk, mode, content, revision_id=revision["id"])
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "conflict"
    assert bad_input.snapshot(host, TABLES) == before


def test_foreign_schedules_and_revisions_answer_like_unknown_ones(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    other = new_desk(host, client)
    foreign = other.owner.browser.post(f"{other.base}/revisions", json={"label": "FU"}).json()
    unknown = str(uuid.uuid4())
    url = f"{desk.base}/export?format=xlsx&revision_id="
    assert same_answer(desk.owner, "GET", url + foreign["id"], url + unknown).status_code == 404
    project = desk.base.rsplit("/schedules/", 1)[0]
    theirs = f"{project}/schedules/{other.schedule_id}/export?format=csv"
    nobodys = f"{project}/schedules/{unknown}/export?format=csv"
    assert same_answer(desk.owner, "GET", theirs, nobodys).status_code == 404
    importing = f"{desk.base}/import?mode=append&revision_id="
    first = send(desk, "append", b"Kod;Ben\r\n", "text/csv", revision_id=foreign["id"])
    second = send(desk, "append", b"Kod;Ben\r\n", "text/csv", revision_id=unknown)
    assert first.status_code == second.status_code == 404, importing
    assert first.json() == second.json()


def test_a_session_without_the_second_factor_is_refused(
    host: Host, client: httpx.Client, desk: Desk
) -> None:
    member = gated_member(host, client, desk.team)
    for response in [
        member.browser.get(f"{desk.base}/export", params={"format": "xlsx"}),
        member.browser.post(
            f"{desk.base}/import",
            params={"mode": "append"},
            content="Kod;Benämning\r\n".encode(),
            headers={"Content-Type": "text/csv"},
        ),
    ]:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "mfa_required"


@pytest.mark.parametrize(
    "query",
    [
        {"format": "XLSX"},
        {"format": "xlsx\x00"},
        {"format": "pdf"},
        {},
        {"format": "csv", "revision_id": "1; DROP TABLE schedule_rows"},
    ],
)
def test_hostile_export_queries_are_refused(desk: Desk, query: dict[str, str]) -> None:
    response = desk.owner.browser.get(f"{desk.base}/export", params=query)
    assert response.status_code == 400, response.text
    assert response.json()["code"] in {"validation_error", "bad_request"}  # the host's: NUL


@pytest.mark.parametrize("mode", ["", "Replace", "all", "append\x00", "prices;"])
def test_hostile_import_modes_are_refused(host: Host, desk: Desk, mode: str) -> None:
    before = bad_input.snapshot(host, TABLES)
    response = send(desk, mode, "Kod;Benämning\r\nD;Mark\r\n".encode(), "text/csv")
    assert response.status_code == 400, response.text
    assert bad_input.snapshot(host, TABLES) == before


def test_export_and_import_are_in_the_audit_trail(desk: Desk) -> None:
    build(desk)
    send(desk, "append", export(desk, "csv").content, "text/csv")
    events = desk.owner.browser.get(f"/api/projects/{desk.team.project_id}/audit").json()["items"]
    actions = [e["action"] for e in events]
    assert "export_made" in actions
    assert "import_applied" in actions
    applied = next(e for e in events if e["action"] == "import_applied")
    assert applied["details"]["mode"] == "append"
    assert "created" in applied["details"]
