"""Project files: one row per upload; the bytes live in Blob storage, never in SQL.

A row is `pending` from the moment an upload URL is issued until `complete` has
checked the blob; only then are its type, size and SHA-256 recorded. A deleted file is
`deleting` from the moment it disappears for readers until its blob and row are gone
(at once, or by the sweep when storage failed in between). The blob name
is derived from the ids (`projects/{project_id}/files/{file_id}`), never from the
user's file name, which is kept only for display and Content-Disposition.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Unicode, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, UtcDateTime


class FileStatus(StrEnum):
    PENDING = "pending"
    COMPLETE = "complete"
    DELETING = "deleting"


class ProjectFile(Base):
    __tablename__ = "files"
    __table_args__ = (Index("ix_files_status_created_at", "status", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    filename: Mapped[str] = mapped_column(Unicode(255))
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    # Recorded by `complete`, from the policy and the blob's own bytes.
    file_type: Mapped[str | None] = mapped_column(String(10))
    content_type: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def blob_name(self) -> str:
        return f"projects/{self.project_id}/files/{self.id}"
