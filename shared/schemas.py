"""Building blocks every area's request models share."""

import unicodedata
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

# E-mail addresses are compared and stored lower-case.
EmailAddress = Annotated[EmailStr, Field(max_length=254), AfterValidator(str.lower)]

# Characters no text field accepts: they end up in e-mail headers, CSV and Excel files,
# logs and other people's screens, where they break lines, hide text or reorder it
# (bidirectional overrides). Line breaks and tabs only where a model allows them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\n\r\t")


def refused_character(value: str, *, multiline: bool) -> str | None:
    """The first character `value` may not hold, or None when it is clean text."""
    for char in value:
        if multiline and char in _LINE_BREAKS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in _BIDI_CONTROLS:
            return char
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [item for item in value if isinstance(item, str)]
    return []


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
    breaks and tabs.
    """

    model_config = ConfigDict(extra="forbid")
    not_null: ClassVar[tuple[str, ...]] = ()
    multiline: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        for text in _strings(value):
            char = refused_character(text, multiline=info.field_name in cls.multiline)
            if char is not None:
                raise ValueError(f"holds a control character (U+{ord(char):04X})")
        return value

    @model_validator(mode="after")
    def _required_stay_set(self) -> Self:
        for name in self.not_null:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class Patch(Request):
    """A PATCH body: at least one field to change."""

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self
