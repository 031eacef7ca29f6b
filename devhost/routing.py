"""Route templates in the ASP.NET syntax the Functions host uses, and a router over them.

The Functions host matches `route=` templates with ASP.NET Core routing, so the dev host
has to read them the same way, or a route that works locally would fail in Azure (or the
other way round). Supported: literal segments (matched case-insensitively), `{name}`,
inline constraints (`{id:int}`, chained as `{n:int:min(1)}`), optional `{name?}` and
defaulted `{name=value}` parameters at the end, and a catch-all `{*rest}` / `{**rest}` as
the last segment. Segments mixing literals and parameters (`{name}.{ext}`) are refused
with a clear error rather than matched approximately.

An optional parameter that is absent, and an empty catch-all, are left out of the route
parameters, as ASP.NET leaves them out of its route values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from urllib.parse import unquote

H = TypeVar("H")

Check = Callable[[str], bool]

# One part of a template: a `{parameter}` (braces inside it doubled), a slash, literal
# text, or a stray brace (an error).
_PART = re.compile(r"\{(?:[^{}]|\{\{|\}\})*\}|/|[^{}/]+|[{}]")
_NAME = re.compile(r"[^{}/?*:=]+")
_CONSTRAINT_NAME = re.compile(r"[A-Za-z]+")

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)")
_FLOAT = re.compile(
    r"[+-]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?|nan|[+-]?infinity",
    re.IGNORECASE,
)
_HEX_GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_GUID = re.compile(rf"{_HEX_GUID}|[0-9a-f]{{32}}|\{{{_HEX_GUID}\}}|\({_HEX_GUID}\)", re.IGNORECASE)
_ALPHA = re.compile(r"[A-Za-z]+")


def _integer(value: str, bits: int) -> int | None:
    """The value as .NET's invariant `int`/`long` parsing would read it, else None."""
    if not _INTEGER.fullmatch(value):
        return None
    number = int(value)
    limit = 1 << (bits - 1)
    return number if -limit <= number < limit else None


def _is_datetime(value: str) -> bool:
    # .NET's DateTime parsing is far more lenient; ISO 8601 is what our API uses.
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_PLAIN_CONSTRAINTS: dict[str, Check] = {
    "int": lambda v: _integer(v, 32) is not None,
    "long": lambda v: _integer(v, 64) is not None,
    "bool": lambda v: v.lower() in ("true", "false"),
    "guid": lambda v: _GUID.fullmatch(v) is not None,
    "alpha": lambda v: _ALPHA.fullmatch(v) is not None,
    "decimal": lambda v: _DECIMAL.fullmatch(v) is not None,
    "double": lambda v: _FLOAT.fullmatch(v) is not None,
    "float": lambda v: _FLOAT.fullmatch(v) is not None,
    "datetime": _is_datetime,
    "required": lambda v: v != "",
}


def _numbers(name: str, arguments: str, counts: tuple[int, ...]) -> list[int]:
    try:
        numbers = [int(part) for part in arguments.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) not in counts:
        raise ValueError(
            f"constraint {name}({arguments}) needs {' or '.join(map(str, counts))} "
            "integer argument(s)"
        )
    return numbers


def _in_range(value: str, low: int | None, high: int | None) -> bool:
    number = _integer(value, 64)
    return (
        number is not None and (low is None or number >= low) and (high is None or number <= high)
    )


def _constraint(name: str, arguments: str | None) -> Check:
    """Build the check for one inline constraint, e.g. ("min", "1") for `min(1)`."""
    key = name.lower()
    if arguments is None:
        if key not in _PLAIN_CONSTRAINTS:
            raise ValueError(f"unknown route constraint {name!r}")
        return _PLAIN_CONSTRAINTS[key]
    if key == "regex":
        try:
            pattern = re.compile(arguments, re.IGNORECASE)
        except re.error as error:
            raise ValueError(f"bad regex in route constraint: {error}") from error
        # ASP.NET uses IsMatch, so the pattern is not anchored unless it says so.
        return lambda v: pattern.search(v) is not None
    if key == "minlength":
        (low,) = _numbers(name, arguments, (1,))
        return lambda v: len(v) >= low
    if key == "maxlength":
        (high,) = _numbers(name, arguments, (1,))
        return lambda v: len(v) <= high
    if key == "length":
        bounds = _numbers(name, arguments, (1, 2))
        low, high = bounds[0], bounds[-1]
        return lambda v: low <= len(v) <= high
    if key == "min":
        (low,) = _numbers(name, arguments, (1,))
        return lambda v: _in_range(v, low, None)
    if key == "max":
        (high,) = _numbers(name, arguments, (1,))
        return lambda v: _in_range(v, None, high)
    if key == "range":
        low, high = _numbers(name, arguments, (2,))
        return lambda v: _in_range(v, low, high)
    raise ValueError(f"unknown route constraint {name}({arguments})")


@dataclass(frozen=True)
class Parameter:
    """A `{...}` segment of a template."""

    name: str
    checks: tuple[Check, ...] = ()
    optional: bool = False
    default: str | None = None
    catch_all: bool = False

    @property
    def omittable(self) -> bool:
        """Whether a path may end before this segment."""
        return self.optional or self.catch_all or self.default is not None

    @property
    def rank(self) -> int:
        """Specificity for choosing among matching templates: lower wins."""
        if self.catch_all:
            return 4 if self.checks else 5
        if self.optional or self.default is not None:
            return 3
        return 1 if self.checks else 2

    def accepts(self, value: str) -> bool:
        return all(check(value) for check in self.checks)


def _parse_parameter(body: str, template: str) -> Parameter:
    """Parse the inside of `{...}`: `*name`, `name:c1:c2(args)`, then `?` or `=default`."""
    text = body.replace("{{", "{").replace("}}", "}")
    stripped = text.lstrip("*")
    catch_all = stripped != text
    if len(text) - len(stripped) > 2:
        raise ValueError(f"bad catch-all parameter {{{body}}} in route {template!r}")
    name_match = _NAME.match(stripped)
    if name_match is None:
        raise ValueError(f"parameter without a name {{{body}}} in route {template!r}")
    name = name_match.group()
    rest = stripped[name_match.end() :]

    checks: list[Check] = []
    while rest.startswith(":"):
        constraint = _CONSTRAINT_NAME.match(rest, 1)
        if constraint is None:
            raise ValueError(f"bad constraint in {{{body}}} in route {template!r}")
        position = constraint.end()
        arguments = None
        if rest.startswith("(", position):
            # The closing parenthesis is the one followed by the end, `:`, `=` or `?`, so a
            # regex may contain parentheses of its own.
            close = rest.find(")", position)
            while close != -1 and rest[close + 1 : close + 2] not in ("", ":", "=", "?"):
                close = rest.find(")", close + 1)
            if close == -1:
                raise ValueError(f"unclosed constraint in {{{body}}} in route {template!r}")
            arguments = rest[position + 1 : close]
            position = close + 1
        checks.append(_constraint(constraint.group(), arguments))
        rest = rest[position:]

    optional = rest == "?"
    default = rest[1:] if rest.startswith("=") else None
    if rest and not optional and default is None:
        raise ValueError(f"cannot read {{{body}}} in route {template!r}")
    if catch_all and optional:
        raise ValueError(f"a catch-all is already optional: {{{body}}} in route {template!r}")
    return Parameter(name, tuple(checks), optional, default, catch_all)


class RouteTemplate:
    """A parsed route template; `match` tests a path (split into decoded segments)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.segments: tuple[str | Parameter, ...] = tuple(self._parse(text))
        self.rank: tuple[int, ...] = tuple(
            segment.rank if isinstance(segment, Parameter) else 0 for segment in self.segments
        )

    @staticmethod
    def _parse(text: str) -> list[str | Parameter]:
        trimmed = text.strip("/")
        if not trimmed:
            return []
        pieces: list[list[str]] = [[]]
        for part in _PART.findall(trimmed):
            if part == "/":
                pieces.append([])
            elif part in ("{", "}"):
                raise ValueError(f"unbalanced brace in route {text!r}")
            else:
                pieces[-1].append(part)

        segments: list[str | Parameter] = []
        names: set[str] = set()
        for parts in pieces:
            if len(parts) != 1:
                raise ValueError(
                    f"route {text!r}: every segment must be one literal or one parameter "
                    "(empty and mixed segments are not supported by the dev host)"
                )
            part = parts[0]
            if not part.startswith("{"):
                segments.append(part)
                continue
            parameter = _parse_parameter(part[1:-1], text)
            if parameter.name.lower() in names:
                raise ValueError(f"parameter {parameter.name!r} repeated in route {text!r}")
            names.add(parameter.name.lower())
            segments.append(parameter)

        for segment in segments[:-1]:
            if isinstance(segment, Parameter) and segment.catch_all:
                raise ValueError(f"route {text!r}: a catch-all must be the last segment")
            if isinstance(segment, Parameter) and segment.optional:
                raise ValueError(f"route {text!r}: only the last segment may be optional")
        return segments

    def match(self, path: Sequence[str]) -> dict[str, str] | None:
        """Route parameters if the decoded path segments fit this template, else None."""
        values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if isinstance(segment, Parameter) and segment.catch_all:
                rest = "/".join(path[index:])
                if rest and not segment.accepts(rest):
                    return None
                value = rest or segment.default
                if value is not None:
                    values[segment.name] = value
                return values
            if index >= len(path):
                if not isinstance(segment, Parameter) or not segment.omittable:
                    return None
                if segment.default is not None:
                    values[segment.name] = segment.default
                continue
            value = path[index]
            if isinstance(segment, str):
                if value.casefold() != segment.casefold():
                    return None
            elif value == "" or not segment.accepts(value):
                return None
            else:
                values[segment.name] = value
        return values if len(path) <= len(self.segments) else None


@dataclass(frozen=True)
class Route(Generic[H]):
    template: RouteTemplate
    methods: frozenset[str] | None  # None: every method, as for a trigger without methods
    handler: H

    def allows(self, method: str) -> bool:
        return self.methods is None or method.upper() in self.methods


@dataclass(frozen=True)
class Match(Generic[H]):
    handler: H
    params: dict[str, str]


@dataclass(frozen=True)
class MethodNotAllowed:
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class NoRoute:
    pass


def split_path(path: str) -> list[str]:
    """URL path to decoded segments: `/api/a%2Fb/M%C3%A4ngd/` → ["api", "a/b", "Mängd"].

    Each segment is decoded on its own, so an encoded slash stays inside its segment. A
    trailing slash is ignored, as ASP.NET ignores it.
    """
    trimmed = path.removeprefix("/").removesuffix("/")
    return [unquote(segment) for segment in trimmed.split("/")] if trimmed else []


class Router(Generic[H]):
    """Routes under a prefix (host.json `extensions.http.routePrefix`, may be empty)."""

    def __init__(self, prefix: str = "api") -> None:
        self.prefix = prefix.strip("/")
        self._prefix_segments = [s.casefold() for s in split_path(self.prefix)]
        self._routes: list[Route[H]] = []

    @property
    def routes(self) -> tuple[Route[H], ...]:
        return tuple(self._routes)

    def add(self, template: str, methods: Iterable[str] | None, handler: H) -> Route[H]:
        """Register a handler; no methods (None or empty) means every method."""
        allowed = frozenset(method.upper() for method in methods or ())
        route = Route(RouteTemplate(template), allowed or None, handler)
        self._routes.append(route)
        return route

    def reserves(self, path: str) -> bool:
        """Whether only functions may answer this path: it lies under a non-empty prefix."""
        return bool(self._prefix_segments) and self._strip_prefix(split_path(path)) is not None

    def resolve(self, path: str, method: str) -> Match[H] | MethodNotAllowed | NoRoute:
        """Find the handler for a raw (still percent-encoded) URL path and a method.

        Among templates that match the path, those that accept the method compete and
        the most specific wins, segment by segment (literal, constrained parameter,
        parameter, optional, catch-all); on a tie the first registered wins.
        """
        rest = self._strip_prefix(split_path(path))
        if rest is None:
            return NoRoute()
        found = [
            (route, params)
            for route in self._routes
            if (params := route.template.match(rest)) is not None
        ]
        if not found:
            return NoRoute()
        accepting = [(route, params) for route, params in found if route.allows(method)]
        if not accepting:
            allowed: set[str] = set()
            for route, _ in found:
                allowed |= route.methods or frozenset()
            return MethodNotAllowed(tuple(sorted(allowed)))
        route, params = min(accepting, key=lambda pair: pair[0].template.rank)
        return Match(route.handler, params)

    def _strip_prefix(self, segments: list[str]) -> list[str] | None:
        count = len(self._prefix_segments)
        head = [segment.casefold() for segment in segments[:count]]
        return segments[count:] if head == self._prefix_segments else None
