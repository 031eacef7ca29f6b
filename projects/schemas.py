"""Request and response models of the projects area."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    Field,
    RootModel,
    StrictBool,
    model_validator,
)

from projects.permissions import Permission
from shared.schemas import EmailAddress, Patch, Request, Schema

OrgRole = Literal["admin", "member"]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Token = Annotated[str, Field(min_length=16, max_length=128)]


def _known_permissions(values: list[str]) -> list[str]:
    unknown = sorted(set(values) - set(Permission))
    if unknown:
        raise ValueError(f"unknown permissions: {', '.join(unknown)}")
    return sorted(set(values))


Permissions = Annotated[
    list[str], Field(max_length=len(Permission) * 2), AfterValidator(_known_permissions)
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
    name: Name


class OrgPatch(Request):
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
    org_role: OrgRole


class RoleCreate(Request):
    multiline = frozenset({"description"})

    name_sv: Annotated[str, Field(min_length=1, max_length=80)]
    name_en: Annotated[str, Field(min_length=1, max_length=80)]
    description: Annotated[str, Field(max_length=500)] = ""
    permissions: Permissions


class RolePatch(Patch):
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
    role_id: uuid.UUID | None = None
    require_2fa: StrictBool | None = None


# --- invitations ----------------------------------------------------------------


class InvitationCreate(Request):
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
    token: Token


class AcceptIn(Request):
    """Accept by the token from the e-mail, or by id for one listed at /me/invitations."""

    token: Token | None = None
    invitation_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.token is None) == (self.invitation_id is None):
            raise ValueError("give either token or invitation_id")
        return self


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
