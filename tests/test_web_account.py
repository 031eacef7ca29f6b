"""The account page and the step-up dialog in a real browser (issue 17), with the
browser, the screen, axe-core, the CSP check and the screenshots of test_web_auth.

An authenticator app is set up from the key on the screen (its code computed with
pyotp), then signed in with, and with a recovery code the page showed once; a fresh
password-only session's refused change opens the step-up dialog, takes the e-mailed
code and is repeated by itself; sessions are listed and ended; the language chosen on
the profile is kept by the profile; the password is changed, the data exported and the
account deleted (refused while it is a project's only manager).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page, expect

from tests import test_web_auth
from tests.accounts import (
    PASSWORD,
    Account,
    messages_to,
    new_team,
    sign_in,
    signed_up,
    totp_now,
)
from tests.conftest import Host
from tests.test_web_auth import Screen, assert_focus_visible, sign_in_on, wait_for_code

# test_web_auth's fixtures, here by the same names: one browser per module, and a tab
# that checks axe-core, the CSP and takes the screenshots.
browser = test_web_auth.browser
screen = test_web_auth.screen

CODE_FROM_EMAIL = "Kod från e-postmeddelandet"


def field(scope: Page | Locator, label: str) -> Locator:
    """The field with this label (Mantine marks a required one with a hidden asterisk)."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def sign_in_to(screen: Screen, account: Account, path: str) -> Page:
    page = screen.open(f"/sign-in?next={path}")
    sign_in_on(page, account.email, account.password)
    expect(page.get_by_role("heading", name="Ditt konto", level=1)).to_be_visible()
    return page


def step_up_with_email_code(screen: Screen, host: Host, address: str, sent: int) -> None:
    """The step-up dialog is open: the e-mailed code goes in, the dialog closes."""
    dialog = screen.page.get_by_role("dialog", name="Bekräfta att det är du")
    expect(dialog).to_be_visible()
    dialog.get_by_role("textbox", name=CODE_FROM_EMAIL).fill(wait_for_code(host, address, sent))
    dialog.get_by_role("button", name="Bekräfta", exact=True).click()
    expect(dialog).to_be_hidden()


def test_set_up_an_authenticator_and_sign_in_with_it_and_a_recovery_code(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "webtotp")
    screen.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = sign_in_to(screen, account, "%2Faccount%3Ftab%3Dtwo-factor")
    expect(page.get_by_role("tab", name="Tvåstegsverifiering")).to_have_attribute(
        "aria-selected", "true"
    )
    screen.check("account-two-factor")

    # A password-only session: setting up asks for a second factor first, then goes on.
    sent = len(messages_to(host.outbox, account.email))
    page.get_by_role("button", name="Lägg till en autentiseringsapp").click()
    dialog = page.get_by_role("dialog", name="Bekräfta att det är du")
    expect(dialog.get_by_role("textbox", name=CODE_FROM_EMAIL)).to_be_visible()
    screen.check("step-up")
    step_up_with_email_code(screen, host, account.email, sent)

    qr = page.get_by_role("img", name="QR-kod för autentiseringsappen")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/png;base64,")
    secret = page.get_by_role("textbox", name="Nyckel").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    screen.check("account-authenticator-set-up")
    field(page, "Kod från appen").fill(totp_now(host, secret))
    page.get_by_role("button", name="Bekräfta och slå på").click()

    codes_list = page.get_by_role("list", name="Återställningskoder")
    expect(codes_list.get_by_role("listitem")).to_have_count(10)
    codes = [item.strip() for item in codes_list.get_by_role("listitem").all_inner_texts()]
    page.get_by_role("button", name="Kopiera koderna").click()
    expect(page.get_by_role("status")).to_have_text("Koderna är kopierade.")
    assert page.evaluate("navigator.clipboard.readText()").split("\n") == codes
    with page.expect_download() as download:
        page.get_by_role("button", name="Ladda ned som textfil").click()
    assert download.value.suggested_filename == "casai-recovery-codes.txt"
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert all(code in saved.splitlines() for code in codes)
    screen.check("account-recovery-codes")
    page.get_by_role("button", name="Jag har sparat koderna").click()
    authenticator = page.get_by_role("region", name="Autentiseringsapp")
    expect(authenticator.get_by_text("På", exact=True)).to_be_visible()
    expect(page.get_by_text("Du har 10 oanvända återställningskoder.")).to_be_visible()

    # Signed out, the app's code signs in (the next step: the confirm used this one).
    page.get_by_role("button", name="Logga ut").click()
    sign_in_on(page, account.email, account.password)
    page.get_by_role("tab", name="Autentiseringsapp").click()
    page.get_by_role("textbox", name="Kod från autentiseringsappen").fill(
        totp_now(host, secret, steps_ahead=1)
    )
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()

    # And so does a recovery code the page showed.
    page.get_by_role("button", name="Logga ut").click()
    sign_in_on(page, account.email, account.password)
    page.get_by_role("tab", name="Återställningskod").click()
    page.get_by_role("textbox", name="Återställningskod").fill(codes[0])
    page.get_by_role("button", name="Verifiera").click()
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()


def test_the_step_up_dialog_repeats_the_refused_change(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "webstepup")
    page = sign_in_to(screen, account, "%2Faccount%3Ftab%3Dtwo-factor")
    form = page.get_by_role("form", name="Kod via e-post vid inloggning")
    field(form, "Ditt lösenord").fill(PASSWORD)

    # Cancelled, the refusal is said in words.
    sent = len(messages_to(host.outbox, account.email))
    form.get_by_role("button", name="Slå på koder via e-post").click()
    dialog = page.get_by_role("dialog", name="Bekräfta att det är du")
    expect(dialog.get_by_role("textbox", name=CODE_FROM_EMAIL)).to_be_visible()
    dialog.get_by_role("button", name="Avbryt").last.click()
    expect(dialog).to_be_hidden()
    expect(form.get_by_role("alert")).to_have_text("Det här kräver tvåstegsverifiering.")

    # With the code, the change is made without another click.
    sent = len(messages_to(host.outbox, account.email))
    form.get_by_role("button", name="Slå på koder via e-post").click()
    step_up_with_email_code(screen, host, account.email, sent)
    expect(form.get_by_role("status")).to_have_text(
        "Koder via e-post är påslagna. Dina andra inloggningar har avslutats."
    )
    expect(form.get_by_role("button", name="Stäng av koder via e-post")).to_be_visible()
    screen.check("account-email-codes-on")
    # The API's own session (another one) ended; a new sign-in asks for a code.
    assert account.browser.get("/api/auth/session").status_code == 401
    assert sign_in(client, account)[1].json()["status"] == "otp_required"
    # This session has its second factor now: the next change asks nothing.
    field(form, "Ditt lösenord").fill(PASSWORD)
    form.get_by_role("button", name="Stäng av koder via e-post").click()
    expect(form.get_by_role("status")).to_have_text(
        "Koder via e-post är avstängda. Dina andra inloggningar har avslutats."
    )
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_sessions_are_listed_and_ended_and_the_security_log_shows(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "websessions")
    second, _ = sign_in(client, account)
    page = sign_in_to(screen, account, "%2Faccount%3Ftab%3Dsessions")
    table = page.get_by_role("table", name="Dina aktiva inloggningar")
    rows = table.get_by_role("row")
    expect(rows).to_have_count(4)  # the header and three sessions
    current = rows.filter(has_text="Den här inloggningen")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("Chrom")
    screen.check("account-sessions")

    table.get_by_role("button", name=re.compile(r"^Avsluta inloggningen ")).first.click()
    expect(page.get_by_role("status")).to_have_text("Inloggningen är avslutad.")
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Avsluta alla andra inloggningar").click()
    expect(page.get_by_role("status")).to_have_text("Alla andra inloggningar är avslutade.")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("button", name="Avsluta alla andra inloggningar")).to_have_count(0)
    assert account.browser.get("/api/auth/session").status_code == 401
    assert second.get("/api/auth/session").status_code == 401

    page.get_by_role("tab", name="Säkerhetslogg").click()
    log = page.get_by_role("table", name="Händelser på ditt konto")
    expect(log.get_by_role("cell", name="Inloggning avslutad").first).to_be_visible()
    expect(log.get_by_role("cell", name="Inloggning", exact=True).first).to_be_visible()
    assert "tab=log" in page.url
    screen.check("account-security-log")


def test_the_language_chosen_on_the_profile_is_kept_by_the_profile(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "weblang")
    page = sign_in_to(screen, account, "%2Faccount")
    expect(page.get_by_role("radio", name="Svenska")).to_be_checked()
    screen.check("account-profile")
    # The tabs work from the keyboard, with a visible focus ring.
    page.get_by_role("tab", name="Profil").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Lösenord")).to_be_focused()
    expect(page.get_by_role("tab", name="Lösenord")).to_have_attribute("aria-selected", "true")
    assert_focus_visible(page)
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="Profil")).to_have_attribute("aria-selected", "true")
    page.get_by_role("textbox", name="Namn").fill("Britt Berg")
    page.get_by_role("radio", name="English").check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("The profile is saved.")
    expect(page.get_by_text("Signed in as Britt Berg")).to_be_visible()
    profile = account.browser.get("/api/me").json()
    assert (profile["locale"], profile["display_name"]) == ("en", "Britt Berg")

    # Not this browser's memory: the profile's language wins after a reload.
    page.evaluate("localStorage.clear()")
    page.reload()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    expect(page.get_by_role("radio", name="English")).to_be_checked()
    assert page.evaluate("document.documentElement.lang") == "en"


def test_change_the_password_export_the_data_and_delete_the_account(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    # A project's only manager cannot leave it unmanaged: said in words, with the way.
    team = new_team(host, client, "webowner")
    page = sign_in_to(screen, team.owner, "%2Faccount%3Ftab%3Ddata")
    delete = page.get_by_role("form", name="Radera kontot")
    field(delete, "Ditt lösenord").fill(team.owner.password)
    delete.get_by_role("checkbox", name="Jag förstår att kontot raderas för gott.").check()
    delete.get_by_role("button", name="Radera kontot").click()
    expect(delete.get_by_role("alert")).to_contain_text(
        "du är den enda som kan hantera medlemmarna i projektet “Väg 56”."
    )
    expect(delete.get_by_role("link", name="Öppna projektet")).to_have_attribute(
        "href", f"/projects/{team.project_id}"
    )
    screen.check("account-delete-refused")
    page.get_by_role("button", name="Logga ut").click()

    account = signed_up(host, client, "webdelete")
    page = sign_in_to(screen, account, "%2Faccount%3Ftab%3Dpassword")
    form = page.get_by_role("form", name="Byt lösenord")
    field(form, "Nuvarande lösenord").fill("inte mitt lösenord alls")
    field(form, "Nytt lösenord").fill("Bjälklag kalksten sjuttiosju")
    form.get_by_role("button", name="Byt lösenord").click()
    expect(form.get_by_text("Lösenordet stämmer inte.")).to_be_visible()
    screen.check("account-password-wrong")
    field(form, "Nuvarande lösenord").fill(PASSWORD)
    form.get_by_role("button", name="Byt lösenord").click()
    expect(form.get_by_role("status")).to_have_text(
        "Lösenordet är bytt. Dina andra inloggningar har avslutats."
    )
    assert account.browser.get("/api/auth/session").status_code == 401
    account.password = "Bjälklag kalksten sjuttiosju"

    page.get_by_role("tab", name="Dina uppgifter").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Ladda ned mina uppgifter").click()
    assert re.fullmatch(r"casai-data-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename)
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert account.email in json.dumps(exported)
    screen.check("account-data")

    delete = page.get_by_role("form", name="Radera kontot")
    expect(delete.get_by_role("button", name="Radera kontot")).to_be_disabled()
    field(delete, "Ditt lösenord").fill(account.password)
    delete.get_by_role("checkbox", name="Jag förstår att kontot raderas för gott.").check()
    delete.get_by_role("button", name="Radera kontot").click()
    expect(page.get_by_role("heading", name="Kontot är raderat", level=1)).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="Logga in")).to_be_visible()
    screen.check("account-deleted")
    login = client.post(
        "/api/auth/login", json={"email": account.email, "password": account.password}
    )
    assert login.status_code == 401, login.text


def test_the_step_up_dialog_says_when_an_authenticator_app_is_needed(
    screen: Screen, host: Host, client: httpx.Client
) -> None:
    # A project that asks for an authenticator answers 403 totp_required; stubbed here
    # on a change the dialog guards: without an app, the dialog says so and leads to
    # where one is set up, and the refusal stays in words.
    account = signed_up(host, client, "webtotpneeded")
    problem = {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "This needs a session that passed an authenticator app.",
        "code": "totp_required",
    }
    page = sign_in_to(screen, account, "%2Faccount%3Ftab%3Dprofile")
    page.route(
        "**/api/auth/mfa/email",
        lambda route: route.fulfill(
            status=403,
            headers={"Content-Type": "application/problem+json"},
            body=json.dumps(problem),
        ),
    )
    page.get_by_role("tab", name="Tvåstegsverifiering").click()
    form = page.get_by_role("form", name="Kod via e-post vid inloggning")
    field(form, "Ditt lösenord").fill(PASSWORD)
    form.get_by_role("button", name="Slå på koder via e-post").click()
    dialog = page.get_by_role("dialog", name="Bekräfta att det är du")
    expect(dialog).to_contain_text("Det här kräver en autentiseringsapp, och ditt konto har ingen")
    screen.check("step-up-needs-app")
    dialog.get_by_role("button", name="Lägg till en autentiseringsapp").click()
    expect(dialog).to_be_hidden()
    expect(form.get_by_role("alert")).to_have_text("Det här kräver en autentiseringsapp.")
    assert page.url.endswith("/account?tab=two-factor")
    expect(page.get_by_role("button", name="Lägg till en autentiseringsapp")).to_be_visible()
