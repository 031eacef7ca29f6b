"""Intercom: the Messenger's identity verification, and tickets through the REST API.

Identity verification: the Messenger sends `user_hash`, the hex HMAC-SHA256 of the
signed-in user's id under the workspace's identity-verification secret, so nobody can
chat as someone else by claiming their id. The secret stays on the server.

Tickets: `POST {base}/tickets` (Intercom API 2.11) with the workspace's access token,
the configured ticket type, and the sender as the contact by e-mail address (Intercom
creates the contact when it has none). Any failure raises `IntercomError`; the caller
keeps the ticket and tries again later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from shared.config import Settings

API_VERSION = "2.11"
TIMEOUT_SECONDS = 10


class IntercomError(Exception):
    """Intercom did not take the request (unreachable, slow, or an error answer)."""


def user_hash(secret: str, user_id: str) -> str:
    """The identity-verification hash the Messenger sends with `user_id`."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def messenger_api_base(rest_api_base: str) -> str:
    """The Messenger's API host in the same region as the REST API the deployment set
    (CASAI_INTERCOM_API_BASE_URL): https://api.eu.intercom.io has the Messenger at
    https://api-iam.eu.intercom.io, and so on; a workspace answers only in its region."""
    return rest_api_base.rstrip("/").replace("://api.", "://api-iam.", 1)


@dataclass(frozen=True)
class TicketRequest:
    contact_email: str
    title: str
    description: str


def create_ticket(settings: Settings, ticket: TicketRequest) -> str:
    """Create the ticket in Intercom; its Intercom id."""
    payload = {
        "ticket_type_id": settings.intercom_ticket_type_id,
        "contacts": [{"email": ticket.contact_email}],
        "ticket_attributes": {
            "_default_title_": ticket.title,
            "_default_description_": ticket.description,
        },
    }
    url = settings.intercom_api_base_url.rstrip("/") + "/tickets"
    request = urllib.request.Request(  # noqa: S310 (an https:// address from the settings)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {settings.intercom_access_token.get_secret_value()}",
            "Intercom-Version": API_VERSION,
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise IntercomError(f"Intercom did not create the ticket: {exc}") from None
    if not isinstance(answer, dict) or not answer.get("id"):
        raise IntercomError("Intercom's answer named no ticket")
    return str(answer["id"])
