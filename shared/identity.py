"""The app's Entra identity in Azure: one credential for SQL, Blob and Table storage.

One instance per process, so the token cache is shared and a cold start fetches each
token once. Without CASAI_MANAGED_IDENTITY_CLIENT_ID, DefaultAzureCredential falls
back to the developer's or pipeline's sign-in (how the migration hook connects).
"""

from __future__ import annotations

import functools
from typing import Any

from shared.config import Settings


def credential(settings: Settings) -> Any:
    return _credential(settings.managed_identity_client_id or None)


@functools.cache
def _credential(managed_identity_client_id: str | None) -> Any:
    from azure.identity import DefaultAzureCredential  # heavy; only Azure needs it

    return DefaultAzureCredential(managed_identity_client_id=managed_identity_client_id)
