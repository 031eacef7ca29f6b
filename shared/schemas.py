"""Building blocks every area's request models share."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

# E-mail addresses are compared and stored lower-case.
EmailAddress = Annotated[EmailStr, Field(max_length=254), AfterValidator(str.lower)]


class Request(BaseModel):
    """A request body: an unknown field is an error, not something silently dropped."""

    model_config = ConfigDict(extra="forbid")
