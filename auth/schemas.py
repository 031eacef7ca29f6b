"""Request and response models of the accounts area.

Requests refuse unknown fields and bound every string, so a 10 kB value or a
stray field is a 400 before any rule runs. A new password's length (8–128
characters) is in its schema; the rest of the policy (not common, not your name) is
checked by the service, with its reason.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
)

from auth import passwords
from shared.schemas import EmailAddress, Patch, Request, Schema

Locale = Literal["sv", "en"]
Method = Literal["email", "totp", "recovery"]
Password = Annotated[str, Field(min_length=1, max_length=1024)]  # one already set
# A password being chosen: its length is the policy's (auth.passwords), said here so the
# document holds it; being common or the user's own name is refused by the service.
NewPassword = Annotated[
    str, Field(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)
]
Code = Annotated[str, Field(min_length=1, max_length=32)]
DisplayName = Annotated[str, Field(min_length=1, max_length=100)]


class RegisterIn(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "anna.lindqvist@byggab.se",
                    "password": "Takstol-Granit-2026",
                    "display_name": "Anna Lindqvist",
                    "locale": "sv",
                }
            ]
        }
    )

    email: EmailAddress
    password: NewPassword
    display_name: DisplayName
    locale: Locale = "sv"


class VerifyEmailIn(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "anna.lindqvist@byggab.se",
                    "code": "482915",
                    "password": "Takstol-Granit-2026",
                }
            ]
        }
    )

    email: EmailAddress
    code: Code
    password: Password = Field(description="The password chosen when registering.")


class LoginIn(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "anna.lindqvist@byggab.se", "password": "Takstol-Granit-2026"}]
        }
    )

    email: EmailAddress
    password: Password


class OtpVerifyIn(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "challenge_id": "e2a4c6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d",
                    "code": "482915",
                    "method": "email",
                },
                {
                    "challenge_id": "e2a4c6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d",
                    "code": "k7m2p-x9q4r",
                    "method": "recovery",
                },
            ]
        }
    )

    challenge_id: uuid.UUID
    code: Code
    method: Method | None = None


class OtpResendIn(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"challenge_id": "e2a4c6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d"}]}
    )

    challenge_id: uuid.UUID


class PasswordChangeIn(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"current_password": "Takstol-Granit-2026", "new_password": "Bjälklag-Kalksten-77"}
            ]
        }
    )

    current_password: Password
    new_password: NewPassword


class PasswordForgotIn(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "anna.lindqvist@byggab.se"}]}
    )

    email: EmailAddress


class PasswordResetIn(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "anna.lindqvist@byggab.se",
                    "code": "731046",
                    "new_password": "Bjälklag-Kalksten-77",
                },
                {
                    "email": "anna.lindqvist@byggab.se",
                    "code": "731046",
                    "new_password": "Bjälklag-Kalksten-77",
                    "totp_code": "905182",
                },
            ]
        }
    )

    email: EmailAddress
    code: Code
    new_password: NewPassword
    totp_code: Code | None = None


class MfaEmailIn(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"enabled": True, "password": "Takstol-Granit-2026"}]}
    )

    enabled: StrictBool
    password: Password


class TotpConfirmIn(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "905182"}]})

    code: Code


class TotpDeleteIn(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"password": "Takstol-Granit-2026", "code": "905182"}]}
    )

    password: Password
    code: Code


class PasswordIn(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"password": "Takstol-Granit-2026"}]})

    password: Password


class MePatch(Patch):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"display_name": "Anna Lindqvist", "locale": "en"}]}
    )

    not_null = ("display_name", "locale")

    display_name: DisplayName | None = None
    locale: Locale | None = None


class UserOut(Schema):
    id: uuid.UUID
    email: str
    display_name: str
    locale: Locale
    created_at: datetime
    platform_admin: bool = Field(
        description="Whether the administration (/api/admin) is open to this user; the "
        "web app shows it only then (each admin endpoint checks it itself)."
    )


class SessionInfo(Schema):
    id: uuid.UUID
    mfa: bool
    methods: list[str] = Field(description="Factors this session has passed.")
    created_at: datetime
    expires_at: datetime


class Authenticated(Schema):
    status: Literal["authenticated"] = "authenticated"
    user: UserOut
    session: SessionInfo
    csrf_token: str


class OtpRequired(Schema):
    status: Literal["otp_required"] = "otp_required"
    challenge_id: uuid.UUID
    methods: list[Method]
    expires_at: datetime


class LoginResult(RootModel[Authenticated | OtpRequired]):
    pass


class Challenge(Schema):
    challenge_id: uuid.UUID
    methods: list[Method]
    expires_at: datetime


class SessionView(Schema):
    user: UserOut
    session: SessionInfo
    csrf_token: str


class StatusOut(Schema):
    status: str


class VerifiedOut(Schema):
    verified: bool


class SessionItem(Schema):
    id: uuid.UUID
    current: bool
    mfa: bool
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None


class SessionList(Schema):
    items: list[SessionItem]
    next_cursor: None = None


class MfaStatus(Schema):
    email_otp: bool
    totp: bool
    recovery_codes_left: int


class TotpSetup(Schema):
    secret: str
    otpauth_uri: str


class RecoveryCodes(Schema):
    recovery_codes: list[str]


class SecurityEvent(Schema):
    id: str
    action: str
    at: datetime
    ip: str | None
    details: dict[str, str | int | bool | None]


class SecurityLog(Schema):
    items: list[SecurityEvent]
    next_cursor: str | None


# --- privacy: GET /me/export, DELETE /me ---------------------------------------------


class DeleteMeIn(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"password": "Takstol-Granit-2026"}]})

    password: Password


class ExportProfile(Schema):
    id: uuid.UUID
    email: str
    display_name: str
    locale: str
    created_at: datetime
    email_verified_at: datetime | None
    email_otp_enabled: bool
    authenticator_app: bool
    authenticator_app_added_at: datetime | None
    recovery_codes_left: int
    platform_admin: bool
    disabled_at: datetime | None


class ExportOrganisation(Schema):
    org_id: uuid.UUID
    name: str
    org_role: str
    added_at: datetime
    created_by_me: bool


class ExportProject(Schema):
    project_id: uuid.UUID
    org_id: uuid.UUID
    name: str
    role_key: str
    role_name: str
    permissions: list[str]
    require_2fa: bool = Field(description="Whether my membership requires a second factor.")
    added_at: datetime
    project_deleted: bool
    created_by_me: bool


class ExportSession(Schema):
    id: uuid.UUID
    current: bool
    factors: list[str]
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None


class ExportEvent(Schema):
    id: str
    action: str
    at: datetime
    ip: str | None
    details: dict[str, Any]


class ExportInvitation(Schema):
    """An invitation; the address of someone the caller invited is theirs, not the
    caller's, and is left out."""

    id: uuid.UUID
    project_id: uuid.UUID
    project_name: str
    role_key: str
    require_2fa: bool
    status: str
    created_at: datetime
    expires_at: datetime


class ExportTicket(Schema):
    reference: str
    category: str
    subject: str
    message: str
    email: str | None
    name: str | None
    project_id: uuid.UUID | None
    status: str
    created_at: datetime
    closed_at: datetime | None


class ExportAuthored(Schema):
    """Ids of what the caller made or last changed in projects (the content is the
    project's, not personal data, and stays there)."""

    schedules_created: list[uuid.UUID]
    revisions_issued: list[uuid.UUID]
    rows_last_edited: list[uuid.UUID]


class PrivacyExport(Schema):
    """Everything CASAI holds about the caller (GDPR art. 15 and 20)."""

    format: Literal["casai-export/1"] = "casai-export/1"
    exported_at: datetime
    profile: ExportProfile
    organisations: list[ExportOrganisation]
    projects: list[ExportProject]
    sessions: list[ExportSession]
    security_log: list[ExportEvent]
    invitations_sent: list[ExportInvitation]
    invitations_received: list[ExportInvitation]
    support_tickets: list[ExportTicket]
    authored: ExportAuthored
