"""Blob and Table storage clients, and SAS URLs for browsers.

Locally and in tests a connection string reaches Azurite; in Azure the account
URLs are reached with the managed identity (the account refuses shared keys).
The Azure SDKs are imported on first use to keep cold starts short.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shared import clock
from shared.config import Settings, get_settings
from shared.identity import credential

if TYPE_CHECKING:
    from azure.data.tables import TableServiceClient
    from azure.storage.blob import BlobServiceClient, UserDelegationKey

# Fail fast instead of hanging a request when storage is unreachable.
CLIENT_OPTIONS: dict[str, Any] = {"connection_timeout": 5, "read_timeout": 20}
# Blob storage's own retry waits 15, 18 and 24 s between tries: a request would wait a
# minute to learn that storage is down. Two quick retries ride out a blip; what fails
# after them is retried by a timer.
BLOB_RETRY: dict[str, Any] = {"retry_total": 2, "initial_backoff": 1, "increment_base": 2}
# Blobs are downloaded in pieces of this size (the SDK's first piece is 32 MiB by
# default): reading a 200 MB project file to hash it holds 4 MiB at a time.
BLOB_OPTIONS: dict[str, Any] = {"max_single_get_size": 4 << 20, "max_chunk_get_size": 4 << 20}
# A user-delegation key is fetched once for many SAS URLs and renewed when a URL would
# outlive it; its start lies a little back, for clocks that run behind ours.
DELEGATION_KEY_LIFETIME = timedelta(hours=6)
CLOCK_SKEW = timedelta(minutes=5)
# What a browser on the app's origin may do with a SAS URL on Azurite (infra/ sets the
# same rule on the Azure account): PUT an upload, GET or HEAD a download.
BROWSER_METHODS = ["PUT", "GET", "HEAD", "OPTIONS"]
BROWSER_HEADERS = ["x-ms-blob-type", "content-type", "x-ms-*"]
BROWSER_EXPOSED_HEADERS = ["content-disposition", "content-length", "content-type", "etag"]


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
            **BLOB_OPTIONS,
        )
    return BlobServiceClient.from_connection_string(
        settings.storage_connection_string, **CLIENT_OPTIONS, **BLOB_RETRY, **BLOB_OPTIONS
    )


def blob_origin(settings: Settings) -> str:
    """The scheme, host and port of the blob endpoint the app uses, which its SAS URLs
    name: where a browser sends and fetches project files (a CSP's connect-src)."""
    endpoint = urlsplit(build_blob_service(settings).url)
    return f"{endpoint.scheme}://{endpoint.netloc}"


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


_delegation_lock = threading.Lock()
_delegation: tuple[UserDelegationKey, datetime] | None = None  # the key, and when it ends


def blob_sas_url(
    container: str,
    blob_name: str,
    permission: str,
    expires_at: datetime,
    *,
    content_disposition: str | None = None,
    content_type: str | None = None,
) -> str:
    """The URL of one blob with a SAS granting `permission` ("c", "r") until `expires_at`.

    Signed with a user-delegation key when the app reaches storage by identity (the
    account has no usable keys), with the account key on Azurite. The two response
    overrides make a download carry those headers whatever the blob says. The host is
    the blob endpoint the app itself uses, which a browser reaches too: the account's
    public name in Azure (only inside the VNet does it resolve to the private
    endpoint), Azurite's loopback address on this machine.
    """
    from azure.storage.blob import generate_blob_sas

    service = blob_service()
    account = service.account_name
    assert account is not None  # both kinds of endpoint name their account
    if uses_identity(get_settings()):
        signing: dict[str, Any] = {"user_delegation_key": _delegation_key(service, expires_at)}
    else:
        signing = {"account_key": service.credential.account_key}
    sas = generate_blob_sas(
        account,
        container,
        blob_name,
        permission=permission,
        expiry=expires_at,
        content_disposition=content_disposition,
        content_type=content_type,
        **signing,
    )
    return f"{service.get_blob_client(container, blob_name).url}?{sas}"


def _delegation_key(service: BlobServiceClient, needed_until: datetime) -> UserDelegationKey:
    """A user-delegation key valid until at least `needed_until`, fetched when none is."""
    global _delegation
    with _delegation_lock:
        if _delegation is None or _delegation[1] < needed_until:
            now = clock.now()
            ends = needed_until + DELEGATION_KEY_LIFETIME
            # No backoff (15 s and more) while a request waits: it answers 503 instead.
            key = service.get_user_delegation_key(now - CLOCK_SKEW, ends, retry_total=0)
            _delegation = (key, ends)
        return _delegation[0]


def ensure_resources(settings: Settings) -> None:
    """Create the containers and tables the app uses (local runs; Bicep does it in Azure),
    and let a browser on the app's origin use SAS URLs (Blob service CORS)."""
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import CorsRule

    blobs = build_blob_service(settings)
    for container in (settings.files_container, settings.revisions_container):
        with contextlib.suppress(ResourceExistsError):
            blobs.create_container(container)
    app_origin = urlsplit(settings.public_base_url)
    origin = f"{app_origin.scheme}://{app_origin.netloc}"
    browsers = CorsRule(
        [origin],
        BROWSER_METHODS,
        allowed_headers=BROWSER_HEADERS,
        exposed_headers=BROWSER_EXPOSED_HEADERS,
        max_age_in_seconds=3600,
    )
    # Several dev hosts (and test hosts) may share one Azurite: each sets the rule of its
    # own origin and keeps the others'.
    others = [
        rule
        for rule in blobs.get_service_properties().get("cors") or []
        if origin not in rule.allowed_origins.split(",")  # the SDK joins them with commas
    ]
    blobs.set_service_properties(cors=[*others, browsers])
    build_table_service(settings).create_table_if_not_exists(settings.audit_table)
