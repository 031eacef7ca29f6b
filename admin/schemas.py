"""Request and response models of platform administration."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator

from shared.schemas import Schema, control_character, refused_character


class AdminAction(StrEnum):
    """What a platform administrator (or the admin command) did: the audit actions of
    the `platform` trail, also written to the affected account's own security log."""

    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    SESSIONS_ENDED = "sessions_ended_by_admin"
    TICKET_CLOSED = "ticket_closed"
    # Reading other people's personal data is an action too (GDPR art. 5(2), 30).
    USERS_LISTED = "users_listed"
    TICKETS_LISTED = "tickets_listed"
    ADMIN_GRANTED = "platform_admin_granted"
    ADMIN_REVOKED = "platform_admin_revoked"


class UserQuery(Schema):
    q: str | None = Field(
        default=None,
        max_length=100,
        description="Part of the e-mail address or the name, any case.",
    )
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=2048)

    @field_validator("q")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        if value is not None and (char := refused_character(value, multiline=False)):
            raise control_character(char)
        return value


class AdminUserOut(Schema):
    id: uuid.UUID
    email: str
    display_name: str
    created_at: datetime
    email_verified: bool
    disabled_at: datetime | None
    deleted_at: datetime | None
    platform_admin: bool
    live_sessions: int


class AdminUserList(Schema):
    items: list[AdminUserOut]
    next_cursor: str | None
