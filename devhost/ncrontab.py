"""Six-field NCRONTAB schedules, as Azure Functions timer triggers write them.

`{second} {minute} {hour} {day} {month} {day-of-week}`, e.g. `0 */5 * * * *`. Each field
takes `*`, numbers, ranges `a-b`, steps `*/n`, `a-b/n` and `a/n` (from a to the end),
and lists `a,b`; months and days of the week also take English names (`Jan`, `Mon`;
0 and 7 are both Sunday). As in NCrontab, a day must satisfy both the day-of-month and
the day-of-week field, not either one as in classic cron. Times are UTC, the default
of the Functions host.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta

_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

_MONTHS = {
    alias: number for number, name in enumerate(_MONTH_NAMES, start=1) for alias in (name, name[:3])
}
_DAYS = {alias: number for number, name in enumerate(_DAY_NAMES) for alias in (name, name[:3])}

# (name, lowest, highest, names) for the six fields, in order.
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 7, _DAYS),
)

# The Gregorian calendar repeats every 400 years: a schedule that has not fired within
# that span (e.g. `0 0 0 30 2 *`) never will.
_SEARCH_YEARS = 401


@dataclass(frozen=True)
class _Schedule:
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: frozenset[int]  # 0 = Sunday

    def first_time_from(self, floor: time) -> time | None:
        """The earliest time of day in the schedule at or after `floor`, if any."""
        for hour in self.hours:
            if hour > floor.hour:
                return time(hour, self.minutes[0], self.seconds[0])
            if hour < floor.hour:
                continue
            for minute in self.minutes:
                if minute > floor.minute:
                    return time(hour, minute, self.seconds[0])
                if minute < floor.minute:
                    continue
                for second in self.seconds:
                    if second >= floor.second:
                        return time(hour, minute, second)
        return None


def _parse_value(text: str, low: int, high: int, names: dict[str, int]) -> int:
    if text.isascii() and text.isdigit():
        value = int(text)
    elif text.lower() in names:
        value = names[text.lower()]
    else:
        raise ValueError(f"{text!r} is not a number or a name")
    if not low <= value <= high:
        raise ValueError(f"{value} is outside {low}-{high}")
    return value


def _parse_field(text: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        span, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not (step_text.isascii() and step_text.isdigit()) or int(step_text) == 0:
                raise ValueError(f"step {step_text!r} must be a positive number")
            step = int(step_text)
        if span == "*":
            start, end = low, high
        elif "-" in span:
            first, last = span.split("-", 1)
            start = _parse_value(first, low, high, names)
            end = _parse_value(last, low, high, names)
            if start > end:
                raise ValueError(f"range {span!r} runs backwards")
        else:
            start = _parse_value(span, low, high, names)
            end = high if slash else start
        values.update(range(start, end + 1, step))
    return values


def _parse(expression: str) -> _Schedule:
    fields = expression.split()
    if len(fields) != len(_FIELDS):
        raise ValueError(
            f"bad NCRONTAB expression {expression!r}: expected 6 fields "
            "({second} {minute} {hour} {day} {month} {day-of-week}), "
            f"got {len(fields)}"
        )
    sets: list[set[int]] = []
    for text, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        try:
            sets.append(_parse_field(text, low, high, names))
        except ValueError as error:
            raise ValueError(
                f"bad NCRONTAB expression {expression!r}: {name} field {text!r}: {error}"
            ) from error
    seconds, minutes, hours, days, months, weekdays = (sorted(values) for values in sets)
    return _Schedule(
        seconds=tuple(seconds),
        minutes=tuple(minutes),
        hours=tuple(hours),
        days=tuple(days),
        months=tuple(months),
        weekdays=frozenset(day % 7 for day in weekdays),
    )


def next_fire(schedule: str, after: datetime) -> datetime:
    """The first time strictly after `after` that `schedule` fires, in UTC.

    A naive `after` is taken as UTC. Raises ValueError for a malformed expression or
    one that can never fire.
    """
    parsed = _parse(schedule)
    if after.tzinfo is None:
        after = after.replace(tzinfo=UTC)
    start = after.astimezone(UTC).replace(microsecond=0, tzinfo=None) + timedelta(seconds=1)
    for year in range(start.year, min(start.year + _SEARCH_YEARS, MAXYEAR + 1)):
        for month in parsed.months:
            if (year, month) < (start.year, start.month):
                continue
            month_length = calendar.monthrange(year, month)[1]
            for day in parsed.days:
                if day > month_length:
                    break
                candidate = date(year, month, day)
                weekday = (candidate.weekday() + 1) % 7  # Python counts from Monday = 0
                if candidate < start.date() or weekday not in parsed.weekdays:
                    continue
                floor = start.time() if candidate == start.date() else time()
                clock = parsed.first_time_from(floor)
                if clock is not None:
                    return datetime.combine(candidate, clock, tzinfo=UTC)
    raise ValueError(f"NCRONTAB expression {schedule!r} never fires")
