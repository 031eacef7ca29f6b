"""Request and response models of project files."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StrictInt, StringConstraints

from quantities.file_types import FileType
from shared.schemas import Request, Schema


def _a_name_not_a_path(value: str) -> str:
    # The name is shown and saved under; a path in it would only mislead.
    if any(separator in value for separator in "/\\"):
        raise ValueError("a file name, without / or \\")
    return value


# type/subtype, or nothing (a browser knows no type for .ifc or .dwg).
MEDIA_TYPE = r"^([A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+)?$"
FileName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(_a_name_not_a_path),
]


class FileCreate(Request):
    filename: FileName
    content_type: Annotated[str, StringConstraints(max_length=100, pattern=MEDIA_TYPE)] = Field(
        description="What the browser says (`File.type`, empty when it does not know); only "
        "audited: `complete` decides the type from the name and the content."
    )
    size: Annotated[
        StrictInt, Field(ge=1, description="Bytes; `complete` checks the blob has them.")
    ]


class FileUpload(Schema):
    id: uuid.UUID
    upload_url: str = Field(description="PUT the bytes here, once, with `upload_headers`.")
    upload_headers: dict[str, str]
    expires_at: datetime


class FileOut(Schema):
    id: uuid.UUID
    project_id: uuid.UUID
    filename: str
    size: int
    file_type: FileType
    content_type: str
    sha256: str
    created_at: datetime
    created_by: uuid.UUID
    completed_at: datetime


class FileDownload(FileOut):
    download_url: str = Field(
        description="GET it to save the file under its name (read only, short-lived)."
    )
    download_expires_at: datetime


class FileList(Schema):
    items: list[FileOut]
    next_cursor: str | None
