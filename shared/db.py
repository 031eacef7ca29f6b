"""One SQLAlchemy 2 code path for SQLite (local), PostgreSQL (CI) and Azure SQL.

Azure SQL is reached as `mssql+pyodbc` with an Entra access token from
azure-identity (the managed identity in Azure, the developer's `az login` on a
laptop). pyodbc is imported by SQLAlchemy only when such a URL is used, so a
machine without unixODBC runs everything else.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    Numeric,
    String,
    create_engine,
    event,
    make_url,
    update,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

from shared.config import Settings, get_settings
from shared.identity import credential

# Constraint names that are the same on every dialect, so migrations can drop them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Statements run on behalf of the current request (see count_statements).
_statements: ContextVar[list[int] | None] = ContextVar("casai_sql_statements", default=None)

AZURE_SQL_SCOPE = "https://database.windows.net/.default"
SQL_COPT_SS_ACCESS_TOKEN = 1256  # msodbcsql's connection attribute for an access token
# Azure SQL, all in seconds. A login gives up well before a request would (a paused
# serverless database answers 40613 at once and resumes meanwhile); a statement
# stops before host.json's functionTimeout (2 minutes) cuts the whole invocation
# short; an idle pooled connection is probed by TCP keep-alives, so one dropped on
# the way (a NAT or private endpoint timeout) fails its pre-ping instead of hanging.
AZURE_SQL_LOGIN_TIMEOUT = 15
AZURE_SQL_STATEMENT_TIMEOUT = 30
AZURE_SQL_KEEPALIVE = {"KeepAlive": "30", "KeepAliveInterval": "5"}  # ODBC Driver 17.4+
# Connection-string keywords that sign in some other way: the driver refuses an
# access token beside any of them (FA005), so a token URL must name none.
_SIGN_IN_KEYWORDS = {"uid", "pwd", "authentication", "trusted_connection"}


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC(precision, scale) that stays exact on every dialect.

    SQLite has no decimal type (it would keep a float), so there the value is
    stored as its decimal string; PostgreSQL and SQL Server use NUMERIC.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value).quantize(Decimal(1).scaleb(-self.scale))
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        # Stored at its scale already (see process_bind_param): no rounding needed.
        return None if value is None else Decimal(value)


class UtcDateTime(TypeDecorator[datetime]):
    """DateTime(timezone=True) read back as an aware UTC datetime from every dialect.

    SQLite keeps no zone and returns naive times, PostgreSQL returns them in the
    session's zone; this makes them alike, so no reader converts. Same DDL as
    DateTime(timezone=True): no migration.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: CASAI stores UTC times only")
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def count_statements() -> list[int]:
    """Count SQL statements from here on in this context; the count is the list's item."""
    box = [0]
    _statements.set(box)
    return box


def _count_statement(*_args: Any) -> None:
    box = _statements.get()
    if box is not None:
        box[0] += 1


def build_engine(url: str, settings: Settings) -> Engine:
    engine = _build_engine(url, settings)
    event.listen(engine, "before_cursor_execute", _count_statement)
    return engine


def _build_engine(url: str, settings: Settings) -> Engine:
    parsed = make_url(url)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **options)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    if parsed.get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": 5}
    engine = create_engine(parsed, **options)
    if parsed.get_backend_name() == "mssql":
        _use_entra_token(engine, settings)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # SQLite leaves them off by default
    cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.close()


def _use_entra_token(engine: Engine, settings: Settings) -> None:
    """Sign every new Azure SQL connection in with an Entra access token, with timeouts."""
    named = {key.lower() for key in engine.url.query} | ({"uid"} if engine.url.username else set())
    if named & _SIGN_IN_KEYWORDS:
        raise ValueError(
            "CASAI_DATABASE_URL must name no user, password or Authentication: "
            "the app signs in to Azure SQL with an Entra access token"
        )
    identity = credential(settings)

    @event.listens_for(engine, "do_connect")
    def _connect_with_token(
        dialect: Dialect, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> Any:
        # A fresh token per physical connection; azure-identity caches until near expiry.
        token = identity.get_token(AZURE_SQL_SCOPE).token
        connection = dialect.loaded_dbapi.connect(
            azure_sql_connection_string(cargs[0]),
            timeout=AZURE_SQL_LOGIN_TIMEOUT,
            attrs_before={SQL_COPT_SS_ACCESS_TOKEN: access_token_struct(token)},
            **cparams,
        )
        connection.timeout = AZURE_SQL_STATEMENT_TIMEOUT  # pyodbc: every statement's limit
        return connection


def azure_sql_connection_string(odbc: str) -> str:
    """SQLAlchemy's ODBC connection string made fit for an access token.

    SQLAlchemy adds `Trusted_Connection=Yes` to a URL without a user; the driver
    refuses a token beside it (SQLAlchemy's mssql+pyodbc docs say to remove it).
    """
    kept = [
        part
        for part in odbc.split(";")
        if part and part.split("=", 1)[0].strip().lower() != "trusted_connection"
    ]
    present = {part.split("=", 1)[0].strip().lower() for part in kept}
    kept += [
        f"{key}={value}" for key, value in AZURE_SQL_KEEPALIVE.items() if key.lower() not in present
    ]
    return ";".join(kept)


def access_token_struct(token: str) -> bytes:
    """An access token as msodbcsql takes it: UTF-16-LE bytes after their 4-byte length."""
    encoded = token.encode("utf-16-le")
    return struct.pack(f"<I{len(encoded)}s", len(encoded), encoded)


@functools.cache
def get_engine() -> Engine:
    settings = get_settings()
    return build_engine(settings.sqlalchemy_url, settings)


@functools.cache
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def new_session() -> Session:
    return _session_factory()()


@contextmanager
def transaction() -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    with new_session() as session, session.begin():
        yield session


def lock_row(db: Session, column: InstrumentedAttribute[Any], where: ColumnElement[bool]) -> None:
    """Take the write lock of the rows `where` selects until the transaction ends.

    A no-op UPDATE (`column` set to itself), so it works alike on SQLite, PostgreSQL
    and Azure SQL: transactions that lock the same row run one after the other, and
    what each reads after the lock includes what the one before it committed.
    """
    db.execute(
        update(column.class_)
        .where(where)
        .values({column.key: column})
        .execution_options(synchronize_session=False)
    )
