"""The project-file type policy, declared once: what may be uploaded, by extension AND content.

A file is accepted only when its name's extension and its first bytes agree on one
allowed type. The browser's declared content type is never trusted: the type
recorded is the policy's. Also the Content-Disposition a download carries, safe for
any original name (RFC 6266 with an RFC 5987 filename*).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

# How many leading bytes `complete` reads to decide a file's type.
SNIFF_BYTES = 512


class FileType(StrEnum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    IFC = "ifc"
    DWG = "dwg"
    DXF = "dxf"
    XLSX = "xlsx"
    DOCX = "docx"
    CSV = "csv"
    TXT = "txt"


@dataclass(frozen=True, slots=True)
class TypeRule:
    extensions: tuple[str, ...]
    content_type: str
    # The content must start with one of these; none means UTF-8 text (see _is_text).
    magic: tuple[bytes, ...]


ZIP = (b"PK\x03\x04",)

POLICY: dict[FileType, TypeRule] = {
    FileType.PDF: TypeRule((".pdf",), "application/pdf", (b"%PDF-",)),
    FileType.PNG: TypeRule((".png",), "image/png", (b"\x89PNG\r\n\x1a\n",)),
    FileType.JPEG: TypeRule((".jpg", ".jpeg"), "image/jpeg", (b"\xff\xd8\xff",)),
    FileType.IFC: TypeRule((".ifc",), "application/x-step", (b"ISO-10303-21",)),
    FileType.DWG: TypeRule((".dwg",), "image/vnd.dwg", (b"AC10",)),
    FileType.DXF: TypeRule((".dxf",), "image/vnd.dxf", (b"0\r\nSECTION", b"0\nSECTION")),
    FileType.XLSX: TypeRule(
        (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP
    ),
    FileType.DOCX: TypeRule(
        (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP
    ),
    FileType.CSV: TypeRule((".csv",), "text/csv", ()),
    FileType.TXT: TypeRule((".txt",), "text/plain", ()),
}


def type_by_name(filename: str) -> FileType | None:
    """The allowed type the name's extension claims, or None when it is not allowed."""
    lowered = filename.lower()
    for file_type, rule in POLICY.items():
        if any(lowered.endswith(extension) for extension in rule.extensions):
            return file_type
    return None


def _is_text(head: bytes) -> bool:
    """UTF-8 text without control bytes other than tab, CR and LF (a cut last character is fine)."""
    if any(byte < 0x20 and byte not in (0x09, 0x0A, 0x0D) for byte in head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


def _matches(rule: TypeRule, head: bytes) -> bool:
    if not rule.magic:
        return _is_text(head.removeprefix(b"\xef\xbb\xbf"))
    return head.startswith(rule.magic)


def verified_type(filename: str, head: bytes) -> FileType | None:
    """The type when the name and the first bytes agree on an allowed one, else None."""
    file_type = type_by_name(filename)
    if file_type is None or not _matches(POLICY[file_type], head):
        return None
    return file_type


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback name and the original as RFC 5987 filename*."""
    fallback = "".join(
        char if 0x20 <= ord(char) < 0x7F and char not in '"\\;%' else "_" for char in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
