"""A small app built on shared.http, served by the dev host in the wrapper tests."""

from decimal import Decimal

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from quantities.models import Unit
from shared import http
from shared.preconditions import check_if_match, etag
from shared.problems import Problem

bp = http.Blueprint()


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=100)
    quantity: Decimal = Field(max_digits=12, decimal_places=3)


class Paging(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)


class NewUnit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=16)
    fail_after_write: bool = False
    keep_writes: bool = False
    flush: bool = True  # False: the unit is only pending in the session when it fails


class UnitCode(BaseModel):
    code: str


@bp.endpoint("POST", "notes", body=Note, query=Paging, response=Note, status=201)
def create_note(ctx: http.Context) -> Note:
    """Echo a validated note."""
    note: Note = ctx.body
    return note


@bp.endpoint("POST", "small-notes", body=Note, max_body=64)
def create_small_note(ctx: http.Context) -> None:
    """Accept a note of at most 64 bytes."""


@bp.endpoint("GET", "boom")
def boom(ctx: http.Context) -> None:
    """Fail with internals in the message."""
    raise RuntimeError("connection to db-secret-host failed with password hunter2")


@bp.endpoint("POST", "units", body=NewUnit, response=UnitCode, status=201)
def add_unit(ctx: http.Context) -> UnitCode:
    """Write a unit, then fail when asked to: the write stays only when the refusal keeps it."""
    ctx.db.add(
        Unit(
            code=ctx.body.code, symbol="x", name_sv="x", name_en="x", unece_code="ZZ", sort_order=99
        )
    )
    if ctx.body.flush:
        ctx.db.flush()
    if ctx.body.fail_after_write:
        raise Problem(
            409, "conflict", "Asked to fail after writing.", keep_writes=ctx.body.keep_writes
        )
    return UnitCode(code=ctx.body.code)


@bp.endpoint("GET", "units/{code}", response=UnitCode)
def get_unit(ctx: http.Context) -> UnitCode:
    """One unit by code."""
    unit = ctx.db.scalar(select(Unit).where(Unit.code == ctx.route["code"]))
    if unit is None:
        raise Problem(404, "not_found", "No such unit.")
    return UnitCode(code=unit.code)


VERSION = 3


class Versioned(BaseModel):
    name: str
    version: int


@bp.endpoint("GET", "versioned/{name}", response=Versioned)
def get_versioned(ctx: http.Context) -> Versioned:
    """A resource at version 3, with its ETag."""
    ctx.response_headers.append(("ETag", etag(VERSION)))
    return Versioned(name=ctx.route["name"], version=VERSION)


@bp.endpoint("PUT", "versioned/{name}")
def put_versioned(ctx: http.Context) -> None:
    """Accept a change only when If-Match names version 3."""
    current = Versioned(name=ctx.route["name"], version=VERSION)
    check_if_match(ctx.header("If-Match"), VERSION, lambda: current)


app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(bp)
