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
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.accounts import Account, join, new_team, signed_up
from tests.conftest import Host
from tests.test_web_auth import (  # noqa: F401  (browser and screen are fixtures)
    Screen,
    browser,
    screen,
    sign_in_on,
)

NBSP = "\u00a0"
ORE = Decimal("0.01")


@pytest.fixture
def second_screen(browser: Browser, host: Host) -> Iterator[Screen]:  # noqa: F811
    """A colleague's browser: a context of its own."""
    context = browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", reduced_motion="reduce"
    )
    context.set_default_timeout(15_000)
    opened = Screen(context, host)
    yield opened
    context.close()
    assert not opened.troubles, "\n".join(opened.troubles)


# --- set-up over the API ------------------------------------------------------------


def create_schedule(account: Account, project_id: str, name: str = "MF Mark") -> str:
    response = account.browser.post(f"/api/projects/{project_id}/schedules", json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def batch(account: Account, project_id: str, schedule_id: str, operations: list[dict[str, Any]]) -> None:
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
    expect(page.get_by_role("treegrid").or_(page.get_by_role("grid")).first).to_be_visible()
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
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{NBSP.join(groups)},{fraction}{NBSP}kr"


def all_saved(page: Page) -> None:
    expect(page.get_by_test_id("save-status")).to_have_text("Alla ändringar är sparade", timeout=15_000)


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
    expect(page.get_by_test_id("summary-total")).to_have_text(f"Totalt: {money(Decimal('2324.54'))}")
    expect(page.get_by_test_id("summary-headings")).to_contain_text(money(Decimal("2324.54")))
    expect(page.get_by_test_id("summary-priced")).to_have_text("2")
    expect(page.get_by_test_id("summary-unpriced")).to_have_text("0")
    summary = summary_of(team.owner, team.project_id, schedule_id)
    assert summary["total"] == "2324.54"
    assert [(h["title"], h["total"]) for h in summary["headings"]] == [("Mark", "2324.54")]
    rows = rows_of(team.owner, team.project_id, schedule_id)
    assert [(r["kind"], r["title"], r["unit"], r["quantity"], r["unit_price"], r["depth"]) for r in rows] == [
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
