"""Request and response models of the quantities area.

Quantities (3 decimals) and money (2 decimals) are Decimal end to end and travel
as JSON strings.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    StrictBool,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from shared.problems import FieldProblem
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


@dataclass(frozen=True)
class DecimalString:
    """A decimal sent as a JSON string of plain digits ("1234.50"): a JSON number may
    already have lost digits as a float before it reaches us, and exponents, spaces and
    a sign where none is allowed are refused too, so the document's `pattern` is the
    whole rule: 15 digits in all, at most `places` of them after the point."""

    places: int
    signed: bool = False

    @property
    def pattern(self) -> str:
        sign = "-?" if self.signed else ""
        return rf"^{sign}[0-9]{{1,{15 - self.places}}}(\.[0-9]{{1,{self.places}}})?$"

    def _parse(self, value: Any) -> Any:
        # A Decimal comes from code (the importer's cells), not from JSON: the same
        # rule, on its digits without trailing zeros.
        text = format(value.normalize(), "f") if isinstance(value, Decimal) else value
        if not isinstance(text, str) or not re.fullmatch(self.pattern, text):
            raise PydanticCustomError(
                FieldProblem.INVALID_FORMAT,
                "send a decimal as a string of digits with at most {places} decimals, "
                'e.g. "1234.50"',
                {"places": self.places},
            )
        return value if isinstance(value, Decimal) else Decimal(value)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._parse, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        example = "-1250.00" if self.signed else "1250." + "5" * self.places
        return {"type": "string", "pattern": self.pattern, "examples": [example]}


Quantity = Annotated[Decimal, DecimalString(places=3)]
Price = Annotated[Decimal, DecimalString(places=2)]
SignedAmount = Annotated[Decimal, DecimalString(places=2, signed=True)]
Money = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]
Quantity3 = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.3f}", return_type=str)]

Standard = Literal["ama_anlaggning", "ama_hus", "ama_vvs", "ama_el", "nrm2", "gaeb", "custom"]
Kind = Literal["heading", "item", "text"]
EntryRule = Literal["normal", "included_elsewhere", "lump_sum", "rate_only", "provisional"]
Regulation = Literal["R", "OR"]
Text = Annotated[str, Field(min_length=1, max_length=500)]


# --- schedules ------------------------------------------------------------------


class ScheduleCreate(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Mängdförteckning mark",
                    "doc_no": "MF-M-001",
                    "standard": "ama_anlaggning",
                    "currency": "SEK",
                }
            ]
        }
    )

    name: Annotated[str, Field(min_length=1, max_length=200)]
    doc_no: Annotated[str, Field(max_length=50)] | None = None
    standard: Standard = "ama_anlaggning"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "SEK"


class SchedulePatch(Patch):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Mängdförteckning mark, rev. A", "doc_no": "MF-M-001A"}]
        }
    )

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


def _absent(*names: str) -> dict[str, Any]:
    return {"properties": {name: {"type": "null"} for name in names}}


def _when(field: str, values: list[str]) -> dict[str, Any]:
    return {"properties": {field: {"enum": values}}, "required": [field]}


# A heading or a text carries no unit, quantity, price or amount and keeps the normal
# entry rule; a lump sum carries an amount only; an amount only a lump sum; a rate-only
# row no quantity; a row included elsewhere no price.
ROW_CONTENT_RULES: list[dict[str, Any]] = [
    {
        "if": _when("kind", ["heading", "text"]),
        "then": {
            "properties": {
                **_absent("unit", "quantity", "unit_price", "amount")["properties"],
                "entry_rule": {"const": "normal"},
            }
        },
    },
    {
        "if": _when("entry_rule", ["lump_sum"]),
        "then": _absent("quantity", "unit_price"),
        "else": _absent("amount"),
    },
    {"if": _when("entry_rule", ["rate_only"]), "then": _absent("quantity")},
    {"if": _when("entry_rule", ["included_elsewhere"]), "then": _absent("unit_price")},
]


class RowCreate(RowFields, Placement):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "heading", "code": "DCB", "title": "Fyllningar för terrass"},
                {
                    "kind": "item",
                    "parent_id": "5c7e9a1b-3d5f-4b7d-9f1a-3c5e7a9b1d2f",
                    "code": "DCB.211",
                    "title": "Fyllning med krossmaterial under platta",
                    "unit": "m2",
                    "quantity": "412.50",
                    "unit_price": "185.00",
                    "entry_rule": "normal",
                    "regulation": "R",
                    "cost_bearer": "Hus A",
                },
            ]
        }
    )

    kind: Kind
    title: Text
    id: uuid.UUID | None = Field(
        default=None, description="Chosen by the client so later batch operations can name it."
    )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The rules of quantities.tree.check_content a new row's own fields decide, for
        the document (the unit's code is checked against GET /units besides)."""
        json_schema = super().__get_pydantic_json_schema__(schema, handler)
        handler.resolve_ref_schema(json_schema)["allOf"] = ROW_CONTENT_RULES
        return json_schema


class RowPatch(RowFields, Patch):
    """Any row field; `RowFields` keeps title and entry rule from being nulled."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"quantity": "436.25", "unit_price": "192.50"}, {"note": None}]
        }
    )


class RowState(Schema):
    """A row as stored: every field of RowOut but `depth`, which follows from `parent_id`."""

    id: uuid.UUID
    parent_id: uuid.UUID | None
    position: int = Field(
        description="Order among the row's siblings: ascending, with gaps (an order key, "
        "not an index); exact as a JavaScript number."
    )
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


class RowOut(RowState):
    depth: int = Field(description="How many headings the row is under.")


class RowList(Schema):
    items: list[RowOut]
    next_cursor: None = None
    change_seq: int | None = Field(
        description="The working revision's change number these rows include: the first "
        "`since` for GET …/changes. Null for an issued revision, which never changes."
    )


class RowsQuery(Schema):
    revision_id: uuid.UUID | None = None


MAX_CHANGE_SEQ = 2**63 - 1  # a BIGINT


class ChangesQuery(Schema):
    since: int = Field(
        ge=0,
        le=MAX_CHANGE_SEQ,
        description="The `seq` of the last answer (or `change_seq` of GET …/rows). Not an "
        "integer, or negative: 400.",
    )


class RowChanges(Schema):
    """What changed in the working revision after change number `since`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "schedule_id": "0b6f3c1e-2a4d-4e8f-9b1c-3d5e7f9a1b2c",
                    "revision_id": "1c7a4d2f-3b5e-4f9a-8c2d-4e6f8a0b2c3d",
                    "since": 41,
                    "seq": 43,
                    "rows": [
                        {
                            "id": "6d8f0b2c-4e6a-4c8e-8a2b-4d6f8b0c2e3a",
                            "parent_id": "5c7e9a1b-3d5f-4b7d-9f1a-3c5e7a9b1d2f",
                            "position": 2097152,
                            "kind": "item",
                            "code": "DCB.212",
                            "title": "Fyllning med makadam",
                            "description": None,
                            "unit": "m3",
                            "quantity": "38.000",
                            "unit_price": "420.00",
                            "amount": "15960.00",
                            "entry_rule": "normal",
                            "regulation": None,
                            "cost_bearer": None,
                            "note": None,
                            "stable_key": "7e9a1c3d-5f7b-4d9e-8b3f-5a7c9e1b3d5f",
                            "version": 4,
                        }
                    ],
                    "deleted": ["8f1b3d5a-7c9e-4b1d-9f5a-7c9e1b3d5f7a"],
                    "reload": False,
                },
                {
                    "schedule_id": "0b6f3c1e-2a4d-4e8f-9b1c-3d5e7f9a1b2c",
                    "revision_id": "1c7a4d2f-3b5e-4f9a-8c2d-4e6f8a0b2c3d",
                    "since": 3,
                    "seq": 43,
                    "rows": [],
                    "deleted": [],
                    "reload": True,
                },
            ]
        }
    )

    schedule_id: uuid.UUID
    revision_id: uuid.UUID = Field(
        description="The working revision: rows are the working revision's only."
    )
    since: int
    seq: int = Field(
        description="The change number this answer is complete up to: the next `since`."
    )
    rows: list[RowState] = Field(
        description="Rows created or changed after `since`, as they are now (in no "
        "particular order; depth follows from parent_id)."
    )
    deleted: list[uuid.UUID] = Field(description="Ids of rows deleted after `since`.")
    reload: bool = Field(
        description="True when the changes after `since` are not known (older than the "
        "deletions remembered, or not a number this revision has reached): rows and deleted "
        "are empty, and the client reads GET …/rows again."
    )


# --- batch ----------------------------------------------------------------------


class CreateOp(RowCreate):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "op": "create",
                    "id": "6d8f0b2c-4e6a-4c8e-8a2b-4d6f8b0c2e3a",
                    "kind": "item",
                    "parent_id": "5c7e9a1b-3d5f-4b7d-9f1a-3c5e7a9b1d2f",
                    "code": "DCB.212",
                    "title": "Fyllning med makadam",
                    "unit": "m3",
                    "quantity": "38.000",
                    "unit_price": "420.00",
                }
            ]
        }
    )

    op: Literal["create"]


class UpdateOp(RowFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "op": "update",
                    "id": "6d8f0b2c-4e6a-4c8e-8a2b-4d6f8b0c2e3a",
                    "version": 3,
                    "quantity": "41.500",
                }
            ]
        }
    )

    op: Literal["update"]
    id: uuid.UUID
    version: int = Field(description="The row's version as last read (its ETag).")


class DeleteOp(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"op": "delete", "id": "6d8f0b2c-4e6a-4c8e-8a2b-4d6f8b0c2e3a", "version": 4}
            ]
        }
    )

    op: Literal["delete"]
    id: uuid.UUID
    version: int


class MoveOp(Placement):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "op": "move",
                    "id": "6d8f0b2c-4e6a-4c8e-8a2b-4d6f8b0c2e3a",
                    "version": 4,
                    "parent_id": "5c7e9a1b-3d5f-4b7d-9f1a-3c5e7a9b1d2f",
                    "first": True,
                }
            ]
        }
    )

    op: Literal["move"]
    id: uuid.UUID
    version: int


Operation = Annotated[CreateOp | UpdateOp | DeleteOp | MoveOp, Field(discriminator="op")]
MAX_BATCH = 5000


class BatchIn(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "operations": [
                        {
                            "op": "create",
                            "id": "6d8f0b2c-4e6a-4c8e-8a2b-4d6f8b0c2e3a",
                            "kind": "item",
                            "parent_id": "5c7e9a1b-3d5f-4b7d-9f1a-3c5e7a9b1d2f",
                            "code": "DCB.212",
                            "title": "Fyllning med makadam",
                            "unit": "m3",
                            "quantity": "38.000",
                            "unit_price": "420.00",
                        },
                        {
                            "op": "update",
                            "id": "6d8f0b2c-4e6a-4c8e-8a2b-4d6f8b0c2e3a",
                            "version": 1,
                            "unit_price": "435.00",
                        },
                        {
                            "op": "move",
                            "id": "8e0a2c4d-6f8b-4d0f-9b3c-5e7a9c1d3f4b",
                            "version": 2,
                            "after_id": "6d8f0b2c-4e6a-4c8e-8a2b-4d6f8b0c2e3a",
                        },
                        {
                            "op": "delete",
                            "id": "1a3c5e7f-9b1d-4f3a-8c5e-7a9c1e3f5b6d",
                            "version": 5,
                        },
                    ]
                }
            ]
        }
    )

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
    model_config = ConfigDict(json_schema_extra={"examples": [{"label": "Förfrågningsunderlag A"}]})

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
    dry_run: bool = Field(
        default=False,
        description=(
            "A preview: the report the import would give (the same counts, errors and "
            "differences), with nothing written and no audit event recorded."
        ),
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
    dry_run: bool = Field(description="A preview: true when nothing was written.")
