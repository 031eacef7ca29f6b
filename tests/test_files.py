"""Project files over HTTP: the bytes go to Azurite and back through SAS URLs, as a
browser sends them, and every refusal leaves the database and the container as they were."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient, UserDelegationKey

from quantities.file_types import content_disposition
from tests import bad_input
from tests.accounts import Account, Team, join, new_team, simultaneously
from tests.conftest import Host
from tests.test_outages import (
    OwnStorage,
    assert_unavailable,
    host_of_its_own,
    own_database,
    own_storage,
)
from tests.test_project_security import require
from tests.test_schedules_adversarial import same_answer

__all__ = ["own_database", "own_storage"]  # fixtures, used by name

TABLES = ["files"]
PDF = b"%PDF-1.7\n" + b"\x00binary body\n" * 40
# More than one of the 4 MiB pieces `complete` hashes at a time (shared.storage).
LARGE_PDF = b"%PDF-1.4\n" + secrets.token_bytes(5 * 1024 * 1024)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def files_of(team: Team) -> str:
    return f"/api/projects/{team.project_id}/files"


def unique_name(stem: str, extension: str = ".pdf") -> str:
    return f"{stem} {secrets.token_hex(4)}{extension}"


def start(
    account: Account, team: Team, filename: str, size: int, content_type: str = "application/pdf"
) -> httpx.Response:
    return account.browser.post(
        files_of(team), json={"filename": filename, "content_type": content_type, "size": size}
    )


def started(team: Team, filename: str, size: int) -> dict[str, Any]:
    response = start(team.owner, team, filename, size)
    assert response.status_code == 201, response.text
    upload: dict[str, Any] = response.json()
    return upload


def put(upload: dict[str, Any], content: bytes) -> httpx.Response:
    """The browser's upload: one PUT of the bytes to the SAS URL, straight to storage."""
    return httpx.put(upload["upload_url"], content=content, headers=upload["upload_headers"])


def complete(team: Team, file_id: str) -> httpx.Response:
    return team.owner.browser.post(f"{files_of(team)}/{file_id}/complete")


def uploaded(team: Team, filename: str, content: bytes) -> dict[str, Any]:
    upload = started(team, filename, len(content))
    assert put(upload, content).status_code == 201
    done = complete(team, upload["id"])
    assert done.status_code == 200, done.text
    file: dict[str, Any] = done.json()
    return file


def container(host: Host) -> ContainerClient:
    service = BlobServiceClient.from_connection_string(host.env["CASAI_STORAGE_CONNECTION_STRING"])
    return service.get_container_client(host.env["CASAI_FILES_CONTAINER"])


def blobs_of(host: Host, team: Team) -> dict[str, int]:
    """The project's blobs and their sizes."""
    listed = container(host).list_blobs(name_starts_with=f"projects/{team.project_id}/")
    return {blob.name: blob.size for blob in listed}


@contextmanager
def nothing_changes(host: Host, team: Team) -> Iterator[None]:
    """Fail unless the block left the files table and the project's blobs as they were."""
    before = (bad_input.snapshot(host, TABLES), blobs_of(host, team))
    yield
    assert (bad_input.snapshot(host, TABLES), blobs_of(host, team)) == before


def audited(team: Team, action: str, file_id: str) -> list[dict[str, Any]]:
    response = team.owner.browser.get(f"/api/projects/{team.project_id}/audit?limit=500")
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["action"] == action and e["target"] == file_id]


def filenames(host: Host) -> set[str]:
    return {name for (name,) in host.query("SELECT filename FROM files")}


def sas_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def expires_in(url: str, host: Host) -> timedelta:
    expiry = datetime.strptime(sas_of(url)["se"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return expiry - datetime.fromtimestamp(host.now(), UTC)


# --- the round trip -------------------------------------------------------------


def test_a_file_goes_up_and_comes_back_byte_identical_under_its_name(
    host: Host, team: Team
) -> None:
    filename = unique_name("Ritning A-40.1 – plan 1 (rev B) ÅÄÖ")
    upload = started(team, filename, len(LARGE_PDF))
    assert timedelta(minutes=14) < expires_in(upload["upload_url"], host) <= timedelta(minutes=15)
    assert sas_of(upload["upload_url"])["sp"] == "c"  # create, once: never read, never replace
    assert sas_of(upload["upload_url"])["sr"] == "b"  # one blob
    blob_path = urlsplit(upload["upload_url"]).path
    assert blob_path.endswith(f"/projects/{team.project_id}/files/{upload['id']}")
    assert put(upload, LARGE_PDF).status_code == 201

    done = complete(team, upload["id"])
    assert done.status_code == 200, done.text
    file = done.json()
    assert file["sha256"] == hashlib.sha256(LARGE_PDF).hexdigest()
    assert (file["size"], file["file_type"], file["content_type"]) == (
        len(LARGE_PDF),
        "pdf",
        "application/pdf",
    )
    assert file["filename"] == filename

    listed = team.owner.browser.get(files_of(team))
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"items": [file], "next_cursor": None}
    shown = team.owner.browser.get(f"{files_of(team)}/{upload['id']}")
    assert shown.status_code == 200, shown.text
    download_url = shown.json()["download_url"]
    assert timedelta(minutes=4) < expires_in(download_url, host) <= timedelta(minutes=5)
    assert sas_of(download_url)["sp"] == "r"
    downloaded = httpx.get(download_url)
    assert downloaded.status_code == 200
    assert downloaded.content == LARGE_PDF
    assert downloaded.headers["content-disposition"] == content_disposition(filename)
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert downloaded.headers["content-type"] == "application/pdf"
    for action in ("file_upload_started", "file_upload_completed", "file_download_url_issued"):
        assert len(audited(team, action, upload["id"])) == 1, action


def test_pages_of_files_follow_each_other(team: Team) -> None:
    ids = [uploaded(team, unique_name(f"Foto {n}", ".png"), PNG)["id"] for n in range(3)]
    first = team.owner.browser.get(files_of(team), params={"limit": 2}).json()
    rest = team.owner.browser.get(
        files_of(team), params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [f["id"] for f in first["items"] + rest["items"]] == ids
    assert rest["next_cursor"] is None


def test_the_upload_url_cannot_read_and_the_download_url_cannot_write(
    host: Host, team: Team
) -> None:
    upload = started(team, unique_name("Beskrivning"), len(PDF))
    assert put(upload, PDF).status_code == 201
    assert httpx.get(upload["upload_url"]).status_code == 403
    assert complete(team, upload["id"]).status_code == 200
    replaced = put(upload, b"%PDF-1.7\n" + b"x" * (len(PDF) - 9))
    assert replaced.status_code in (403, 409), replaced.text  # create only: checked stays
    download_url = team.owner.browser.get(f"{files_of(team)}/{upload['id']}").json()["download_url"]
    written = httpx.put(download_url, content=b"x", headers={"x-ms-blob-type": "BlockBlob"})
    assert written.status_code == 403
    assert httpx.get(download_url).content == PDF
    elsewhere = download_url.replace(upload["id"], str(uuid.uuid4()))
    assert httpx.get(elsewhere).status_code == 403  # signed for that one blob only


def test_a_browser_on_the_apps_origin_may_put_and_no_other(host: Host, team: Team) -> None:
    app_origin = host.env["CASAI_PUBLIC_BASE_URL"]  # where the host under test is
    upload = started(team, unique_name("Sektion"), len(PDF))
    preflight = {
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "x-ms-blob-type,content-type",
    }
    allowed = httpx.options(upload["upload_url"], headers={"Origin": app_origin, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == app_origin
    foreign = httpx.options(
        upload["upload_url"], headers={"Origin": "https://evil.example", **preflight}
    )
    assert foreign.status_code == 403


# --- refusals that change nothing -----------------------------------------------


def test_an_oversized_file_or_a_type_not_allowed_is_refused_and_changes_nothing(
    host: Host, team: Team
) -> None:
    limit = 200 * 1024 * 1024  # CASAI_FILES_MAX_BYTES's default
    with nothing_changes(host, team):
        too_big = start(team.owner, team, unique_name("Modell", ".ifc"), limit + 1)
        assert too_big.status_code == 413, too_big.text
        assert too_big.json()["code"] == "payload_too_large"
        for name in ("setup.exe", "plan.pdf.exe", "ritning.svg", "noextension", "makro.xlsm"):
            refused = start(team.owner, team, name, 100)
            assert refused.status_code == 415, (name, refused.text)
            assert refused.json()["code"] == "unsupported_media_type"
    # At the limit, and with no type from the browser (it knows none for .ifc), it starts.
    at_limit = start(team.owner, team, unique_name("Modell", ".ifc"), limit, content_type="")
    assert at_limit.status_code == 201, at_limit.text


def test_content_that_is_not_what_the_name_says_is_discarded(host: Host, team: Team) -> None:
    upload = started(team, unique_name("Faktura"), len(PDF))
    assert put(upload, b"MZ\x90\x00" + bytes(len(PDF) - 4)).status_code == 201  # an .exe
    before = bad_input.snapshot(host, TABLES)
    refused = complete(team, upload["id"])
    assert refused.status_code == 415, refused.text
    assert refused.json()["code"] == "unsupported_media_type"
    assert bad_input.snapshot(host, TABLES) == before  # still the pending upload it was
    assert blobs_of(host, team) == {}  # the content is gone
    assert put(upload, PDF).status_code == 201  # the URL may be used again
    assert complete(team, upload["id"]).status_code == 200


def test_a_size_other_than_declared_is_discarded(host: Host, team: Team) -> None:
    upload = started(team, unique_name("Kalkyl", ".csv"), 100)
    assert put(upload, b"Kod;Ben\xc3\xa4mning\r\n").status_code == 201
    before = bad_input.snapshot(host, TABLES)
    refused = complete(team, upload["id"])
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == "validation_error"
    assert refused.json()["errors"][0]["field"] == "size"
    assert bad_input.snapshot(host, TABLES) == before
    assert blobs_of(host, team) == {}


def test_complete_without_an_upload_fails_cleanly(host: Host, team: Team) -> None:
    upload = started(team, unique_name("Tomt"), len(PDF))
    with nothing_changes(host, team):
        refused = complete(team, upload["id"])
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "conflict"
        assert team.owner.browser.get(f"{files_of(team)}/{upload['id']}").status_code == 404
        assert team.owner.browser.get(files_of(team)).json()["items"] == []
    assert audited(team, "file_upload_completed", upload["id"]) == []


def test_simultaneous_completes_complete_once(host: Host, team: Team) -> None:
    upload = started(team, unique_name("Samtidig"), len(LARGE_PDF))
    assert put(upload, LARGE_PDF).status_code == 201
    path = f"{files_of(team)}/{upload['id']}/complete"
    calls: list[tuple[Account, str, str, dict[str, Any]]] = [(team.owner, "POST", path, {})] * 4
    statuses = sorted(response.status_code for response in simultaneously(host, calls))
    assert statuses == [200, 409, 409, 409]
    assert complete(team, upload["id"]).status_code == 409  # and again, later
    assert len(audited(team, "file_upload_completed", upload["id"])) == 1
    assert len(team.owner.browser.get(files_of(team)).json()["items"]) == 1


# --- deleting and sweeping ------------------------------------------------------


def test_deleting_a_file_deletes_its_blob(host: Host, team: Team) -> None:
    file = uploaded(team, unique_name("Gammal"), PDF)
    download_url = team.owner.browser.get(f"{files_of(team)}/{file['id']}").json()["download_url"]
    deleted = team.owner.browser.delete(f"{files_of(team)}/{file['id']}")
    assert deleted.status_code == 204, deleted.text
    assert blobs_of(host, team) == {}
    assert httpx.get(download_url).status_code == 404
    assert team.owner.browser.get(f"{files_of(team)}/{file['id']}").status_code == 404
    assert team.owner.browser.delete(f"{files_of(team)}/{file['id']}").status_code == 404
    assert file["filename"] not in filenames(host)
    assert len(audited(team, "file_deleted", file["id"])) == 1


def test_uploads_never_completed_are_swept_with_their_blobs(host: Host, team: Team) -> None:
    kept = uploaded(team, unique_name("Klar"), PDF)
    abandoned = {"filename": unique_name("Halvvägs")}
    abandoned |= started(team, abandoned["filename"], len(PDF))
    assert put(abandoned, PDF).status_code == 201
    never_sent = {"filename": unique_name("Aldrig")}
    never_sent |= started(team, never_sent["filename"], len(PDF))
    host.advance_clock(31 * 60)  # past the upload window and the sweep's margin
    late = complete(team, abandoned["id"])
    assert late.status_code == 409, late.text
    host.run_timer("sweep_abandoned_uploads")
    assert blobs_of(host, team) == {f"projects/{team.project_id}/files/{kept['id']}": len(PDF)}
    names = filenames(host)
    assert kept["filename"] in names
    assert not {abandoned["filename"], never_sent["filename"]} & names
    assert [f["id"] for f in team.owner.browser.get(files_of(team)).json()["items"]] == [kept["id"]]


def test_the_hourly_sweep_leaves_the_database_alone_without_work(
    app_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from quantities import file_routes, files
    from shared import db

    def no_database() -> None:
        raise AssertionError("the database was touched")

    monkeypatch.setattr(db, "new_session", no_database)
    monkeypatch.setattr(files, "_unfinished_here", {})
    assert not files.left_to_sweep_here()
    file_routes.remove_abandoned_uploads(None)
    files._remember(uuid.uuid4(), datetime.now(UTC) + files.ABANDONED_AFTER)
    assert not files.left_to_sweep_here()  # its upload window is still open
    files._remember(uuid.uuid4(), datetime.now(UTC) - timedelta(seconds=1))
    assert files.left_to_sweep_here()
    with pytest.raises(AssertionError, match="database was touched"):
        file_routes.remove_abandoned_uploads(None)


# --- probing and hostile input --------------------------------------------------


def test_another_projects_file_answers_like_an_unknown_one(
    host: Host, client: httpx.Client, team: Team
) -> None:
    other = new_team(host, client, "rival")
    theirs = uploaded(other, unique_name("Deras"), PDF)
    # The caller is in both projects: only the route's project may name the file.
    join(host, other.owner, other.project_id, team.owner, other.roles["viewer"])
    mine = files_of(team)
    unknown = str(uuid.uuid4())
    with nothing_changes(host, other):
        for method, suffix in (("GET", ""), ("POST", "/complete"), ("DELETE", "")):
            answer = same_answer(
                team.owner, method, f"{mine}/{theirs['id']}{suffix}", f"{mine}/{unknown}{suffix}"
            )
            assert answer.status_code == 404, (method, suffix)
    assert audited(other, "file_download_url_issued", theirs["id"]) == []


def test_a_session_without_the_required_second_factor_is_refused(team: Team) -> None:
    file = uploaded(team, unique_name("Känslig"), PDF)
    require(team)
    for method, path in (
        ("GET", files_of(team)),
        ("GET", f"{files_of(team)}/{file['id']}"),
        ("POST", files_of(team)),
        ("DELETE", f"{files_of(team)}/{file['id']}"),
    ):
        body = {"filename": "a.pdf", "content_type": "application/pdf", "size": 1}
        response = team.owner.browser.request(
            method, path, **({"json": body} if method == "POST" else {})
        )
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["code"] == "mfa_required"
        assert "download_url" not in response.text


VALID = {"filename": "Plan 1.pdf", "content_type": "application/pdf", "size": 1000}
BAD_BODIES: list[tuple[str, Any]] = [
    ("empty", {}),
    ("not an object", [VALID]),
    ("unknown field", {**VALID, "blob_name": "projects/x/files/y"}),
    *((f"{name} missing", {k: v for k, v in VALID.items() if k != name}) for name in VALID),
    ("size as text", {**VALID, "size": "1000"}),
    ("size fractional", {**VALID, "size": 1.5}),
    ("size boolean", {**VALID, "size": True}),
    ("size zero", {**VALID, "size": 0}),
    ("size negative", {**VALID, "size": -1}),
    ("filename empty", {**VALID, "filename": "   "}),
    ("filename a path", {**VALID, "filename": "../../etc/passwd.txt"}),
    ("filename a windows path", {**VALID, "filename": "C:\\temp\\plan.pdf"}),
    ("filename 10 kB", {**VALID, "filename": bad_input.TEN_KB + ".pdf"}),
    ("filename reversed", {**VALID, "filename": "plan\u202efdp.exe"}),
    ("content_type no slash", {**VALID, "content_type": "pdf"}),
    ("content_type with parameters", {**VALID, "content_type": "text/plain; charset=x\r\n"}),
    ("content_type 10 kB", {**VALID, "content_type": "a/" + bad_input.TEN_KB}),
]


def test_bad_and_hostile_bodies_are_refused_and_change_nothing(host: Host, team: Team) -> None:
    attempts = [(label, {"json": body}) for label, body in BAD_BODIES]
    attempts += list(bad_input.hostile(VALID, multiline=set()))
    with nothing_changes(host, team):
        for label, options in attempts:
            response = team.owner.browser.post(files_of(team), **options)
            assert response.status_code == 400, (label, response.text)
            assert response.json()["code"] == "validation_error"
            assert bad_input.TEN_KB not in response.text


def test_every_file_endpoint_with_a_body_is_attacked(client: httpx.Client) -> None:
    document = client.get("/api/openapi.json").json()
    with_body = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if "/files" in path
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert with_body == {("POST", "/projects/{project_id}/files")}  # VALID above


# --- signing and outages --------------------------------------------------------


class DelegatingService:
    """What the SAS code asks of a BlobServiceClient reached by identity."""

    account_name = "casaiprod"

    def __init__(self) -> None:
        self.keys_fetched = 0

    def get_user_delegation_key(
        self, start: datetime, expiry: datetime, **options: Any
    ) -> UserDelegationKey:
        self.keys_fetched += 1
        key = UserDelegationKey()  # type: ignore[no-untyped-call]
        key.signed_oid = "11111111-1111-1111-1111-111111111111"
        key.signed_tid = "22222222-2222-2222-2222-222222222222"
        key.signed_start = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        key.signed_expiry = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
        key.signed_service = "b"
        key.signed_version = "2025-01-05"
        key.value = "a2V5IG9mIHRoZSBpZGVudGl0eQ=="
        return key

    def get_blob_client(self, container: str, blob: str) -> Any:
        url = f"https://{self.account_name}.blob.core.windows.net/{container}/{blob}"
        return type("Blob", (), {"url": url})()

    @property
    def credential(self) -> Any:
        raise AssertionError("an account key was asked for under managed identity")


def test_under_managed_identity_urls_are_signed_with_a_user_delegation_key(
    app_settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared import storage
    from shared.config import get_settings

    monkeypatch.setenv("CASAI_STORAGE_BLOB_URL", "https://casaiprod.blob.core.windows.net")
    monkeypatch.setenv("CASAI_STORAGE_TABLE_URL", "https://casaiprod.table.core.windows.net")
    get_settings.cache_clear()
    service = DelegatingService()
    monkeypatch.setattr(storage, "blob_service", lambda: service)
    monkeypatch.setattr(storage, "_delegation", None)
    soon = datetime.now(UTC) + timedelta(minutes=15)
    upload = storage.blob_sas_url("project-files", "projects/p/files/f", "c", soon)
    download = storage.blob_sas_url(
        "project-files", "projects/p/files/f", "r", soon, content_disposition="attachment"
    )
    assert upload.startswith("https://casaiprod.blob.core.windows.net/project-files/projects/")
    for url, permission in ((upload, "c"), (download, "r")):
        sas = sas_of(url)
        assert sas["sp"] == permission
        assert sas["skoid"] == "11111111-1111-1111-1111-111111111111"  # signed by the identity
        assert sas["sr"] == "b"
    assert sas_of(download)["rscd"] == "attachment"
    assert service.keys_fetched == 1  # one key signs many URLs
    storage.blob_sas_url("c", "b", "r", soon + storage.DELEGATION_KEY_LIFETIME * 2)
    assert service.keys_fetched == 2  # a URL that would outlive the key gets a new one


def test_storage_down_answers_503_and_leaves_no_half_written_file(
    own_database: str, own_storage: OwnStorage, tmp_path: Path
) -> None:
    with host_of_its_own(own_database, own_storage, tmp_path) as host, host.client() as client:
        team = new_team(host, client, "outage")
        kept = uploaded(team, unique_name("Kvar"), PDF)
        waiting = started(team, unique_name("Väntar"), len(PDF))
        assert put(waiting, PDF).status_code == 201
        rows_before = bad_input.snapshot(host, TABLES)
        own_storage.stop()
        assert_unavailable(complete(team, waiting["id"]))
        assert bad_input.snapshot(host, TABLES) == rows_before  # still pending, as it was
        assert_unavailable(team.owner.browser.delete(f"{files_of(team)}/{kept['id']}"))
        # Gone for readers at once; its blob and row are left for the sweep.
        assert team.owner.browser.get(f"{files_of(team)}/{kept['id']}").status_code == 404
        own_storage.start()
        assert complete(team, waiting["id"]).status_code == 200
        host.run_timer("sweep_abandoned_uploads")
        assert kept["filename"] not in filenames(host)
        assert blobs_of(host, team) == {
            f"projects/{team.project_id}/files/{waiting['id']}": len(PDF)
        }
