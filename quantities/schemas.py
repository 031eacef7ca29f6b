"""Request and response models of the quantities area.

Quantities (3 decimals) and money (2 decimals) are Decimal end to end and travel
as JSON strings.
"""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StringConstraints,
)

from shared.schemas import Patch, Request, Schema


class UnitOut(Schema):
    model_config = ConfigDict(from_attributes=True)

    code: str
    symbol: str
    name_sv: str
    name_en: str
    unece_code: str


class UnitList(Schema):
    items: list[UnitOut]
    next_cursor: None = None


# --- decimals -------------------------------------------------------------------


def _decimal_string(value: Any) -> Any:
    # Money and quantities travel as strings ("1234.50"): a JSON number may already
    # have lost digits as a float before it reaches us.
    if value is not None and not isinstance(value, str | Decimal):
        raise ValueError('send decimals as strings, e.g. "1234.50"')
    return value


Quantity = Annotated[
    Decimal,
    BeforeValidator(_decimal_string),
    Field(ge=0, max_digits=15, decimal_places=3, allow_inf_nan=False),
]
Price = Annotated[
    Decimal,
    BeforeValidator(_decimal_string),
    Field(ge=0, max_digits=15, decimal_places=2, allow_inf_nan=False),
]
SignedAmount = Annotated[
    Decimal,
    BeforeValidator(_decimal_string),
    Field(max_digits=15, decimal_places=2, allow_inf_nan=False),
]
Money = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]
Quantity3 = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.3f}", return_type=str)]

Standard = Literal["ama_anlaggning", "ama_hus", "ama_vvs", "ama_el", "nrm2", "gaeb", "custom"]
Kind = Literal["heading", "item", "text"]
EntryRule = Literal["normal", "included_elsewhere", "lump_sum", "rate_only", "provisional"]
Regulation = Literal["R", "OR"]
Text = Annotated[str, Field(min_length=1, max_length=500)]


# --- schedules ------------------------------------------------------------------


class ScheduleCreate(Request):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    doc_no: Annotated[str, Field(max_length=50)] | None = None
    standard: Standard = "ama_anlaggning"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "SEK"


class SchedulePatch(Patch):
    not_null = ("name", "standard", "currency")

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    doc_no: Annotated[str, Field(max_length=50)] | None = None
    standard: Standard | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None


class ScheduleOut(Schema):
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    doc_no: str | None
    standard: Standard
    currency: str
    version: int
    working_revision_id: uuid.UUID
    created_at: datetime


class ScheduleList(Schema):
    items: list[ScheduleOut]
    next_cursor: str | None


# --- rows -----------------------------------------------------------------------


class RowFields(Request):
    """The editable content of a row; every field may be left out, title and entry rule
    not nulled."""

    not_null = ("title", "entry_rule")
    multiline = frozenset({"description", "note"})

    code: Annotated[str, Field(max_length=50)] | None = None
    title: Text | None = None
    description: Annotated[str, Field(max_length=4000)] | None = None
    unit: Annotated[str, Field(max_length=16)] | None = None
    quantity: Quantity | None = None
    unit_price: Price | None = None
    amount: SignedAmount | None = Field(
        default=None, description="Only for lump_sum rows, which carry an amount and no price."
    )
    entry_rule: EntryRule | None = None
    regulation: Regulation | None = None
    cost_bearer: Annotated[str, Field(max_length=50)] | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None


class Placement(Request):
    """Where a row goes: after a sibling, first under a parent, or last under it (default)."""

    parent_id: uuid.UUID | None = None
    after_id: uuid.UUID | None = None
    first: StrictBool = False


class RowCreate(RowFields, Placement):
    kind: Kind
    title: Text
    id: uuid.UUID | None = Field(
        default=None, description="Chosen by the client so later batch operations can name it."
    )


class RowPatch(RowFields, Patch):
    """Any row field; `RowFields` keeps title and entry rule from being nulled."""


class RowOut(Schema):
    id: uuid.UUID
    parent_id: uuid.UUID | None
    position: int = Field(
        description="Order among the row's siblings: ascending, with gaps (an order key, "
        "not an index); exact as a JavaScript number."
    )
    depth: int
    kind: Kind
    code: str | None
    title: str
    description: str | None
    unit: str | None
    quantity: Quantity3 | None
    unit_price: Money | None
    amount: Money | None = Field(
        description="quantity × unit price, half-up to öre; or the lump sum"
    )
    entry_rule: EntryRule
    regulation: Regulation | None
    cost_bearer: str | None
    note: str | None
    stable_key: uuid.UUID
    version: int


class RowList(Schema):
    items: list[RowOut]
    next_cursor: None = None


class RowsQuery(Schema):
    revision_id: uuid.UUID | None = None


# --- batch ----------------------------------------------------------------------


class CreateOp(RowCreate):
    op: Literal["create"]


class UpdateOp(RowFields):
    op: Literal["update"]
    id: uuid.UUID
    version: int = Field(description="The row's version as last read (its ETag).")


class DeleteOp(Request):
    op: Literal["delete"]
    id: uuid.UUID
    version: int


class MoveOp(Placement):
    op: Literal["move"]
    id: uuid.UUID
    version: int


Operation = Annotated[CreateOp | UpdateOp | DeleteOp | MoveOp, Field(discriminator="op")]
MAX_BATCH = 5000


class BatchIn(Request):
    operations: Annotated[list[Operation], Field(min_length=1, max_length=MAX_BATCH)]


class BatchOut(Schema):
    created: int
    updated: int
    deleted: int
    moved: int
    rows: list[RowOut] = Field(description="The rows each operation created, updated or moved.")


# --- summary --------------------------------------------------------------------


class HeadingTotal(Schema):
    id: uuid.UUID
    code: str | None
    title: str
    depth: int
    total: Money


class CostBearerTotal(Schema):
    cost_bearer: str | None
    total: Money


class Summary(Schema):
    schedule_id: uuid.UUID
    revision_id: uuid.UUID
    currency: str
    total: Money
    priced_items: int
    unpriced_items: int
    headings: list[HeadingTotal]
    cost_bearers: list[CostBearerTotal]


# --- revisions ------------------------------------------------------------------


class RevisionCreate(Request):
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class RevisionOut(Schema):
    id: uuid.UUID
    schedule_id: uuid.UUID
    label: str
    issued_at: datetime
    issued_by: uuid.UUID
    row_count: int
    total: Money
    snapshot_sha256: str | None = Field(
        description="SHA-256 (hex) of the revision's JSON snapshot in Blob storage; "
        "null for the moment between issuing and the snapshot being written",
    )


class RevisionList(Schema):
    items: list[RevisionOut]
    next_cursor: str | None


# --- compare --------------------------------------------------------------------


class CompareQuery(Schema):
    """Two revisions of the schedule: their ids, or `working` for the working one."""

    model_config = ConfigDict(populate_by_name=True)

    from_: Annotated[Literal["working"] | uuid.UUID, Field(alias="from")]
    to: Literal["working"] | uuid.UUID


class ComparedRow(Schema):
    id: uuid.UUID  # in the revision it is listed from (`to`; `from` for removed rows)
    stable_key: uuid.UUID
    kind: str
    code: str | None
    title: str


class FieldChange(Schema):
    field: str
    old: str | None
    new: str | None


class RowChange(ComparedRow):
    changes: list[FieldChange]


class TotalChange(Schema):
    old: Money
    new: Money
    difference: Money


class HeadingTotalChange(Schema):
    stable_key: uuid.UUID
    code: str | None
    title: str
    old: Money | None  # None: the heading is not in that revision
    new: Money | None
    difference: Money
    subtree_changed: bool


class Comparison(Schema):
    schedule_id: uuid.UUID
    from_revision_id: uuid.UUID
    to_revision_id: uuid.UUID
    added: list[ComparedRow]
    removed: list[ComparedRow]
    moved: list[ComparedRow]
    changed: list[RowChange]
    total: TotalChange
    top_headings: list[HeadingTotalChange]
    marked_headings: list[uuid.UUID]  # stable keys of the headings above any difference


# --- export and import ----------------------------------------------------------


class ExportQuery(Schema):
    format: Literal["xlsx", "csv"]
    revision_id: uuid.UUID | None = None


class ImportQuery(Schema):
    mode: Literal["append", "replace", "prices"]
    revision_id: uuid.UUID | None = Field(
        default=None, description="Only the working revision can change: an issued one is 409."
    )


class ImportRowError(Schema):
    row: int = Field(description="The row's number in the file, as a spreadsheet shows it.")
    message: str


class ImportDifference(Schema):
    row: int
    id: uuid.UUID | None = Field(description="The schedule row it matched, if any.")
    fields: list[str]
    message: str


class ImportColumn(Schema):
    field: str
    header: str = Field(description="The column's header as the file names it.")


class ImportReport(Schema):
    """What an import did; with `errors`, nothing was written."""

    mode: Literal["append", "replace", "prices"]
    created: int
    updated: int
    deleted: int
    unchanged: int
    errors: list[ImportRowError]
    differences: list[ImportDifference] = Field(
        description="prices: rows that differ from the schedule in more than the price."
    )
    columns: list[ImportColumn] = Field(description="The columns recognised, by field.")
    tree_from: Literal["levels", "outline", "codes"] | None
