"""The app signs in to Azure SQL as Microsoft's ODBC Driver 18 expects.

No SQL Server runs here, so the real driver is proven up to its login attempt: a
connection through `shared.db.build_engine` to a loopback port nobody listens on
must time out or be refused, never be rejected before that (FA005: an access token
beside Trusted_Connection; a malformed connection string). `make test` installs
the driver (`make odbc-driver`); where it cannot be installed that test skips,
saying so. The connect arguments themselves are checked without any driver.
"""

from __future__ import annotations

import json
import struct
import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine

from devhost import azurite
from infra.odbc_driver import DRIVER_NAME
from shared import db
from shared.config import Settings
from tests.conftest import REPO

TOKEN = "test-access-token"


@dataclass(frozen=True)
class FakeAccessToken:
    token: str
    expires_on: int = 0


class FakeCredential:
    """azure-identity's credential as shared.db uses it, with the scopes it was asked for."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str) -> FakeAccessToken:
        self.scopes.append(scopes)
        return FakeAccessToken(TOKEN)


def azure_sql_url(host: str) -> str:
    """The URL main.bicep deploys, for another host."""
    return f"mssql+pyodbc://@{host}/casai?driver=ODBC+Driver+18+for+SQL+Server&Encrypt=yes"


def token_engine(url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, FakeCredential]:
    identity = FakeCredential()
    monkeypatch.setattr(db, "credential", lambda _settings: identity)
    return db.build_engine(url, Settings()), identity


@dataclass
class RecordedConnection:
    """A connection that can be closed and does nothing else (there is no server)."""

    timeout: int = 0

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("a stand-in for pyodbc reaches no server")


@dataclass
class FakePyodbc:
    """Just enough of pyodbc for SQLAlchemy's mssql dialect; records each connect call."""

    calls: list[tuple[tuple[Any, ...], dict[str, Any], RecordedConnection]] = field(
        default_factory=list
    )

    def module(self) -> types.ModuleType:
        fake = types.ModuleType("pyodbc")
        error = type("Error", (Exception,), {})
        for name in ("Warning", "InterfaceError", "DatabaseError", "OperationalError"):
            setattr(fake, name, type(name, (error,), {}))
        for name in ("DataError", "IntegrityError", "InternalError", "ProgrammingError"):
            setattr(fake, name, type(name, (error,), {}))
        fake.NotSupportedError = type("NotSupportedError", (error,), {})  # type: ignore[attr-defined]
        fake.Error = error  # type: ignore[attr-defined]
        fake.Cursor = type("Cursor", (), {"nextset": lambda self: None})  # type: ignore[attr-defined]
        fake.version = "5.2.0"  # type: ignore[attr-defined]
        fake.paramstyle = "qmark"  # type: ignore[attr-defined]
        fake.connect = self.connect  # type: ignore[attr-defined]
        return fake

    def connect(self, *args: Any, **kwargs: Any) -> RecordedConnection:
        connection = RecordedConnection()
        self.calls.append((args, kwargs, connection))
        return connection


def test_the_driver_gets_a_token_and_no_other_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    pyodbc = FakePyodbc()
    monkeypatch.setitem(sys.modules, "pyodbc", pyodbc.module())
    engine, identity = token_engine(azure_sql_url("sql-x.database.windows.net"), monkeypatch)

    with pytest.raises(RuntimeError, match="reaches no server"):
        engine.connect()  # the dialect's first query needs a server

    [(args, kwargs, connection)] = pyodbc.calls
    [connection_string] = args
    keywords = dict(part.split("=", 1) for part in connection_string.split(";"))
    assert keywords == {
        "DRIVER": "{ODBC Driver 18 for SQL Server}",
        "Server": "sql-x.database.windows.net",
        "Database": "casai",
        "Encrypt": "yes",
        "KeepAlive": "30",
        "KeepAliveInterval": "5",
    }
    assert identity.scopes == [(db.AZURE_SQL_SCOPE,)]
    packed = kwargs["attrs_before"][db.SQL_COPT_SS_ACCESS_TOKEN]
    (length,) = struct.unpack("<I", packed[:4])
    assert packed[4:].decode("utf-16-le") == TOKEN
    assert length == len(packed) - 4
    assert kwargs["timeout"] == db.AZURE_SQL_LOGIN_TIMEOUT  # pyodbc: the login timeout
    assert connection.timeout == Settings().database_timeout_seconds  # each statement's limit


def test_statements_stop_before_the_function_timeout() -> None:
    # A statement, and a login, must give up well before host.json's functionTimeout.
    hours, minutes, seconds = json.loads((REPO / "host.json").read_text())["functionTimeout"].split(
        ":"
    )
    function_timeout = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    statement_timeout = Settings().database_timeout_seconds
    assert 0 < statement_timeout <= function_timeout / 2
    assert 0 < db.AZURE_SQL_LOGIN_TIMEOUT < statement_timeout


@pytest.mark.parametrize(
    "odbc",
    [
        "DRIVER={x};Server=h;Database=d;Trusted_Connection=Yes",
        "DRIVER={x};Server=h;Database=d;trusted_connection=yes;Encrypt=yes",
    ],
)
def test_trusted_connection_is_removed(odbc: str) -> None:
    rewritten = db.azure_sql_connection_string(odbc)
    assert "trusted_connection" not in rewritten.lower()
    assert rewritten.startswith("DRIVER={x};Server=h;Database=d")


def test_keepalives_named_in_the_url_are_kept() -> None:
    rewritten = db.azure_sql_connection_string("DRIVER={x};Server=h;KeepAlive=60")
    assert rewritten == "DRIVER={x};Server=h;KeepAlive=60;KeepAliveInterval=5"


@pytest.mark.parametrize(
    "url",
    [
        "mssql+pyodbc://someone@h/casai?driver=ODBC+Driver+18+for+SQL+Server",
        "mssql+pyodbc://@h/casai?driver=ODBC+Driver+18+for+SQL+Server&Authentication=ActiveDirectoryMsi",
        "mssql+pyodbc://@h/casai?driver=ODBC+Driver+18+for+SQL+Server&Trusted_Connection=yes",
    ],
)
def test_a_url_with_another_sign_in_is_refused_at_start(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyodbc", FakePyodbc().module())
    with pytest.raises(ValueError, match="Entra access token"):
        token_engine(url, monkeypatch)


def real_driver() -> Any:
    """pyodbc with Microsoft's driver registered, or a skip saying what is missing."""
    try:
        import pyodbc
    except ImportError as exc:
        pytest.skip(f"unixODBC is not installed ({exc}); `make odbc-driver` installs it")
    if DRIVER_NAME not in pyodbc.drivers():
        pytest.skip(f"{DRIVER_NAME} is not registered; `make odbc-driver` registers it")
    return pyodbc


def test_the_real_driver_accepts_the_connection_and_tries_to_log_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pyodbc = real_driver()
    monkeypatch.setattr(db, "AZURE_SQL_LOGIN_TIMEOUT", 3)  # nothing answers: do not wait 15 s
    nobody_listens = azurite.free_port()
    engine, identity = token_engine(azure_sql_url(f"127.0.0.1:{nobody_listens}"), monkeypatch)

    with pytest.raises(Exception, match="SQLDriverConnect") as failed:
        engine.connect()

    error = failed.value.orig if hasattr(failed.value, "orig") else failed.value
    assert isinstance(error, pyodbc.Error), repr(failed.value)
    sqlstate, message = error.args[0], str(error.args[1])
    # HYT00: login timeout; 08001: the TCP connection was refused. Anything else (FA005
    # for a token beside another sign-in, 01S00 for a bad keyword) failed before login.
    assert sqlstate in {"HYT00", "08001"}, message
    assert "FA005" not in message
    assert identity.scopes == [(db.AZURE_SQL_SCOPE,)]
