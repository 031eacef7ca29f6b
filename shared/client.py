"""Where a request comes from, as services may know it: no HTTP in it.

Routes build a `Client` from the request (the address the trusted front end saw, the
browser's User-Agent); services pass it on to sessions and the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Client:
    ip: str | None = None
    user_agent: str | None = None  # at most USER_AGENT_MAX characters

    USER_AGENT_MAX = 256
