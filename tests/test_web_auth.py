"""The web app in a real browser: Debian's Chromium, headless, driven by Playwright,
against the dev host serving the built SPA (web/dist, `make test` builds it) and the API.

Every element is found by its role and accessible name, as assistive technology finds it;
each screen passes axe-core without serious or critical violations, keyboard focus is
visible, the page breaks no rule of its Content-Security-Policy, and a screenshot of each
screen (in Swedish) is kept in test-artifacts/web/ for people to look at.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from tests.accounts import (
    PASSWORD,
    Account,
    create_org,
    create_project,
    messages_to,
    new_team,
    sign_in,
    signed_up,
    text_of,
    totp_now,
    unique_email,
    with_email_otp,
    with_totp,
)
from tests.accounts import Browser as ApiBrowser
from tests.conftest import REPO, Host

CHROMIUM = Path("/usr/bin/chromium")
DIST = REPO / "web" / "dist"
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts" / "web"
SEVERE = {"serious", "critical"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    for needed, how in (
        (CHROMIUM, "apt-get install chromium (make browser)"),
        (DIST / "index.html", "build the web app (make web)"),
        (AXE, "npm ci in web/ (make web)"),
    ):
        if not needed.exists():
            pytest.fail(f"{needed} is missing: {how}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


class Screen:
    """A browser tab on the app, with what it noticed: page errors and CSP violations."""

    def __init__(self, context: BrowserContext, host: Host) -> None:
        self.context = context
        self.host = host
        self.page: Page = context.new_page()
        self.troubles: list[str] = []
        self.page.on("pageerror", lambda error: self.troubles.append(f"page error: {error}"))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.troubles.append(f"CSP: {message.text}")

    def open(self, path: str) -> Page:
        self.page.goto(f"{self.host.base_url}{path}")
        return self.page

    def check(self, name: str) -> None:
        """axe-core on the screen as it is now, and its screenshot."""
        self.page.wait_for_load_state("networkidle")
        # page.evaluate runs through the DevTools protocol, which the CSP does not govern
        # (add_script_tag would insert an inline script, which the CSP refuses).
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        results = self.page.evaluate(
            "async () => { const r = await axe.run(document); return r.violations; }"
        )
        severe = [
            {
                "id": violation["id"],
                "impact": violation["impact"],
                "help": violation["help"],
                "nodes": [node["target"] for node in violation["nodes"]][:5],
            }
            for violation in results
            if violation["impact"] in SEVERE
        ]
        assert not severe, f"{name}: axe found\n{json.dumps(severe, indent=2)}"
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        assert not self.troubles, "\n".join(self.troubles)


@pytest.fixture
def screen(browser: Browser, host: Host) -> Iterator[Screen]:
    context = browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", reduced_motion="reduce"
    )
    context.set_default_timeout(15_000)
    opened = Screen(context, host)
    yield opened
    context.close()
    assert not opened.troubles, "\n".join(opened.troubles)


def wait_for_code(host: Host, address: str, after: int) -> str:
    """The code in the first e-mail to `address` after the `after` it had already."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        messages = messages_to(host.outbox, address)
        if len(messages) > after:
            text = text_of(messages[-1])
            match = re.search(r"\b(\d{6})\b", text)
            assert match, text
            return match.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no new e-mail to {address}")


def assert_focus_visible(page: Page) -> None:
    """What the keyboard focused shows a ring: an outline of at least 2 px."""
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; }"
    )
    tag, outline_style, outline_width = style
    assert tag != "BODY", "nothing has the focus"
    assert outline_style != "none", style
    assert float(outline_width.removesuffix("px")) >= 2, style


def labelled(page: Page, label: str) -> Locator:
    """The field with this label (a password field has no role to find it by); Mantine
    adds an asterisk to a required field's label, hidden from assistive technology."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def sign_in_on(page: Page, address: str, password: str) -> None:
    page.get_by_role("textbox", name="E-postadress").fill(address)
    labelled(page, "Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def test_sign_up_verify_sign_in_switch_language_and_sign_out(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    page = screen.open("/")
    # Signed out, the start page asks to sign in first.
    expect(page.get_by_role("heading", name="Logga in", level=1)).to_be_visible()
    assert "/sign-in?next=%2Fprojects" in page.url
    screen.check("sign-in")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Hoppa till innehållet")).to_be_focused()
    assert_focus_visible(page)
    page.get_by_role("link", name="Inget konto än? Skapa ett").click()

    expect(page.get_by_role("heading", name="Skapa konto", level=1)).to_be_visible()
    screen.check("sign-up")
    address = unique_email("web")
    page.get_by_role("textbox", name="Namn").fill("Anna Lindqvist")
    page.get_by_role("textbox", name="E-postadress").fill(address)
    # A refused password is explained beside its field, in the language on screen.
    labelled(page, "Lösenord").fill("password")
    page.get_by_role("button", name="Skapa konto").click()
    refusal = page.get_by_text("Lösenordet är ett av de vanligaste. Välj ett annat.")
    expect(refusal).to_be_visible()
    expect(labelled(page, "Lösenord")).to_have_attribute("aria-invalid", "true")
    expect(labelled(page, "Lösenord")).to_have_accessible_description(
        re.compile("^Lösenordet är ett av de vanligaste. Välj ett annat. Minst 8 tecken.")
    )
    screen.check("sign-up-refused")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("This password is among the most common ones.")).to_be_visible()
    page.get_by_role("button", name="Svenska").click()
    expect(refusal).to_be_visible()
    labelled(page, "Lösenord").fill(PASSWORD)
    labelled(page, "Lösenord").press("Tab")
    page.get_by_role("button", name="Skapa konto").focus()
    assert_focus_visible(page)
    page.get_by_role("button", name="Skapa konto").press("Enter")

    expect(page.get_by_role("heading", name="Bekräfta din e-postadress")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        f"Kolla din e-post: vi har skickat en kod till {address}."
    )
    screen.check("verify-email")
    page.get_by_role("textbox", name="Kod").fill(wait_for_code(host, address, 0))
    labelled(page, "Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Bekräfta").click()

    expect(page.get_by_role("status")).to_have_text(
        "E-postadressen är bekräftad. Nu kan du logga in."
    )
    expect(page.get_by_role("textbox", name="E-postadress")).to_have_value(address)
    labelled(page, "Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()

    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Du är inte med i något projekt än.")
    # A project of theirs (made over the API) is listed, with its role.
    account = Account(address, PASSWORD, ApiBrowser(client))
    account.browser = sign_in(client, account)[0]
    create_project(account, create_org(account), "Väg 56", number="P-2026-014")
    page.reload()
    table = page.get_by_role("table", name="Projekt där du är medlem")
    expect(table.get_by_role("link", name="Väg 56")).to_be_visible()
    expect(table.get_by_role("cell", name="P-2026-014")).to_be_visible()
    expect(
        table.get_by_role("cell", name="Ägare").or_(table.get_by_role("cell", name="Owner"))
    ).to_be_visible()
    screen.check("projects")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.get_by_role("button", name="Svenska")).to_be_visible()
    deadline = time.monotonic() + 10
    while account.browser.get("/api/me").json()["locale"] != "en":
        assert time.monotonic() < deadline, "the profile's locale was not saved"
        time.sleep(0.1)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in?signed_out=1")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    screen.open("/projects")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def test_sign_in_with_an_e_mail_code(screen: Screen, host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "otp")
    with_email_otp(host, account)
    sent = len(messages_to(host.outbox, account.email))
    page = screen.open("/sign-in")
    sign_in_on(page, account.email, account.password)

    expect(page.get_by_role("heading", name="Bekräfta att det är du")).to_be_visible()
    expect(page.get_by_role("tab", name="Kod via e-post")).to_have_attribute(
        "aria-selected", "true"
    )
    # The resend waits out its cooldown, and says so.
    resend = page.get_by_role("button", name="Skicka en ny kod")
    expect(resend).to_be_disabled()
    expect(resend).to_have_accessible_description(
        re.compile(r"^Du kan be om en ny kod om \d+ sekunder\.$")
    )
    screen.check("sign-in-code")
    code = wait_for_code(host, account.email, sent)

    wrong = "000000" if code != "000000" else "111111"
    field = page.get_by_role("textbox", name="Kod från e-postmeddelandet")
    field.fill(wrong)
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_role("alert")).to_contain_text("Koden stämmer inte.")
    screen.check("sign-in-code-wrong")

    field.fill(code)
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()


def test_sign_in_with_an_authenticator_or_a_recovery_code(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "totp")
    with_totp(host, account)
    assert account.totp_secret
    page = screen.open("/sign-in")
    sign_in_on(page, account.email, account.password)
    page.get_by_role("tab", name="Autentiseringsapp").click()
    page.get_by_role("textbox", name="Kod från autentiseringsappen").fill(
        totp_now(host, account.totp_secret, steps_ahead=1)  # the confirm used this step
    )
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()

    page.get_by_role("button", name="Logga ut").click()
    sign_in_on(page, account.email, account.password)
    page.get_by_role("tab", name="Återställningskod").click()
    screen.check("sign-in-recovery-code")
    page.get_by_role("textbox", name="Återställningskod").fill(account.recovery_codes[0])
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()


def test_a_deep_link_survives_signing_in(screen: Screen, host: Host, client: httpx.Client) -> None:
    team = new_team(host, client, "deep")
    # Reloading a deep link serves the app (with its CSP); API paths stay JSON.
    for path in (f"/projects/{team.project_id}?view=rows", "/invitations/accept?token=abc"):
        document = client.get(path)
        assert document.status_code == 200, path
        assert '<div id="root"></div>' in document.text
        assert "script-src 'self'" in document.headers["content-security-policy"]
    missing = client.get("/api/no-such-endpoint")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"

    target = f"/projects/{team.project_id}?view=rows#top"
    page = screen.open(target)
    expect(page.get_by_role("status")).to_have_text("Logga in för att fortsätta.")
    sign_in_on(page, team.owner.email, team.owner.password)
    expect(page.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()
    assert page.url == f"{host.base_url}{target}"
    screen.check("project")

    # The help button's hook-point (support plugs in here): a dialog for now.
    page.get_by_role("button", name="Hjälp").click()
    dialog = page.get_by_role("dialog", name="Hjälp och support")
    expect(dialog).to_be_visible()
    screen.check("help")
    dialog.get_by_role("button", name="Stäng").first.click()
    expect(dialog).to_be_hidden()

    screen.open("/no-such-page")
    expect(page.get_by_role("heading", name="Sidan finns inte")).to_be_visible()
    screen.check("not-found")
    page.get_by_role("link", name="Till startsidan").click()
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()


def test_forgot_and_reset_the_password(screen: Screen, host: Host, client: httpx.Client) -> None:
    account = signed_up(host, client, "reset")
    sent = len(messages_to(host.outbox, account.email))
    page = screen.open("/sign-in")
    page.get_by_role("link", name="Glömt lösenordet?").click()
    expect(page.get_by_role("heading", name="Glömt lösenordet")).to_be_visible()
    screen.check("forgot-password")
    page.get_by_role("textbox", name="E-postadress").fill(account.email)
    page.get_by_role("button", name="Skicka kod").click()

    expect(page.get_by_role("heading", name="Välj ett nytt lösenord")).to_be_visible()
    screen.check("reset-password")
    page.get_by_role("textbox", name="Kod").fill(wait_for_code(host, account.email, sent))
    labelled(page, "Nytt lösenord").fill("x")
    page.get_by_role("button", name="Byt lösenord").click()
    # The API's field error shows beside its field.
    expect(page.get_by_role("alert").first).to_be_visible()
    password_field = labelled(page, "Nytt lösenord")
    described_by = password_field.get_attribute("aria-describedby") or ""
    error_id = next(name for name in described_by.split() if name.endswith("-error"))
    expect(page.locator(f"[id='{error_id}']")).not_to_be_empty()
    screen.check("reset-password-refused")

    new_password = "Bjälklag kalksten sjuttiosju"
    password_field.fill(new_password)
    page.get_by_role("button", name="Byt lösenord").click()
    expect(page.get_by_role("status")).to_have_text("Lösenordet är bytt. Logga in med det nya.")
    labelled(page, "Lösenord").fill(new_password)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()


def test_a_rate_limit_says_when_to_try_again(screen: Screen) -> None:
    # The API's answer after too many tries (auth.service's login delay), without
    # spending this host's real per-client budget of failed sign-ins.
    problem = {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "Too many failed sign-ins; wait before trying again.",
        "code": "rate_limited",
    }
    screen.page.route(
        "**/api/auth/login",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "42", "Content-Type": "application/problem+json"},
            body=json.dumps(problem),
        ),
    )
    page = screen.open("/sign-in")
    sign_in_on(page, unique_email("limited"), PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("För många försök. Försök igen om 42 sekunder.")
    screen.check("sign-in-rate-limited")


def test_an_ended_session_returns_to_sign_in_and_then_where_the_person_was(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    team = new_team(host, client, "ended")
    page = screen.open(f"/projects/{team.project_id}")
    sign_in_on(page, team.owner.email, team.owner.password)
    expect(page.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()
    # Elsewhere (the API session), the person ends every other session: this tab's too.
    ended = team.owner.browser.delete("/api/auth/sessions")
    assert ended.status_code == 204, ended.text
    # The next thing this tab asks the API for is refused: on to sign in, and back.
    page.get_by_role("tab", name="Händelselogg").click()
    expect(page.get_by_role("heading", name="Logga in", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Logga in för att fortsätta.")
    sign_in_on(page, team.owner.email, team.owner.password)
    expect(page.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()
    assert page.url.endswith(f"/projects/{team.project_id}?tab=audit")
