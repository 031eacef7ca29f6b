"""Request and response models of the support area."""

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from shared.schemas import EmailAddress, Request, Schema
from support.tickets import ForwardState, TicketCategory, TicketStatus

SUBJECT_MAX = 200
MESSAGE_MAX = 5000


class SupportStatus(Schema):
    open: bool
    opens_at: datetime = Field(description="The current opening's start, or the next one's.")
    closes_at: datetime = Field(description="The current opening's end, or the next one's.")
    timezone: str = Field(examples=["Europe/Stockholm"])
    hours: str = Field(examples=["07:30-16:30"])
    holiday: str | None = Field(
        default=None, description="Today's holiday in the support time zone, if it is one."
    )


class MessengerConfig(Schema):
    """The Intercom Messenger's settings for this visitor.

    `enabled: false` (no app id configured): the web app offers its own ticket form
    (POST /support/tickets) instead of the chat.
    """

    enabled: bool
    app_id: str | None
    api_base: str | None = Field(
        default=None,
        description="The Messenger's API for the workspace's region (Intercom's api_base): "
        "https://api-iam.intercom.io, or its eu or au host.",
    )
    user_id: str | None = None
    email: str | None = None
    name: str | None = None
    user_hash: str | None = Field(
        default=None, description="Intercom identity verification: HMAC-SHA256 of user_id."
    )


class TicketIn(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": "Exporten till Excel saknar à-priser",
                    "message": "Hej!\nNär jag exporterar mängdförteckningen för Kv. Björken "
                    "blir kolumnen à-pris tom.\nMvh Anna",
                    "category": "problem",
                    "email": "anna.lindqvist@byggab.se",
                    "name": "Anna Lindqvist",
                    "project_id": "0c9e8f1a-5b2d-4a7c-8e3f-6d1b4a9c2e70",
                },
                {
                    "subject": "Ta bort åtkomst för tidigare anställd",
                    "message": "Erik har slutat hos oss och ska inte längre se projektet.",
                    "category": "access_denial",
                    "project_id": "0c9e8f1a-5b2d-4a7c-8e3f-6d1b4a9c2e70",
                    "person_email": "erik.sjoberg@konsultbolaget.se",
                },
            ],
            # The rule of _person_only_to_deny, for the document.
            "if": {"not": {"properties": {"category": {"const": "access_denial"}}}},
            "then": {"properties": {"person_email": {"type": "null"}}},
        }
    )

    multiline = frozenset({"message"})

    subject: Annotated[str, Field(min_length=1, max_length=SUBJECT_MAX)]
    message: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX)]
    category: TicketCategory
    email: EmailAddress | None = Field(
        default=None, description="Where to answer; a signed-in sender's own address if left out."
    )
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    project_id: uuid.UUID | None = None
    person_email: EmailAddress | None = Field(
        default=None, description="For access_denial: the person to deny access."
    )
    website: Annotated[str, Field(max_length=200)] | None = Field(
        default=None,
        description="Leave empty: a field the form hides from people (a honeypot for bots).",
    )

    @model_validator(mode="after")
    def _person_only_to_deny(self) -> Self:
        if self.person_email is not None and self.category != TicketCategory.ACCESS_DENIAL:
            raise ValueError("person_email goes only with the category access_denial")
        return self


class TicketAccepted(Schema):
    reference: str = Field(examples=["CAS-7K3P9Q"])


class TicketQuery(Schema):
    # The values of TicketStatus, spelled out: a query parameter's schema has no $defs.
    status: Literal["open", "closed"] | None = None
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=2048)


class TicketOut(Schema):
    id: uuid.UUID
    reference: str
    category: TicketCategory
    urgent: bool
    subject: str
    message: str
    email: str | None
    name: str | None
    user_id: uuid.UUID | None = Field(description="The signed-in sender; null when anonymous.")
    project_id: uuid.UUID | None
    project_name: str | None = Field(description="Only when the sender is the project's member.")
    sender_manages: bool
    person_email: str | None
    person_is_member: bool
    status: TicketStatus
    created_at: datetime
    closed_at: datetime | None
    closed_by: uuid.UUID | None
    forward_state: ForwardState
    forward_attempts: int
    forwarded_at: datetime | None


class TicketList(Schema):
    items: list[TicketOut]
    next_cursor: str | None
