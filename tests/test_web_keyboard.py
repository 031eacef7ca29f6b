"""The web app with the keyboard alone (WCAG 2.1.1, 2.4.7): every step below is a key
press, never a click, and whatever has the focus shows it.

Fixtures and helpers are tests/test_web_auth.py's (Debian's Chromium, the dev host).
"""

from __future__ import annotations

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.accounts import new_team
from tests.conftest import Host
from tests.test_web_auth import Screen, assert_focus_visible, browser, labelled, screen

__all__ = ["browser", "screen"]  # the fixtures, used by name

MOST_TABS = 60  # more than any screen here has stops before what a test looks for


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab) until `target` has the focus, each stop showing its ring."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        if target.evaluate("element => element === document.activeElement"):
            assert_focus_visible(page)
            return
    raise AssertionError(f"{MOST_TABS} presses of {key} did not reach {target}")


def test_sign_in_open_a_project_get_help_and_switch_language_by_keyboard(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    team = new_team(host, client, "keys")
    page = screen.open("/sign-in")
    expect(page.get_by_role("heading", name="Logga in", level=1)).to_be_visible()

    tab_to(page, page.get_by_role("textbox", name="E-postadress"))
    page.keyboard.type(team.owner.email)
    tab_to(page, labelled(page, "Lösenord"))
    page.keyboard.type(team.owner.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()

    # The skip link goes past the header to the page's content.
    tab_to(page, page.get_by_role("link", name="Hoppa till innehållet"), backwards=True)
    page.keyboard.press("Enter")
    project = page.get_by_role("table", name="Projekt där du är medlem").get_by_role(
        "link", name="Väg 56"
    )
    tab_to(page, project)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()

    # The project's tabs move with the arrow keys, as a tab list does.
    settings = page.get_by_role("tab", name="Inställningar")
    tabs = page.get_by_role("tablist").first.get_by_role("tab")
    names = [tab.inner_text() for tab in tabs.all()]
    selected = page.get_by_role("tab", selected=True)
    tab_to(page, selected)
    steps = (names.index("Inställningar") - names.index(selected.inner_text())) % len(names)
    for _ in range(steps):  # each press selects the next tab (and waits for it)
        before = page.evaluate("document.activeElement.id")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(id) => document.activeElement.id !== id", arg=before)
    expect(settings).to_have_attribute("aria-selected", "true")
    expect(settings).to_be_focused()
    assert_focus_visible(page)
    expect(page.get_by_role("tabpanel", name="Inställningar")).to_be_visible()

    # Help opens as a dialog that holds the focus; Escape closes it and gives the focus
    # back to the button that opened it.
    help_button = page.get_by_role("button", name="Hjälp", exact=True)
    tab_to(page, help_button, backwards=True)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Hjälp och support")
    expect(dialog).to_be_visible()
    assert dialog.evaluate("element => element.contains(document.activeElement)")
    for _ in range(12):  # the focus stays inside while it is open
        page.keyboard.press("Tab")
        assert dialog.evaluate("element => element.contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(help_button).to_be_focused()

    # The language switch is a button like any other.
    tab_to(page, page.get_by_role("button", name="English"), backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Svenska")).to_be_visible()
    expect(page.get_by_role("tab", name="Settings")).to_be_visible()

    # And out again.
    tab_to(page, page.get_by_role("button", name="Sign out"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/sign-in?signed_out=1")
