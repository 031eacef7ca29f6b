"""Support opening hours at fixed instants: weekdays 07:30–16:30 Europe/Stockholm,
closed at weekends, on Swedish public holidays and on the days treated as such.

Each case freezes the clock at one instant (the service takes it as a value) and says
what the status must be, with the current or next opening in UTC: the hours are local,
so across a daylight-saving change the UTC times move and the local ones do not.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from support import hours, service

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OPENS, CLOSES = time(7, 30), time(16, 30)


def local(text: str) -> datetime:
    """A Stockholm wall-clock time (the zone's offset on that date) as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (what, instant, open, opens_at UTC, closes_at UTC)
CASES = [
    # Wednesday 2025-05-14, CEST (UTC+2)
    ("a weekday 07:29", local("2025-05-14T07:29"), False, "2025-05-14T05:30", "2025-05-14T14:30"),
    ("a weekday 07:30", local("2025-05-14T07:30"), True, "2025-05-14T05:30", "2025-05-14T14:30"),
    ("a weekday 16:29", local("2025-05-14T16:29"), True, "2025-05-14T05:30", "2025-05-14T14:30"),
    ("a weekday 16:30", local("2025-05-14T16:30"), False, "2025-05-15T05:30", "2025-05-15T14:30"),
    # Saturday: the next opening is Monday
    ("a Saturday", local("2025-05-17T11:00"), False, "2025-05-19T05:30", "2025-05-19T14:30"),
    # Midsommarafton 2025-06-20 (a Friday): closed through the weekend
    ("midsommarafton", local("2025-06-20T10:00"), False, "2025-06-23T05:30", "2025-06-23T14:30"),
    # Juldagen 2025-12-25 (Thursday), annandag jul Friday: next is Monday 29th, CET (UTC+1)
    ("juldagen", local("2025-12-25T09:00"), False, "2025-12-29T06:30", "2025-12-29T15:30"),
    # Julafton 2025-12-24 (Wednesday) is treated as a holiday
    ("julafton", local("2025-12-24T09:00"), False, "2025-12-29T06:30", "2025-12-29T15:30"),
    # Nyårsafton 2025-12-31 (Wednesday), nyårsdagen Thursday: open again Friday 2 January
    ("nyårsafton", local("2025-12-31T12:00"), False, "2026-01-02T06:30", "2026-01-02T15:30"),
    # Annandag påsk 2025-04-21 (Monday): open Tuesday
    ("annandag påsk", local("2025-04-21T09:00"), False, "2025-04-22T05:30", "2025-04-22T14:30"),
    # Clocks go forward on Sunday 2025-03-30 at 02:00 CET: Friday's next opening is on
    # Monday in summer time, two hours before UTC instead of one.
    (
        "Friday before the spring change",
        local("2025-03-28T16:45"),
        False,
        "2025-03-31T05:30",
        "2025-03-31T14:30",
    ),
    (
        "the spring-change night",
        utc("2025-03-30T01:30"),
        False,
        "2025-03-31T05:30",
        "2025-03-31T14:30",
    ),
    # Clocks go back on Sunday 2025-10-26 at 03:00 CEST: 02:30 happens twice.
    (
        "the autumn-change night",
        utc("2025-10-26T00:30"),
        False,
        "2025-10-27T06:30",
        "2025-10-27T15:30",
    ),
    ("its repeated hour", utc("2025-10-26T01:30"), False, "2025-10-27T06:30", "2025-10-27T15:30"),
    (
        "Monday after it, 07:30",
        local("2025-10-27T07:30"),
        True,
        "2025-10-27T06:30",
        "2025-10-27T15:30",
    ),
]


@pytest.mark.parametrize(
    ("instant", "is_open", "opens_at", "closes_at"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_opening_at_an_instant(
    instant: datetime, is_open: bool, opens_at: str, closes_at: str
) -> None:
    found = hours.opening(instant, STOCKHOLM, OPENS, CLOSES)
    assert found.open is is_open
    assert found.opens_at == utc(opens_at)
    assert found.closes_at == utc(closes_at)
    assert found.opens_at.tzinfo == UTC


def test_the_holidays_come_from_the_package_with_their_swedish_names() -> None:
    assert hours.holiday_name(datetime(2025, 6, 20).date()) == "Midsommarafton"
    assert hours.holiday_name(datetime(2025, 12, 24).date()) == "Julafton"
    assert hours.holiday_name(datetime(2025, 12, 31).date()) == "Nyårsafton"
    assert hours.holiday_name(datetime(2025, 4, 21).date()) == "Annandag påsk"
    assert hours.holiday_name(datetime(2025, 6, 6).date()) == "Nationaldagen"
    assert hours.holiday_name(datetime(2025, 5, 14).date()) is None
    # Days the banks half-close (trettondagsafton) are ordinary working days here.
    assert hours.is_working_day(datetime(2025, 1, 3).date())


def test_the_status_names_the_settings_and_todays_holiday() -> None:
    found = service.status(local("2025-12-24T09:00"))
    assert found.model_dump(mode="json") == {
        "open": False,
        "opens_at": "2025-12-29T06:30:00Z",
        "closes_at": "2025-12-29T15:30:00Z",
        "timezone": "Europe/Stockholm",
        "hours": "07:30-16:30",
        "holiday": "Julafton",
    }


def test_other_hours_and_zones_from_settings() -> None:
    helsinki = ZoneInfo("Europe/Helsinki")
    found = hours.opening(
        datetime(2025, 5, 14, 4, 59, tzinfo=UTC), helsinki, time(8, 0), time(17, 0)
    )
    assert found.open is False
    assert found.opens_at == utc("2025-05-14T05:00")  # 08:00 EEST
