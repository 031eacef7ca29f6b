"""An xlsx or CSV file into the working revision: append, replace, or a bidder's prices.

Everything is read and checked before anything is written, and before the schedule's
lock is taken: every row is validated as the row editor would (quantities.tree's
rules, the request model's limits), and when any row is invalid nothing is written
and the report lists every bad row with its number. Then, under the schedule's lock,
only database statements: the working rows are read once, matched with the file's by
CASAI's stable key (or row id), and written in bulk in the request's transaction.

The tree comes from an explicit level column (Nivå, which CASAI writes), else from
Excel's outline levels, else from the AMA/BSAB code pyramid (`CBB.31` under `CBB.3`
under `CBB`, when those rows exist; a company code `//…` stays under the heading
above it).

A dry run (`dry_run=true`, the import preview) answers the report the import would
give and writes nothing. The writer works in two steps, `plan` (the statements' values
and the report, from the rows read once) and `apply` (the statements); a preview stops
after `plan`. A savepoint rolled back was not chosen: on SQL Server the locks its writes
took are kept until the transaction ends (only PostgreSQL releases them at ROLLBACK TO
SAVEPOINT), and a write error there can doom the whole transaction; the preview would
also need the schedule's lock. Planning only takes no lock, sends no INSERT, UPDATE or
DELETE, takes no change number (quantities.changes) and records no audit event. What a
preview cannot foresee is a colleague's edit between it and the import: the import
plans again from the rows as they are then. An import that writes takes one change
number, just before its first write, and stamps every row it writes with it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from projects.access import ProjectAccess
from quantities import changes, placement
from quantities.events import ScheduleEvent
from quantities.exchange import (
    COLUMNS,
    CellType,
    ExchangeFormat,
    is_dash,
    unescape_text,
)
from quantities.models import ScheduleRow, Unit
from quantities.schemas import (
    ImportColumn,
    ImportDifference,
    ImportReport,
    ImportRowError,
    RowFields,
)
from quantities.service import find_schedule, load_tree, record, revision_of, working_revision
from quantities.sheet_reader import FileRow, ReadSheet, read
from quantities.tree import EditError, Node, check_content
from shared.problems import Problem

CHUNK = 500  # ids per IN (...): SQL Server takes at most 2100 parameters
PLACES = {CellType.QUANTITY: 3, CellType.MONEY: 2}
TYPES = {column.field: column.type for column in COLUMNS}
KINDS = ("heading", "item", "text")
CONTENT = (
    *("code", "title", "description", "unit", "quantity", "unit_price", "lump_sum"),
    *("entry_rule", "regulation", "cost_bearer", "note"),
)
COMPARED_FOR_PRICES = ("code", "title", "unit", "quantity", "entry_rule")
_GROUPING = str.maketrans("", "", " \u00a0\u202f")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class ImportMode(StrEnum):
    APPEND = "append"  # the file's rows added; rows it shares with the schedule updated
    REPLACE = "replace"  # the working revision becomes the file
    PRICES = "prices"  # unit prices only (a bidder's returned file)


class TreeSource(StrEnum):
    LEVELS = "levels"
    OUTLINE = "outline"
    CODES = "codes"


class Dash:
    """A MER dash in a value column."""


DASH = Dash()


class RowError(Exception):
    """A row that cannot be imported, and why."""


@dataclass
class Planned:
    """A file row as a schedule row: its content, kind and place in the file's tree."""

    number: int
    kind: str
    content: dict[str, Any]
    depth: int = 0
    parent: int | None = None  # index of its parent in the plan
    row_id: uuid.UUID | None = None
    stable_key: uuid.UUID | None = None
    kind_given: bool = False  # the file says the kind (CASAI's column), not guessed
    values: dict[str, Any] = field(default_factory=dict)  # the value columns as read


# --- cells ----------------------------------------------------------------------


def parse_decimal(text: str) -> Decimal:
    """A number as people write it: decimal comma or point; thousands grouped with a
    space, U+00A0 or U+202F; U+2212 as minus."""
    plain = text.strip().translate(_GROUPING).replace("\u2212", "-")
    if "," in plain and "." in plain:
        raise RowError(f"{text!r} is not a number (use one decimal sign)")
    plain = plain.replace(",", ".")
    if not _NUMBER.match(plain):
        raise RowError(f"{text!r} is not a number")
    return Decimal(plain)


def _number(value: Any, places: int, name: str) -> Decimal | Dash | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RowError(f"{name}: {value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # Excel keeps doubles: the shortest repr is the number that was typed.
        exact = Decimal(repr(value))
        rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return rounded if abs(exact - rounded) < Decimal("1e-9") else exact
    text = str(value)
    if not text.strip():
        return None
    if is_dash(text):
        return DASH
    if text.startswith("="):
        return None  # a formula (Belopp): the server works amounts out itself
    try:
        return parse_decimal(text)
    except RowError as problem:
        raise RowError(f"{name}: {problem}") from None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unescape_text(str(value))
    return text if text.strip() else None


def _cells(row: FileRow) -> dict[str, Any]:
    """The row's cells by field: text unescaped, numbers as Decimal or a dash."""
    cells: dict[str, Any] = {}
    for name, value in row.cells.items():
        kind = TYPES[name]
        if kind is CellType.TEXT:
            text = _text(value)
            keep_as_is = name in ("description", "note")
            cells[name] = text if keep_as_is or text is None else text.strip()
        elif kind is CellType.LEVEL:
            level = _number(value, 0, "Nivå")
            if isinstance(level, Dash) or (level is not None and level != level.to_integral()):
                raise RowError(f"Nivå: {value!r} is not a level")
            cells[name] = None if level is None else int(level)
        else:
            cells[name] = _number(value, PLACES[kind], name)
    return cells


def _uuid(value: str | None, name: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise RowError(f"{name}: {value!r} is not an id") from None


# --- rows -----------------------------------------------------------------------


def _entry_rule(cells: dict[str, Any]) -> str:
    """The entry rule MER's dashes say (a file without CASAI's rule column)."""
    quantity, price, amount = cells.get("quantity"), cells.get("unit_price"), cells.get("amount")
    if quantity is DASH and price is DASH and amount is not DASH:
        return "lump_sum"
    if price is DASH and amount is DASH:
        return "included_elsewhere"
    if amount is DASH and (quantity is None or quantity == 0):
        return "rate_only"
    return "normal"


def _kind(cells: dict[str, Any]) -> str:
    """The kind a file without CASAI's kind column means: values make an item, a code
    alone a heading, text alone a text row."""
    valued = any(cells.get(name) is not None for name in ("unit", "quantity", "unit_price"))
    if valued or any(cells.get(name) is DASH for name in ("quantity", "unit_price", "amount")):
        return "item"
    return "heading" if cells.get("code") else "text"


def _plan(row: FileRow, units: dict[str, str], *, known_units_only: bool) -> Planned:
    cells = _cells(row)
    given = cells.get("kind")
    if given is not None and given not in KINDS:
        raise RowError(f"unknown kind {given!r}")
    kind = given or _kind(cells)
    rule = cells.get("entry_rule") or (_entry_rule(cells) if kind == "item" else "normal")
    content: dict[str, Any] = {
        name: cells.get(name)
        for name in ("code", "title", "description", "regulation", "cost_bearer", "note")
    }
    content["entry_rule"] = rule
    if kind == "item":
        unit = cells.get("unit")
        if unit is not None and not is_dash(unit):
            known = units.get(unit.casefold())
            if known is None and known_units_only:
                raise RowError(f"unknown unit {unit!r}")
            content["unit"] = known or unit
        quantity, price = cells.get("quantity"), cells.get("unit_price")
        amount = cells.get("amount")
        if rule == "lump_sum":
            content["lump_sum"] = None if amount is DASH else amount
        elif rule == "rate_only":
            content["unit_price"] = None if price is DASH else price
        else:
            content["quantity"] = None if quantity is DASH else quantity
            if rule != "included_elsewhere":
                content["unit_price"] = None if price is DASH else price
    return Planned(
        number=row.number,
        kind=kind,
        content=content,
        depth=cells.get("level") or 0,
        row_id=_uuid(cells.get("id"), "CASAI rad-id"),
        stable_key=_uuid(cells.get("stable_key"), "CASAI nyckel"),
        kind_given=given is not None,
        values={name: cells.get(name) for name in ("unit", "quantity", "unit_price")},
    )


def _check(planned: Planned, units: frozenset[str]) -> None:
    """The row editor's rules: the request model's limits, then those of its kind."""
    content = planned.content
    if not content.get("title"):
        raise RowError("Benämning (title) is empty")
    sent = {k: v for k, v in content.items() if v is not None and k != "lump_sum"}
    if content.get("lump_sum") is not None:
        sent["amount"] = content["lump_sum"]
    try:
        RowFields.model_validate(sent)
    except ValidationError as error:
        reasons = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in error.errors(include_url=False, include_input=False)
        ]
        raise RowError("; ".join(reasons)) from None
    node = Node(
        id=uuid.uuid4(),
        parent_id=None,
        position=0,
        kind=planned.kind,
        title="",
        stable_key=uuid.uuid4(),
        version=1,
    )
    for name, value in content.items():
        setattr(node, name, value)
    try:
        check_content(node, units)
    except EditError as error:
        raise RowError(error.message) from None


# --- the tree -------------------------------------------------------------------


def _under(code: str, ancestor: str | None) -> bool:
    """The code pyramid: `CBB.31` lies under `CBB.3` and `CBB`."""
    if not ancestor:
        return False
    mine, theirs = code.replace(" ", "").upper(), ancestor.replace(" ", "").upper()
    return len(mine) > len(theirs) and mine.startswith(theirs)


def _tree_source(sheet: ReadSheet) -> TreeSource:
    if "level" in sheet.columns:
        return TreeSource.LEVELS
    if sheet.has_outline:
        return TreeSource.OUTLINE
    return TreeSource.CODES


def _place(plan: list[Planned], source: TreeSource, errors: list[ImportRowError]) -> None:
    """Give each planned row its parent, from depths or from codes."""
    if source is TreeSource.CODES:
        open_headings: list[int] = []
        for index, planned in enumerate(plan):
            code = planned.content.get("code")
            if code and not code.startswith("/"):
                while open_headings and not _under(
                    code, plan[open_headings[-1]].content.get("code")
                ):
                    open_headings.pop()
            planned.parent = open_headings[-1] if open_headings else None
            if planned.kind == "heading":
                open_headings.append(index)
        return
    # A row deeper than the one before it lies under it: that one is a heading.
    for index, planned in enumerate(plan[:-1]):
        following = plan[index + 1]
        if following.depth > planned.depth and not planned.kind_given and planned.kind == "text":
            planned.kind = "heading"
    chain: list[int] = []
    for index, planned in enumerate(plan):
        if planned.depth > len(chain):
            errors.append(
                ImportRowError(
                    row=planned.number,
                    message=f"level {planned.depth} lies under no row of level {planned.depth - 1}",
                )
            )
            continue
        del chain[planned.depth :]
        planned.parent = chain[-1] if chain else None
        if planned.parent is not None and plan[planned.parent].kind != "heading":
            errors.append(
                ImportRowError(
                    row=planned.number,
                    message=f"lies under row {plan[planned.parent].number}, which is not a heading",
                )
            )
        chain.append(index)


# --- reading the file -----------------------------------------------------------


@dataclass
class Reading:
    plan: list[Planned]
    errors: list[ImportRowError]
    columns: list[ImportColumn]
    tree_source: TreeSource | None


def _unit_names(db: Session) -> tuple[dict[str, str], frozenset[str]]:
    """Each way a file may name a unit (code, symbol, Swedish and English name) -> its code."""
    names: dict[str, str] = {}
    codes: set[str] = set()
    for unit in db.scalars(select(Unit)):
        codes.add(unit.code)
        for name in (unit.name_en, unit.name_sv, unit.symbol, unit.code):
            names[name.casefold()] = unit.code
    return names, frozenset(codes)


def read_file(db: Session, raw: bytes, file_format: ExchangeFormat, mode: ImportMode) -> Reading:
    sheet = read(raw, file_format)
    units, codes = _unit_names(db)
    plan: list[Planned] = []
    errors: list[ImportRowError] = []
    for row in sheet.rows:
        try:
            planned = _plan(row, units, known_units_only=mode is not ImportMode.PRICES)
            if mode is ImportMode.PRICES:
                _check_price(planned.values.get("unit_price"))
            else:
                _check(planned, codes)
            if sheet.has_outline and "level" not in sheet.columns:
                planned.depth = row.outline
        except RowError as problem:
            errors.append(ImportRowError(row=row.number, message=str(problem)))
            continue
        plan.append(planned)
    source = None
    if mode is not ImportMode.PRICES:
        source = _tree_source(sheet)
        _place(plan, source, errors)
    seen: dict[uuid.UUID, int] = {}
    for planned in plan:
        if planned.stable_key is None:
            continue
        if planned.stable_key in seen:
            errors.append(
                ImportRowError(
                    row=planned.number,
                    message=f"the same CASAI nyckel as row {seen[planned.stable_key]}",
                )
            )
        seen.setdefault(planned.stable_key, planned.number)
    columns = [ImportColumn(field=name, header=header) for name, header in sheet.columns.items()]
    errors.sort(key=lambda error: error.row)
    return Reading(plan, errors, columns, source)


# --- writing --------------------------------------------------------------------


def import_file(
    db: Session,
    who: ProjectAccess,
    schedule_id: uuid.UUID,
    raw: bytes,
    file_format: ExchangeFormat,
    mode: ImportMode,
    revision_id: uuid.UUID | None,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Import the file, or with `dry_run` only say what the import would do."""
    schedule = find_schedule(db, who, schedule_id)
    if (
        revision_id is not None
        and revision_of(db, schedule, revision_id) != working_revision(db, schedule.id).id
    ):
        raise Problem(
            409, "conflict", "This revision is issued, and an issued revision cannot change."
        )
    reading = read_file(db, raw, file_format, mode)
    report = ImportReport(
        mode=str(mode),
        created=0,
        updated=0,
        deleted=0,
        unchanged=0,
        errors=reading.errors,
        differences=[],
        columns=reading.columns,
        tree_from=None if reading.tree_source is None else str(reading.tree_source),
        dry_run=dry_run,
    )
    if reading.errors:
        return report  # nothing written
    # From here on only database statements, under the schedule's lock (a preview only
    # reads, and takes none).
    schedule = find_schedule(db, who, schedule_id, lock=not dry_run)
    working = working_revision(db, schedule.id)
    writer = _Writer(db, working.id, who.caller.user.id)
    if mode is ImportMode.PRICES:
        writes = writer.plan_prices(reading.plan, report)
    else:
        writes = writer.plan_rows(reading.plan, report, replace=mode is ImportMode.REPLACE)
    if dry_run:
        return report
    writer.apply(writes)
    record(
        db,
        who,
        ScheduleEvent.IMPORT_APPLIED,
        schedule.id,
        mode=str(mode),
        format=str(file_format),
        created=report.created,
        updated=report.updated,
        deleted=report.deleted,
        unchanged=report.unchanged,
        differences=len(report.differences),
    )
    return report


@dataclass
class _Writes:
    """The statements' values an import plans: rows to delete, update and insert."""

    removed: list[uuid.UUID] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    inserts: list[dict[str, Any]] = field(default_factory=list)


class _Writer:
    """The working rows, read once, the changes an import plans from them, and the bulk
    statements that make those changes."""

    def __init__(self, db: Session, revision_id: uuid.UUID, editor_id: uuid.UUID) -> None:
        self._db = db
        self._revision_id = revision_id
        self._editor_id = editor_id
        self._tree = load_tree(db, revision_id)
        self._by_key = {node.stable_key: node for node in self._tree.nodes.values()}

    def _match(self, planned: Planned) -> Node | None:
        if planned.stable_key is not None and planned.stable_key in self._by_key:
            return self._by_key[planned.stable_key]
        if planned.row_id is not None:
            return self._tree.nodes.get(planned.row_id)
        return None

    def plan_rows(self, plan: Sequence[Planned], report: ImportReport, *, replace: bool) -> _Writes:
        ids: list[uuid.UUID] = []
        matched: list[Node | None] = []
        used: set[uuid.UUID] = set()
        for planned in plan:
            node = self._match(planned)
            if node is not None and node.id in used:
                node = None  # a row copied within the file: the copy is new
            if node is not None:
                used.add(node.id)
            matched.append(node)
            ids.append(node.id if node is not None else uuid.uuid4())
        positions = self._positions(plan, ids, matched, replace=replace)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for index, planned in enumerate(plan):
            node = matched[index]
            parent_id = None if planned.parent is None else ids[planned.parent]
            values = {name: planned.content.get(name) for name in CONTENT}
            if node is None:
                inserts.append(
                    {
                        **values,
                        "id": ids[index],
                        "revision_id": self._revision_id,
                        "parent_id": parent_id,
                        "position": positions[index],
                        "kind": planned.kind,
                        "stable_key": uuid.uuid4(),
                        "version": 1,
                        "last_edited_by": self._editor_id,
                    }
                )
                continue
            if replace:
                values.update(parent_id=parent_id, position=positions[index], kind=planned.kind)
            else:
                values["kind"] = planned.kind
            if all(getattr(node, name) == value for name, value in values.items()):
                report.unchanged += 1
                continue
            updates.append(
                {
                    **values,
                    "id": node.id,
                    "version": node.version + 1,
                    "last_edited_by": self._editor_id,
                }
            )
        kept = {node.id for node in matched if node is not None}
        removed = [n.id for n in self._tree.nodes.values() if n.id not in kept] if replace else []
        report.created, report.updated, report.deleted = len(inserts), len(updates), len(removed)
        return _Writes(removed, updates, inserts)

    def apply(self, writes: _Writes) -> None:
        """The planned writes in bulk, under one change number (quantities.changes) taken
        when there is something to write: deletes by id in chunks with their ids
        remembered, updates grouped by the columns they set (executemany), inserts in one
        executemany."""
        if not (writes.removed or writes.updates or writes.inserts):
            return
        number = changes.bump(self._db, self._revision_id)
        removed = writes.removed
        for start in range(0, len(removed), CHUNK):
            self._db.execute(
                delete(ScheduleRow)
                .where(ScheduleRow.id.in_(removed[start : start + CHUNK]))
                .execution_options(synchronize_session=False)
            )
        changes.record_deleted(self._db, self._revision_id, number, removed)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for values in writes.updates:
            groups.setdefault(tuple(sorted(values)), []).append({**values, "changed_seq": number})
        for group in groups.values():
            self._db.execute(update(ScheduleRow), group)
        if writes.inserts:
            self._db.execute(
                insert(ScheduleRow), [{**row, "changed_seq": number} for row in writes.inserts]
            )

    def _positions(
        self,
        plan: Sequence[Planned],
        ids: Sequence[uuid.UUID],
        matched: Sequence[Node | None],
        *,
        replace: bool,
    ) -> list[int]:
        """Sibling keys: spaced in the file's order (replace), or after the last sibling a
        parent has for the rows appended."""
        positions = [0] * len(plan)
        if replace:
            counts: dict[int | None, int] = {}
            for index, planned in enumerate(plan):
                counts[planned.parent] = counts.get(planned.parent, 0) + 1
                positions[index] = (counts[planned.parent] - 1) * placement.SPACING
            return positions
        last: dict[uuid.UUID | None, int | None] = {}
        for sibling in self._tree.nodes.values():
            current = last.get(sibling.parent_id)
            last[sibling.parent_id] = (
                sibling.position if current is None else max(current, sibling.position)
            )
        for index, planned in enumerate(plan):
            node = matched[index]
            if node is not None:
                positions[index] = node.position
                continue
            parent = None if planned.parent is None else ids[planned.parent]
            key = placement.after(last.get(parent))
            if key is None:
                raise Problem(409, "conflict", "No room is left to append rows here.")
            positions[index] = last[parent] = key
        return positions

    def plan_prices(self, plan: Sequence[Planned], report: ImportReport) -> _Writes:
        """unit_price only, for the file's items that match a working row; every other
        difference is reported, never written."""
        by_code: dict[str, list[Node]] = {}
        for candidate in self._tree.nodes.values():
            if candidate.kind == "item" and candidate.code:
                by_code.setdefault(candidate.code, []).append(candidate)
        updates: list[dict[str, Any]] = []
        for planned in plan:
            node = self._match(planned)
            code = planned.content.get("code")
            if node is None and code and len(by_code.get(code, [])) == 1:
                node = by_code[code][0]
            if node is None:
                if planned.kind == "item":
                    report.differences.append(
                        ImportDifference(
                            row=planned.number,
                            id=None,
                            fields=[],
                            message="matches no row of the schedule",
                        )
                    )
                continue
            differing = [
                name
                for name in COMPARED_FOR_PRICES
                if name in planned.content and planned.content.get(name) != getattr(node, name)
            ]
            if node.kind != planned.kind:
                differing.insert(0, "kind")
            if differing:
                report.differences.append(
                    ImportDifference(
                        row=planned.number,
                        id=node.id,
                        fields=differing,
                        message="differs from the schedule; only the price is taken",
                    )
                )
            if node.kind != "item" or node.entry_rule not in ("normal", "provisional", "rate_only"):
                continue
            price = planned.values.get("unit_price")
            price = None if price is DASH else price
            if price == node.unit_price:
                report.unchanged += 1
                continue
            updates.append(
                {
                    "id": node.id,
                    "unit_price": price,
                    "version": node.version + 1,
                    "last_edited_by": self._editor_id,
                }
            )
        report.updated = len(updates)
        return _Writes(updates=updates)


def _check_price(price: Decimal | Dash | None) -> None:
    if not isinstance(price, Decimal):
        return
    try:
        RowFields.model_validate({"unit_price": price})
    except (ValidationError, InvalidOperation):
        raise RowError(
            f"À-pris: {price} is not a price (at most 2 decimals, not negative)"
        ) from None
