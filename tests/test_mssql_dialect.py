"""What SQL Server (Azure SQL) cannot run is found without a SQL Server.

tests/mssql_compile.py compiles every statement the suite executes for the `mssql`
dialect, in this process and in every dev host the tests start. These tests show
that it notices a statement that does not port, here and in a dev host, and check
the schema against SQL Server's own limits.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Numeric, Table, create_engine, select
from sqlalchemy.dialects.sqlite import insert

from quantities import money
from shared.db import Base, ExactDecimal, register_tables
from tests import mssql_compile
from tests.conftest import DEVHOST, REPO
from tests.mssql_sample_app import SQLITE_URL_ENV

# SQL Server's widest DECIMAL/NUMERIC; PostgreSQL and Python go further.
SQL_SERVER_MAX_PRECISION = 38

metadata = MetaData()
numbers = Table("numbers", metadata, Column("id", Integer, primary_key=True))


def test_on_conflict_fails_where_it_runs(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    metadata.create_all(engine)
    with engine.begin() as connection, pytest.raises(mssql_compile.MssqlCompileError) as failed:
        connection.execute(insert(numbers).values(id=1).on_conflict_do_nothing())
    assert "OnConflictDoNothing" in str(failed.value)


def test_a_row_lock_that_sql_server_would_drop_fails(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    metadata.create_all(engine)
    with engine.connect() as connection, pytest.raises(mssql_compile.MssqlCompileError):
        connection.execute(select(numbers).with_for_update())


def test_offset_without_order_fails_and_limit_with_order_compiles(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    metadata.create_all(engine)
    with engine.connect() as connection:
        connection.execute(select(numbers).order_by(numbers.c.id).limit(5).offset(5))
        with pytest.raises(mssql_compile.MssqlCompileError, match="order_by"):
            connection.execute(select(numbers).limit(5).offset(5))


def run_sample_timer(tmp_path: Path, name: str) -> str:
    failures = tmp_path / f"{name}-failures.txt"
    env = {
        "PATH": "/usr/bin:/bin",
        SQLITE_URL_ENV: f"sqlite:///{tmp_path / 'sample.db'}",
        mssql_compile.FAILURES_ENV: str(failures),
        "CASAI_DATA_DIR": str(tmp_path),
    }
    command = [*DEVHOST, "--app", "tests.mssql_sample_app:app", "--run-timer", name]
    subprocess.run([sys.executable, *command], cwd=REPO, env=env, capture_output=True, timeout=120)
    return mssql_compile.failures_in(failures)


def test_a_dev_host_records_what_does_not_compile(tmp_path: Path) -> None:
    recorded = run_sample_timer(tmp_path, "upsert")
    assert "OnConflictDoNothing" in recorded
    assert "INSERT INTO numbers" in recorded


def test_a_dev_host_records_nothing_for_portable_sql(tmp_path: Path) -> None:
    assert run_sample_timer(tmp_path, "portable") == ""


def test_every_numeric_column_fits_sql_server() -> None:
    """DECIMAL(p, s) on SQL Server allows p <= 38: a wider column fails its migration there."""
    register_tables()
    numeric = [
        (f"{table.name}.{column.name}", column.type)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, Numeric | ExactDecimal)
    ]
    assert numeric, "no numeric columns found: is every area's model imported?"
    too_wide = [name for name, kind in numeric if (kind.precision or 0) > SQL_SERVER_MAX_PRECISION]
    assert not too_wide, too_wide


def test_the_widest_amounts_are_exact_and_would_fit_sql_server() -> None:
    """Columns hold at most the schemas' 15 digits; amounts and totals are products and sums
    made in Python (quantities/money.py, 60 digits) and never stored or summed in SQL, so
    SQL Server's 38 digits bound no result. Even 10,000 of the widest amounts total 31."""
    quantity = Decimal("999999999999.999")  # 15 digits, 3 decimals: the schema's widest
    price = Decimal("9999999999999.99")  # 15 digits, 2 decimals
    amount = money.amount_of("item", "normal", quantity, price, None)
    assert amount is not None
    total = money.ZERO
    for _ in range(10_000):
        total = money.add(total, amount)
    assert total == amount * 10_000  # exact: nothing rounded past 28 digits
    # The product before rounding to öre has 30 digits: past Python's default 28 already.
    assert len(money.EXACT.multiply(quantity, price).as_tuple().digits) == 30
    assert len(total.as_tuple().digits) <= SQL_SERVER_MAX_PRECISION
