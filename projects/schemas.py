"""Request and response models of the projects area."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
)

from projects.permissions import Permission
from shared.schemas import EmailAddress, Patch, Request, Schema

OrgRole = Literal["admin", "member"]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Token = Annotated[str, Field(min_length=16, max_length=128)]


Permissions = Annotated[
    list[Permission],
    Field(max_length=len(Permission) * 2),
    AfterValidator(lambda keys: sorted(set(keys))),  # a set, in a stable order
]


# --- permissions ----------------------------------------------------------------


class PermissionOut(Schema):
    key: str
    description: str
    description_sv: str


class PermissionList(RootModel[list[PermissionOut]]):
    """A bare array, as the contract gives it: the catalogue is small and fixed."""


# --- organisations and roles -------------------------------------------------------


class OrgCreate(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Byggnads AB Norrland"}]})

    name: Name


class OrgPatch(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Byggnads AB Norrland & Söner"}]}
    )

    name: Name


class OrgOut(Schema):
    id: uuid.UUID
    name: str
    my_org_role: OrgRole
    created_at: datetime


class OrgList(Schema):
    items: list[OrgOut]
    next_cursor: str | None


class OrgMemberOut(Schema):
    user_id: uuid.UUID
    email: str
    display_name: str
    org_role: OrgRole
    added_at: datetime


class OrgMemberList(Schema):
    items: list[OrgMemberOut]
    next_cursor: str | None


class OrgMemberUpdate(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"org_role": "admin"}]})

    org_role: OrgRole


class RoleCreate(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name_sv": "Kalkylator",
                    "name_en": "Estimator",
                    "description": "Prissätter mängdförteckningar och exporterar dem till anbud.",
                    "permissions": [
                        "project.view",
                        "schedules.view",
                        "schedules.edit",
                        "schedules.export",
                        "files.view",
                    ],
                }
            ]
        }
    )

    multiline = frozenset({"description"})

    name_sv: Annotated[str, Field(min_length=1, max_length=80)]
    name_en: Annotated[str, Field(min_length=1, max_length=80)]
    description: Annotated[str, Field(max_length=500)] = ""
    permissions: Permissions


class RolePatch(Patch):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "permissions": [
                        "project.view",
                        "schedules.view",
                        "schedules.edit",
                        "schedules.export",
                        "files.view",
                        "files.upload",
                    ]
                }
            ]
        }
    )

    not_null = ("name_sv", "name_en", "description", "permissions")  # "" clears description
    multiline = frozenset({"description"})

    name_sv: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    name_en: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    description: Annotated[str, Field(max_length=500)] | None = None
    permissions: Permissions | None = None


class RoleOut(Schema):
    id: uuid.UUID
    key: str
    name: str = Field(description="In the caller's language.")
    name_sv: str
    name_en: str
    description: str
    permissions: list[str]
    builtin: bool


class RoleList(Schema):
    items: list[RoleOut]
    next_cursor: None = None


class RoleRef(Schema):
    id: uuid.UUID
    key: str
    name: str


# --- projects -------------------------------------------------------------------


class ProjectCreate(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "org_id": "7d3f5c2a-1b4e-4f6a-9c8d-2e5f7a9b1c3d",
                    "name": "Kv. Björken",
                    "number": "P-2026-014",
                    "description": "Nybyggnad av flerbostadshus, 42 lägenheter i fyra plan.",
                    "require_2fa": False,
                }
            ]
        }
    )

    multiline = frozenset({"description"})

    org_id: uuid.UUID
    name: Name
    number: Annotated[str, Field(max_length=50)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    require_2fa: StrictBool = False


class ProjectPatch(Patch):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Kv. Björken etapp 2", "number": "P-2026-015"},
                {"description": None},
            ]
        }
    )

    not_null = ("name",)
    multiline = frozenset({"description"})

    name: Name | None = None
    number: Annotated[str, Field(max_length=50)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None


class ProjectSecurity(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"require_2fa": True, "require_totp": False}]}
    )

    require_2fa: StrictBool
    require_totp: StrictBool


class ProjectOut(Schema):
    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    number: str | None
    description: str | None
    require_2fa: bool
    require_totp: bool
    created_at: datetime
    my_role: RoleRef
    my_permissions: list[str]
    mfa_satisfied: bool = Field(description="Whether this session meets the 2FA requirement.")


class GatedProject(Schema):
    """A project whose gate refuses this session: only what a session without the
    required second factor may see. The rest comes after a step-up (`mfa_satisfied`)."""

    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    require_2fa: bool
    require_totp: bool
    mfa_satisfied: Literal[False]


class ProjectList(Schema):
    items: list[ProjectOut | GatedProject]
    next_cursor: str | None


class MemberOut(Schema):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: RoleRef
    require_2fa: bool
    added_at: datetime


class MemberList(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class MemberPatch(Patch):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"role_id": "4a8b2c6d-9e1f-4a3b-8c5d-7e9f1a2b3c4d", "require_2fa": True}]
        }
    )
    not_null = ("role_id", "require_2fa")

    role_id: uuid.UUID | None = None
    require_2fa: StrictBool | None = None


# --- invitations ----------------------------------------------------------------


class InvitationCreate(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "erik.sjoberg@konsultbolaget.se",
                    "role_id": "4a8b2c6d-9e1f-4a3b-8c5d-7e9f1a2b3c4d",
                    "require_2fa": False,
                }
            ]
        }
    )

    email: EmailAddress
    role_id: uuid.UUID
    require_2fa: StrictBool = False


class InvitationOut(Schema):
    id: uuid.UUID
    email: str
    role: RoleRef
    require_2fa: bool
    expires_at: datetime
    invited_by: str


class InvitationList(Schema):
    items: list[InvitationOut]
    next_cursor: str | None


class TokenIn(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"token": "q3Xv9LmT2rWcY8pZkN4bHs6JdF1gA0eUoQ7iR5tVwMx"}]}
    )

    token: Token


class AcceptIn(Request):
    """Accept by the token from the e-mail, or by id for one listed at /me/invitations."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"token": "q3Xv9LmT2rWcY8pZkN4bHs6JdF1gA0eUoQ7iR5tVwMx"},
                {"invitation_id": "9f1e3d5c-7b9a-4c2e-8f4d-6a8b0c2e4f61"},
            ]
        }
    )
    not_null = exactly_one_of = ("token", "invitation_id")

    token: Token | None = None
    invitation_id: uuid.UUID | None = None


class InvitationPreview(Schema):
    project_name: str
    org_name: str
    invited_by: str
    email: str
    expires_at: datetime


class AcceptedOut(Schema):
    project: ProjectOut | GatedProject


class MyInvitation(Schema):
    id: uuid.UUID
    project_name: str
    org_name: str
    invited_by: str
    role: RoleRef
    require_2fa: bool
    expires_at: datetime


class MyInvitationList(Schema):
    items: list[MyInvitation]
    next_cursor: None = None


# --- audit ----------------------------------------------------------------------


class AuditEventOut(Schema):
    id: str
    action: str
    at: datetime
    actor_id: str | None
    target: str | None
    ip: str | None
    details: dict[str, Any]


class AuditList(Schema):
    items: list[AuditEventOut]
    next_cursor: str | None
