"""A Functions app whose timers run SQL that SQLite runs and SQL Server would not
(tests/test_mssql_dialect.py starts it with `python -m tests.mssql_devhost`)."""

from __future__ import annotations

import os

import azure.functions as func
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select
from sqlalchemy.dialects.sqlite import insert

SQLITE_URL_ENV = "SAMPLE_SQLITE_URL"

metadata = MetaData()
numbers = Table("numbers", metadata, Column("id", Integer, primary_key=True))

app = func.FunctionApp()


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer")
def upsert(timer: func.TimerRequest) -> None:
    """SQLite's ON CONFLICT, which SQL Server has no form of."""
    engine = create_engine(os.environ[SQLITE_URL_ENV])
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(numbers).values(id=1).on_conflict_do_nothing())


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer")
def portable(timer: func.TimerRequest) -> None:
    """A plain SELECT with LIMIT and ORDER BY, which SQL Server compiles (TOP)."""
    engine = create_engine(os.environ[SQLITE_URL_ENV])
    metadata.create_all(engine)
    with engine.connect() as connection:
        connection.execute(select(numbers).order_by(numbers.c.id).limit(1))
