"""Request and response models of the projects area."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    RootModel,
    StrictBool,
)

from projects.permissions import Permission
from shared.schemas import EmailAddress, Patch, Request

OrgRole = Literal["admin", "member"]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Token = Annotated[str, Field(min_length=16, max_length=128)]


Permissions = Annotated[
    list[Permission],
    Field(max_length=len(Permission) * 2),
    AfterValidator(lambda keys: sorted(set(keys))),  # a set, in a stable order
]


# --- permissions ----------------------------------------------------------------


class PermissionOut(BaseModel):
    key: str
    description: str
    description_sv: str


class PermissionList(RootModel[list[PermissionOut]]):
    """A bare array, as the contract gives it: the catalogue is small and fixed."""


# --- organisations and roles -------------------------------------------------------


class OrgCreate(Request):
    name: Name


class OrgPatch(Request):
    name: Name


class OrgOut(BaseModel):
    id: uuid.UUID
    name: str
    my_org_role: OrgRole
    created_at: datetime


class OrgList(BaseModel):
    items: list[OrgOut]
    next_cursor: str | None


class OrgMemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    org_role: OrgRole
    added_at: datetime


class OrgMemberList(BaseModel):
    items: list[OrgMemberOut]
    next_cursor: str | None


class OrgMemberUpdate(Request):
    org_role: OrgRole


class RoleCreate(Request):
    multiline = frozenset({"description"})

    name_sv: Annotated[str, Field(min_length=1, max_length=80)]
    name_en: Annotated[str, Field(min_length=1, max_length=80)]
    description: Annotated[str, Field(max_length=500)] = ""
    permissions: Permissions


class RolePatch(Patch):
    not_null = ("name_sv", "name_en", "description", "permissions")  # "" clears description
    multiline = frozenset({"description"})

    name_sv: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    name_en: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    description: Annotated[str, Field(max_length=500)] | None = None
    permissions: Permissions | None = None


class RoleOut(BaseModel):
    id: uuid.UUID
    key: str
    name: str = Field(description="In the caller's language.")
    name_sv: str
    name_en: str
    description: str
    permissions: list[str]
    builtin: bool


class RoleList(BaseModel):
    items: list[RoleOut]
    next_cursor: None = None


class RoleRef(BaseModel):
    id: uuid.UUID
    key: str
    name: str


# --- projects -------------------------------------------------------------------


class ProjectCreate(Request):
    multiline = frozenset({"description"})

    org_id: uuid.UUID
    name: Name
    number: Annotated[str, Field(max_length=50)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    require_2fa: StrictBool = False


class ProjectPatch(Patch):
    not_null = ("name",)
    multiline = frozenset({"description"})

    name: Name | None = None
    number: Annotated[str, Field(max_length=50)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None


class ProjectSecurity(Request):
    require_2fa: StrictBool
    require_totp: StrictBool


class ProjectOut(BaseModel):
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


class GatedProject(BaseModel):
    """A project whose gate refuses this session: only what a session without the
    required second factor may see. The rest comes after a step-up (`mfa_satisfied`)."""

    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    require_2fa: bool
    require_totp: bool
    mfa_satisfied: Literal[False]


class ProjectList(BaseModel):
    items: list[ProjectOut | GatedProject]
    next_cursor: str | None


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: RoleRef
    require_2fa: bool
    added_at: datetime


class MemberList(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


class MemberPatch(Patch):
    not_null = ("role_id", "require_2fa")

    role_id: uuid.UUID | None = None
    require_2fa: StrictBool | None = None


# --- invitations ----------------------------------------------------------------


class InvitationCreate(Request):
    email: EmailAddress
    role_id: uuid.UUID
    require_2fa: StrictBool = False


class InvitationOut(BaseModel):
    id: uuid.UUID
    email: str
    role: RoleRef
    require_2fa: bool
    expires_at: datetime
    invited_by: str


class InvitationList(BaseModel):
    items: list[InvitationOut]
    next_cursor: str | None


class TokenIn(Request):
    token: Token


class AcceptIn(Request):
    """Accept by the token from the e-mail, or by id for one listed at /me/invitations."""

    not_null = exactly_one_of = ("token", "invitation_id")

    token: Token | None = None
    invitation_id: uuid.UUID | None = None


class InvitationPreview(BaseModel):
    project_name: str
    org_name: str
    invited_by: str
    email: str
    expires_at: datetime


class AcceptedOut(BaseModel):
    project: ProjectOut | GatedProject


class MyInvitation(BaseModel):
    id: uuid.UUID
    project_name: str
    org_name: str
    invited_by: str
    role: RoleRef
    require_2fa: bool
    expires_at: datetime


class MyInvitationList(BaseModel):
    items: list[MyInvitation]
    next_cursor: None = None


# --- audit ----------------------------------------------------------------------


class AuditEventOut(BaseModel):
    id: str
    action: str
    at: datetime
    actor_id: str | None
    target: str | None
    ip: str | None
    details: dict[str, Any]


class AuditList(BaseModel):
    items: list[AuditEventOut]
    next_cursor: str | None
