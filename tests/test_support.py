"""Support over HTTP: status, the Messenger's configuration, tickets and their forwarding.

Two apps: the shared one (no Intercom: tickets are e-mailed to the support address) and
one of this module's own whose Intercom API is a local HTTP server recording every
request (as the SendGrid backend is tested), behind a trusted front end so limits per
client address apply. Both on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from devhost import azurite
from tests import bad_input
from tests.accounts import (
    Browser,
    Team,
    answer,
    join,
    make_admin,
    messages_to,
    sign_in,
    signed_up,
    text_of,
    unique_email,
    user_id,
)
from tests.conftest import (
    BACKENDS,
    REPO,
    Host,
    Storage,
    app_environment,
    forget_database,
    new_database,
    running_host,
)

TICKETS = ["support_tickets"]
REFERENCE = re.compile(r"^CAS-[2-9A-HJKMNP-Z]{6}$")
SECRET = "intercom-identity-verification-secret-for-tests"
TOKEN = "intercom-access-token-for-tests"
TICKET_TYPE = "42"
SUPPORT = "support@casai.localhost"  # the local default
INTERCOM_SUPPORT = "help@casai.test"


def ticket(**fields: Any) -> dict[str, Any]:
    body = {
        "subject": "Kan inte logga in",
        "message": "Hej!\nJag får ett fel när jag loggar in.",
        "category": "question",
        "email": unique_email("sender"),
    }
    body.update(fields)
    return {name: value for name, value in body.items() if value is not None}


def settled(host: Host) -> None:
    """Wait until every ticket's forward after its response has had its first try."""
    waiting = (
        "SELECT COUNT(*) FROM support_tickets WHERE forward_state = 'pending' "
        "AND forward_attempts = 0"
    )
    wait_for(lambda: host.query(waiting) == [(0,)], "the forwards after the responses")


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def stored(host: Host, reference: str) -> dict[str, Any]:
    columns = (
        "category, urgent, subject, message, email, name, user_id, project_id, project_name, "
        "sender_manages, person_email, person_is_member, status, forward_state, "
        "forward_attempts, intercom_ticket_id, confirmation_pending"
    )
    rows = host.query(f"SELECT {columns} FROM support_tickets WHERE reference = :r", r=reference)
    assert len(rows) == 1, (reference, rows)
    return dict(zip([c.strip() for c in columns.split(",")], rows[0], strict=True))


def count_tickets(host: Host, sql: str = "", **params: object) -> int:
    [(found,)] = host.query(f"SELECT COUNT(*) FROM support_tickets {sql}", **params)
    return int(found)


def handed_on(host: Host, reference: str) -> bool:
    found = stored(host, reference)
    return found["forward_state"] != "pending" and not found["confirmation_pending"]


def masked(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """All a client sees of a ticket's answer, its (random) reference masked."""
    status, headers, body = answer(response)
    return status, headers, re.sub(rb"CAS-[0-9A-Z]{6}", b"CAS-??????", body)


# --- the shared app: no Intercom -------------------------------------------------------


def test_status_says_whether_support_is_open_now(client: httpx.Client, host: Host) -> None:
    response = client.get("/api/support/status")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timezone"] == "Europe/Stockholm"
    assert body["hours"] == "07:30-16:30"
    opens = datetime.fromisoformat(body["opens_at"])
    closes = datetime.fromisoformat(body["closes_at"])
    assert opens.utcoffset() == closes.utcoffset() == UTC.utcoffset(None)
    now = datetime.fromtimestamp(host.now(), UTC)
    assert now < closes
    assert body["open"] is (opens <= now)
    assert (closes - opens).total_seconds() == 9 * 3600


def test_without_an_app_id_the_messenger_says_so(host: Host, client: httpx.Client) -> None:
    off = {
        "enabled": False,
        "app_id": None,
        "api_base": None,
        "user_id": None,
        "email": None,
        "name": None,
    }
    anonymous = client.get("/api/support/messenger")
    assert anonymous.status_code == 200
    assert anonymous.json() == {**off, "user_hash": None}
    account = signed_up(host, client, "chatter")
    assert account.browser.get("/api/support/messenger").json() == {**off, "user_hash": None}


def test_an_anonymous_ticket_is_stored_and_e_mailed_to_support(
    host: Host, client: httpx.Client
) -> None:
    body = ticket(category="problem", name="Åsa", message="Se https://evil.example/x nu")
    response = client.post("/api/support/tickets", json=body)
    assert response.status_code == 202, response.text
    reference = response.json()["reference"]
    assert REFERENCE.match(reference), reference
    found = stored(host, reference)
    assert found["category"] == "problem"
    assert not found["urgent"]
    assert (found["email"], found["name"], found["user_id"]) == (body["email"], "Åsa", None)
    wait_for(lambda: handed_on(host, reference), "the ticket to be handed on")
    assert stored(host, reference)["forward_state"] == "emailed"
    [to_support] = [m for m in messages_to(host.outbox, SUPPORT) if reference in m["Subject"]]
    text = text_of(to_support)
    assert "not signed in, unverified" in text
    assert "evil[.]example" in text
    assert "https://evil.example" not in text
    assert "URGENT" not in to_support["Subject"]
    [confirmation] = messages_to(host.outbox, body["email"])
    assert reference in confirmation["Subject"]
    assert "evil" not in text_of(confirmation)  # none of the sender's words
    assert "Se https" not in text_of(confirmation)


def test_access_denial_from_a_manager_names_the_project_and_the_person(
    host: Host, client: httpx.Client, team: Team
) -> None:
    member = signed_up(host, client, "to-deny")
    join(host, team.owner, team.project_id, member, team.roles["editor"])
    response = team.owner.browser.post(
        "/api/support/tickets",
        json={
            "subject": "Neka åtkomst",
            "message": "Ta bort personen från projektet omedelbart.",
            "category": "access_denial",
            "project_id": team.project_id,
            "person_email": member.email,
        },
    )
    assert response.status_code == 202, response.text
    reference = response.json()["reference"]
    found = stored(host, reference)
    assert found["urgent"]
    assert found["project_name"] == "Väg 56"
    assert found["sender_manages"]
    assert found["person_is_member"]
    assert found["email"] == team.owner.email  # the signed-in sender's own address
    assert str(found["user_id"]).replace("-", "") == user_id(team.owner).replace("-", "")
    wait_for(lambda: handed_on(host, reference), "the ticket to be handed on")
    [mail] = [m for m in messages_to(host.outbox, SUPPORT) if reference in m["Subject"]]
    assert mail["Subject"].startswith("CASAI support: [BRÅDSKANDE / URGENT]")
    text = text_of(mail)
    assert "Project (verified: the sender manages its members)" in text
    assert "“Väg 56”" in text
    assert team.project_id in text
    assert f"<{member.email}>, a member of that project (verified)" in text
    assert "Sender (signed in, verified)" in text
    # Whether the person named is a member (or has an account) shows in no answer.
    answers = [
        masked(
            team.owner.browser.post(
                "/api/support/tickets",
                json={
                    "subject": "Neka åtkomst",
                    "message": "Ta bort personen.",
                    "category": "access_denial",
                    "project_id": team.project_id,
                    "person_email": person,
                },
                headers={"X-Request-Id": "deny"},
            )
        )
        for person in (member.email, unique_email("not-a-member"))
    ]
    assert answers[0][0] == 202
    assert answers[0] == answers[1]


def test_a_project_the_sender_is_not_in_is_only_a_claim_and_answers_like_none(
    host: Host, client: httpx.Client, team: Team
) -> None:
    stranger = signed_up(host, client, "claimer")
    sent = {}
    for label, project in (("theirs", team.project_id), ("nobody's", str(uuid.uuid4()))):
        body = ticket(category="access_denial", project_id=project, email=None)
        response = stranger.browser.post(
            "/api/support/tickets", json=body, headers={"X-Request-Id": "claim"}
        )
        sent[label] = response
    assert masked(sent["theirs"]) == masked(sent["nobody's"])
    found = stored(host, sent["theirs"].json()["reference"])
    assert found["project_name"] is None
    assert not found["sender_manages"]
    wait_for(lambda: handed_on(host, sent["theirs"].json()["reference"]), "handing on")
    [mail] = [
        m
        for m in messages_to(host.outbox, SUPPORT)
        if sent["theirs"].json()["reference"] in m["Subject"]
    ]
    assert "Väg 56" not in text_of(mail)
    assert "unverified, not a project of the sender's" in text_of(mail)


def test_answers_are_alike_for_addresses_with_and_without_an_account(
    host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "known")
    anonymous = Browser(client)
    answers = [
        masked(
            anonymous.post(
                "/api/support/tickets",
                json=ticket(email=address),
                headers={"X-Request-Id": "alike"},
            )
        )
        for address in (account.email, unique_email("unknown"))
    ]
    assert answers[0][0] == 202
    assert answers[0] == answers[1]


def test_a_signed_in_ticket_uses_the_account_and_needs_the_csrf_token(
    host: Host, client: httpx.Client
) -> None:
    account = signed_up(host, client, "signed-in-sender")
    forged = Browser(client, cookie=account.browser.cookie, send_csrf=False)
    settled(host)  # earlier tickets' forwards done: only the refusal counts
    with bad_input.unchanged(host, TICKETS):
        refused = forged.post("/api/support/tickets", json=ticket(email=None))
        assert refused.status_code == 403
        assert refused.json()["code"] == "csrf_failed"
    response = account.browser.post("/api/support/tickets", json=ticket(email=None, name=None))
    assert response.status_code == 202, response.text
    found = stored(host, response.json()["reference"])
    assert found["email"] == account.email
    assert found["name"] == "Test Person"
    # A cookie that opens no session is no session: the ticket is anonymous.
    stale = Browser(client, cookie="not-a-session", send_csrf=False)
    anonymous = stale.post("/api/support/tickets", json=ticket())
    assert anonymous.status_code == 202, anonymous.text
    assert stored(host, anonymous.json()["reference"])["user_id"] is None


def test_five_tickets_an_hour_per_address_then_429(host: Host, client: httpx.Client) -> None:
    address = unique_email("talkative")
    for _ in range(5):
        assert client.post("/api/support/tickets", json=ticket(email=address)).status_code == 202
    settled(host)  # earlier tickets' forwards done: only the refusal counts
    with bad_input.unchanged(host, TICKETS):
        refused = client.post("/api/support/tickets", json=ticket(email=address.upper()))
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert count_tickets(host, "WHERE email = :e", e=address) == 5
    assert client.post("/api/support/tickets", json=ticket()).status_code == 202


def test_tickets_naming_an_address_never_use_up_its_holders_own(
    host: Host, client: httpx.Client
) -> None:
    holder = signed_up(host, client, "named")
    for _ in range(5):  # anyone can name anyone's address, e.g. the person to be denied
        assert (
            client.post("/api/support/tickets", json=ticket(email=holder.email)).status_code == 202
        )
    assert client.post("/api/support/tickets", json=ticket(email=holder.email)).status_code == 429
    urgent = ticket(email=None, category="access_denial")
    for _ in range(5):  # the holder, signed in, still reaches support
        response = holder.browser.post("/api/support/tickets", json=urgent)
        assert response.status_code == 202, response.text
    settled(host)  # earlier tickets' forwards done: only the refusal counts
    with bad_input.unchanged(host, TICKETS):  # ... within a limit of their own
        refused = holder.browser.post("/api/support/tickets", json=ticket(email=holder.email))
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert count_tickets(host, "WHERE email = :e", e=holder.email) == 10


def test_simultaneous_tickets_from_one_address_are_counted_exactly(host: Host) -> None:
    address = unique_email("flood")
    start = threading.Barrier(8, timeout=60)

    def send(_: int) -> int:
        with host.client() as own:
            start.wait()
            return own.post("/api/support/tickets", json=ticket(email=address)).status_code

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(send, range(8)))
    assert statuses == [202] * 5 + [429] * 3, statuses
    assert count_tickets(host, "WHERE email = :e", e=address) == 5
    references = host.query("SELECT reference FROM support_tickets WHERE email = :e", e=address)
    assert len({r for (r,) in references}) == 5


def test_a_filled_honeypot_answers_alike_and_stores_nothing(
    host: Host, client: httpx.Client
) -> None:
    body = ticket(website="https://spam.example")
    settled(host)  # earlier tickets' forwards done: only the refusal counts
    with bad_input.unchanged(host, TICKETS):
        response = client.post("/api/support/tickets", json=body)
    assert response.status_code == 202
    assert REFERENCE.match(response.json()["reference"])
    assert messages_to(host.outbox, body["email"]) == []
    human = client.post("/api/support/tickets", json=ticket())
    assert masked(response)[0] == masked(human)[0]
    assert response.json().keys() == human.json().keys()


MULTILINE = {"message"}


def test_bad_and_hostile_tickets_are_refused_and_change_nothing(
    host: Host, client: httpx.Client
) -> None:
    valid = ticket(name="Åsa", project_id=str(uuid.uuid4()))
    cases: list[tuple[str, dict[str, Any]]] = [
        (label, {"json": body})
        for label, body in bad_input.bad_bodies(
            valid, optional=frozenset({"email", "name", "project_id"})
        )
    ]
    cases += list(bad_input.hostile(valid, MULTILINE))
    denial = ticket(category="access_denial", person_email=unique_email("deny"))
    cases += [
        (label, {"json": body})
        for label, body in bad_input.bad_bodies(denial, optional=frozenset({"person_email"}))
        if label.startswith("person_email")
    ]
    cases += [
        (label, options)
        for label, options in bad_input.hostile(denial, MULTILINE)
        if label.startswith("person_email")
    ]
    cases += [
        ("unknown category", {"json": {**valid, "category": "lottery"}}),
        ("subject too long", {"json": {**valid, "subject": "x" * 201}}),
        ("name too long", {"json": {**valid, "name": "x" * 101}}),
        ("address too long", {"json": {**valid, "email": "x" * 250 + "@example.se"}}),
        ("honeypot too long", {"json": {**valid, "website": "x" * 201}}),
        ("empty subject", {"json": {**valid, "subject": ""}}),
        ("category in another case", {"json": {**valid, "category": "QUESTION"}}),
        ("message too long", {"json": {**valid, "message": "x" * 5001}}),
        ("person without access_denial", {"json": {**valid, "person_email": "x@example.se"}}),
        ("a project id that is no uuid", {"json": {**valid, "project_id": "../../etc"}}),
    ]
    for label, options in cases:
        settled(host)  # earlier tickets' forwards done: only the refusal counts
        with bad_input.unchanged(host, [*TICKETS, "throttle_events"], label):
            response = client.post("/api/support/tickets", **options)
            assert 400 <= response.status_code < 500, (label, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")


def test_a_message_may_hold_line_breaks(host: Host, client: httpx.Client) -> None:
    text = "Rad 1\nRad 2\r\n\tindrag"
    response = client.post("/api/support/tickets", json=ticket(message=text))
    assert response.status_code == 202, response.text
    assert stored(host, response.json()["reference"])["message"] == text


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_hundred_tickets_an_hour_without_any_address_then_429(
    backend: str, storage: Storage, tmp_path: Path
) -> None:
    """An app of its own: the limit counts everyone's tickets without an address."""
    url = new_database(backend, tmp_path)
    env = app_environment(tmp_path / "app", url, storage.connection_string)
    anonymous = ticket(email=None)
    try:
        with running_host(env, "--migrate") as own, own.client() as client:
            for _ in range(100):
                response = client.post("/api/support/tickets", json=anonymous)
                assert response.status_code == 202, response.text
            settled(own)
            with bad_input.unchanged(own, [*TICKETS, "throttle_events"]):
                refused = client.post("/api/support/tickets", json=anonymous)
            assert refused.status_code == 429
            assert refused.json()["code"] == "rate_limited"
            assert int(refused.headers["Retry-After"]) > 0
            assert "give yours" in refused.json()["detail"]
            answerable = client.post("/api/support/tickets", json=ticket())
            assert answerable.status_code == 202, answerable.text
            assert count_tickets(own, "WHERE email IS NULL") == 100
    finally:
        forget_database(url)


# --- an app whose Intercom is a local recording server -----------------------------------


@dataclass
class Intercom:
    """A stand-in for Intercom's REST API: records each request, answers like Intercom."""

    port: int
    requests: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                recorder.requests.append((self.path, dict(self.headers), body))
                answer = json.dumps({"type": "ticket", "id": str(1000 + len(recorder.requests))})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Down: nothing listens on the port until `start` again."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def for_reference(self, reference: str) -> list[dict[str, Any]]:
        return [
            body
            for _, _, body in self.requests
            if reference in body["ticket_attributes"]["_default_title_"]
        ]


@pytest.fixture(scope="module")
def intercom() -> Iterator[Intercom]:
    stand_in = Intercom(azurite.free_port())
    stand_in.start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def support_host(
    request: pytest.FixtureRequest,
    intercom: Intercom,
    storage: Storage,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Host]:
    url = new_database(request.param, tmp_path_factory.mktemp(f"support-{request.param}"))
    env = app_environment(tmp_path_factory.mktemp("support-app"), url, storage.connection_string)
    env.update(
        {
            "CASAI_INTERCOM_APP_ID": "casai-test",
            "CASAI_INTERCOM_SECRET": SECRET,
            "CASAI_INTERCOM_ACCESS_TOKEN": TOKEN,
            "CASAI_INTERCOM_TICKET_TYPE_ID": TICKET_TYPE,
            "CASAI_INTERCOM_API_BASE_URL": f"http://127.0.0.1:{intercom.port}",
            "CASAI_SUPPORT_EMAIL": INTERCOM_SUPPORT,
            "CASAI_TRUST_FORWARDED_FOR": "true",
            "CASAI_RETENTION_DAYS": "1",
        }
    )
    try:
        with running_host(env, "--migrate") as started:
            yield started
    finally:
        forget_database(url)


@pytest.fixture
def app(support_host: Host, intercom: Intercom) -> Iterator[Host]:
    """The Intercom app in a fresh hour, so the limits per client address (every request
    here comes from 127.0.0.1) start from zero; the stand-in up."""
    support_host.advance_clock(3601)
    if intercom.server is None:
        intercom.start()
    yield support_host
    if intercom.server is None:
        intercom.start()


def test_the_messenger_identifies_a_signed_in_user_with_a_verifiable_hash(app: Host) -> None:
    with app.client() as client:
        anonymous = client.get("/api/support/messenger").json()
        assert anonymous == {
            "enabled": True,
            "app_id": "casai-test",
            # The stand-in's address: not an Intercom host, so nothing to put in its place.
            "api_base": app.env["CASAI_INTERCOM_API_BASE_URL"],
            "user_id": None,
            "email": None,
            "name": None,
            "user_hash": None,
        }
        account = signed_up(app, client, "chatter")
        mine = account.browser.get("/api/support/messenger").json()
        account_id = user_id(account)
    expected = hmac.new(SECRET.encode(), mine["user_id"].encode(), hashlib.sha256).hexdigest()
    assert mine["user_hash"] == expected
    assert (mine["email"], mine["name"]) == (account.email, "Test Person")
    assert mine["user_id"] == account_id
    assert SECRET not in json.dumps(mine)


@pytest.mark.parametrize(
    ("rest", "messenger"),
    [
        ("https://api.intercom.io", "https://api-iam.intercom.io"),
        ("https://api.eu.intercom.io/", "https://api-iam.eu.intercom.io"),
        ("https://api.au.intercom.io", "https://api-iam.au.intercom.io"),
    ],
)
def test_the_messenger_talks_to_the_region_of_the_workspace(rest: str, messenger: str) -> None:
    from support.intercom import messenger_api_base

    assert messenger_api_base(rest) == messenger


def test_an_anonymous_ticket_is_forwarded_to_intercom_with_the_right_payload(
    app: Host, intercom: Intercom
) -> None:
    body = ticket(category="security", name="Åsa Öberg", subject="Misstänkt intrång")
    with app.client() as client:
        response = client.post("/api/support/tickets", json=body)
    assert response.status_code == 202, response.text
    reference = response.json()["reference"]
    wait_for(lambda: handed_on(app, reference), "the forward")
    found = stored(app, reference)
    assert found["forward_state"] == "intercom"
    assert found["forward_attempts"] == 1
    [(path, headers, payload)] = [
        r for r in intercom.requests if reference in r[2]["ticket_attributes"]["_default_title_"]
    ]
    assert path == "/tickets"
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Intercom-Version"] == "2.11"
    assert headers["Content-Type"] == "application/json"
    assert payload["ticket_type_id"] == TICKET_TYPE
    assert payload["contacts"] == [{"email": body["email"]}]
    title = payload["ticket_attributes"]["_default_title_"]
    assert title == f"[BRÅDSKANDE / URGENT] {reference} (security): “Misstänkt intrång”"
    description = payload["ticket_attributes"]["_default_description_"]
    assert body["message"] in description
    assert "Sender (not signed in, unverified): “Åsa Öberg”" in description
    assert found["intercom_ticket_id"] == str(
        1000 + intercom.requests.index((path, headers, payload)) + 1
    )
    assert messages_to(app.outbox, INTERCOM_SUPPORT) == []  # not e-mailed as well
    [confirmation] = messages_to(app.outbox, body["email"])
    assert reference in confirmation["Subject"]


def test_a_ticket_survives_intercom_being_down_and_is_forwarded_by_the_timer(
    app: Host, intercom: Intercom
) -> None:
    intercom.stop()
    body = ticket(category="question")
    with app.client() as client:
        response = client.post("/api/support/tickets", json=body)
    assert response.status_code == 202, response.text
    reference = response.json()["reference"]
    wait_for(lambda: stored(app, reference)["forward_attempts"] == 1, "the first try")
    found = stored(app, reference)
    assert found["forward_state"] == "pending"
    assert not found["confirmation_pending"]  # the sender heard back all the same
    assert intercom.for_reference(reference) == []
    app.advance_clock(11 * 60)  # past the rest after a failed try
    app.run_timer("sweep_tickets")  # still down: a second try, still kept
    assert stored(app, reference)["forward_attempts"] == 2
    assert stored(app, reference)["forward_state"] == "pending"
    intercom.start()
    app.advance_clock(11 * 60)
    app.run_timer("sweep_tickets")
    found = stored(app, reference)
    assert found["forward_state"] == "intercom"
    assert found["forward_attempts"] == 3
    assert len(intercom.for_reference(reference)) == 1
    app.run_timer("sweep_tickets")  # nothing left: no second forward
    assert len(intercom.for_reference(reference)) == 1


# One instance of the app, in a process of its own: its ten-minute `forward_tickets`
# timer touches the database only after a forward failed on this instance, and then
# retries. Intercom is down for this instance while CASAI_INTERCOM_API_BASE_URL names
# a port nobody listens on (the settings are read again after each change).
ONE_INSTANCE = """
import json, os, sys
from pathlib import Path
from sqlalchemy import select
from shared import config, db
from support import routes, service
from support.models import SupportTicket

reference, down = sys.argv[1], sys.argv[2]
clock_file = Path(os.environ["CASAI_TEST_CLOCK_FILE"])
intercom = os.environ["CASAI_INTERCOM_API_BASE_URL"]

def state():
    with db.new_session() as session:
        found = session.scalar(select(SupportTicket).where(SupportTicket.reference == reference))
        return [found.forward_state, found.forward_attempts]

def intercom_at(url):
    os.environ["CASAI_INTERCOM_API_BASE_URL"] = url
    config.get_settings.cache_clear()

said = {}
routes.forward_tickets(None)  # no forward failed here yet: nothing tried
said["untouched"] = state()
intercom_at(down)
service.forward_pending()  # fails here, and this instance notes it
said["failed_here"] = [*state(), service.left_waiting_here()]
intercom_at(intercom)
clock_file.write_text(str(float(clock_file.read_text() or 0) + 11 * 60))
routes.forward_tickets(None)
said["retried"] = [*state(), service.left_waiting_here()]
print(json.dumps(said))
"""


def test_the_ten_minute_timer_retries_what_failed_on_its_instance(
    app: Host, intercom: Intercom
) -> None:
    intercom.stop()
    with app.client() as client:
        response = client.post("/api/support/tickets", json=ticket(category="problem"))
    reference = response.json()["reference"]
    wait_for(lambda: stored(app, reference)["forward_attempts"] == 1, "the first try")
    intercom.start()
    app.advance_clock(11 * 60)  # past the rest after the failed try
    done = subprocess.run(
        [sys.executable, "-c", ONE_INSTANCE, reference, f"http://127.0.0.1:{azurite.free_port()}"],
        cwd=REPO,
        env=app.env,
        capture_output=True,
        text=True,
        check=True,
    )
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said == {
        "untouched": ["pending", 1],
        "failed_here": ["pending", 2, True],
        "retried": ["intercom", 3, False],
    }, done.stderr
    assert len(intercom.for_reference(reference)) == 1


def test_an_urgent_ticket_goes_to_the_support_address_at_once_while_intercom_is_down(
    app: Host, intercom: Intercom
) -> None:
    intercom.stop()
    with app.client() as client:
        response = client.post("/api/support/tickets", json=ticket(category="access_denial"))
    reference = response.json()["reference"]
    wait_for(lambda: handed_on(app, reference), "the fallback")
    assert stored(app, reference)["forward_state"] == "emailed"
    [mail] = [m for m in messages_to(app.outbox, INTERCOM_SUPPORT) if reference in m["Subject"]]
    assert "[BRÅDSKANDE / URGENT]" in mail["Subject"]


@contextmanager
def mail_down(host: Host) -> Iterator[None]:
    """Every e-mail the app sends fails meanwhile: a file stands where its outbox was."""
    kept = host.outbox.with_name("outbox-kept")
    host.outbox.mkdir(exist_ok=True)
    host.outbox.rename(kept)
    host.outbox.write_text("not a directory: no e-mail can be written")
    try:
        yield
    finally:
        host.outbox.unlink()
        kept.rename(host.outbox)


def test_tickets_survive_intercom_and_e_mail_both_down_and_arrive_once_when_back(
    app: Host, intercom: Intercom
) -> None:
    intercom.stop()
    with mail_down(app), app.client() as client:
        bodies = [ticket(category="access_denial"), ticket(category="question")]
        sent = [client.post("/api/support/tickets", json=body) for body in bodies]
        assert [r.status_code for r in sent] == [202, 202]
        urgent, plain = (r.json()["reference"] for r in sent)
        wait_for(
            lambda: all(stored(app, r)["forward_attempts"] == 1 for r in (urgent, plain)),
            "the first tries",
        )
        for reference in (urgent, plain):
            found = stored(app, reference)
            assert found["forward_state"] == "pending", reference
            assert found["confirmation_pending"], reference
    # E-mail is back, Intercom still down: the urgent ticket goes to the support address.
    app.advance_clock(11 * 60)
    app.run_timer("sweep_tickets")
    assert handed_on(app, urgent)
    assert stored(app, urgent)["forward_state"] == "emailed"
    found = stored(app, plain)
    assert (found["forward_state"], found["forward_attempts"]) == ("pending", 2)
    assert not found["confirmation_pending"]
    intercom.start()
    app.advance_clock(11 * 60)
    app.run_timer("sweep_tickets")
    assert stored(app, plain)["forward_state"] == "intercom"
    app.advance_clock(11 * 60)
    app.run_timer("sweep_tickets")  # nothing left: nothing twice
    to_support = [m for m in messages_to(app.outbox, INTERCOM_SUPPORT) if urgent in m["Subject"]]
    assert len(to_support) == 1
    assert "[BRÅDSKANDE / URGENT]" in to_support[0]["Subject"]
    assert intercom.for_reference(urgent) == []
    assert len(intercom.for_reference(plain)) == 1
    for body, reference in zip(bodies, (urgent, plain), strict=True):
        [confirmation] = messages_to(app.outbox, body["email"])
        assert reference in confirmation["Subject"]


def test_ten_tickets_an_hour_per_client_address_then_429(app: Host) -> None:
    with app.client() as client:
        for _ in range(10):
            response = client.post("/api/support/tickets", json=ticket())
            assert response.status_code == 202, response.text
        settled(app)  # earlier tickets' forwards done: only the refusal counts
        with bad_input.unchanged(app, TICKETS):
            # A claimed address before the front end's entry changes nothing.
            refused = client.post(
                "/api/support/tickets",
                json=ticket(),
                headers={"X-Forwarded-For": "198.51.100.9"},
            )
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == "3600"


def test_simultaneous_tickets_from_one_client_address_are_counted_exactly(app: Host) -> None:
    start = threading.Barrier(13, timeout=60)

    def send(_: int) -> int:
        with app.client() as own:
            start.wait()
            return own.post("/api/support/tickets", json=ticket()).status_code

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=13) as pool:
        statuses = sorted(pool.map(send, range(13)))
    assert statuses == [202] * 10 + [429] * 3, statuses


def test_the_intercom_secrets_never_leave_the_server(app: Host, intercom: Intercom) -> None:
    with app.client() as client:
        account = signed_up(app, client, "secretive")
        seen = [
            client.get("/api/openapi.json").text,
            client.get("/api/support/messenger").text,
            account.browser.get("/api/support/messenger").text,
            account.browser.get("/api/me/export").text,
            account.browser.post("/api/support/tickets", json=ticket(email=None)).text,
        ]
        reference = json.loads(seen[-1])["reference"]
    wait_for(lambda: handed_on(app, reference), "the forward")
    seen += [m.as_string() for m in messages_to(app.outbox, account.email)]
    seen += [json.dumps(body) for _, _, body in intercom.requests]
    seen.append(app.log())
    for text in seen:
        assert SECRET not in text
        assert TOKEN not in text
    # The access token goes to Intercom only, in the Authorization header.
    assert {h["Authorization"] for _, h, _ in intercom.requests} == {f"Bearer {TOKEN}"}


def test_an_administrators_address_stays_out_of_the_accounts_own_log_and_export(
    app: Host,
) -> None:
    """This app sits behind a trusted front end, so every event knows its client
    address; what an administrator did to an account is in its holder's log and export
    without the administrator's."""
    with app.client() as client:
        admin = make_admin(app, client)
        holder = signed_up(app, client, "administered")
        holder_id = user_id(holder)
        for action in ("disable", "enable"):
            done = admin.browser.post(f"/api/admin/users/{holder_id}/{action}")
            assert done.status_code == 200, done.text
        browser, login = sign_in(client, holder)
        assert login.status_code == 200, login.text
        log = browser.get("/api/me/security-log?limit=500").json()["items"]
        export = browser.get("/api/me/export").json()["security_log"]
    for events in (log, export):
        by_action = {e["action"]: e for e in events}
        assert by_action["login_succeeded"]["ip"] == "127.0.0.1"  # the holder's own
        assert by_action["user_disabled"]["ip"] is None
        assert by_action["user_enabled"]["ip"] is None


def test_retention_deletes_old_audit_events_and_closed_tickets_and_says_how_many(
    app: Host,
) -> None:
    with app.client() as client:
        admin = make_admin(app, client)
        sender = signed_up(app, client, "old-sender")
        closed = sender.browser.post("/api/support/tickets", json=ticket(email=None))
        kept_open = sender.browser.post("/api/support/tickets", json=ticket(email=None))
        closed_ref, open_ref = closed.json()["reference"], kept_open.json()["reference"]
        wait_for(lambda: handed_on(app, closed_ref) and handed_on(app, open_ref), "handing on")
        [(closed_id,)] = app.query(
            "SELECT id FROM support_tickets WHERE reference = :r", r=closed_ref
        )
        shut = admin.browser.post(f"/api/admin/tickets/{uuid.UUID(str(closed_id))}/close")
        assert shut.status_code == 200, shut.text
        log_before = sender.browser.get("/api/me/security-log?limit=500").json()["items"]
        assert {"login_succeeded", "support_ticket_sent"} <= {e["action"] for e in log_before}
    app.advance_clock(2 * 86400)  # the retention is one day here
    result = subprocess.run(
        [sys.executable, "-m", "devhost", "--run-timer", "purge_past_retention"],
        cwd=REPO,
        env=app.env,
        capture_output=True,
        text=True,
        check=True,
    )
    said = re.search(
        r"retention: deleted (\d+) audit event\(s\) and (\d+) closed ticket\(s\) older than 1 days",
        result.stdout + result.stderr,
    )
    assert said, result.stdout + result.stderr
    assert int(said.group(1)) >= len(log_before)
    assert int(said.group(2)) >= 1
    assert count_tickets(app, "WHERE reference = :r", r=closed_ref) == 0
    assert count_tickets(app, "WHERE reference = :r", r=open_ref) == 1
    with app.client() as client:
        browser = Browser(client)
        again = browser.post(
            "/api/auth/login", json={"email": sender.email, "password": sender.password}
        )
        assert again.status_code == 200, again.text
        log_after = browser.get("/api/me/security-log?limit=500").json()["items"]
    assert {e["id"] for e in log_after}.isdisjoint({e["id"] for e in log_before})
