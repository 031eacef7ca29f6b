"""Health checks that really read each dependency."""

import logging

from sqlalchemy import text

from meta.schemas import Health, HealthChecks
from shared import db, storage
from shared.config import get_settings

log = logging.getLogger("casai.health")


def check_database() -> bool:
    try:
        with db.get_engine().connect() as connection:
            # Reads a table (not just SELECT 1): the schema must be migrated too.
            connection.execute(text("SELECT COUNT(*) FROM units")).scalar_one()
        return True
    except Exception:
        log.exception("health: database check failed")
        return False


def check_storage() -> bool:
    settings = get_settings()
    try:
        # No retries: a health probe should answer at once when storage is down.
        storage.blob_service().get_container_client(
            settings.files_container
        ).get_container_properties(retry_total=0)
        table = storage.table_service().get_table_client(settings.audit_table)
        next(iter(table.query_entities("PartitionKey eq 'health'", retry_total=0)), None)
        return True
    except Exception:
        log.exception("health: storage check failed")
        return False


def health() -> Health:
    checks = HealthChecks(
        database="ok" if check_database() else "failing",
        storage="ok" if check_storage() else "failing",
    )
    ok = checks.database == "ok" and checks.storage == "ok"
    return Health(status="ok" if ok else "unavailable", checks=checks)
