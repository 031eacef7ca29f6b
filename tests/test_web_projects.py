"""The projects area of the web app in a real browser (issue 17): organisations and the
role matrix, projects and their tabs, invitations from the e-mail link to the project,
the audit log and the schedules list.

The browser, the screen checks (axe-core, CSP violations, a screenshot of each screen in
Swedish to test-artifacts/web/) and the sign-in helpers are test_web_auth's; accounts and
projects are set up over the API where the browser adds nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.accounts import (
    PASSWORD,
    Account,
    create_org,
    create_project,
    invitation_token,
    invite,
    messages_to,
    new_team,
    sign_in,
    signed_up,
    text_of,
    unique_email,
    with_email_otp,
)
from tests.accounts import Browser as ApiBrowser
from tests.conftest import Host
from tests.test_web_auth import (  # noqa: F401  (browser and screen are fixtures)
    Screen,
    browser,
    labelled,
    screen,
    sign_in_on,
    wait_for_code,
)


@pytest.fixture
def second_screen(browser: Browser, host: Host) -> Iterator[Screen]:  # noqa: F811
    """Another person's browser: a context of its own (cookies, sessionStorage)."""
    context = browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", reduced_motion="reduce"
    )
    context.set_default_timeout(15_000)
    opened = Screen(context, host)
    yield opened
    context.close()
    assert not opened.troubles, "\n".join(opened.troubles)


def sign_in_with_code(page: Page, host: Host, address: str, password: str) -> None:
    """Password, then the code the sign-in e-mailed."""
    sent = len(messages_to(host.outbox, address))
    sign_in_on(page, address, password)
    expect(page.get_by_role("heading", name="Bekräfta att det är du")).to_be_visible()
    page.get_by_role("textbox", name="Kod från e-postmeddelandet").fill(
        wait_for_code(host, address, sent)
    )
    page.get_by_role("button", name="Verifiera").click()


def choose(page: Page, field: str, option: str) -> None:
    """Pick an option of a Mantine Select (a combobox with a listbox of options)."""
    page.get_by_role("textbox", name=field).click()
    page.get_by_role("option", name=option, exact=True).click()


def invitation_link(host: Host, address: str) -> str:
    """The path and fragment of the link in the invitation e-mail, on the host under test."""
    for message in reversed(messages_to(host.outbox, address)):
        match = re.search(r"https?://\S+/invite#token=[A-Za-z0-9_-]+", text_of(message))
        if match:
            link = urlsplit(match.group(0))
            return f"{link.path}#{link.fragment}"
    raise AssertionError(f"no invitation to {address}")


def test_two_people_invite_accept_change_the_role_and_remove(
    screen: Screen,  # noqa: F811
    second_screen: Screen,
    host: Host,
    client: httpx.Client,
) -> None:
    # A has e-mail codes on (set up over the API) and signs in with one in the browser.
    anna = signed_up(host, client, "anna")
    with_email_otp(host, anna)
    page = screen.open("/sign-in")
    sign_in_with_code(page, host, anna.email, anna.password)
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()

    # An organisation, then a project in it that requires two-step verification.
    page.get_by_role("link", name="Organisationer").click()
    expect(page.get_by_role("heading", name="Organisationer", level=1)).to_be_visible()
    screen.check("orgs")
    page.get_by_role("textbox", name="Namn").fill("Bygg AB")
    page.get_by_role("button", name="Skapa organisation").click()
    expect(page.get_by_role("heading", name="Bygg AB", level=1)).to_be_visible()

    page.get_by_role("link", name="Projekt", exact=True).click()
    expect(page.get_by_role("heading", name="Dina projekt")).to_be_visible()
    expect(page.get_by_role("textbox", name="Organisation")).to_have_value("Bygg AB")
    screen.check("projects-create")
    page.get_by_role("textbox", name="Namn").fill("Väg 56")
    page.get_by_role("textbox", name="Projektnummer").fill("P-2026-014")
    page.get_by_role("checkbox", name="Kräv tvåstegsverifiering").check()
    page.get_by_role("button", name="Skapa projekt").click()
    expect(page.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()
    expect(page.get_by_text("Kräver tvåstegsverifiering").first).to_be_visible()
    expect(page.get_by_text("Din roll: Ägare")).to_be_visible()
    screen.check("project")

    # A invites B in the browser, with the role Redaktör.
    bengt = unique_email("bengt")
    page.get_by_role("tab", name="Inbjudningar").click()
    page.get_by_role("textbox", name="E-postadress").fill(bengt)
    choose(page, "Roll", "Redaktör")
    expect(
        page.get_by_role("checkbox", name="Kräv tvåstegsverifiering av den inbjudna")
    ).to_be_checked()
    page.get_by_role("button", name="Skicka inbjudan").click()
    expect(page.get_by_role("status")).to_have_text(f"Inbjudan är skickad till {bengt}.")
    pending = page.get_by_role("table", name="Inbjudningar som inte är besvarade")
    expect(pending.get_by_role("rowheader", name=bengt)).to_be_visible()
    screen.check("project-invitations")

    # B opens the e-mail's link in a browser of their own: what, where, from whom.
    other = second_screen.open(invitation_link(host, bengt))
    expect(other.get_by_role("heading", name="Inbjudan till ett projekt")).to_be_visible()
    expect(other.get_by_text("Väg 56")).to_be_visible()
    expect(other.get_by_text("Bygg AB")).to_be_visible()
    expect(other.get_by_role("status")).to_contain_text(f"skapa ett konto med {bengt}")
    second_screen.check("invite-signed-out")

    # B registers with that address and verifies it...
    other.get_by_role("link", name="Skapa konto").last.click()
    expect(other.get_by_role("heading", name="Skapa konto", level=1)).to_be_visible()
    other.get_by_role("textbox", name="Namn").fill("Bengt Svensson")
    expect(other.get_by_role("textbox", name="E-postadress")).to_have_value(bengt)
    labelled(other, "Lösenord").fill(PASSWORD)
    other.get_by_role("button", name="Skapa konto").click()
    expect(other.get_by_role("heading", name="Bekräfta din e-postadress")).to_be_visible()
    expect(other.get_by_role("textbox", name="E-postadress")).to_have_value(bengt)
    other.get_by_role("textbox", name="Kod").fill(wait_for_code(host, bengt, 1))
    labelled(other, "Lösenord").fill(PASSWORD)
    other.get_by_role("button", name="Bekräfta").click()
    expect(other.get_by_role("status")).to_have_text(
        "E-postadressen är bekräftad. Nu kan du logga in."
    )
    # ...turns on e-mail codes (the account screens are another area: over the API), and
    # signs in with the e-mailed code, so the session meets the project's requirement.
    account = Account(bengt, PASSWORD, ApiBrowser(client))
    account.browser = sign_in(client, account)[0]
    with_email_otp(host, account)
    sign_in_with_code(other, host, bengt, PASSWORD)

    # Sign-up, verification and sign-in carried `next` along: B is back on the invitation
    # (its token kept in this tab's sessionStorage).
    expect(other.get_by_role("heading", name="Inbjudan till ett projekt")).to_be_visible()
    assert other.url.endswith("/invite")
    # The projects page lists it among the invitations to B and leads back to it.
    other.get_by_role("link", name="Projekt", exact=True).click()
    expect(other.get_by_role("table", name="Projekt du är inbjuden till")).to_contain_text("Väg 56")
    second_screen.check("projects-invited")
    other.get_by_role("link", name="Öppna inbjudan").click()
    expect(other.get_by_role("heading", name="Inbjudan till ett projekt")).to_be_visible()
    second_screen.check("invite-signed-in")
    other.get_by_role("button", name="Tacka ja").click()
    expect(other.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()
    expect(other.get_by_text("Din roll: Redaktör")).to_be_visible()
    second_screen.check("project-as-editor")

    # A sees B among the members, makes B a Läsare, then removes B.
    page.get_by_role("tab", name="Medlemmar").click()
    members = page.get_by_role("table", name="Projektets medlemmar")
    expect(members.get_by_role("rowheader", name="Bengt Svensson")).to_be_visible()
    screen.check("project-members")
    choose(page, "Roll för Bengt Svensson", "Läsare")
    expect(page.get_by_role("status")).to_have_text("Medlemmen är ändrad.")
    expect(page.get_by_role("textbox", name="Roll för Bengt Svensson")).to_have_value("Läsare")
    other.reload()
    expect(other.get_by_text("Din roll: Läsare")).to_be_visible()

    page.get_by_role("button", name="Ta bort Bengt Svensson").click()
    page.get_by_role("button", name="Ja, ta bort Bengt Svensson").click()
    expect(page.get_by_role("status")).to_contain_text("Medlemmen är borttagen")
    expect(members.get_by_role("rowheader", name="Bengt Svensson")).to_have_count(0)

    # B's next step says the access is gone, in words.
    other.get_by_role("tab", name="Medlemmar").click()
    expect(other.get_by_role("alert")).to_have_text(
        "Projektet finns inte, eller så har du inte längre tillgång till det."
        " Kanske har någon tagit bort dig som medlem."
    )
    second_screen.check("project-access-gone")
    other.reload()
    expect(other.get_by_role("heading", name="Projektet går inte att öppna")).to_be_visible()

    # The audit log tells the story, newest first.
    page.get_by_role("tab", name="Händelselogg").click()
    log = page.get_by_role("table", name="Händelser i projektet, de senaste först")
    for event in (
        "Projektet skapades",
        "En inbjudan skickades",
        "En inbjudan accepterades",
        "En medlem ändrades",
        "En medlem togs bort",
    ):
        expect(log.get_by_role("cell", name=event, exact=True).first).to_be_visible()
    expect(log.get_by_role("row").nth(1)).to_contain_text("En medlem togs bort")
    screen.check("project-audit")


def test_the_role_matrix_and_custom_roles(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "roles")
    page = screen.open(f"/orgs/{team.org_id}")
    sign_in_on(page, team.owner.email, team.owner.password)
    expect(page.get_by_role("heading", name="Bygg AB", level=1)).to_be_visible()
    matrix = page.get_by_role("table", name="Behörigheter per roll")
    cell = matrix.get_by_role("checkbox", name="Läsare: Läsa projektets händelselogg")
    expect(cell).not_to_be_checked()
    expect(
        matrix.get_by_role("checkbox", name="Ägare: Läsa projektets händelselogg")
    ).to_be_checked()
    screen.check("org-roles")

    # One permission toggled on, and off again.
    cell.check()
    expect(page.get_by_role("status")).to_have_text(
        "Läsare har nu behörigheten ”Läsa projektets händelselogg”."
    )
    expect(cell).to_be_checked()
    viewer = team.roles["viewer"]
    roles = team.owner.browser.get(f"/api/orgs/{team.org_id}/roles").json()["items"]
    assert "audit.view" in next(r for r in roles if r["id"] == viewer)["permissions"]
    cell.uncheck()
    expect(page.get_by_role("status")).to_have_text(
        "Läsare har inte längre behörigheten ”Läsa projektets händelselogg”."
    )
    expect(cell).not_to_be_checked()

    # The last admin cannot step down: said in words.
    choose(page, "Roll i organisationen för Test Person", "Medlem")
    expect(page.get_by_role("alert")).to_contain_text(
        "en organisation behöver minst en administratör"
    )

    # A custom role: created, renamed, refused deletion while offered, then deleted.
    page.get_by_role("textbox", name="Namn på svenska").fill("Kalkylator")
    page.get_by_role("textbox", name="Namn på engelska").fill("Estimator")
    page.get_by_role("button", name="Skapa roll").click()
    custom = page.get_by_role("table", name="Organisationens egna roller")
    expect(custom.get_by_role("rowheader", name="Kalkylator")).to_be_visible()
    expect(matrix.get_by_role("columnheader", name=re.compile(r"^Kalkylator"))).to_be_visible()
    page.get_by_role("button", name="Byt namn på Kalkylator").click()
    custom.get_by_role("textbox", name="Namn på svenska").fill("Mängdavtagare")
    custom.get_by_role("button", name="Spara").click()
    expect(custom.get_by_role("rowheader", name="Mängdavtagare")).to_be_visible()
    screen.check("org-custom-roles")

    role_id = next(
        r["id"]
        for r in team.owner.browser.get(f"/api/orgs/{team.org_id}/roles").json()["items"]
        if r["name_sv"] == "Mängdavtagare"
    )
    offered = team.owner.browser.post(
        f"/api/projects/{team.project_id}/invitations",
        json={"email": unique_email("offered"), "role_id": role_id, "require_2fa": False},
    )
    assert offered.status_code == 201, offered.text
    page.get_by_role("button", name="Ta bort Mängdavtagare").click()
    page.get_by_role("button", name="Ja, ta bort Mängdavtagare").click()
    expect(page.get_by_role("alert").filter(has_text="Rollen")).to_have_text(
        "Rollen går inte att ta bort: någon har den eller är inbjuden med den."
        " Ge dem en annan roll först."
    )
    revoked = team.owner.browser.delete(
        f"/api/projects/{team.project_id}/invitations/{offered.json()['id']}"
    )
    assert revoked.status_code == 204, revoked.text
    page.get_by_role("button", name="Ta bort Mängdavtagare").click()
    page.get_by_role("button", name="Ja, ta bort Mängdavtagare").click()
    expect(custom).to_have_count(0)


def test_schedules_create_rename_delete_and_a_stale_version(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "schedules")
    page = screen.open(f"/projects/{team.project_id}")
    sign_in_on(page, team.owner.email, team.owner.password)
    expect(page.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()
    expect(page.get_by_role("tab", name="Mängdförteckningar")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.get_by_text("Projektet har inga mängdförteckningar än.")).to_be_visible()

    page.get_by_role("textbox", name="Namn").fill("Mark och grund")
    page.get_by_role("textbox", name="Dokumentnummer").fill("MF-01")
    page.get_by_role("button", name="Skapa mängdförteckning").click()
    expect(page.get_by_role("status")).to_have_text("Mark och grund är skapad.")
    table = page.get_by_role("table", name="Projektets mängdförteckningar")
    expect(table.get_by_role("link", name="Mark och grund")).to_be_visible()
    expect(table.get_by_role("cell", name="MF-01")).to_be_visible()
    screen.check("project-schedules")

    page.get_by_role("button", name="Byt namn på Mark och grund").click()
    table.get_by_role("textbox", name="Nytt namn").fill("Mark, grund och dränering")
    table.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_have_text(
        "Mängdförteckningen heter nu Mark, grund och dränering."
    )
    expect(table.get_by_role("cell", name="MF-01")).to_be_visible()  # doc_no kept

    # Someone else renames it meanwhile: the browser's version is stale (412).
    listed = team.owner.browser.get(f"/api/projects/{team.project_id}/schedules").json()
    schedule = listed["items"][0]
    changed = team.owner.browser.patch(
        f"/api/projects/{team.project_id}/schedules/{schedule['id']}",
        json={"name": "Mark (ändrad)"},
        headers={"If-Match": f'"{schedule["version"]}"'},
    )
    assert changed.status_code == 200, changed.text
    page.get_by_role("button", name="Byt namn på Mark, grund och dränering").click()
    table.get_by_role("textbox", name="Nytt namn").fill("Mark")
    table.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_have_text(
        "Någon annan har ändrat mängdförteckningen under tiden. Listan är uppdaterad: försök igen."
    )
    expect(table.get_by_role("link", name="Mark (ändrad)")).to_be_visible()
    screen.check("project-schedules-stale")
    page.get_by_role("button", name="Byt namn på Mark (ändrad)").click()
    table.get_by_role("textbox", name="Nytt namn").fill("Mark")
    table.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_have_text("Mängdförteckningen heter nu Mark.")

    # A row opens the schedule's editor (tests/test_web_schedule.py tells the rest).
    table.get_by_role("link", name="Mark", exact=True).click()
    expect(page.get_by_role("heading", name="Mark", level=1)).to_be_visible()
    expect(page.get_by_text("Inga rader än. Lägg till en rubrik eller en post.")).to_be_visible()
    page.get_by_role("link", name="Till projektets mängdförteckningar").click()

    page.get_by_role("button", name="Ta bort Mark").click()
    page.get_by_role("button", name="Ja, ta bort Mark").click()
    expect(page.get_by_role("status")).to_have_text("Mark är borttagen.")
    expect(page.get_by_text("Projektet har inga mängdförteckningar än.")).to_be_visible()

    # The audit log shows these events; settings save.
    page.get_by_role("tab", name="Händelselogg").click()
    log = page.get_by_role("table", name="Händelser i projektet, de senaste först")
    expect(log.get_by_role("cell", name="En mängdförteckning skapades", exact=True)).to_be_visible()
    expect(
        log.get_by_role("cell", name="En mängdförteckning togs bort", exact=True)
    ).to_be_visible()
    page.get_by_role("tab", name="Inställningar").click()
    page.get_by_role("textbox", name="Beskrivning").fill("Ombyggnad av väg 56, etapp 2.")
    page.get_by_role("button", name="Spara uppgifterna").click()
    expect(page.get_by_role("status")).to_have_text("Uppgifterna är sparade.")
    screen.check("project-settings")


def test_a_project_requiring_2fa_without_a_second_factor(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    owner = signed_up(host, client, "locked")
    org_id = create_org(owner)
    create_project(owner, org_id, "Väg 56")
    page = screen.open("/projects")
    sign_in_on(page, owner.email, owner.password)
    expect(page.get_by_role("link", name="Väg 56")).to_be_visible()
    # A project requiring 2FA made after this session began (at sign-in, such a project
    # would have asked for an e-mailed code): the session has no second factor.
    locked = create_project(owner, org_id, "Bro 12", require_2fa=True)
    page.reload()
    table = page.get_by_role("table", name="Projekt där du är medlem")
    row = table.get_by_role("row").filter(has_text="Bro 12")
    expect(row).to_contain_text("Kräver tvåstegsverifiering")
    expect(row).to_contain_text("Din inloggning saknar en andra faktor")
    expect(page.get_by_role("note")).to_contain_text("du loggade in utan en andra faktor")
    screen.check("projects-locked")
    # Opening it asks for a second factor (the step-up dialog); cancelled, it says why not.
    table.get_by_role("link", name="Bro 12").click()
    dialog = page.get_by_role("dialog", name="Bekräfta att det är du")
    expect(dialog).to_be_visible()
    screen.check("project-step-up")
    dialog.get_by_role("button", name="Avbryt").last.click()  # the one below the tabs
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("alert")).to_have_text("Det här kräver tvåstegsverifiering.")
    assert page.url.endswith(f"/projects/{locked}")
    screen.check("project-locked")


def test_an_unknown_invitation_link_and_the_accept_by_id(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    page = screen.open("/invite#token=not-a-real-token")
    expect(page.get_by_role("alert")).to_contain_text("Inbjudan gäller inte längre")
    screen.check("invite-unknown")

    team = new_team(host, client, "byid")
    guest = signed_up(host, client, "guest")
    invite(host, team.owner, team.project_id, guest.email, team.roles["viewer"])
    assert invitation_token(host.outbox, guest.email)
    page = screen.open("/projects")
    sign_in_on(page, guest.email, guest.password)
    invitations = page.get_by_role("table", name="Projekt du är inbjuden till")
    expect(invitations).to_contain_text("Väg 56")
    invitations.get_by_role("button", name="Tacka ja till Väg 56").click()
    expect(page.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()
    expect(page.get_by_text("Din roll: Läsare")).to_be_visible()


def test_the_invitation_link_through_signing_in(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
) -> None:
    team = new_team(host, client, "through")
    guest = signed_up(host, client, "member")
    invite(host, team.owner, team.project_id, guest.email, team.roles["editor"])
    page = screen.open(invitation_link(host, guest.email))
    page.get_by_role("main").get_by_role("link", name="Logga in").click()
    # The sign-in page knows the invited address and returns to the invitation after.
    expect(page.get_by_role("textbox", name="E-postadress")).to_have_value(guest.email)
    labelled(page, "Lösenord").fill(guest.password)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Inbjudan till ett projekt")).to_be_visible()
    assert page.url.endswith("/invite")
    page.get_by_role("button", name="Tacka ja").click()
    expect(page.get_by_role("heading", name="Väg 56", level=1)).to_be_visible()
    # Used, the link says so.
    screen.open(invitation_link(host, guest.email))
    expect(page.get_by_role("alert")).to_contain_text("Inbjudan gäller inte längre")
