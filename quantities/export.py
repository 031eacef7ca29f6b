"""A revision of a schedule as an xlsx workbook or a Swedish CSV file.

The columns and how each type of cell is written are quantities.exchange's. The
workbook is written by openpyxl in write-only mode (rows streamed, never a sheet in
memory): a header block, the frozen column header, one row per schedule row in tree
order with Excel's outline level at its depth, Belopp as a formula so a bidder's
prices total up in Excel (and the server's amount in a hidden column, as openpyxl
writes no cached value for a formula), the sheet protected with only the À-pris
cells of priceable rows open, and a Sammanställning sheet.

The CSV file is what Excel in Sweden opens as it is: `;`, decimal comma without
thousands separators, CRLF, UTF-8 with a BOM and no `sep=` line (which would make
Excel ignore the BOM).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from projects.access import ProjectAccess
from quantities.events import ScheduleEvent
from quantities.exchange import (
    COLUMNS,
    MEDIA_TYPES,
    MER_DASH,
    MONEY_FORMAT,
    QUANTITY_FORMAT,
    VALUE_COLUMNS,
    CellType,
    ExchangeFormat,
    escape_text,
)
from quantities.models import Schedule, ScheduleRevision
from quantities.service import find_schedule, load_tree, record, revision_of
from quantities.totals import Totals, summarize
from quantities.tree import Node
from shared import clock

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

SHEET_TITLE = "Mängdförteckning"
SUMMARY_TITLE = "Sammanställning"
WORKING_LABEL = "arbetskopia"  # in the file name and header block of the working revision
OUTLINE_LEVELS = 7  # the deepest outline Excel shows; the Nivå column has the true depth
HEADER_ROWS = 8  # the header block (6 rows), a blank row, the column header
PRICEABLE_RULES = frozenset({"normal", "provisional", "rate_only"})  # priced by À-pris
STANDARDS = {
    "ama_anlaggning": "AMA Anläggning",
    "ama_hus": "AMA Hus",
    "ama_vvs": "AMA VVS & Kyl",
    "ama_el": "AMA EL",
    "nrm2": "NRM2",
    "gaeb": "GAEB",
    "custom": "Eget",
}
_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')

Value = Decimal | str | int | None


@dataclass(frozen=True)
class ExportedFile:
    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True)
class Heading:
    """What the file's header block says about the schedule."""

    project: str
    schedule: str
    doc_no: str | None
    revision: str
    date: str
    standard: str


@dataclass(frozen=True)
class Line:
    """One schedule row as the file shows it: its values by column field."""

    node: Node
    depth: int
    values: dict[str, Value]
    last_descendant: int  # index of the last line of its subtree (itself when it has none)


def export(
    db: Session,
    who: ProjectAccess,
    schedule_id: uuid.UUID,
    file_format: ExchangeFormat,
    revision_id: uuid.UUID | None,
) -> ExportedFile:
    """The revision (the working one by default) as a file, and the export in the trail."""
    schedule = find_schedule(db, who, schedule_id)
    revision = db.get(ScheduleRevision, revision_of(db, schedule, revision_id))
    assert revision is not None  # revision_of found it
    tree = load_tree(db, revision.id)
    totals = summarize(tree)
    lines = _lines(list(tree.walk()), totals)
    label = revision.label or WORKING_LABEL
    heading = Heading(
        project=who.project.name,
        schedule=schedule.name,
        doc_no=schedule.doc_no,
        revision=label,
        date=clock.now().date().isoformat(),
        standard=STANDARDS.get(schedule.standard, schedule.standard),
    )
    content = _xlsx(heading, lines, totals) if file_format is ExchangeFormat.XLSX else _csv(lines)
    record(
        db,
        who,
        ScheduleEvent.EXPORT_MADE,
        schedule.id,
        format=str(file_format),
        revision=str(revision.id),
        label=label,
        rows=len(lines),
    )
    return ExportedFile(content, MEDIA_TYPES[file_format], _file_name(schedule, label, file_format))


def _file_name(schedule: Schedule, label: str, file_format: ExchangeFormat) -> str:
    parts = [part for part in (schedule.doc_no, schedule.name, label) if part]
    stem = _UNSAFE_IN_FILE_NAME.sub("_", " ".join(parts)).strip(" .") or "mangdforteckning"
    return f"{stem}.{file_format}"


# --- the rows -------------------------------------------------------------------


def _lines(walked: Sequence[tuple[Node, int]], totals: Totals) -> list[Line]:
    heading_totals = {node.id: total for node, _, total in totals.headings}
    ends = _subtree_ends([depth for _, depth in walked])
    return [
        Line(node, depth, _values(node, depth, heading_totals.get(node.id)), ends[index])
        for index, (node, depth) in enumerate(walked)
    ]


def _subtree_ends(depths: Sequence[int]) -> list[int]:
    """For each line, the index of the last line below it (its own index when none)."""
    ends = list(range(len(depths)))
    open_lines: list[int] = []
    for index, depth in enumerate(depths):
        while open_lines and depths[open_lines[-1]] >= depth:
            open_lines.pop()
        for above in open_lines:
            ends[above] = index
        open_lines.append(index)
    return ends


def _values(node: Node, depth: int, heading_total: Decimal | None) -> dict[str, Value]:
    """The row's cells as MER writes them: entry rules as dashes in the value columns."""
    values: dict[str, Value] = {
        "code": node.code,
        "title": node.title,
        "unit": node.unit,
        "quantity": node.quantity,
        "unit_price": node.unit_price,
        "amount": node.amount,
        "cost_bearer": node.cost_bearer,
        "note": node.note,
        "server_amount": heading_total if node.kind == "heading" else node.amount,
        "description": node.description,
        "regulation": node.regulation,
        "level": depth,
        "kind": node.kind,
        "entry_rule": node.entry_rule,
        "id": str(node.id),
        "stable_key": str(node.stable_key),
    }
    if node.kind == "heading":
        values["amount"] = heading_total
    elif node.kind == "item":
        rule = node.entry_rule
        if rule == "included_elsewhere":  # fyrstreckad: a dash where it holds nothing
            values.update(
                unit=node.unit or MER_DASH,
                quantity=MER_DASH if node.quantity is None else node.quantity,
                unit_price=MER_DASH,
                amount=MER_DASH,
            )
        elif rule == "lump_sum":
            values.update(unit=MER_DASH, quantity=MER_DASH, unit_price=MER_DASH)
        elif rule == "rate_only":
            values.update(quantity=Decimal(0), amount=MER_DASH)
    return values


def _text(value: Value) -> str | None:
    return None if value is None else escape_text(str(value))


# --- xlsx -----------------------------------------------------------------------


def _xlsx(heading: Heading, lines: Sequence[Line], totals: Totals) -> bytes:
    from openpyxl import Workbook  # lazily: only exports and imports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    _write_schedule(sheet, heading, lines)
    _write_summary(workbook.create_sheet(SUMMARY_TITLE), heading, lines, totals)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _column_letters() -> dict[str, str]:
    from openpyxl.utils import get_column_letter

    return {column.field: get_column_letter(n) for n, column in enumerate(COLUMNS, start=1)}


# A write-only sheet: openpyxl gives it a worksheet's dimensions, properties and
# protection at run time, which its type stubs do not know.
WriteOnlySheet = Any


def _write_schedule(sheet: WriteOnlySheet, heading: Heading, lines: Sequence[Line]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, Protection

    letters = _column_letters()
    bold = Font(bold=True)
    open_cell = Protection(locked=False)
    indents = [Alignment(indent=depth, wrap_text=True) for depth in range(OUTLINE_LEVELS + 9)]
    for column in COLUMNS:
        dimension = sheet.column_dimensions[letters[column.field]]
        dimension.width = column.width
        dimension.hidden = column.hidden
    sheet.sheet_properties.outlinePr.summaryBelow = False  # a heading is above its rows
    sheet.freeze_panes = f"A{HEADER_ROWS + 1}"
    sheet.protection.sheet = True  # only the À-pris cells opened below can change

    # Setting a style looks it up in the workbook's lists, which costs more than writing
    # the cell: each combination is set once, and its style ids shared from then on
    # (a written cell never changes, so sharing them is safe).
    style_ids: dict[tuple[tuple[str, int], ...], Any] = {}

    def styled(value: object, **style: object) -> Any:  # a Cell; its style ids are untyped
        cell: Any = WriteOnlyCell(sheet, value)  # type: ignore[arg-type]  # Decimal is a number
        key = tuple((name, id(setting)) for name, setting in style.items())
        known = style_ids.get(key)
        if known is None:
            for name, setting in style.items():
                setattr(cell, name, setting)
            style_ids[key] = cell._style
        else:
            cell._style = known
        return cell

    for label, shown in _header_block(heading):
        sheet.append([styled(label, font=bold), _text(shown)])
    sheet.append([])
    sheet.append([styled(column.header, font=bold) for column in COLUMNS])
    formats = {CellType.QUANTITY: QUANTITY_FORMAT, CellType.MONEY: MONEY_FORMAT}
    first = HEADER_ROWS + 1
    for index, line in enumerate(lines):
        number = first + index
        node = line.node
        if line.depth:
            sheet.row_dimensions[number].outlineLevel = min(line.depth, OUTLINE_LEVELS)
        cells: list[object] = []
        for column in COLUMNS:
            value = line.values[column.field]
            if column.field == "amount":
                value = _amount_cell(line, number, first + line.last_descendant, letters)
            if value == MER_DASH and column.field in VALUE_COLUMNS:
                cells.append(value)  # CASAI's marker, not someone's text
            elif column.type is CellType.TEXT:
                # Escaped text never starts with "=", so openpyxl keeps it a string.
                text = _text(value)
                if column.field == "title":
                    font = bold if node.kind == "heading" else None
                    cells.append(styled(text, font=font, alignment=indents[line.depth % 16]))
                else:
                    cells.append(text)
            elif isinstance(value, Decimal) or (column.field == "unit_price" and _priceable(node)):
                # A number, or an empty price a bidder may fill in, in its column's format.
                style: dict[str, object] = {"number_format": formats[column.type]}
                if column.field == "unit_price" and _priceable(node):
                    style["protection"] = open_cell
                cells.append(styled(value, **style))
            elif isinstance(value, str) and value.startswith("="):  # a formula of ours
                cells.append(styled(value, number_format=formats[column.type]))
            else:
                cells.append(value)
        if node.kind == "heading":
            cells[0] = styled(cells[0], font=bold)
        sheet.append(cells)


def _priceable(node: Node) -> bool:
    return node.kind == "item" and node.entry_rule in PRICEABLE_RULES


def _amount_cell(line: Line, number: int, last: int, letters: dict[str, str]) -> Value:
    """Belopp: a formula where Excel can work it out, else the value as MER writes it."""
    node = line.node
    amount = letters["amount"]
    if node.kind == "heading" and last > number:
        # SUBTOTAL skips the SUBTOTALs of the headings below: each amount counts once.
        return f"=SUBTOTAL(9,{amount}{number + 1}:{amount}{last})"
    if node.kind == "item" and node.entry_rule in ("normal", "provisional"):
        quantity = f"{letters['quantity']}{number}"
        price = f"{letters['unit_price']}{number}"
        return f'=IF(OR({quantity}="",{price}=""),"",ROUND({quantity}*{price},2))'
    return line.values["amount"]


def _header_block(heading: Heading) -> list[tuple[str, str | None]]:
    return [
        ("Projekt", heading.project),
        ("Mängdförteckning", heading.schedule),
        ("Dokumentnummer", heading.doc_no),
        ("Revision", heading.revision),
        ("Datum", heading.date),
        ("Standard", heading.standard),
    ]


def _write_summary(
    sheet: WriteOnlySheet, heading: Heading, lines: Sequence[Line], totals: Totals
) -> None:
    """Totals per top heading (formulas over the schedule sheet, the server's beside
    them, hidden) and per cost bearer (the server's: a row's bearer may be its heading's)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    letters = _column_letters()
    bold = Font(bold=True)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 50
    sheet.column_dimensions["C"].width = 16
    sheet.column_dimensions["D"].hidden = True
    sheet.protection.sheet = True

    def cell(value: Value, *, money: bool = False, strong: bool = False) -> Cell:
        made = WriteOnlyCell(sheet, value)  # type: ignore[arg-type]  # Decimal is a number
        if money:
            made.number_format = MONEY_FORMAT
        if strong:
            made.font = bold
        return made

    source = f"'{SHEET_TITLE}'!{letters['amount']}"
    sheet.append([cell(SUMMARY_TITLE, strong=True), _text(heading.schedule)])
    sheet.append([])
    sheet.append([cell(name, strong=True) for name in ("Kod", "Benämning", "Belopp", "CASAI")])
    first = HEADER_ROWS + 1
    for index, line in enumerate(lines):
        if line.depth == 0 and line.node.kind == "heading":
            sheet.append(
                [
                    _text(line.node.code),
                    _text(line.node.title),
                    cell(f"={source}{first + index}", money=True),
                    cell(line.values["server_amount"], money=True),
                ]
            )
    last = first + max(len(lines) - 1, 0)
    sheet.append(
        [
            None,
            cell("Summa", strong=True),
            cell(f"=SUBTOTAL(9,{source}{first}:{letters['amount']}{last})", money=True),
            cell(totals.total, money=True),
        ]
    )
    sheet.append([])
    sheet.append([cell("Kostnadsbärare", strong=True), None, cell("Belopp", strong=True)])
    for bearer, amount in totals.cost_bearers:
        sheet.append([_text(bearer or "(ingen)"), None, cell(amount, money=True)])


# --- CSV ------------------------------------------------------------------------


def _csv(lines: Sequence[Line]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.header for column in COLUMNS])
    writer.writerows(_csv_rows(lines))
    return out.getvalue().encode("utf-8-sig")


def _csv_rows(lines: Sequence[Line]) -> Iterator[list[str]]:
    places = {CellType.QUANTITY: 3, CellType.MONEY: 2}
    for line in lines:
        row = []
        for column in COLUMNS:
            value = line.values[column.field]
            if value is None:
                row.append("")
            elif value == MER_DASH and column.field in VALUE_COLUMNS:
                row.append(MER_DASH)  # CASAI's marker, not someone's text
            elif column.type is CellType.TEXT:
                row.append(escape_text(str(value)))
            elif isinstance(value, Decimal):
                # Decimal comma, no thousands separator, hyphen-minus: as Excel reads it.
                row.append(f"{value:.{places[column.type]}f}".replace(".", ","))
            else:  # a level, or a MER dash
                row.append(str(value))
        yield row
