"""The project-file type policy: extension and magic bytes must agree; safe Content-Disposition."""

from __future__ import annotations

import pytest

from quantities.file_types import POLICY, FileType, content_disposition, verified_type

HEADS = {
    FileType.PDF: ("ritning.pdf", b"%PDF-1.7\n"),
    FileType.PNG: ("foto.PNG", b"\x89PNG\r\n\x1a\n\x00\x00"),
    FileType.JPEG: ("foto.jpeg", b"\xff\xd8\xff\xe0"),
    FileType.IFC: ("modell.ifc", b"ISO-10303-21;\nHEADER;"),
    FileType.DWG: ("plan.dwg", b"AC1032\x00\x00"),
    FileType.DXF: ("plan.dxf", b"0\r\nSECTION\r\n"),
    FileType.XLSX: ("mängder.xlsx", b"PK\x03\x04\x14\x00"),
    FileType.DOCX: ("beskrivning.docx", b"PK\x03\x04\x14\x00"),
    FileType.CSV: ("rader.csv", "\ufeffkod;mängd\n".encode()),
    FileType.TXT: ("noter.txt", "Åtgärd\r\n".encode()),
}


def test_every_policy_type_has_a_case() -> None:
    assert set(HEADS) == set(POLICY)


@pytest.mark.parametrize("file_type", list(FileType))
def test_name_and_content_agree(file_type: FileType) -> None:
    name, head = HEADS[file_type]
    assert verified_type(name, head) is file_type


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("ritning.pdf", b"\x89PNG\r\n\x1a\n"),  # a PNG named .pdf
        ("foto.png", b"%PDF-1.7"),
        ("noter.txt", b"MZ\x90\x00\x03\x00"),  # an executable named .txt
        ("rader.csv", b"%PDF-1.7\x00"),
        ("program.exe", b"MZ\x90\x00"),  # not an allowed extension
        ("utan_filändelse", b"%PDF-1.7"),
        ("modell.ifc", b"<?xml"),
    ],
)
def test_mismatch_or_unknown_is_refused(name: str, head: bytes) -> None:
    assert verified_type(name, head) is None


def test_text_cut_mid_character_is_still_text() -> None:
    assert verified_type("noter.txt", "ååå".encode()[:-1]) is FileType.TXT


def test_content_disposition_keeps_the_name_safely() -> None:
    value = content_disposition('Ritning "A";\r\nplan 100%.pdf')
    assert value.startswith('attachment; filename="Ritning _A___')
    assert "\r" not in value
    assert "\n" not in value
    assert "filename*=UTF-8''Ritning%20%22A%22%3B%0D%0Aplan%20100%25.pdf" in value
    assert content_disposition("mängd.xlsx").endswith("filename*=UTF-8''m%C3%A4ngd.xlsx")
