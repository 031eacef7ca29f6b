"""Request and response models of project files."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from quantities.file_types import POLICY, FileType
from shared.config import get_settings
from shared.problems import FieldProblem
from shared.schemas import Request, Schema, clean_text_pattern


def _a_name_not_a_path(value: str) -> str:
    # The name is shown and saved under; a path in it would only mislead.
    if any(separator in value for separator in "/\\"):
        raise PydanticCustomError(FieldProblem.INVALID_FORMAT, "a file name, without / or \\")
    return value


# type/subtype, or nothing (a browser knows no type for .ifc or .dwg).
MEDIA_TYPE = r"^([A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+)?$"


def _either_case(extension: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in extension)


# For the document: clean text without / or \, ending in an allowed extension (any case,
# then perhaps spaces); a name it refuses is a 400 (a path) or a 415 (another type).
FILE_NAME_PATTERN = clean_text_pattern(
    also_refused="/\\\\",
    ending=r"\.(?:"
    + "|".join(_either_case(e.lstrip(".")) for rule in POLICY.values() for e in rule.extensions)
    + r")\s*",  # the name is stripped of surrounding spaces first
)
FileName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(_a_name_not_a_path),
    Field(json_schema_extra={"pattern": FILE_NAME_PATTERN}),
]


def _whole_number(value: Any) -> Any:
    # JSON's integers include 12.0; a string or a boolean is not one.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError(FieldProblem.WRONG_TYPE, "send a whole number")
    return value


def _largest_file(schema: dict[str, Any]) -> None:
    # The deployment's limit, read when the document is made (the service checks it).
    schema["maximum"] = get_settings().files_max_bytes


class FileCreate(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "filename": "Ritning A-40-1-101.pdf",
                    "content_type": "application/pdf",
                    "size": 2483117,
                },
                {"filename": "Kv Björken modell.ifc", "content_type": "", "size": 48211904},
            ]
        }
    )

    filename: FileName
    content_type: Annotated[str, StringConstraints(max_length=100, pattern=MEDIA_TYPE)] = Field(
        description="What the browser says (`File.type`, empty when it does not know); only "
        "audited: `complete` decides the type from the name and the content."
    )
    size: Annotated[
        Annotated[int, Field(ge=1)],
        BeforeValidator(_whole_number),
        Field(
            description="Bytes; `complete` checks the blob has them. Over the maximum "
            "(CASAI_FILES_MAX_BYTES) the answer is 413.",
            json_schema_extra=_largest_file,
        ),
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
