"""Alembic environment: the app's own engine, so Azure SQL gets its Entra token.

Online: `python -m alembic upgrade head` migrates CASAI_DATABASE_URL (or the
local SQLite file). Offline: `python -m alembic -x dialect=mssql upgrade head --sql`
prints the SQL a dialect would run, without a connection.
"""

from alembic import context
from sqlalchemy import Connection

from shared.config import get_settings
from shared.db import Base, build_engine, register_tables

register_tables()
target_metadata = Base.metadata


def run_offline() -> None:
    dialect = context.get_x_argument(as_dictionary=True).get("dialect", "mssql")
    context.configure(
        dialect_name=dialect,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    settings = get_settings()
    url = context.get_x_argument(as_dictionary=True).get("url", settings.sqlalchemy_url)
    engine = build_engine(url, settings)
    try:
        with engine.connect() as connection:
            _migrate(connection)
    finally:
        engine.dispose()


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
