"""The schedule editor in a real browser (issue 18): an MF built from the keyboard alone,
an Excel block pasted, a conflict between two people settled both ways, a colleague's
edit arriving without a reload, the tree's structure commands with undo and redo, and a
Viewer who can read but not edit. Totals are checked to the öre against the server's.

The browser, the screen checks (axe-core, CSP violations, a Swedish screenshot) and the
sign-in helpers are test_web_auth's; accounts, projects and rows are set up over the API
where the browser adds nothing.
"""

from __future__ import annotations

import re
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.accounts import Account, join, new_team, signed_up
from tests.conftest import Host
from tests.test_web_auth import (  # noqa: F401  (browser and screen are fixtures)
    Screen,
    browser,
    screen,
    sign_in_on,
)
from tests.test_web_projects import second_screen  # noqa: F401  (a fixture)

NBSP = "\u00a0"
ORE = Decimal("0.01")


# --- set-up over the API ------------------------------------------------------------


def create_schedule(account: Account, project_id: str, name: str = "MF Mark") -> str:
    response = account.browser.post(f"/api/projects/{project_id}/schedules", json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def batch(
    account: Account, project_id: str, schedule_id: str, operations: list[dict[str, Any]]
) -> None:
    response = account.browser.post(
        f"/api/projects/{project_id}/schedules/{schedule_id}/rows/batch",
        json={"operations": operations},
    )
    assert response.status_code == 200, response.text


def rows_of(account: Account, project_id: str, schedule_id: str) -> list[dict[str, Any]]:
    response = account.browser.get(f"/api/projects/{project_id}/schedules/{schedule_id}/rows")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def summary_of(account: Account, project_id: str, schedule_id: str) -> dict[str, Any]:
    response = account.browser.get(f"/api/projects/{project_id}/schedules/{schedule_id}/summary")
    assert response.status_code == 200, response.text
    return dict(response.json())


def seeded(account: Account, project_id: str, schedule_id: str) -> tuple[str, str]:
    """A heading with one priced item under it: their ids."""
    heading, item = str(uuid.uuid4()), str(uuid.uuid4())
    batch(
        account,
        project_id,
        schedule_id,
        [
            {"op": "create", "id": heading, "kind": "heading", "code": "DCB", "title": "Mark"},
            {
                "op": "create",
                "id": item,
                "kind": "item",
                "parent_id": heading,
                "code": "DCB.1",
                "title": "Schakt",
                "unit": "m3",
                "quantity": "10.000",
                "unit_price": "100.00",
            },
        ],
    )
    return heading, item


# --- the page -----------------------------------------------------------------------


def open_editor(screen: Screen, account: Account, project_id: str, schedule_id: str) -> Page:  # noqa: F811
    page = screen.open("/sign-in")
    sign_in_on(page, account.email, account.password)
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()
    page.goto(f"{screen.host.base_url}/projects/{project_id}/schedules/{schedule_id}")
    expect(page.get_by_role("heading", name="MF Mark", level=1)).to_be_visible()
    expect(page.get_by_role("grid")).to_be_visible()
    return page


def cell(page: Page, row_id: str, column: str) -> Locator:
    return page.locator(f'[role="row"][row-id="{row_id}"] [col-id="{column}"]')


def cell_by_title(page: Page, title: str, column: str) -> Locator:
    row = page.locator('[role="row"][row-id]').filter(
        has=page.locator('[col-id="title"]', has_text=re.compile(rf"^{re.escape(title)}$"))
    )
    return row.locator(f'[col-id="{column}"]')


def money(value: Decimal) -> str:
    """Swedish money as the page writes it: 2 324,54 kr (no-break spaces)."""
    whole, fraction = f"{value.quantize(ORE):.2f}".split(".")
    sign = "\u2212" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{NBSP.join(groups)},{fraction}{NBSP}kr"


def all_saved(page: Page) -> None:
    expect(page.get_by_test_id("save-status")).to_have_text(
        "Alla ändringar är sparade", timeout=15_000
    )


def editor_of(page: Page) -> Locator:
    return page.locator(".ag-cell-inline-editing input, .ag-popup-editor textarea").first


def type_in(page: Page, text: str) -> None:
    """Type into the focused cell and commit with Enter: the first key starts the edit
    (a person's next key comes later than the editor does; a test's waits for it)."""
    page.keyboard.type(text[0])
    expect(editor_of(page)).to_be_focused()
    page.keyboard.type(text[1:])
    expect(editor_of(page)).to_have_value(text)
    page.keyboard.press("Enter")


def pick_unit(page: Page, unit: str) -> None:
    """Enter opens the unit's field (with its list of units), then the unit is typed."""
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="Enhet")).to_be_focused()
    page.keyboard.type(unit)
    expect(page.get_by_role("combobox", name="Enhet")).to_have_value(unit)
    page.keyboard.press("Enter")


# --- the stories --------------------------------------------------------------------


def test_an_mf_built_from_the_keyboard_alone_totals_to_the_ore(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "mf")
    schedule_id = create_schedule(team.owner, team.project_id)
    page = open_editor(screen, team.owner, team.project_id, schedule_id)
    expect(page.get_by_text("Inga rader än.")).to_be_visible()
    screen.check("schedule-empty")

    # A heading from the toolbar (reached by the keyboard), then two items under it.
    page.get_by_role("button", name="Ny rubrik").focus()
    page.keyboard.press("Enter")
    expect(cell_by_title(page, "Ny rubrik", "title")).to_be_focused()
    type_in(page, "Mark")
    page.keyboard.press("Control+Enter")  # on a heading: the first row under it
    expect(cell_by_title(page, "Ny post", "title")).to_be_focused()
    type_in(page, "Schakt")
    page.keyboard.press("ArrowRight")
    pick_unit(page, "m3")
    for text in ("12,5", "185,25"):  # Mängd, À-pris
        page.keyboard.press("ArrowRight")
        type_in(page, text)
    page.keyboard.press("Control+Enter")
    expect(cell_by_title(page, "Ny post", "title")).to_be_focused()
    type_in(page, "Fyllning")
    page.keyboard.press("ArrowRight")
    pick_unit(page, "m2")
    for text in ("2,675", "3,33"):
        page.keyboard.press("ArrowRight")
        type_in(page, text)
    all_saved(page)

    # 12.5 × 185.25 = 2315.625 → 2315.63; 2.675 × 3.33 = 8.90775 → 8.91 (half up).
    expect(cell_by_title(page, "Schakt", "amount")).to_have_text(f"2{NBSP}315,63")
    expect(cell_by_title(page, "Fyllning", "amount")).to_have_text("8,91")
    # The heading's row carries its subtotal.
    expect(cell_by_title(page, "Mark", "amount")).to_have_text(f"2{NBSP}324,54")
    expect(page.get_by_test_id("summary-total")).to_have_text(
        f"Totalt: {money(Decimal('2324.54'))}"
    )
    expect(page.get_by_test_id("summary-headings")).to_contain_text(money(Decimal("2324.54")))
    expect(page.get_by_test_id("summary-priced")).to_have_text("2")
    expect(page.get_by_test_id("summary-unpriced")).to_have_text("0")
    summary = summary_of(team.owner, team.project_id, schedule_id)
    assert summary["total"] == "2324.54"
    assert [(h["title"], h["total"]) for h in summary["headings"]] == [("Mark", "2324.54")]
    rows = rows_of(team.owner, team.project_id, schedule_id)
    assert [
        (r["kind"], r["title"], r["unit"], r["quantity"], r["unit_price"], r["depth"]) for r in rows
    ] == [
        ("heading", "Mark", None, None, None, 0),
        ("item", "Schakt", "m3", "12.500", "185.25", 1),
        ("item", "Fyllning", "m2", "2.675", "3.33", 1),
    ]

    # The shortcut sheet on ?, and the editor passes axe.
    cell_by_title(page, "Schakt", "code").click()
    page.keyboard.press("?")
    sheet = page.get_by_role("dialog", name="Kortkommandon")
    expect(sheet).to_contain_text("Ny rad under")
    expect(sheet).to_contain_text("Ctrl+Enter")
    expect(sheet).to_contain_text("Alt+Shift+→")
    screen.check("schedule-shortcuts")
    sheet.get_by_role("button", name="Stäng").last.click()
    screen.check("schedule-editor")
    # AG Grid's own words for assistive technology (what it says of a focused row) are
    # Swedish too.
    cell_by_title(page, "Fyllning", "code").click()
    described = page.locator(".ag-aria-description-container")
    expect(described).to_contain_text("Tryck")
    assert "Press " not in page.locator(".ag-root-wrapper").evaluate("e => e.outerHTML")


def paste(page: Page, text: str) -> None:
    """What Ctrl+V delivers: a paste event with Excel's text/plain, on the focused cell."""
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            const event = new ClipboardEvent(
                "paste", { clipboardData: data, bubbles: true, cancelable: true }
            );
            document.activeElement.dispatchEvent(event);
        }""",
        text,
    )


def grouped(value: Decimal, places: int) -> str:
    """A number as Swedish Excel copies it with grouping: 12 345,125 (no-break spaces)."""
    whole, fraction = f"{value:.{places}f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{NBSP.join(groups)},{fraction}"


def test_a_pasted_excel_block_of_50_rows_lands_as_one_batch(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "paste")
    schedule_id = create_schedule(team.owner, team.project_id)
    heading, item = seeded(team.owner, team.project_id, schedule_id)
    page = open_editor(screen, team.owner, team.project_id, schedule_id)

    # Kod … Anm., as Excel copies them: the first line onto the row there is, with quoted
    # cells holding line breaks and quotes (in Benämning a break becomes a space; Anm.
    # keeps it), a worked-out Belopp (skipped); 49 new rows below it.
    lines = [
        'DCB.1\t"Schakt för\nledning, ""djup"""\tm3\t1 234,5\t185,25\t228 690,13\tVA\t\tR'
        '\t"Se ritning\nK-101"'
    ]
    expected = (Decimal("1234.5") * Decimal("185.25")).quantize(ORE, ROUND_HALF_UP)
    for number in range(2, 51):
        quantity = Decimal(number * 1000) + Decimal("0.125")
        price = Decimal(f"{number}.35")
        lines.append(f"DCB.{number}\tPost {number}\tm2\t{grouped(quantity, 3)}\t{number},35")
        expected += (quantity * price).quantize(ORE, ROUND_HALF_UP)
    cell(page, item, "code").click()
    paste(page, "\r\n".join(lines) + "\r\n")

    expect(page.get_by_test_id("editor-notice")).to_contain_text(
        "Inklistrat: 1 rader ändrade och 49 nya"
    )
    all_saved(page)
    rows = rows_of(team.owner, team.project_id, schedule_id)
    items = [row for row in rows if row["kind"] == "item"]
    assert len(items) == 50
    assert all(row["parent_id"] == heading for row in items)
    assert items[0]["id"] == item
    first = items[0]
    assert (first["title"], first["note"]) == ('Schakt för ledning, "djup"', "Se ritning\nK-101")
    assert (first["quantity"], first["cost_bearer"], first["regulation"]) == ("1234.500", "VA", "R")
    assert [row["code"] for row in items] == [f"DCB.{n}" for n in range(1, 51)]
    assert items[-1]["quantity"] == "50000.125"
    summary = summary_of(team.owner, team.project_id, schedule_id)
    assert Decimal(summary["total"]) == expected
    expect(page.get_by_test_id("summary-total")).to_have_text(f"Totalt: {money(expected)}")

    # One step to undo: the whole paste goes, and the row that was there is as it was.
    cell(page, item, "code").click()
    page.keyboard.press("Control+z")
    all_saved(page)
    rows = rows_of(team.owner, team.project_id, schedule_id)
    assert [(r["title"], r["quantity"]) for r in rows if r["kind"] == "item"] == [
        ("Schakt", "10.000")
    ]
    expect(page.get_by_test_id("summary-total")).to_have_text(f"Totalt: {money(Decimal('1000'))}")

    # A block with junk in it changes nothing and says where.
    paste(page, "DCB.9\tPost\tm2\t12-\t5\r\n")
    expect(page.get_by_test_id("editor-notice")).to_contain_text("Rad 1 i inklistringen, Mängd")
    assert len(rows_of(team.owner, team.project_id, schedule_id)) == 2


def test_a_conflict_between_two_people_is_settled_both_ways(
    screen: Screen,  # noqa: F811
    second_screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "conflict")
    colleague = signed_up(host, client, "colleague")
    join(host, team.owner, team.project_id, colleague, team.roles["editor"])
    schedule_id = create_schedule(team.owner, team.project_id)
    _, item = seeded(team.owner, team.project_id, schedule_id)
    anna = open_editor(screen, team.owner, team.project_id, schedule_id)
    # Bo's page hears nothing of Anna's edits (no change feed): his edit meets hers.
    second_screen.context.route("**/changes?*", lambda route: route.abort())
    bo = open_editor(second_screen, colleague, team.project_id, schedule_id)

    def edit_quantity(page: Page, text: str) -> None:
        cell(page, item, "quantity").click()
        type_in(page, text)

    def quantity_on_server() -> str:
        return str(
            next(r for r in rows_of(team.owner, team.project_id, schedule_id) if r["id"] == item)[
                "quantity"
            ]
        )

    for anna_says, bo_says, choice, stands in (
        ("5", "7", "Behåll kollegans", "5.000"),
        ("6", "8", "Spara mitt värde", "8.000"),
    ):
        edit_quantity(anna, anna_says)
        all_saved(anna)
        edit_quantity(bo, bo_says)
        conflict = bo.get_by_role("alert").filter(has_text="En kollega hann ändra samma rad")
        expect(conflict).to_be_visible()
        expect(conflict.get_by_test_id("conflict-mine")).to_have_text(bo_says)
        expect(conflict.get_by_test_id("conflict-theirs")).to_have_text(anna_says)
        expect(cell(bo, item, "quantity")).to_contain_text(f"Kollegan: {anna_says}")
        assert quantity_on_server() == f"{anna_says}.000"  # nothing overwritten yet
        if choice == "Behåll kollegans":
            second_screen.check("schedule-conflict")
        conflict.get_by_role("button", name=choice).click()
        all_saved(bo)
        expect(conflict).to_have_count(0)
        assert quantity_on_server() == stands
        expect(cell(bo, item, "quantity")).to_have_text(stands.removesuffix(".000"))


def test_a_colleagues_edit_arrives_without_a_reload(
    screen: Screen,  # noqa: F811
    second_screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "feed")
    colleague = signed_up(host, client, "feedmate")
    join(host, team.owner, team.project_id, colleague, team.roles["editor"])
    schedule_id = create_schedule(team.owner, team.project_id)
    heading, item = seeded(team.owner, team.project_id, schedule_id)
    anna = open_editor(screen, team.owner, team.project_id, schedule_id)
    bo = open_editor(second_screen, colleague, team.project_id, schedule_id)

    # Bo is typing in another row while Anna's change arrives: his edit stays as it is.
    cell(bo, heading, "title").click()
    bo.keyboard.type("M")
    expect(editor_of(bo)).to_be_focused()
    bo.keyboard.type("arkarbeten")
    cell(anna, item, "unit_price").click()
    type_in(anna, "250")
    all_saved(anna)
    expect(cell(bo, item, "unit_price")).to_have_text("250,00", timeout=10_000)
    expect(bo.get_by_test_id("summary-total")).to_have_text(f"Totalt: {money(Decimal('2500'))}")
    expect(editor_of(bo)).to_be_focused()
    expect(editor_of(bo)).to_have_value("Markarbeten")
    bo.keyboard.press("Enter")
    all_saved(bo)
    expect(cell(anna, heading, "title")).to_have_text("Markarbeten", timeout=10_000)


def test_collapse_indent_outdent_delete_with_undo_and_redo(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "tree")
    schedule_id = create_schedule(team.owner, team.project_id)
    heading, item = seeded(team.owner, team.project_id, schedule_id)
    second, other = str(uuid.uuid4()), str(uuid.uuid4())
    batch(
        team.owner,
        team.project_id,
        schedule_id,
        [
            {
                "op": "create",
                "id": other,
                "kind": "item",
                "parent_id": heading,
                "title": "Fyllning",
            },
            {"op": "create", "id": second, "kind": "heading", "code": "DCC", "title": "Ledningar"},
        ],
    )
    page = open_editor(screen, team.owner, team.project_id, schedule_id)

    def place(row_id: str) -> tuple[str | None, int]:
        row = next(
            r for r in rows_of(team.owner, team.project_id, schedule_id) if r["id"] == row_id
        )
        return row["parent_id"], row["depth"]

    # Outdent Fyllning out of Mark, undo, redo, undo.
    cell(page, other, "code").click()
    page.keyboard.press("Alt+Shift+ArrowLeft")
    all_saved(page)
    assert place(other) == (None, 0)
    page.keyboard.press("Control+z")
    all_saved(page)
    assert place(other) == (heading, 1)
    page.keyboard.press("Control+y")
    all_saved(page)
    assert place(other) == (None, 0)
    page.keyboard.press("Control+z")
    all_saved(page)
    assert place(other) == (heading, 1)

    # Indent Ledningar under Mark; an item cannot be indented under an item.
    cell(page, second, "code").click()
    page.keyboard.press("Alt+Shift+ArrowRight")
    all_saved(page)
    assert place(second) == (heading, 1)
    cell(page, other, "code").click()
    page.keyboard.press("Alt+Shift+ArrowRight")
    expect(page.get_by_test_id("editor-notice")).to_contain_text("under en rubrik ovanför")

    # Collapse Mark with its button, expand it from the keyboard.
    page.get_by_role("button", name="Fäll ihop Mark").click()
    expect(cell(page, item, "title")).to_have_count(0)
    expect(page.get_by_role("button", name="Fäll ut Mark")).to_have_attribute(
        "aria-expanded", "false"
    )
    cell(page, heading, "title").click()
    page.keyboard.press("Alt+Shift+ArrowDown")
    expect(cell(page, item, "title")).to_have_text("Schakt")

    # Delete a row and take it back: the same row again.
    cell(page, item, "title").click()
    page.keyboard.press("Alt+Shift+Delete")
    all_saved(page)
    assert item not in [r["id"] for r in rows_of(team.owner, team.project_id, schedule_id)]
    page.keyboard.press("Control+z")
    all_saved(page)
    restored = next(r for r in rows_of(team.owner, team.project_id, schedule_id) if r["id"] == item)
    assert (restored["title"], restored["quantity"], restored["parent_id"]) == (
        "Schakt",
        "10.000",
        heading,
    )


def test_a_viewer_reads_but_cannot_edit(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "view")
    viewer = signed_up(host, client, "viewer")
    join(host, team.owner, team.project_id, viewer, team.roles["viewer"])
    schedule_id = create_schedule(team.owner, team.project_id)
    _, item = seeded(team.owner, team.project_id, schedule_id)
    page = open_editor(screen, viewer, team.project_id, schedule_id)

    expect(page.get_by_test_id("read-only-reason")).to_contain_text(
        "din roll i projektet får inte redigera mängdförteckningar"
    )
    expect(page.get_by_role("toolbar", name="Verktyg för raderna")).to_have_count(0)
    cell(page, item, "quantity").dblclick()
    page.keyboard.type("99")
    page.keyboard.press("Enter")
    expect(editor_of(page)).to_have_count(0)
    cell(page, item, "title").click()
    page.keyboard.press("Delete")
    paste(page, "Annat\r\n")
    expect(cell(page, item, "title")).to_have_text("Schakt")
    expect(page.get_by_test_id("summary-total")).to_have_text(f"Totalt: {money(Decimal('1000'))}")
    screen.check("schedule-viewer")
    rows = rows_of(team.owner, team.project_id, schedule_id)
    assert [(r["title"], r["quantity"]) for r in rows if r["kind"] == "item"] == [
        ("Schakt", "10.000")
    ]


def test_an_issued_revision_opens_read_only_and_a_comparison_marks_its_changes(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "compare")
    schedule_id = create_schedule(team.owner, team.project_id)
    heading, item = seeded(team.owner, team.project_id, schedule_id)
    base = f"/api/projects/{team.project_id}/schedules/{schedule_id}"
    issued = team.owner.browser.post(f"{base}/revisions", json={"label": "PM 1"})
    assert issued.status_code == 201, issued.text
    pm1 = issued.json()["id"]
    changed = team.owner.browser.patch(
        f"{base}/rows/{item}", json={"quantity": "12.000"}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    added = str(uuid.uuid4())
    batch(
        team.owner,
        team.project_id,
        schedule_id,
        [
            {
                "op": "create",
                "id": added,
                "kind": "item",
                "parent_id": heading,
                "title": "Fyllning",
                "unit": "m2",
                "quantity": "2.000",
                "unit_price": "50.00",
            }
        ],
    )
    page = open_editor(screen, team.owner, team.project_id, schedule_id)
    expect(cell(page, item, "quantity")).to_have_text("12")

    page.goto(f"{host.base_url}/projects/{team.project_id}/schedules/{schedule_id}?revision={pm1}")
    expect(page.get_by_test_id("read-only-reason")).to_contain_text("revisionen PM 1")
    # (An issued revision holds copies of the rows, under ids of their own.)
    expect(cell_by_title(page, "Schakt", "quantity")).to_have_text("10")
    expect(cell_by_title(page, "Fyllning", "title")).to_have_count(0)
    expect(page.get_by_role("toolbar", name="Verktyg för raderna")).to_have_count(0)

    page.goto(
        f"{host.base_url}/projects/{team.project_id}/schedules/{schedule_id}"
        f"?compare={pm1}&to=working"
    )
    comparison = page.get_by_test_id("comparison")
    expect(comparison).to_contain_text("1 tillagda, 0 borttagna, 1 ändrade rader")
    expect(page.get_by_test_id("comparison-total")).to_have_text(
        f"Totalt {money(Decimal('1000'))} → {money(Decimal('1300'))}"
        f" (skillnad {money(Decimal('300'))})"
    )
    expect(cell(page, item, "quantity")).to_have_class(re.compile("schedule-cell-changed"))
    expect(cell(page, item, "quantity")).to_contain_text("Ändrad, förut: 10")
    expect(cell(page, item, "unit_price")).not_to_have_class(re.compile("schedule-cell-changed"))
    expect(cell(page, added, "title")).to_have_class(re.compile("schedule-cell-added"))
    expect(cell(page, added, "status")).to_contain_text("Tillagd")
    expect(page.get_by_role("toolbar", name="Verktyg för raderna")).to_have_count(0)
    screen.check("schedule-compare")


def test_a_save_that_failed_is_kept_retried_and_guarded_on_leaving(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "offline")
    schedule_id = create_schedule(team.owner, team.project_id)
    _, item = seeded(team.owner, team.project_id, schedule_id)
    page = open_editor(screen, team.owner, team.project_id, schedule_id)
    # The connection drops for the row's PATCH: the edit stays, said to be unsaved.
    offline = f"**/schedules/{schedule_id}/rows/{item}"
    page.route(offline, lambda route: route.abort("internetdisconnected"))
    cell(page, item, "quantity").click()
    type_in(page, "42")
    expect(page.get_by_test_id("save-status")).to_contain_text("1 ändring kunde inte sparas än")
    expect(cell(page, item, "amount")).to_have_text(f"4{NBSP}200,00")
    assert (
        next(r for r in rows_of(team.owner, team.project_id, schedule_id) if r["id"] == item)[
            "quantity"
        ]
        == "10.000"
    )
    # Leaving now asks first; staying keeps the edit.
    page.get_by_role("link", name="Till projektets mängdförteckningar").click()
    question = page.get_by_role("dialog", name="Du har ändringar som inte är sparade än.")
    expect(question).to_be_visible()
    screen.check("schedule-leave-unsaved")
    question.get_by_role("button", name="Stanna kvar").click()
    expect(question).to_be_hidden()
    expect(page.get_by_role("heading", name="MF Mark", level=1)).to_be_visible()
    # The connection is back: the edit is sent again by itself and lands.
    page.unroute(offline)
    all_saved(page)
    assert (
        next(r for r in rows_of(team.owner, team.project_id, schedule_id) if r["id"] == item)[
            "quantity"
        ]
        == "42.000"
    )
    # Nothing unsaved: leaving asks nothing.
    page.get_by_role("link", name="Till projektets mängdförteckningar").click()
    expect(page.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()
