"""One SQLAlchemy 2 code path for SQLite (local), PostgreSQL (CI) and Azure SQL.

Azure SQL is reached as `mssql+pyodbc` with an Entra access token from
azure-identity (the managed identity in Azure, the developer's `az login` on a
laptop). pyodbc is imported by SQLAlchemy only when such a URL is used, so a
machine without unixODBC runs everything else.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
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
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
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

# What the current request did with the database (see track_requests).
_activity: ContextVar[DatabaseActivity | None] = ContextVar("casai_db_activity", default=None)

# The pool, set explicitly: Azure Functions runs many instances, each with its own pool,
# and Azure SQL's serverless tier caps sessions. POOL_SIZE is at least the Python worker's
# thread pool (PYTHON_THREADPOOL_THREAD_COUNT, by default CPUs + 4, so 5 or 6 on Flex),
# so requests never queue for a connection, only for row locks. A request waits at most
# POOL_TIMEOUT_S for one (then 503); connections are renewed before network gear drops them.
POOL_SIZE = 10
POOL_MAX_OVERFLOW = 10
POOL_TIMEOUT_S = 10
POOL_RECYCLE_S = 30 * 60
CONNECT_TIMEOUT_S = 5
# After the server's own statement timeout, this long before the client gives up on an
# answer that never comes (see StatementDeadlines).
DEADLINE_GRACE_S = 5
# A pooled connection idle longer than this is pinged before use (StatementDeadlines).
PING_AFTER_IDLE_S = 2.0
_RETURNED_AT = "casai_returned_at"

log = logging.getLogger("casai.db")

AZURE_SQL_SCOPE = "https://database.windows.net/.default"
SQL_COPT_SS_ACCESS_TOKEN = 1256  # msodbcsql's connection attribute for an access token
# Azure SQL, all in seconds. A login gives up well before a request would (a paused
# serverless database answers 40613 at once and resumes meanwhile); a statement
# stops before host.json's functionTimeout (2 minutes) cuts the whole invocation
# short (CASAI_DATABASE_TIMEOUT_SECONDS, as on every database); an idle pooled
# connection is probed by TCP keep-alives, so one dropped on
# the way (a NAT or private endpoint timeout) fails its pre-ping instead of hanging.
AZURE_SQL_LOGIN_TIMEOUT = 15
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


class uuid_text(FunctionElement[str]):  # noqa: N801 (used like a SQL function)
    """A Uuid column as its canonical lowercase text (8-4-4-4-12), made by the database."""

    type = String(36)
    inherit_cache = True


@compiles(uuid_text)
def _uuid_text(element: uuid_text, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS VARCHAR(36))"  # PostgreSQL


@compiles(uuid_text, "mssql")
def _uuid_text_mssql(element: uuid_text, compiler: Any, **kw: Any) -> str:
    return f"LOWER(CONVERT(VARCHAR(36), {compiler.process(element.clauses, **kw)}))"


@compiles(uuid_text, "sqlite")
def _uuid_text_sqlite(element: uuid_text, compiler: Any, **kw: Any) -> str:
    # SQLAlchemy stores a Uuid on SQLite as 32 hex digits without dashes.
    hex_digits = compiler.process(element.clauses, **kw)
    parts = [(1, 8), (9, 4), (13, 4), (17, 4), (21, 12)]
    return " || '-' || ".join(f"substr({hex_digits}, {start}, {size})" for start, size in parts)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Every module whose tables register on Base.metadata.
TABLE_MODULES = (
    "auth.models",
    "projects.models",
    "quantities.file_models",  # project files
    "quantities.models",
    "shared.audit",  # the audit outbox
    "shared.throttle",
    "support.models",
)


def register_tables() -> None:
    """Import every module of TABLE_MODULES, so that Base.metadata knows every table.

    The app imports the tables with its first session rather than at start (a cold
    start stays short; bench/bench_cold_start.py); a foreign key is looked up in the
    metadata when its table is first written, so each table it names must be known then.
    """
    for module in TABLE_MODULES:
        importlib.import_module(module)


@dataclass
class DatabaseActivity:
    """What one request did with the database, for its log line."""

    statements: int = 0
    # Statements that may have written: all but compiled SELECTs (see wrote_nothing).
    writes: int = 0
    pool_wait_ms: float = 0.0  # waiting for a connection from the pool (or a new one)
    lock_wait_ms: float = 0.0  # in lock_row: waiting for other writers of the same rows


def track_requests() -> DatabaseActivity:
    """Record the database activity of this context (a request) from here on."""
    activity = DatabaseActivity()
    _activity.set(activity)
    return activity


def _count_statement(
    _conn: Any, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    activity = _activity.get()
    if activity is not None:
        activity.statements += 1
        compiled = getattr(context, "compiled", None)
        if compiled is None or not getattr(compiled.statement, "is_select", False):
            activity.writes += 1  # DML, DDL, savepoints, text: taken as writes


def wrote_nothing(session: Session) -> bool:
    """Whether this request's statements only read (compiled SELECTs) and `session`
    holds no change to flush: then ending its transaction with COMMIT changes nothing,
    as a ROLLBACK would not."""
    activity = _activity.get()
    return (
        activity is not None
        and activity.writes == 0
        and not (session.new or session.dirty or session.deleted)
    )


def connect(session: Session) -> None:
    """Take the session's connection now, and count the wait as the request's pool wait."""
    started = time.perf_counter()
    session.connection()
    activity = _activity.get()
    if activity is not None:
        activity.pool_wait_ms += (time.perf_counter() - started) * 1000


def build_engine(url: str, settings: Settings) -> Engine:
    engine = _build_engine(url, settings)
    event.listen(engine, "before_cursor_execute", _count_statement)
    return engine


def _build_engine(url: str, settings: Settings) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, pool_pre_ping=True)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    pool: dict[str, Any] = {
        "pool_size": POOL_SIZE,
        "max_overflow": POOL_MAX_OVERFLOW,
        "pool_timeout": POOL_TIMEOUT_S,
        "pool_recycle": POOL_RECYCLE_S,
    }
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, connect_args=_postgres_options(settings), **pool)
        StatementDeadlines(settings.database_timeout_seconds + DEADLINE_GRACE_S).watch(engine)
        return engine
    engine = create_engine(parsed, pool_pre_ping=True, **pool)
    if parsed.get_backend_name() == "mssql":
        _use_entra_token(engine, settings)
    return engine


def _postgres_options(settings: Settings) -> dict[str, Any]:
    """libpq's limits: connecting, each statement (server side) and a dead peer (TCP)."""
    timeout_ms = settings.database_timeout_seconds * 1000
    return {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "options": f"-c statement_timeout={timeout_ms}",
        # Keepalives find a peer that vanished (a failover) while a connection is idle.
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        # Unacknowledged data for this long: the connection is dead.
        "tcp_user_timeout": timeout_ms,
    }


class StatementDeadlines:
    """Cuts the connection of a statement whose answer does not come in time.

    The server's statement timeout ends slow statements; this ends the wait for an
    answer that never arrives (a frozen network path or proxy, which TCP keepalives
    do not notice, as the path still acknowledges). One watcher thread per engine shuts
    the socket down past the deadline, so the blocked call fails as a lost connection,
    which the pool discards and the request answers 503. It also replaces the pool's
    pre-ping with a ping under the same deadline (checkout), as a pre-ping could hang.
    """

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        # id(cursor) → (deadline, its connection, that connection's socket fd then)
        self._armed: dict[int, tuple[float, Any, int]] = {}
        self._guard = threading.Lock()
        self._started = False

    def watch(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "handle_error", self._failed)
        event.listen(engine, "checkout", self._ping)
        event.listen(engine, "checkin", self._returned)

    def _arm(self, cursor: Any) -> None:
        with self._guard:
            if not self._started:
                threading.Thread(target=self._watch, name="casai-db-deadlines", daemon=True).start()
                self._started = True
            deadline = time.monotonic() + self._seconds
            connection = cursor.connection
            self._armed[id(cursor)] = (deadline, connection, connection.fileno())

    def _disarm(self, cursor: Any) -> None:
        with self._guard:
            self._armed.pop(id(cursor), None)

    def _before(self, _conn: Any, cursor: Any, *_args: Any) -> None:
        self._arm(cursor)

    def _after(self, _conn: Any, cursor: Any, *_args: Any) -> None:
        self._disarm(cursor)

    def _failed(self, context: Any) -> None:
        cursor = getattr(context, "cursor", None)  # none when connecting failed
        if cursor is not None:
            self._disarm(cursor)

    def _returned(self, dbapi_connection: Any, record: Any) -> None:
        """A connection back in the pool has no statement in flight: whatever is still
        armed for it (a cursor whose end no event reported) must never cut it later,
        when it serves another request."""
        with self._guard:
            left = [key for key, (_, armed, _) in self._armed.items() if armed is dbapi_connection]
            for key in left:
                del self._armed[key]
        if left:
            log.warning("database: %d statement deadline(s) left armed at check-in", len(left))
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    def _ping(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_RETURNED_AT, -PING_AFTER_IDLE_S) < PING_AFTER_IDLE_S:
            return  # in use a moment ago: a ping would cost a round trip per request
        cursor = dbapi_connection.cursor()
        self._arm(cursor)
        try:
            cursor.execute("SELECT 1")
        except Exception as exc:  # the pool then tries a fresh connection
            raise DisconnectionError("the pooled connection did not answer") from exc
        finally:
            self._disarm(cursor)
            with contextlib.suppress(Exception):
                cursor.close()

    def _watch(self) -> None:
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            with self._guard:
                late = [key for key, (deadline, *_) in self._armed.items() if deadline < now]
                stuck = [self._armed.pop(key)[1:] for key in late]
            for connection, fd in stuck:
                if connection.closed or _socket_of(connection) != fd:
                    continue  # the fd may since belong to another connection: never cut that
                log.warning("database: no answer in %.0f s; cutting the connection", self._seconds)
                with contextlib.suppress(OSError):  # closed meanwhile: nothing to cut
                    cut = socket.socket(fileno=os.dup(fd))
                    cut.shutdown(socket.SHUT_RDWR)
                    cut.close()


def _socket_of(connection: Any) -> int | None:
    """The fd of a psycopg connection's socket, or None once it has none."""
    try:
        return int(connection.fileno())
    except Exception:  # closed or broken: psycopg raises rather than answer
        return None


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
        connection.timeout = settings.database_timeout_seconds  # pyodbc: each statement's limit
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
    register_tables()
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
    started = time.perf_counter()
    db.execute(
        update(column.class_)
        .where(where)
        .values({column.key: column})
        .execution_options(synchronize_session=False)
    )
    activity = _activity.get()
    if activity is not None:
        activity.lock_wait_ms += (time.perf_counter() - started) * 1000
