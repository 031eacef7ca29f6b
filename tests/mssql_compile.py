"""Every statement the tests run on SQLite or PostgreSQL also compiles for SQL Server.

Production runs on Azure SQL, which no test reaches, so each statement the suite
executes (in this process, and in every dev host it starts: `python -m
tests.mssql_devhost`) is compiled once more with SQLAlchemy's `mssql` dialect, set
up as for Azure SQL. A statement that does not compile raises where it ran and is
written to the file MSSQL_COMPILE_FAILURES names, which the test that started the
dev host reads when it stops it (tests/conftest.py), so nothing a server process
swallows goes unnoticed.

Compiling is cached by the statement's text as executed: a statement the suite
runs a thousand times is compiled for SQL Server once.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, event
from sqlalchemy.dialects import mssql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import DDLCompiler

FAILURES_ENV = "MSSQL_COMPILE_FAILURES"

_compiled: set[str] = set()
_lock = threading.Lock()


class MssqlCompileError(AssertionError):
    """A statement the app ran does not compile for SQL Server."""


def azure_sql_dialect() -> Dialect:
    """The mssql dialect as it is once connected to Azure SQL (a SQL Server 2022 engine)."""
    dialect: Any = mssql.dialect()  # type: ignore[no-untyped-call]
    dialect.server_version_info = (16, 0, 0)
    dialect._setup_version_attributes()  # what connecting sets: OFFSET/FETCH, MAX types
    dialect._supports_nvarchar_max = True
    return cast(Dialect, dialect)


_DIALECT = azure_sql_dialect()


def compile_for_sql_server(statement: str, context: Any) -> None:
    """Compile the statement behind `context` for SQL Server, once per statement text."""
    compiled = getattr(context, "compiled", None)
    if compiled is None or statement in _compiled:
        return  # raw driver SQL (PRAGMA, test queries), or compiled already
    if isinstance(compiled, DDLCompiler) or _reads_the_catalog(compiled.statement):
        # Migrations' DDL (Alembic renders it per dialect: infra/rehearse.py renders it for
        # SQL Server) and the dialect's own introspection: not the app's statements.
        return
    try:
        if getattr(compiled.statement, "_for_update_arg", None) is not None:
            # It compiles, but SQL Server's dialect drops FOR UPDATE: no lock at all.
            raise MssqlCompileError("SELECT ... FOR UPDATE takes no lock there: use db.lock_row")
        compiled.statement.compile(dialect=_DIALECT)
    except Exception as exc:
        failure = f"{type(exc).__name__}: {exc}\n    statement: {statement}"
        _record(failure)
        raise MssqlCompileError(f"does not compile for SQL Server: {failure}") from exc
    with _lock:
        _compiled.add(statement)


_CATALOGS = {"pg_catalog", "information_schema"}


def _reads_the_catalog(statement: Any) -> bool:
    """Whether the statement reads a database catalog, as only dialect introspection does."""
    froms: list[Any] = getattr(statement, "get_final_froms", list)()
    return any(getattr(table, "schema", None) in _CATALOGS for table in _tables(froms))


def _tables(froms: list[Any]) -> list[Any]:
    found = []
    for each in froms:
        if hasattr(each, "left") and hasattr(each, "right"):  # a join
            found += _tables([each.left, each.right])
        else:
            found.append(each)
    return found


def _record(failure: str) -> None:
    path = os.environ.get(FAILURES_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as failures:
            failures.write(failure + "\n")


def _before_cursor_execute(
    _connection: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    compile_for_sql_server(statement, context)


def install() -> None:
    """Compile what every engine of this process runs (idempotent)."""
    if not event.contains(Engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(Engine, "before_cursor_execute", _before_cursor_execute)


def failures_in(path: Path) -> str:
    """What a dev host recorded as not compiling for SQL Server ('' for nothing)."""
    return path.read_text(encoding="utf-8") if path.exists() else ""
