"""Dependencies that go down: 503 `unavailable` with Retry-After, and nothing lost.

The database is reached through a proxy the test owns (tests.tcp_proxy), which cuts
every connection or freezes them (a stuck network path); Azurite is stopped and
started again; the e-mail backend points at a port nobody listens on. After each
outage the app's data is checked directly: nothing half written, and every committed
change has exactly one audit event.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.identity import CredentialUnavailableError
from sqlalchemy import Engine, QueuePool, create_engine, insert, make_url, select, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from devhost import azurite
from shared import db
from shared.audit import OutboxEvent
from shared.config import Settings
from shared.outages import Dependency, EmailUnavailable, down_dependency
from tests.accounts import PASSWORD, Browser, sign_in, unique_email
from tests.conftest import (
    BACKENDS,
    POSTGRES_URL,
    Host,
    Storage,
    app_environment,
    create_storage_resources,
    forget_database,
    new_database,
    running_host,
)
from tests.tcp_proxy import Proxy
from tests.test_azure_sql import azure_sql_url, token_engine
from tests.test_schedules import Desk, new_desk

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="a database behind a proxy needs PostgreSQL: set CASAI_TEST_POSTGRES_URL",
)
TIMEOUT_S = 2  # CASAI_DATABASE_TIMEOUT_SECONDS of the hosts here


class OwnStorage:
    """An Azurite of the test's own, which it may stop and start again on the same ports."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.accounts = f"casai:{base64.b64encode(secrets.token_bytes(64)).decode()}"
        self.ports = (azurite.free_port(), azurite.free_port(), azurite.free_port())
        key = self.accounts.split(":", 1)[1]
        self.connection_string = azurite.connection_string(
            "casai", key, self.ports[0], self.ports[2]
        )
        self.server: azurite.Azurite | None = None

    def start(self) -> None:
        self.server = azurite.start(
            self.location, self.ports, accounts=self.accounts, log_file=self.location / "log"
        )

    def stop(self) -> None:
        if self.server is not None:
            azurite.stop(self.server)
            self.server = None


@pytest.fixture
def own_storage(tmp_path: Path) -> Iterator[OwnStorage]:
    storage = OwnStorage(tmp_path / "azurite")
    storage.start()
    yield storage
    storage.stop()


@contextmanager
def host_of_its_own(database_url: str, storage: OwnStorage, folder: Path) -> Iterator[Host]:
    """A migrated dev host on `database_url` and `storage`, for a test that stops either."""
    env = app_environment(folder / "app", database_url, storage.connection_string)
    create_storage_resources(env)
    with running_host(env, "--migrate") as host:
        yield host


def audit_events(desk: Desk) -> list[dict[str, Any]]:
    response = desk.owner.browser.get(f"/api/projects/{desk.team.project_id}/audit?limit=500")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def wait_until_forwarded(host: Host) -> None:
    """Until the instance's forwarder has emptied the outbox (it works in the background)."""
    deadline = time.monotonic() + 20
    while host.query("SELECT COUNT(*) FROM audit_outbox") != [(0,)]:
        assert time.monotonic() < deadline, "the outbox was not emptied"
        time.sleep(0.05)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "unavailable"
    assert response.headers["Retry-After"].isdigit()


def _answered(status: int) -> HttpResponseError:
    error = HttpResponseError(message=f"status {status}")
    error.status_code = status
    return error


@pytest.mark.parametrize(
    ("error", "dependency"),
    [
        (OperationalError("SELECT 1", {}, Exception("connection refused")), Dependency.DATABASE),
        (PoolTimeout("QueuePool limit of size 10 overflow 10 reached"), Dependency.DATABASE),
        (DisconnectionError("the pooled connection did not answer"), Dependency.DATABASE),
        (
            DBAPIError("SELECT 1", {}, Exception("reset"), connection_invalidated=True),
            Dependency.DATABASE,
        ),
        (ServiceRequestError("connection refused"), Dependency.STORAGE),
        (ServiceResponseError("connection reset mid-answer"), Dependency.STORAGE),
        (_answered(503), Dependency.STORAGE),
        (_answered(429), Dependency.STORAGE),
        (ClientAuthenticationError("no token"), Dependency.IDENTITY),
        (CredentialUnavailableError("no managed identity endpoint"), Dependency.IDENTITY),
        (EmailUnavailable("sendgrid: ConnectError"), Dependency.EMAIL),
        # Not outages: a bug or a refusal stays what it is (500, or the caller's Problem).
        (IntegrityError("INSERT", {}, Exception("duplicate key")), None),
        (ResourceNotFoundError("no such entity"), None),
        (_answered(400), None),
        (ValueError("a bug"), None),
    ],
)
def test_which_dependency_an_error_names(
    error: BaseException, dependency: Dependency | None
) -> None:
    """The one wrapper answers 503 for exactly these (shared.http.handle)."""
    assert down_dependency(error) == dependency


# --- Table storage ----------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: its outbox holds only this test's events."""
    url = new_database(request.param, tmp_path / "database")
    yield url
    forget_database(url)


def test_an_edit_while_table_storage_is_down_succeeds_and_its_event_arrives_once(
    own_database: str, own_storage: OwnStorage, tmp_path: Path
) -> None:
    with host_of_its_own(own_database, own_storage, tmp_path) as host, host.client() as client:
        desk = new_desk(host, client)
        row = desk.add(kind="text", title="Före")
        wait_until_forwarded(host)
        own_storage.stop()
        edited = desk.owner.browser.patch(
            f"{desk.base}/rows/{row['id']}", json={"title": "Under"}, headers={"If-Match": '"1"'}
        )
        assert edited.status_code == 200, edited.text  # the edit does not wait for the trail
        refused = desk.owner.browser.patch(
            f"{desk.base}/rows/{row['id']}", json={"unit": "m3"}, headers={"If-Match": '"2"'}
        )
        assert refused.status_code == 400  # a text row has no unit: rolled back, no event
        left_behind = outbox(host)
        assert len(left_behind) == 1
        own_storage.start()
        create_storage_resources(host.env)
        host.run_timer("sweep_audit_outbox")
        assert host.query("SELECT COUNT(*) FROM audit_outbox") == [(0,)]
        # As if that run had died before its delete, or another instance's timer had read
        # the event too: forwarded a second time, it is still one entity.
        put_back(host, left_behind)
        host.run_timer("sweep_audit_outbox")
        assert host.query("SELECT COUNT(*) FROM audit_outbox") == [(0,)]
        events = [
            e
            for e in audit_events(desk)
            if e["action"] == "rows_changed" and e["details"].get("updated") == 1
        ]
    assert [e["details"]["row_ids"] for e in events] == [row["id"]]


def outbox(host: Host) -> list[dict[str, Any]]:
    """The app's outbox rows, every column, as its own column types read them."""
    engine = create_engine(host.env["CASAI_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(*OutboxEvent.__table__.columns))
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def put_back(host: Host, rows: list[dict[str, Any]]) -> None:
    engine = create_engine(host.env["CASAI_DATABASE_URL"])
    try:
        with engine.begin() as connection:
            connection.execute(insert(OutboxEvent), rows)
    finally:
        engine.dispose()


# --- the e-mail backend -----------------------------------------------------------


def test_a_failing_e_mail_backend_answers_503_and_registers_nobody(
    database_url: str, storage: Storage, tmp_path: Path
) -> None:
    env = app_environment(tmp_path, database_url, storage.connection_string)
    env["CASAI_EMAIL_BACKEND"] = "sendgrid"
    env["CASAI_SENDGRID_API_KEY"] = "SG.test-key"
    env["CASAI_SENDGRID_API_HOST"] = f"http://127.0.0.1:{azurite.free_port()}"  # nobody there
    address = unique_email("mailless")
    with running_host(env, "--migrate") as host, host.client() as client:
        answer = client.post(
            "/api/auth/register",
            json={"email": address, "password": PASSWORD, "display_name": "Test Person"},
        )
        assert_unavailable(answer)  # the verification code could not be sent
        assert '"unavailable": "e-mail service"' in host.log()
        assert host.query("SELECT COUNT(*) FROM users WHERE email = :a", a=address) == [(0,)]


# --- the database -----------------------------------------------------------------


@pytest.fixture
def proxied(own_storage: OwnStorage, tmp_path: Path) -> Iterator[tuple[Host, Proxy, Desk]]:
    """A host whose PostgreSQL is reached through a proxy, with a schedule of one row."""
    url = new_database("postgresql", tmp_path)
    parsed = make_url(url)
    proxy = Proxy(parsed.port or 5432)
    through = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    env = app_environment(tmp_path / "app", through, own_storage.connection_string)
    env["CASAI_DATABASE_TIMEOUT_SECONDS"] = str(TIMEOUT_S)
    create_storage_resources(env)
    try:
        with running_host(env, "--migrate") as host, host.client() as client:
            desk = new_desk(host, client)
            desk.add(kind="text", title="Före")
            wait_until_forwarded(host)  # so the outbox holds nothing a test did not cause
            yield host, proxy, desk
    finally:
        proxy.close()
        forget_database(url)


def contents(host: Host) -> list[tuple[Any, ...]]:
    """What the database holds that a request could have changed."""
    return [
        *host.query("SELECT id, title, version, position FROM schedule_rows ORDER BY id"),
        *host.query("SELECT COUNT(*) FROM sessions"),
        *host.query("SELECT COUNT(*) FROM audit_outbox"),
    ]


@needs_postgres
def test_database_cut_off_answers_503_and_changes_nothing(
    proxied: tuple[Host, Proxy, Desk],
) -> None:
    host, proxy, desk = proxied
    row = desk.rows()[0]
    before = contents(host)
    events_before = audit_events(desk)
    proxy.cut()
    answers = [
        desk.owner.browser.get(f"{desk.base}/rows"),
        desk.owner.browser.patch(
            f"{desk.base}/rows/{row['id']}", json={"title": "Under"}, headers={"If-Match": '"1"'}
        ),
        sign_in(desk.owner.browser.client, desk.owner)[1],
    ]
    proxy.resume()
    for answer in answers:
        assert_unavailable(answer)
    assert '"unavailable": "database"' in host.log()  # the log line names the dependency
    assert contents(host) == before
    assert audit_events(desk) == events_before
    assert desk.rows() == [row]  # and it serves again


@needs_postgres
def test_a_stuck_database_answers_503_within_the_timeout(
    proxied: tuple[Host, Proxy, Desk],
) -> None:
    host, proxy, desk = proxied
    row = desk.rows()[0]
    before = contents(host)
    proxy.freeze()
    started = time.monotonic()
    owner = desk.owner.browser
    with httpx.Client(base_url=host.base_url, timeout=90) as patient:
        browser = Browser(patient, cookie=owner.cookie, device=owner.device, csrf=owner.csrf)
        stuck = browser.patch(
            f"{desk.base}/rows/{row['id']}", json={"title": "Under"}, headers={"If-Match": '"1"'}
        )
    waited = time.monotonic() - started
    proxy.cut()  # the frozen connections go; new ones may come
    proxy.resume()
    assert_unavailable(stuck)
    # The deadline, a ping and a connect attempt: far below host.json's two minutes.
    assert waited < 45
    assert contents(host) == before


# --- bounded waits ----------------------------------------------------------------


def assert_bounded_pool(engine: Engine) -> None:
    pool = engine.pool
    assert isinstance(pool, QueuePool), type(pool)
    assert (pool.size(), pool._max_overflow, pool.timeout()) == (
        db.POOL_SIZE,
        db.POOL_MAX_OVERFLOW,
        db.POOL_TIMEOUT_S,
    )
    assert pool._recycle == db.POOL_RECYCLE_S


def test_azure_sql_gets_the_bounded_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    engine, _identity = token_engine(azure_sql_url("sql-x.database.windows.net"), monkeypatch)
    assert_bounded_pool(engine)  # the statement timeout: tests/test_azure_sql.py


@needs_postgres
def test_postgresql_gets_the_bounded_pool_and_the_statement_timeout(tmp_path: Path) -> None:
    url = new_database("postgresql", tmp_path)
    engine = db.build_engine(url, Settings(database_timeout_seconds=7))
    try:
        assert_bounded_pool(engine)
        with engine.connect() as connection:
            assert connection.scalar(text("SHOW statement_timeout")) == "7s"
    finally:
        engine.dispose()
        forget_database(url)


def test_a_connection_checked_in_keeps_no_deadline_that_could_cut_it_later() -> None:
    """A deadline whose statement end went unreported dies with the checkout: the next
    request on that connection is never cut for it."""
    from shared.db import StatementDeadlines

    class Connection:
        closed = False

        def fileno(self) -> int:
            return 99

    class Cursor:
        def __init__(self, connection: Connection) -> None:
            self.connection = connection

    returned, other = Connection(), Connection()
    deadlines = StatementDeadlines(seconds=3600)  # the watcher never cuts here
    deadlines._arm(Cursor(returned))
    kept = Cursor(other)
    deadlines._arm(kept)
    deadlines._returned(returned, None)
    assert [entry[1] for entry in deadlines._armed.values()] == [other]
