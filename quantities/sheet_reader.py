"""An uploaded xlsx or CSV file as rows of cells under a recognised header.

No database here: quantities.importer turns these rows into schedule rows. The file is
checked before any parser opens it: an xlsx's zip entries against the unpacked-size,
compression-ratio and entry-count limits (a zip bomb is refused from its directory,
never inflated). openpyxl reads the sheets through defusedxml's iterparse and the small
parts (workbook, styles, strings) with lxml's parser set not to resolve entities, so
no entity is expanded and nothing is fetched. The header row is
the one among the first rows that names the most columns (quantities.exchange).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from quantities.exchange import COLUMNS, DESCRIPTION_ALIASES, ExchangeFormat, header_key
from shared.problems import Problem, validation_error


@dataclass(frozen=True)
class ReadLimits:
    """What one import may make the server read."""

    rows: int = 50_000
    unpacked_bytes: int = 200 * 1024 * 1024  # a 50,000-row sheet unpacks to about 40 MB
    compression_ratio: int = 100  # sheet XML packs 10-30×; a bomb packs thousands
    ratio_checked_from: int = 1024 * 1024  # smaller parts may pack as they like
    zip_entries: int = 1_000
    header_scan_rows: int = 30  # the header row is among the first rows


LIMITS = ReadLimits()
CSV_DELIMITERS = (";", "\t", ",")
CSV_ENCODINGS = ("utf-8-sig", "cp1252")  # Excel in Sweden saves "CSV" as Windows-1252


def too_large(detail: str) -> Problem:
    return Problem(413, "payload_too_large", detail)


@dataclass
class FileRow:
    """A row under the header: its number in the file, its cells by field."""

    number: int
    cells: dict[str, Any]
    outline: int = 0  # Excel's outline level (0 in CSV)


@dataclass
class ReadSheet:
    rows: list[FileRow]
    columns: dict[str, str]  # field -> the header as the file names it
    has_outline: bool = False
    format: ExchangeFormat = ExchangeFormat.XLSX
    header_row: int = 0


def read(raw: bytes, file_format: ExchangeFormat) -> ReadSheet:
    """The file's rows under its header; 400 when unreadable, 413 over a limit."""
    if file_format is ExchangeFormat.XLSX:
        return _read_xlsx(raw)
    return _read_csv(raw)


# --- the header -----------------------------------------------------------------


def match_header(cells: list[Any]) -> dict[str, int]:
    """field -> column index, for the fields this row's cells name."""
    keys = {index: header_key(str(value)) for index, value in enumerate(cells) if value is not None}
    found: dict[str, int] = {}
    taken: set[int] = set()
    for column in COLUMNS:
        names = [header_key(column.header), *(header_key(a) for a in column.aliases)]
        if column.field == "description":
            names += DESCRIPTION_ALIASES
        for name in names:  # most specific name first
            index = next((i for i, key in keys.items() if key == name and i not in taken), None)
            if index is not None:
                found[column.field] = index
                taken.add(index)
                break
    return found


def _header(rows: Iterator[tuple[int, list[Any], int]]) -> tuple[dict[str, int], int]:
    """The recognised columns of the best header row among the first rows, and its number."""
    best: dict[str, int] = {}
    best_number = 0
    for number, cells, _ in rows:
        found = match_header(cells)
        if "title" in found and len(found) > len(best):
            best, best_number = found, number
        if number >= LIMITS.header_scan_rows:
            break
    if len(best) < 2:
        raise validation_error(
            "No header row found: name the columns (Kod, Benämning, Enhet, Mängd, À-pris …)."
        )
    return best, best_number


def _sheet(rows: Iterator[tuple[int, list[Any], int]], file_format: ExchangeFormat) -> ReadSheet:
    """Rows after the header, read as the header names them."""
    buffered: list[tuple[int, list[Any], int]] = []
    for row in rows:
        buffered.append(row)
        if row[0] >= LIMITS.header_scan_rows:
            break
    columns, header_number = _header(iter(buffered))
    names: dict[str, str] = {}
    sheet = ReadSheet([], names, format=file_format, header_row=header_number)

    def remaining() -> Iterator[tuple[int, list[Any], int]]:
        yield from buffered
        yield from rows

    headers: dict[int, str] = {}
    for number, cells, outline in remaining():
        if number < header_number:
            continue
        if number == header_number:
            headers = {index: str(cells[index]) for index in columns.values()}
            names.update({name: headers[index] for name, index in columns.items()})
            continue
        picked = {
            name: cells[index] if index < len(cells) else None for name, index in columns.items()
        }
        if all(
            value is None or (isinstance(value, str) and not value.strip())
            for value in picked.values()
        ):
            continue  # an empty row: nothing to import
        if len(sheet.rows) >= LIMITS.rows:
            raise too_large(f"The file has more than {LIMITS.rows} rows.")
        sheet.rows.append(FileRow(number, picked, outline))
        sheet.has_outline = sheet.has_outline or outline > 0
    return sheet


# --- xlsx -----------------------------------------------------------------------


def check_zip(raw: bytes) -> None:
    """Refuse an archive that would unpack too large, from its directory alone."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise validation_error("The body is not an xlsx file.") from None
    entries = archive.infolist()
    if len(entries) > LIMITS.zip_entries:
        raise too_large(f"The file has more than {LIMITS.zip_entries} parts.")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > LIMITS.unpacked_bytes:
        raise too_large(f"The file unpacks to more than {LIMITS.unpacked_bytes} bytes.")
    packed = sum(entry.compress_size for entry in entries)
    whole_ratio_exceeded = unpacked > LIMITS.compression_ratio * max(packed, 1)
    if whole_ratio_exceeded and unpacked > LIMITS.ratio_checked_from:
        raise too_large(f"The file unpacks more than {LIMITS.compression_ratio} times its size.")
    for entry in entries:
        ratio_exceeded = entry.file_size > LIMITS.compression_ratio * max(entry.compress_size, 1)
        if ratio_exceeded and entry.file_size > LIMITS.ratio_checked_from:
            raise too_large(
                f"A part of the file unpacks more than {LIMITS.compression_ratio} times its size."
            )


def _read_xlsx(raw: bytes) -> ReadSheet:
    check_zip(raw)
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # openpyxl parses through defusedxml only when it is installed
        raise RuntimeError("defusedxml is not installed: xlsx files are not read without it")

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a broken file
        raise validation_error("The xlsx file cannot be read.") from None
    try:
        if not workbook.worksheets:
            raise validation_error("The xlsx file has no worksheet.")
        sheet: Any = workbook.worksheets[0]  # a read-only sheet: its source and strings

        def rows() -> Iterator[tuple[int, list[Any], int]]:
            # openpyxl's row parser, as its read-only sheets use it, for the outline
            # levels too: read-only sheets do not give them.
            with sheet._get_source() as source:
                parser = WorkSheetParser(
                    source,
                    sheet._shared_strings,
                    data_only=False,
                    epoch=workbook.epoch,
                    date_formats=sheet.parent._date_formats,
                    timedelta_formats=sheet.parent._timedelta_formats,
                )
                for number, parsed in parser.parse():
                    width = max((cell["column"] for cell in parsed), default=0)
                    cells: list[Any] = [None] * width
                    for cell in parsed:
                        cells[cell["column"] - 1] = cell["value"]
                    dimension = parser.row_dimensions.get(str(number), {})
                    yield number, cells, int(dimension.get("outlineLevel", 0) or 0)

        try:
            return _sheet(rows(), ExchangeFormat.XLSX)
        except Problem:
            raise
        except Exception:
            raise validation_error("The xlsx file cannot be read.") from None
    finally:
        workbook.close()


# --- CSV ------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise validation_error("The CSV file is neither UTF-8 nor Windows-1252 text.")


def _read_csv(raw: bytes) -> ReadSheet:
    text = _decode(raw)
    if text.lower().startswith("sep="):  # Excel's own hint line: skipped
        text = text.partition("\n")[2]
    head = text[:65536].splitlines()[: LIMITS.header_scan_rows]
    delimiter = max(
        CSV_DELIMITERS,
        key=lambda d: max(
            (len(match_header(next(csv.reader([line], delimiter=d)))) for line in head if line),
            default=0,
        ),
    )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any], int]]:
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, [cell if cell != "" else None for cell in cells], 0
        except csv.Error:
            raise validation_error("The CSV file cannot be read.") from None

    return _sheet(rows(), ExchangeFormat.CSV)
