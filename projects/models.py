"""Tables of the projects area: organisations, roles, projects, members, invitations."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Unicode,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, UtcDateTime


class Organization(Base):
    """The customer company; it owns roles and projects."""

    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(Unicode(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class OrgMember(Base):
    __tablename__ = "org_members"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    org_role: Mapped[str] = mapped_column(String(10))  # "admin" or "member"
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Role(Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    name_sv: Mapped[str] = mapped_column(Unicode(80))
    name_en: Mapped[str] = mapped_column(Unicode(80))
    description: Mapped[str] = mapped_column(Unicode(500), default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RolePermission(Base):
    __tablename__ = "role_permissions"

    role_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(String(40), primary_key=True)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(Unicode(200))
    number: Mapped[str | None] = mapped_column(Unicode(50))
    description: Mapped[str | None] = mapped_column(Unicode(2000))
    require_2fa: Mapped[bool] = mapped_column(Boolean, default=False)
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # Deleting is soft: the project is gone for everyone at once, its data kept.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (Index("ix_project_members_user_id", "user_id"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("roles.id"))
    require_2fa: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InvitationStatus(StrEnum):
    """An invitation is pending until it is accepted, revoked, replaced or expires."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    REPLACED = "replaced"  # by a newer invitation to the same address
    EXPIRED = "expired"


class Invitation(Base):
    """The only way into a project. Only the SHA-256 of its token is kept."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_project_id_email", "project_id", "email"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"))
    email: Mapped[str] = mapped_column(Unicode(254), index=True)
    role_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("roles.id"))
    require_2fa: Mapped[bool] = mapped_column(Boolean, default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # InvitationStatus; ended_at when it left pending
    status: Mapped[str] = mapped_column(String(10), default=InvitationStatus.PENDING)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
