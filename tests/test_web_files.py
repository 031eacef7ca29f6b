"""The project's files in a real browser (issue 18): the bytes go from the browser straight
to Blob storage (Azurite here) through the SAS URL, with a progress bar, and come back
byte-identical; refusals are explained; a member whose role may not upload or delete
sees neither.

The browser, the screen checks (axe-core, CSP violations: the page may reach the blob
endpoint and nothing else, a screenshot of each screen in Swedish) and the sign-in
helpers are test_web_auth's.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Page, expect

from tests.accounts import Team, join, new_team, signed_up
from tests.conftest import Host
from tests.test_web_auth import (  # noqa: F401  (browser and screen are fixtures)
    Screen,
    browser,
    screen,
    sign_in_on,
)

# A few hundred kB: enough for the browser to report progress while it sends.
PDF = b"%PDF-1.7\n" + secrets.token_bytes(400 * 1024)


def started_origin(team: Team) -> str:
    """Where the host's SAS URLs point (an upload started over the API shows it)."""
    started = team.owner.browser.post(
        f"/api/projects/{team.project_id}/files",
        json={"filename": "Ursprung.pdf", "content_type": "application/pdf", "size": 10},
    )
    assert started.status_code == 201, started.text
    url = urlsplit(started.json()["upload_url"])
    return f"{url.scheme}://{url.netloc}"


def choose_file(page: Page, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Fil att ladda upp").click()
    chooser.value.set_files(str(path))


def test_upload_with_progress_download_byte_identical_and_delete(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
    tmp_path: Path,
) -> None:
    team = new_team(host, client, "files")
    page = screen.open(f"/projects/{team.project_id}?tab=files")
    sign_in_on(page, team.owner.email, team.owner.password)
    expect(page.get_by_role("tab", name="Filer")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Projektet har inga filer än.")).to_be_visible()
    screen.check("project-files-empty")

    # A type the policy does not allow is refused before any byte is sent.
    program = tmp_path / "installera.exe"
    program.write_bytes(b"MZ" + bytes(64))
    choose_file(page, program)
    page.get_by_role("button", name="Ladda upp", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Filer av den typen går inte att ladda upp. Se vilka typer som går ovan."
    )
    expect(page.get_by_role("progressbar")).to_have_count(0)

    drawing = tmp_path / "Ritning A-40-1-101.pdf"
    drawing.write_bytes(PDF)
    choose_file(page, drawing)
    page.get_by_role("button", name="Ladda upp", exact=True).click()
    progress = page.get_by_role("progressbar", name="Uppladdning av Ritning A-40-1-101.pdf")
    expect(progress).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_role("status")).to_have_text("Ritning A-40-1-101.pdf är uppladdad.")
    table = page.get_by_role("table", name="Projektets filer")
    row = table.get_by_role("row").filter(has_text="Ritning A-40-1-101.pdf")
    expect(row.get_by_role("cell", name="409,6 kB")).to_be_visible()
    expect(row.get_by_role("cell", name="Test Person")).to_be_visible()  # who uploaded it
    screen.check("project-files")

    # Listed by the API too, complete; the bytes went to storage, not through the app.
    listed = team.owner.browser.get(f"/api/projects/{team.project_id}/files").json()["items"]
    assert [item["filename"] for item in listed] == ["Ritning A-40-1-101.pdf"]
    assert listed[0]["size"] == len(PDF)

    with page.expect_download() as downloading:
        row.get_by_role("button", name="Ladda ned Ritning A-40-1-101.pdf").click()
    download = downloading.value
    assert download.suggested_filename == "Ritning A-40-1-101.pdf"
    saved = tmp_path / "saved.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF

    row.get_by_role("button", name="Ta bort Ritning A-40-1-101.pdf").click()
    page.get_by_role("button", name="Ja, ta bort Ritning A-40-1-101.pdf").click()
    expect(page.get_by_role("status")).to_have_text("Ritning A-40-1-101.pdf är borttagen.")
    expect(page.get_by_text("Projektet har inga filer än.")).to_be_visible()
    assert team.owner.browser.get(f"/api/projects/{team.project_id}/files").json()["items"] == []


def test_a_viewer_downloads_but_neither_uploads_nor_deletes(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
    tmp_path: Path,
) -> None:
    team = new_team(host, client, "files-owner")
    path = f"/api/projects/{team.project_id}/files"
    started = team.owner.browser.post(
        path, json={"filename": "Beskrivning.pdf", "content_type": "application/pdf", "size": 900}
    ).json()
    body = b"%PDF-1.4\n" + bytes(891)
    put = httpx.put(started["upload_url"], content=body, headers=started["upload_headers"])
    assert put.status_code == 201, put.text
    completed = team.owner.browser.post(f"{path}/{started['id']}/complete")
    assert completed.status_code == 200, completed.text
    viewer = signed_up(host, client, "files-viewer")
    join(host, team.owner, team.project_id, viewer, team.roles["viewer"])

    page = screen.open(f"/projects/{team.project_id}?tab=files")
    sign_in_on(page, viewer.email, viewer.password)
    table = page.get_by_role("table", name="Projektets filer")
    expect(table.get_by_role("cell", name="Beskrivning.pdf", exact=True)).to_be_visible()
    expect(table.get_by_role("button", name="Ladda ned Beskrivning.pdf")).to_be_visible()
    expect(table.get_by_role("button", name="Ta bort Beskrivning.pdf")).to_have_count(0)
    expect(page.get_by_role("heading", name="Ladda upp en fil")).to_have_count(0)
    expect(page.get_by_role("button", name="Fil att ladda upp")).to_have_count(0)
    screen.check("project-files-viewer")
    with page.expect_download() as downloading:
        table.get_by_role("button", name="Ladda ned Beskrivning.pdf").click()
    saved = tmp_path / "saved.pdf"
    downloading.value.save_as(saved)
    assert saved.read_bytes() == body


def test_refusals_are_explained_and_leave_nothing_listed(
    screen: Screen,  # noqa: F811
    host: Host,
    client: httpx.Client,
    tmp_path: Path,
) -> None:
    team = new_team(host, client, "files-refused")
    page = screen.open(f"/projects/{team.project_id}?tab=files")
    sign_in_on(page, team.owner.email, team.owner.password)
    expect(page.get_by_text("Projektet har inga filer än.")).to_be_visible()
    # Over the host's limit (CASAI_FILES_MAX_BYTES, 200 MiB by default): refused with the
    # limit, before any byte is sent (the file is sparse: its size is all there is).
    huge = tmp_path / "Modell.pdf"
    with huge.open("wb") as sparse:
        sparse.truncate(200 * 1024 * 1024 + 1)
    choose_file(page, huge)
    page.get_by_role("button", name="Ladda upp", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Filen är för stor. En fil får vara högst 209,7 MB."
    )
    expect(page.get_by_role("progressbar")).to_have_count(0)

    drawing = tmp_path / "Plan.pdf"
    drawing.write_bytes(PDF)

    # Storage cannot be reached (the SAS URL's host): said so; the upload is not completed.
    blob_origin = started_origin(team)
    page.route(f"{blob_origin}/**", lambda route: route.abort("connectionrefused"))
    choose_file(page, drawing)
    page.get_by_role("button", name="Ladda upp", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Ingen kontakt med lagringen. Kontrollera anslutningen och försök igen."
    )
    page.unroute(f"{blob_origin}/**")

    # The API's outage answer (503 with Retry-After) says when to try again.
    page.route(
        f"{host.base_url}/api/projects/{team.project_id}/files",
        lambda route: (
            route.fulfill(
                status=503,
                headers={"Content-Type": "application/problem+json", "Retry-After": "30"},
                body='{"type":"about:blank","title":"Unavailable","status":503,'
                '"detail":"Storage is down.","code":"unavailable"}',
            )
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.get_by_role("button", name="Ladda upp", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Tjänsten är inte tillgänglig just nu. Försök igen om 30 sekunder."
    )
    screen.check("project-files-refused")
    assert team.owner.browser.get(f"/api/projects/{team.project_id}/files").json()["items"] == []
