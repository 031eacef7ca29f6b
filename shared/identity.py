"""The app's Entra identity in Azure: one credential for SQL, Blob and Table storage
and Key Vault.

One instance per process, so the token cache is shared and a cold start fetches each
token once. Without CASAI_MANAGED_IDENTITY_CLIENT_ID, DefaultAzureCredential falls
back to the developer's or pipeline's sign-in (how the migration hook connects).
"""

from __future__ import annotations

import functools
from typing import Any

from shared.config import Settings


def credential(settings: Settings) -> Any:
    return identity_credential(settings.managed_identity_client_id)


@functools.cache
def identity_credential(managed_identity_client_id: str) -> Any:
    """The credential for that user-assigned identity ('' for DefaultAzureCredential's own)."""
    from azure.identity import DefaultAzureCredential  # heavy; only Azure needs it

    return DefaultAzureCredential(managed_identity_client_id=managed_identity_client_id or None)
