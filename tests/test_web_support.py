"""Support and platform administration in a real browser (Chromium, headless, through
Playwright) against the dev host serving the built app: the help dialog on every page,
signed in or not (support hours, the ticket form with its honeypot, the "deny someone
access now" form and its reference), and /admin (finding, disabling an account whose
next request is then refused, closing a ticket; what others see there).

The fixtures and helpers are tests/test_web_auth.py's: each screen passes axe-core
without serious or critical violations, breaks no rule of the CSP, and leaves a
screenshot in Swedish in test-artifacts/web/.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.accounts import (
    make_admin,
    messages_to,
    new_team,
    signed_up,
    unique_email,
    user_id,
    with_email_otp,
)
from tests.conftest import Host
from tests.test_support import wait_for
from tests.test_web_auth import Screen, browser, screen, sign_in_on, wait_for_code

__all__ = ["browser", "screen"]  # the fixtures, used by name

REFERENCE = re.compile(r"CAS-[0-9A-Z]{6}")


def stockholm(value: str) -> str:
    """An API time as the app shows it: `2026-12-01 14:05` in Stockholm time."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M")


def field(scope: Locator, label: str) -> Locator:
    """The field with this label inside `scope` (as test_web_auth's `labelled`: Mantine
    adds an asterisk to a required field's label, hidden from assistive technology)."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def open_help(page: Page) -> Locator:
    page.get_by_role("button", name="Hjälp", exact=True).click()
    dialog = page.get_by_role("dialog", name="Hjälp och support")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Skicka ett ärende")).to_be_visible()
    return dialog


def reference_in(dialog: Locator) -> str:
    sent = dialog.get_by_role("status").filter(has_text="Ditt ärendenummer är")
    expect(sent).to_be_visible()
    match = REFERENCE.search(sent.inner_text())
    assert match, sent.inner_text()
    return match.group(0)


def ticket_row(host: Host, reference: str) -> dict[str, object]:
    columns = "category, subject, message, email, name, user_id, project_id, person_email"
    [row] = host.query(
        f"SELECT {columns} FROM support_tickets WHERE reference = :r",
        r=reference,
    )
    return dict(zip(columns.split(", "), row, strict=True))


def same_id(stored: object, expected: str) -> bool:
    return str(stored).replace("-", "").lower() == expected.replace("-", "").lower()


def test_help_shows_the_support_hours_and_takes_an_anonymous_ticket(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    page = screen.open("/sign-in")
    dialog = open_help(page)

    # Open or closed now, as the API says, with its times in Stockholm time.
    status = client.get("/api/support/status").json()
    expected = (
        f"Supporten är öppen nu, till {stockholm(status['closes_at'])}."
        if status["open"]
        else f"Supporten är stängd just nu. Den öppnar {stockholm(status['opens_at'])}."
    )
    hours = status["hours"].replace("-", "–")
    shown = dialog.get_by_role("status").filter(has_text="Öppettider")
    expect(shown).to_contain_text(expected)
    expect(shown).to_contain_text(f"Öppettider: vardagar {hours} (svensk tid, Europe/Stockholm).")
    # No Intercom app in this deployment: no chat, the form only.
    expect(dialog.get_by_role("heading", name="Chatta med oss")).to_have_count(0)
    # The honeypot is in the form, but neither seen nor reachable.
    honeypot = dialog.locator("input[name=website]")
    expect(honeypot).to_have_count(1)
    expect(honeypot).to_have_attribute("tabindex", "-1")
    expect(honeypot).not_to_be_in_viewport()
    expect(dialog.get_by_role("textbox", name="Lämna det här fältet tomt")).to_have_count(0)
    screen.check("support-help")

    expect(dialog.get_by_role("radio", name="En fråga")).to_be_checked()
    field(dialog, "Rubrik").fill("Exporten saknar à-priser")
    field(dialog, "Meddelande").fill("Hej!\nKolumnen à-pris blir tom i exporten.")
    field(dialog, "Din e-postadress").fill("inte en adress")
    field(dialog, "Ditt namn").fill("Anna Lindqvist")
    dialog.get_by_role("button", name="Skicka", exact=True).click()
    # The API's refusal beside its field.
    expect(field(dialog, "Din e-postadress")).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_role("alert")).to_be_visible()
    screen.check("support-ticket-field-error")

    address = unique_email("anon")
    field(dialog, "Din e-postadress").fill(address)
    dialog.get_by_role("button", name="Skicka", exact=True).click()
    reference = reference_in(dialog)
    screen.check("support-ticket-sent")

    # It arrived: stored, anonymous, as written; and the sender got a confirmation.
    ticket = ticket_row(host, reference)
    assert ticket["category"] == "question"
    assert ticket["subject"] == "Exporten saknar à-priser"
    assert ticket["message"] == "Hej!\nKolumnen à-pris blir tom i exporten."
    assert ticket["email"] == address
    assert ticket["name"] == "Anna Lindqvist"
    assert ticket["user_id"] is None
    assert ticket["person_email"] is None
    wait_for(lambda: len(messages_to(host.outbox, address)) > 0, "the confirmation e-mail")

    # A second ticket starts from an empty form; Escape closes the dialog.
    dialog.get_by_role("button", name="Skicka ett ärende till").click()
    expect(field(dialog, "Rubrik")).to_have_value("")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_a_member_asks_to_deny_someone_access_and_is_no_administrator(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    team = new_team(host, client, "denier")
    page = screen.open("/sign-in")
    sign_in_on(page, team.owner.email, team.owner.password)
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()

    dialog = open_help(page)
    dialog.get_by_role("radio", name="Neka någon åtkomst nu").check()
    expect(dialog.get_by_text("Brådskande ärenden går först i kön.")).to_be_visible()
    # Signed in: no address asked for, the project picked from theirs, no subject.
    expect(dialog.get_by_role("textbox", name=re.compile("^Din e-postadress"))).to_have_count(0)
    expect(dialog.get_by_role("textbox", name=re.compile("^Rubrik"))).to_have_count(0)
    person = unique_email("former")
    field(dialog, "Personens e-postadress").fill(person)
    dialog.get_by_role("combobox", name="Projekt").select_option(label="Väg 56")
    field(dialog, "Något mer vi behöver veta?").fill("Slutade i fredags.")
    screen.check("support-access-denial")
    dialog.get_by_role("button", name="Neka åtkomst").click()
    reference = reference_in(dialog)
    screen.check("support-access-denial-sent")

    ticket = ticket_row(host, reference)
    assert ticket["category"] == "access_denial"
    assert ticket["person_email"] == person
    assert ticket["project_id"] is not None
    assert same_id(ticket["project_id"], team.project_id)
    assert ticket["user_id"] is not None
    assert same_id(ticket["user_id"], user_id(team.owner))
    assert ticket["email"] == team.owner.email
    assert person in str(ticket["subject"])
    assert "Slutade i fredags." in str(ticket["message"])
    page.keyboard.press("Escape")

    # Not a platform administrator: no link to the administration, and its address
    # says so (the API refuses it: 403).
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    page = screen.open("/admin")
    expect(page.get_by_role("heading", name="Plattformsadministration")).to_be_visible()
    expect(page.get_by_role("alert").first).to_have_text(
        "Den här sidan är bara för plattformens administratörer."
    )
    screen.check("admin-forbidden")


def test_an_administrator_without_a_second_factor_is_asked_for_one_and_then_let_in(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    admin = make_admin(host, client, second_factor=False)
    page = screen.open("/sign-in?next=%2Fadmin")
    before = len(messages_to(host.outbox, admin.email))
    sign_in_on(page, admin.email, admin.password)
    expect(page.get_by_role("heading", name="Plattformsadministration")).to_be_visible()
    # The administration answers mfa_required: the step-up dialog asks for the e-mailed
    # code, and the refused reading goes again by itself.
    dialog = page.get_by_role("dialog", name="Bekräfta att det är du")
    expect(dialog).to_be_visible()
    screen.check("admin-step-up")
    dialog.get_by_role("textbox", name="Kod från e-postmeddelandet").fill(
        wait_for_code(host, admin.email, before)
    )
    dialog.get_by_role("button", name="Bekräfta", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("searchbox", name="Sök på namn eller e-postadress")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_an_administrator_disables_a_user_and_closes_a_ticket(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    # An administrator with e-mail codes: signing in in the browser passes a second factor.
    admin = make_admin(host, client, second_factor=False)
    with_email_otp(host, admin)
    target = signed_up(host, client, "target")
    assert target.browser.get("/api/me").status_code == 200
    subject = f"Kan inte logga in {unique_email('s')}"
    sent = client.post(
        "/api/support/tickets",
        json={
            "subject": subject,
            "message": "Jag får inget e-postmeddelande med koden.",
            "category": "problem",
            "email": unique_email("asker"),
        },
    )
    assert sent.status_code == 202, sent.text
    reference = sent.json()["reference"]

    before = len(messages_to(host.outbox, admin.email))
    page = screen.open("/sign-in")
    sign_in_on(page, admin.email, admin.password)
    page.get_by_role("textbox", name="Kod från e-postmeddelandet").fill(
        wait_for_code(host, admin.email, before)
    )
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()

    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="Plattformsadministration")).to_be_visible()
    page.get_by_role("searchbox", name="Sök på namn eller e-postadress").fill(target.email)
    page.get_by_role("button", name="Sök", exact=True).click()
    users = page.get_by_role("table", name="Användare")
    row = users.get_by_role("row").filter(has_text=target.email)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name="Aktiv", exact=True)).to_be_visible()
    screen.check("admin-users")

    row.get_by_role("button", name="Stäng av Test Person").click()
    expect(page.get_by_role("status").filter(has_text="är avstängd")).to_have_text(
        "Test Person är avstängd och utloggad."
    )
    expect(row.get_by_role("cell", name="Avstängd", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name="Aktivera Test Person")).to_be_visible()
    screen.check("admin-user-disabled")
    # The disabled account's next request is refused; so is signing in again.
    assert target.browser.get("/api/me").status_code == 401
    again = client.post(
        "/api/auth/login", json={"email": target.email, "password": target.password}
    )
    assert again.status_code == 403, again.text
    assert again.json()["code"] == "account_disabled"

    # The tickets: the open one listed, closed from the browser.
    page.get_by_role("tab", name="Ärenden").click()
    tickets = page.get_by_role("table", name="Ärenden")
    ticket = tickets.get_by_role("row").filter(has_text=reference)
    expect(ticket).to_contain_text(subject)
    expect(ticket).to_contain_text("Något fungerar inte")
    screen.check("admin-tickets")
    ticket.get_by_role("button", name=f"Stäng ärendet {reference}").click()
    expect(page.get_by_role("status").filter(has_text="är stängt")).to_have_text(
        f"Ärende {reference} är stängt."
    )
    expect(tickets.get_by_role("row").filter(has_text=reference)).to_have_count(0)
    [(status,)] = host.query("SELECT status FROM support_tickets WHERE reference = :r", r=reference)
    assert status == "closed"
    page.get_by_role("radio", name="Stängda").check()
    expect(
        page.get_by_role("table", name="Ärenden").get_by_role("row").filter(has_text=reference)
    ).to_contain_text("Stängt ")
    screen.check("admin-tickets-closed")
