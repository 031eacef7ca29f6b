"""Building blocks every area's request models share."""

from __future__ import annotations

from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

# E-mail addresses are compared and stored lower-case.
EmailAddress = Annotated[EmailStr, Field(max_length=254), AfterValidator(str.lower)]


class Request(BaseModel):
    """A request body: an unknown field is an error, not something silently dropped.

    Fields named in `not_null` may be left out (where optional) but never sent as null.
    """

    model_config = ConfigDict(extra="forbid")
    not_null: ClassVar[tuple[str, ...]] = ()

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
