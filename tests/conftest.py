"""Real parts for the tests: Azurite, SQLite and PostgreSQL, the dev host over HTTP.

Every run has its own Azurite (free ports, its own account key and data folder)
and its own databases (a SQLite file; a PostgreSQL database created for the run
and dropped after it), so two runs never see each other's data. PostgreSQL runs
when CASAI_TEST_POSTGRES_URL names a server the tests may create databases on.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

from devhost import azurite
from infra import odbc_driver
from shared.config import Settings
from shared.storage import ensure_resources
from tests import mssql_compile, observed_refusals

if TYPE_CHECKING:
    from tests.accounts import Team

REPO = Path(__file__).resolve().parent.parent
UNDECLARED = pytest.StashKey[list[observed_refusals.Refusal]]()
POSTGRES_URL = os.environ.get("CASAI_TEST_POSTGRES_URL", "")
HOST_LOG_LINES_ON_FAILURE = 60
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


# The dev host as the tests run it: every statement it executes also compiles for SQL Server.
DEVHOST = ["-m", "tests.mssql_devhost"]
# The dev host as `make run` starts it, for benchmarks: what they time is the app's own
# work, not the compiling a test run adds to every statement.
PLAIN_DEVHOST = ["-m", "devhost"]


def pytest_configure(config: pytest.Config) -> None:
    """Let pyodbc find the driver `make odbc-driver` registered in the venv (test_azure_sql);
    compile what this process runs for SQL Server too (the dev hosts do it in theirs); give
    the run (and the xdist workers it starts) one folder for the refusals its hosts saw."""
    odbc_driver.use_registration()
    mssql_compile.install()
    if not hasattr(config, "workerinput"):
        os.environ[observed_refusals.FOLDER_ENV] = tempfile.mkdtemp(prefix="casai-refusals-")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when the app answered a refusal its OpenAPI document does not
    declare for that operation (tests/observed_refusals.py)."""
    folder = os.environ.get(observed_refusals.FOLDER_ENV)
    if hasattr(session.config, "workerinput") or not folder:
        return
    from shared import http
    from shared.openapi import build_document

    if not http.ENDPOINTS:
        import function_app  # noqa: F401 (registers the endpoints)
    document = build_document(http.ENDPOINTS, title="CASAI", version="test")
    missing = observed_refusals.undeclared(observed_refusals.observed(Path(folder)), document)
    session.config.stash[UNDECLARED] = missing
    if missing:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    missing = config.stash.get(UNDECLARED, [])
    if missing:
        terminalreporter.section("refusals answered but not declared in the OpenAPI document")
        for function, status, code in missing:
            terminalreporter.line(f"{function}: {status} {code} (Blueprint.endpoint errors=)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report ends with the last lines of its dev host's log: a 503 or a
    500 is explained there (the host's warning names the driver's error), not in the
    answer the test saw."""
    report: pytest.TestReport = yield
    started = getattr(item, "funcargs", {}).get("host")
    if report.failed and isinstance(started, Host) and started.log_path.exists():
        tail = started.log().splitlines()[-HOST_LOG_LINES_ON_FAILURE:]
        report.sections.append((f"dev host log, last {len(tail)} lines", "\n".join(tail)))
    return report


def pytest_report_header() -> str:
    """Say which databases run, so a run without PostgreSQL does not pass for one with it."""
    if POSTGRES_URL:
        return "databases: sqlite, postgresql"
    return "databases: sqlite only (set CASAI_TEST_POSTGRES_URL to add postgresql)"


@dataclass(frozen=True)
class Storage:
    connection_string: str
    server: azurite.Azurite


def start_storage(location: Path) -> Storage:
    """An Azurite of its own with a random account key (none is shared or written down)."""
    account = "casai"
    key = base64.b64encode(secrets.token_bytes(64)).decode()
    ports = (azurite.free_port(), azurite.free_port(), azurite.free_port())
    server = azurite.start(
        location, ports, accounts=f"{account}:{key}", log_file=location / "azurite.log"
    )
    return Storage(
        azurite.connection_string(account, key, server.blob_port, server.table_port), server
    )


@pytest.fixture(scope="session")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Storage]:
    started = start_storage(tmp_path_factory.mktemp("azurite"))
    yield started
    azurite.stop(started.server)


def create_postgres_database() -> str:
    """A new, empty database on the CI server; its URL."""
    name = f"casai_test_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def new_database(backend: str, folder: Path) -> str:
    if backend == "postgresql":
        return create_postgres_database()
    return f"sqlite:///{folder / 'casai.db'}"


def forget_database(url: str) -> None:
    if url.startswith("postgresql"):
        drop_postgres_database(url)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    url = new_database(request.param, tmp_path_factory.mktemp(request.param))
    yield url
    forget_database(url)


def app_environment(data_dir: Path, database_url: str, storage_connection: str) -> dict[str, str]:
    """The process environment of an app under test: only the settings given here."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("CASAI_")}
    suffix = secrets.token_hex(4)  # own containers and table, even on a shared Azurite
    env.update(
        {
            "CASAI_ENVIRONMENT": "test",
            "CASAI_DATA_DIR": str(data_dir),
            "CASAI_DATABASE_URL": database_url,
            "CASAI_STORAGE_CONNECTION_STRING": storage_connection,
            "CASAI_FILES_CONTAINER": f"files-{suffix}",
            "CASAI_REVISIONS_CONTAINER": f"revisions-{suffix}",
            "CASAI_AUDIT_TABLE": f"audit{suffix}",
            "CASAI_EMAIL_BACKEND": "outbox",
            "CASAI_LOG_LEVEL": "INFO",
            "CASAI_TEST_CLOCK_FILE": str(data_dir / "clock-offset"),
            mssql_compile.FAILURES_ENV: str(data_dir / "mssql-compile-failures.txt"),
        }
    )
    return env


def create_storage_resources(env: dict[str, str]) -> None:
    """The containers and table of an app environment, as `--migrate` makes them."""
    settings = Settings(
        storage_connection_string=env["CASAI_STORAGE_CONNECTION_STRING"],
        files_container=env["CASAI_FILES_CONTAINER"],
        revisions_container=env["CASAI_REVISIONS_CONTAINER"],
        audit_table=env["CASAI_AUDIT_TABLE"],
    )
    ensure_resources(settings)


@dataclass
class Host:
    """A dev host serving an app in its own process."""

    base_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def data_dir(self) -> Path:
        return Path(self.env["CASAI_DATA_DIR"])

    @property
    def outbox(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def clock_offset(self) -> float:
        clock_file = Path(self.env["CASAI_TEST_CLOCK_FILE"])
        return float(clock_file.read_text() or 0) if clock_file.exists() else 0.0

    def advance_clock(self, seconds: float) -> None:
        """Move the app's clock forward (shared.clock reads the offset on every call)."""
        Path(self.env["CASAI_TEST_CLOCK_FILE"]).write_text(str(self.clock_offset + seconds))

    def now(self) -> float:
        """The app's time, as a Unix timestamp."""
        return time.time() + self.clock_offset

    def run_timer(self, name: str) -> None:
        """Run one timer function now, as `python -m devhost --run-timer` does."""
        subprocess.run(
            [sys.executable, *DEVHOST, "--run-timer", name],
            cwd=REPO,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.assert_sql_server_compiles()

    def query(self, sql: str, **params: object) -> list[tuple[Any, ...]]:
        """Read the app's database directly (to check what a request did or did not write)."""
        engine = create_engine(self.env["CASAI_DATABASE_URL"])
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql), params)]
        finally:
            engine.dispose()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def assert_sql_server_compiles(self) -> None:
        """Fail naming each statement the app ran that does not compile for SQL Server."""
        failures = mssql_compile.failures_in(Path(self.env[mssql_compile.FAILURES_ENV]))
        assert not failures, f"statements that do not compile for SQL Server:\n{failures}"

    def stop(self) -> None:
        azurite.stop_process(self.process)
        observed_refusals.note(self.log_path)
        self.assert_sql_server_compiles()


def start_host(env: dict[str, str], *args: str, devhost: list[str] = DEVHOST) -> Host:
    """Run the dev host (`devhost`: DEVHOST or PLAIN_DEVHOST) on a free port and wait
    until it answers."""
    port = azurite.free_port()
    base_url = f"http://127.0.0.1:{port}"
    # The app's public address is where its browsers are (Azurite's CORS rule names it),
    # unless the test chose one.
    env = {"CASAI_PUBLIC_BASE_URL": base_url, **env}
    data_dir = Path(env["CASAI_DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"devhost-{port}.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, *devhost, "--port", str(port), "--no-timers", *args],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    host = Host(base_url, env, process, log_path)
    deadline = time.monotonic() + 60
    while not azurite.port_is_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            host.stop()
            raise RuntimeError(f"the dev host did not start:\n{host.log()}")
        time.sleep(0.1)
    return host


@contextmanager
def running_host(env: dict[str, str], *args: str, devhost: list[str] = DEVHOST) -> Iterator[Host]:
    started = start_host(env, *args, devhost=devhost)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def host(
    database_url: str, storage: Storage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Host]:
    """The real app (function_app.py), migrated, on SQLite and on PostgreSQL."""
    env = app_environment(tmp_path_factory.mktemp("app"), database_url, storage.connection_string)
    with running_host(env, "--migrate") as started:
        yield started


@pytest.fixture
def client(host: Host) -> Iterator[httpx.Client]:
    with host.client() as http_client:
        yield http_client


@pytest.fixture
def team(host: Host, client: httpx.Client) -> Team:
    """An owner signed in, with an organisation and a project in it."""
    from tests.accounts import new_team  # tests.accounts builds on this module

    return new_team(host, client, "owner")


@pytest.fixture
def app_settings(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """This process's settings as an app under test has them, for tests that call
    services directly (get_settings and the storage clients are cached per process)."""

    env = app_environment(tmp_path, f"sqlite:///{tmp_path / 'casai.db'}", storage.connection_string)
    for name in [n for n in os.environ if n.startswith("CASAI_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("CASAI_"):
            monkeypatch.setenv(name, value)
    create_storage_resources(env)
    forget_cached_clients()
    yield env
    monkeypatch.undo()
    forget_cached_clients()


def forget_cached_clients() -> None:
    """The settings and what is built from them once per process: storage, the database."""
    from shared import db
    from shared import storage as app_storage
    from shared.config import get_settings

    if db.get_engine.cache_info().currsize:
        db.get_engine().dispose()  # else its pooled connections stay open until collected
    get_settings.cache_clear()
    app_storage.table_service.cache_clear()
    db.get_engine.cache_clear()
    db._session_factory.cache_clear()
