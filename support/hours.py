"""When the support chat is staffed: the opening hours of one day, on working days.

A working day is a weekday that is neither a Swedish public holiday nor a day Swedish
offices treat as one (midsommarafton, julafton, nyårsafton: the `holidays` package's
PUBLIC and DE_FACTO categories). The hours are local time in the configured zone, so
07:30 stays 07:30 on both sides of a daylight-saving change; every instant given and
returned is UTC.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import holidays

HOLIDAY_COUNTRY = "SE"
# Far enough to cross any run of holidays (Christmas to Epiphany is the longest).
_DAYS_AHEAD = 30


@dataclass(frozen=True)
class Opening:
    """Whether support is staffed at an instant, and the current or next staffed period."""

    open: bool
    opens_at: datetime  # UTC
    closes_at: datetime  # UTC


@functools.cache
def _holidays(year: int) -> holidays.HolidayBase:
    # Imported here: the package loads every country's calendar module (30 ms), which
    # only the opening hours need, not the rest of support.
    import holidays
    from holidays.constants import DE_FACTO, PUBLIC

    return holidays.country_holidays(
        HOLIDAY_COUNTRY, years=year, categories=(PUBLIC, DE_FACTO), language="sv"
    )


def holiday_name(day: date) -> str | None:
    """The holiday `day` is, in Swedish, or None for an ordinary day."""
    name: str | None = _holidays(day.year).get(day)
    return name


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


def opening(at: datetime, zone: ZoneInfo, opens: time, closes: time) -> Opening:
    """Support at `at` (aware): open or not, and the period now or next."""
    local_day = at.astimezone(zone).date()
    for offset in range(_DAYS_AHEAD + 1):
        day = local_day + timedelta(days=offset)
        if not is_working_day(day):
            continue
        start = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day, closes, tzinfo=zone).astimezone(UTC)
        if at < end:
            return Opening(open=start <= at, opens_at=start, closes_at=end)
    raise LookupError(f"no working day within {_DAYS_AHEAD} days of {local_day}")
