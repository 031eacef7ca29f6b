"""Blob and Table storage clients.

Locally and in tests a connection string reaches Azurite; in Azure the account
URLs are reached with the managed identity (the account refuses shared keys).
The Azure SDKs are imported on first use to keep cold starts short.
"""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING, Any

from shared.config import Settings, get_settings
from shared.identity import credential

if TYPE_CHECKING:
    from azure.data.tables import TableServiceClient
    from azure.storage.blob import BlobServiceClient

# Fail fast instead of hanging a request when storage is unreachable.
CLIENT_OPTIONS: dict[str, Any] = {"connection_timeout": 5, "read_timeout": 20}
# Blob storage's own retry waits 15, 18 and 24 s between tries: a request would wait a
# minute to learn that storage is down. Two quick retries ride out a blip; what fails
# after them is retried by a timer.
BLOB_RETRY: dict[str, Any] = {"retry_total": 2, "initial_backoff": 1, "increment_base": 2}


def uses_identity(settings: Settings) -> bool:
    return bool(settings.storage_blob_url and settings.storage_table_url)


def build_blob_service(settings: Settings) -> BlobServiceClient:
    from azure.storage.blob import BlobServiceClient

    if uses_identity(settings):
        return BlobServiceClient(
            settings.storage_blob_url,
            credential=credential(settings),
            **CLIENT_OPTIONS,
            **BLOB_RETRY,
        )
    return BlobServiceClient.from_connection_string(
        settings.storage_connection_string, **CLIENT_OPTIONS, **BLOB_RETRY
    )


def build_table_service(settings: Settings) -> TableServiceClient:
    from azure.data.tables import TableServiceClient

    if uses_identity(settings):
        return TableServiceClient(
            settings.storage_table_url, credential=credential(settings), **CLIENT_OPTIONS
        )
    return TableServiceClient.from_connection_string(
        settings.storage_connection_string, **CLIENT_OPTIONS
    )


@functools.cache
def blob_service() -> BlobServiceClient:
    return build_blob_service(get_settings())


@functools.cache
def table_service() -> TableServiceClient:
    return build_table_service(get_settings())


def ensure_resources(settings: Settings) -> None:
    """Create the containers and tables the app uses (local runs; Bicep does it in Azure)."""
    from azure.core.exceptions import ResourceExistsError

    blobs = build_blob_service(settings)
    for container in (settings.files_container, settings.revisions_container):
        with contextlib.suppress(ResourceExistsError):
            blobs.create_container(container)
    build_table_service(settings).create_table_if_not_exists(settings.audit_table)
