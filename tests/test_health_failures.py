"""Health answers 503 naming the failing check when a dependency is down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devhost import azurite
from tests.conftest import (
    Storage,
    app_environment,
    create_storage_resources,
    running_host,
    start_storage,
)


def health_of(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    with running_host(env, *args) as host, host.client() as client:
        response = client.get("/api/health")
    return response.status_code, response.json()


def test_503_when_the_database_is_unreachable(storage: Storage, tmp_path: Path) -> None:
    closed_port = azurite.free_port()  # nothing listens there
    env = app_environment(
        tmp_path,
        f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/nowhere",
        storage.connection_string,
    )
    create_storage_resources(env)  # so that only the database fails
    status, body = health_of(env)
    assert status == 503
    assert body["code"] == "unavailable"
    assert body["checks"] == {"database": "failing", "storage": "ok"}
    assert "database" in body["detail"]


def test_503_when_the_schema_is_not_migrated(storage: Storage, tmp_path: Path) -> None:
    env = app_environment(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}", storage.connection_string)
    create_storage_resources(env)
    status, body = health_of(env)
    assert status == 503
    assert body["checks"] == {"database": "failing", "storage": "ok"}


def test_503_when_azurite_is_stopped(database_url: str, tmp_path: Path) -> None:
    own_storage = start_storage(tmp_path / "azurite")
    env = app_environment(tmp_path / "app", database_url, own_storage.connection_string)
    try:
        with running_host(env, "--migrate") as host, host.client() as client:
            assert client.get("/api/health").status_code == 200
            azurite.stop(own_storage.server)
            response = client.get("/api/health")
    finally:
        azurite.stop(own_storage.server)
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "unavailable"
    assert body["checks"] == {"database": "ok", "storage": "failing"}
    assert "storage" in body["detail"]
