"""Migrations run from empty on SQLite and PostgreSQL, and render for Azure SQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

# Every module whose tables register on Base.metadata, as migrations/env.py imports them,
# so the metadata is complete even when this file runs alone.
import auth.models  # noqa: F401
import projects.models  # noqa: F401
import quantities.file_models  # project files
import quantities.models  # noqa: F401
import shared.audit  # the audit outbox
import shared.throttle  # noqa: F401
import support.models  # noqa: F401
from shared.db import Base
from tests.conftest import BACKENDS, REPO, forget_database, new_database


def alembic(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-x", f"url={url}", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url = new_database(request.param, tmp_path)
    yield url
    forget_database(url)


def test_upgrade_from_empty_creates_every_model_table(empty_database: str) -> None:
    alembic(empty_database, "upgrade", "head")
    engine = create_engine(empty_database)
    try:
        tables = set(inspect(engine).get_table_names())
        declared = set(Base.metadata.tables)
        assert {"users", "sessions", "invitations", "throttle_events", "units"} <= declared
        assert declared <= tables
        with engine.connect() as connection:
            # The 18 units migrations/versions/0001_units.py seeds.
            assert connection.execute(text("SELECT COUNT(*) FROM units")).scalar_one() == 18
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(empty_database: str) -> None:
    alembic(empty_database, "upgrade", "head")
    alembic(empty_database, "downgrade", "base")
    engine = create_engine(empty_database)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    alembic(empty_database, "upgrade", "head")


def test_every_migration_renders_for_mssql() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-x", "dialect=mssql", "upgrade", "head", "--sql"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    sql = result.stdout
    revisions = list(
        ScriptDirectory.from_config(Config(str(REPO / "alembic.ini"))).walk_revisions()
    )
    for revision in revisions:
        assert f"-> {revision.revision}" in sql
    assert "CREATE TABLE units" in sql
    assert "NVARCHAR" in sql  # text columns hold Swedish characters on SQL Server
    assert "IDENTITY_INSERT" not in sql  # would fail on tables without identity columns
    assert "GO" in sql.splitlines()
