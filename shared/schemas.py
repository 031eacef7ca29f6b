"""Building blocks every area's request models share."""

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from shared.problems import FieldError, FieldProblem

# E-mail addresses as the server takes them, stated in full so that the document says
# exactly what is refused: ASCII dot-atom local part of at most 64 characters, a host
# name of letters, digits and hyphens with a top-level domain of letters (an
# internationalised domain in its xn-- form); compared and stored lower-case.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$"
_LOCAL_PART_PATTERN = r"^[^@]{1,64}@"
_EMAIL_JSON_SCHEMA = {
    "type": "string",
    "format": "email",
    "maxLength": 254,
    "pattern": EMAIL_PATTERN,
    "allOf": [{"pattern": _LOCAL_PART_PATTERN}],
    "examples": ["anna.berg@example.se"],
}


def _email_address(value: str) -> str:
    if not re.fullmatch(EMAIL_PATTERN, value) or not re.match(_LOCAL_PART_PATTERN, value):
        raise PydanticCustomError(
            FieldProblem.INVALID_FORMAT, "is not an e-mail address (name@example.se)"
        )
    return value.lower()


EmailAddress = Annotated[
    str,
    Field(max_length=254),
    AfterValidator(_email_address),
    WithJsonSchema(_EMAIL_JSON_SCHEMA),
]

# Characters no text field accepts: they end up in e-mail headers, CSV and Excel files,
# logs and other people's screens, where they break lines, hide text or reorder it
# (bidirectional overrides). Line breaks and tabs only where a model allows them.
# Declared once, as ranges: the check and the document's `pattern` are both made of them.
_REFUSED_RANGES = (
    ("\x00", "\x1f"),  # C0 controls (Cc)
    ("\x7f", "\x9f"),  # DEL and C1 controls (Cc)
    ("\u2028", "\u2029"),  # line and paragraph separators (Zl, Zp)
    ("\u202a", "\u202e"),  # bidirectional embeddings and overrides
    ("\u2066", "\u2069"),  # bidirectional isolates
    ("\ud800", "\udfff"),  # lone surrogates (Cs)
)
_C0_BUT_LINE_BREAKS = (("\x00", "\x08"), ("\x0b", "\x0c"), ("\x0e", "\x1f"))  # keeps \t \n \r


def _ranges(*, multiline: bool) -> tuple[tuple[str, str], ...]:
    return (*_C0_BUT_LINE_BREAKS, *_REFUSED_RANGES[1:]) if multiline else _REFUSED_RANGES


def _character_ranges(ranges: Iterable[tuple[str, str]], spell: Callable[[str], str]) -> str:
    return "".join(f"{spell(low)}-{spell(high)}" for low, high in ranges)


_REFUSED = {
    multiline: re.compile(
        "[" + _character_ranges(_ranges(multiline=multiline), lambda c: f"\\U{ord(c):08x}") + "]"
    )
    for multiline in (False, True)
}


def refused_character(value: str, *, multiline: bool) -> str | None:
    """The first character `value` may not hold, or None when it is clean text."""
    found = _REFUSED[multiline].search(value)
    return found.group() if found else None


def clean_text_pattern(*, multiline: bool = False, also_refused: str = "", ending: str = "") -> str:
    """The JSON Schema `pattern` (ECMA-262) of text without refused characters (nor
    those of `also_refused`, escaped as a character class wants them), that ends with
    the pattern `ending`. Lone surrogates are left out of it: a JSON body cannot carry
    them (the parser refuses them), and not every validator compiles a range of them."""
    ranges = [pair for pair in _ranges(multiline=multiline) if pair[0] != "\ud800"]
    refused = _character_ranges(ranges, lambda c: f"\\u{ord(c):04x}") + also_refused
    return f"^[^{refused}]*{ending}$"


CLEAN_TEXT_PATTERN = clean_text_pattern()
CLEAN_MULTILINE_PATTERN = clean_text_pattern(multiline=True)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [item for item in value if isinstance(item, str)]
    return []


def free_text_schemas(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The free-text string schemas of a property (itself, its `anyOf` branches, its
    items): those not already bound by an enum, a format or a pattern."""
    bound = ("enum", "const", "format", "pattern")
    if schema.get("type") == "string" and not any(key in schema for key in bound):
        yield schema
    for branch in schema.get("anyOf", []):
        yield from free_text_schemas(branch)
    if isinstance(schema.get("items"), dict):
        yield from free_text_schemas(schema["items"])


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without its null branch and null default: a field that may be left
    out but not sent as null."""
    branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) != 1:
        return schema
    kept = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**branches[0], **kept}


class Schema(BaseModel):
    """The base of every model the API reads or answers (bodies, queries, responses).

    Its validator and serializer are built on first use, not at import: building them
    all was most of a cold start (bench/bench_cold_start.py). For the same reason the
    model modules do without `from __future__ import annotations`: pydantic would
    evaluate each string annotation again when the class is created.
    """

    model_config = ConfigDict(defer_build=True)


class Request(Schema):
    """A request body: an unknown field is an error, not something silently dropped.

    Fields named in `not_null` may be left out (where optional) but never sent as null.
    No string holds control characters; those named in `multiline` may hold line
    breaks and tabs. Of the fields in `exactly_one_of`, one is given. The JSON schema
    says all of it: a `not_null` field is not nullable, free text carries the pattern
    of clean text, alternatives are a `oneOf`.
    """

    model_config = ConfigDict(extra="forbid")
    not_null: ClassVar[tuple[str, ...]] = ()
    multiline: ClassVar[frozenset[str]] = frozenset()
    exactly_one_of: ClassVar[tuple[str, ...]] = ()  # alternatives: one given, never two

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        properties = handler.resolve_ref_schema(schema).get("properties", {})
        for name in cls.not_null:
            properties[name] = _non_null(properties[name])
        if cls.exactly_one_of:
            schema_of = handler.resolve_ref_schema(schema)
            schema_of["oneOf"] = [{"required": [name]} for name in cls.exactly_one_of]
        for name, property_schema in properties.items():
            multiline = name in cls.multiline
            for text in free_text_schemas(property_schema):
                text["pattern"] = CLEAN_MULTILINE_PATTERN if multiline else CLEAN_TEXT_PATTERN
        return schema

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        for text in _strings(value):
            char = refused_character(text, multiline=info.field_name in cls.multiline)
            if char is not None:
                raise control_character(char)
        return value

    @model_validator(mode="after")
    def _required_stay_set(self) -> Self:
        for name in self.not_null:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise PydanticCustomError(
                    FieldProblem.REQUIRED, "{field} cannot be null", {"field": name}
                )
        return self

    @model_validator(mode="after")
    def _one_alternative(self) -> Self:
        given = [name for name in self.exactly_one_of if name in self.model_fields_set]
        if self.exactly_one_of and len(given) != 1:
            raise ValueError(f"give one of {' or '.join(self.exactly_one_of)}")
        return self


class Patch(Request):
    """A PATCH body: at least one field to change (`minProperties: 1`)."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        handler.resolve_ref_schema(schema)["minProperties"] = 1
        return schema

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self


def control_character(char: str) -> PydanticCustomError:
    """The refusal of a text holding `char`, a control character."""
    return PydanticCustomError(
        FieldProblem.CONTROL_CHARACTER,
        "holds a control character (U+{code})",
        {"code": f"{ord(char):04X}"},
    )


# pydantic's error types by the FieldProblem each is (types not named: INVALID).
_PYDANTIC_PROBLEMS: dict[str, FieldProblem] = {
    "missing": FieldProblem.REQUIRED,
    "union_tag_not_found": FieldProblem.REQUIRED,
    "string_too_short": FieldProblem.TOO_SHORT,
    "too_short": FieldProblem.TOO_SHORT,
    "string_too_long": FieldProblem.TOO_LONG,
    "too_long": FieldProblem.TOO_LONG,
    "greater_than": FieldProblem.TOO_SMALL,
    "greater_than_equal": FieldProblem.TOO_SMALL,
    "less_than": FieldProblem.TOO_LARGE,
    "less_than_equal": FieldProblem.TOO_LARGE,
    "string_pattern_mismatch": FieldProblem.INVALID_FORMAT,
    "uuid_parsing": FieldProblem.INVALID_FORMAT,
    "uuid_version": FieldProblem.INVALID_FORMAT,
    "datetime_parsing": FieldProblem.INVALID_FORMAT,
    "datetime_from_date_parsing": FieldProblem.INVALID_FORMAT,
    "date_parsing": FieldProblem.INVALID_FORMAT,
    "decimal_parsing": FieldProblem.INVALID_FORMAT,
    "int_parsing": FieldProblem.INVALID_FORMAT,
    "bool_parsing": FieldProblem.INVALID_FORMAT,
    "literal_error": FieldProblem.NOT_ALLOWED,
    "enum": FieldProblem.NOT_ALLOWED,
    "union_tag_invalid": FieldProblem.NOT_ALLOWED,
    "extra_forbidden": FieldProblem.UNKNOWN_FIELD,
}
_LIMITS = ("min_length", "max_length", "ge", "gt", "le", "lt")


def field_errors(error: ValidationError, where: str) -> list[FieldError]:
    """Each of pydantic's errors as a FieldError: its place (`where` for the whole
    model, or the field a model validator names), its FieldProblem and its limit."""
    found = []
    for entry in error.errors(include_url=False, include_input=False):
        kind = entry["type"]
        context = entry.get("ctx") or {}
        if kind in FieldProblem.__members__.values():
            problem = FieldProblem(kind)  # one of ours (PydanticCustomError)
        elif kind.endswith("_type"):
            problem = FieldProblem.WRONG_TYPE
        else:
            problem = _PYDANTIC_PROBLEMS.get(kind, FieldProblem.INVALID)
        place = ".".join(str(part) for part in entry["loc"]) or context.get("field") or where
        limit = next((context[name] for name in _LIMITS if name in context), None)
        found.append(
            FieldError(place, problem, entry["msg"], None if limit is None else str(limit))
        )
    return found
