"""NCRONTAB schedules of timer triggers: when each fires next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from devhost.ncrontab import next_fire


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        # Every five minutes.
        ("0 */5 * * * *", "2024-05-10T12:03:27", "2024-05-10T12:05:00"),
        ("0 */5 * * * *", "2024-05-10T12:05:00", "2024-05-10T12:10:00"),  # strictly after
        ("0 */5 * * * *", "2024-05-10T12:04:59.999999", "2024-05-10T12:05:00"),
        ("0 */5 * * * *", "2024-05-10T23:58:00", "2024-05-11T00:00:00"),
        # Hourly.
        ("0 0 * * * *", "2024-05-10T10:00:00", "2024-05-10T11:00:00"),
        ("0 0 * * * *", "2024-05-10T10:59:59", "2024-05-10T11:00:00"),
        # Weekdays at 07:30 (2024-05-10 is a Friday).
        ("0 30 7 * * 1-5", "2024-05-10T07:29:59", "2024-05-10T07:30:00"),
        ("0 30 7 * * 1-5", "2024-05-10T08:00:00", "2024-05-13T07:30:00"),
        ("0 30 7 * * Mon-Fri", "2024-05-11T00:00:00", "2024-05-13T07:30:00"),
        # Month boundaries: months without a 31st are skipped; the year rolls over.
        ("0 0 0 31 * *", "2024-04-01T00:00:00", "2024-05-31T00:00:00"),
        ("0 0 0 31 * *", "2024-05-31T00:00:00", "2024-07-31T00:00:00"),
        ("0 0 12 1 * *", "2024-12-15T00:00:00", "2025-01-01T12:00:00"),
        ("0 0 0 1 Jan *", "2024-05-10T00:00:00", "2025-01-01T00:00:00"),
        ("0 0 0 * Feb,dec *", "2024-03-01T00:00:00", "2024-12-01T00:00:00"),
        ("59 59 23 31 12 *", "2024-12-31T23:59:59", "2025-12-31T23:59:59"),
        # Leap day: 2100 is not a leap year.
        ("0 0 0 29 2 *", "2024-01-15T00:00:00", "2024-02-29T00:00:00"),
        ("0 0 0 29 2 *", "2024-03-01T00:00:00", "2028-02-29T00:00:00"),
        ("0 0 0 29 2 *", "2097-03-01T00:00:00", "2104-02-29T00:00:00"),
        # Seconds, lists, ranges with steps, a start with a step.
        ("*/15 * * * * *", "2024-05-10T10:00:14", "2024-05-10T10:00:15"),
        ("*/1 * * * * *", "2024-05-10T10:00:59", "2024-05-10T10:01:00"),
        ("0 0 9,17 * * *", "2024-05-10T12:00:00", "2024-05-10T17:00:00"),
        ("0 10-20/5 * * * *", "2024-05-10T10:20:00", "2024-05-10T11:10:00"),
        ("0 45/5 * * * *", "2024-05-10T10:50:00", "2024-05-10T10:55:00"),
        ("0 45/5 * * * *", "2024-05-10T10:55:00", "2024-05-10T11:45:00"),
        # Sunday is 0, 7 or Sun.
        ("0 0 0 * * 0", "2024-05-10T00:00:00", "2024-05-12T00:00:00"),
        ("0 0 0 * * 7", "2024-05-10T00:00:00", "2024-05-12T00:00:00"),
        ("0 0 0 * * sun", "2024-05-10T00:00:00", "2024-05-12T00:00:00"),
        ("0 0 0 * * Sat,Sun", "2024-05-10T00:00:00", "2024-05-11T00:00:00"),
        ("0 0 0 * * 6-7", "2024-05-11T00:00:00", "2024-05-12T00:00:00"),
        # Day of month and day of week must both hold: the next Friday the 13th.
        ("0 0 0 13 * Fri", "2024-05-10T00:00:00", "2024-09-13T00:00:00"),
        # Full names are read too.
        ("0 30 9 * January Monday", "2024-05-10T00:00:00", "2025-01-06T09:30:00"),
    ],
)
def test_next_fire(schedule: str, after: str, expected: str) -> None:
    assert next_fire(schedule, at(after)) == at(expected)


def test_result_is_utc_and_after_may_be_in_any_zone() -> None:
    stockholm_summer = timezone(timedelta(hours=2))
    after = datetime(2024, 5, 10, 12, 3, tzinfo=stockholm_summer)
    fired = next_fire("0 */5 * * * *", after)
    assert fired == at("2024-05-10T10:05:00")
    assert fired.utcoffset() == timedelta(0)


def test_naive_after_is_taken_as_utc() -> None:
    assert next_fire("0 0 * * * *", datetime(2024, 5, 10, 10, 30)) == at("2024-05-10T11:00:00")


def test_consecutive_fires_walk_the_schedule() -> None:
    fired = at("2024-05-10T07:00:00")
    times = []
    for _ in range(4):
        fired = next_fire("0 30 7 * * Mon-Fri", fired)
        times.append(fired.date().isoformat())
    assert times == ["2024-05-10", "2024-05-13", "2024-05-14", "2024-05-15"]


def test_every_second_for_a_long_way_is_fast_enough_to_compute() -> None:
    fired = at("2024-12-31T23:59:58")
    for _ in range(3):
        fired = next_fire("* * * * * *", fired)
    assert fired == at("2025-01-01T00:00:01")


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("", "expected 6 fields"),
        ("* * * * *", "got 5"),
        ("0 * * * * * *", "got 7"),
        ("00:05:00", "expected 6 fields"),
        ("60 * * * * *", "second field '60'"),
        ("* 60 * * * *", "minute field"),
        ("* * 24 * * *", "hour field"),
        ("* * * 0 * *", "day field"),
        ("* * * 32 * *", "day field"),
        ("* * * * 13 *", "month field"),
        ("* * * * * 8", "day-of-week field"),
        ("*/0 * * * * *", "step"),
        ("*/x * * * * *", "step"),
        ("5-1 * * * * *", "backwards"),
        ("a * * * * *", "not a number"),
        ("* * * * Foo *", "not a number or a name"),
        ("* * * * * Mo", "not a number or a name"),
        ("1,,2 * * * * *", "second field"),
        ("-1 * * * * *", "second field"),
        ("? * * * * *", "second field"),
        ("0 0 0 30 2 *", "never fires"),
        ("0 0 0 31 4,6,9,11 *", "never fires"),
    ],
)
def test_bad_expressions_are_refused_clearly(schedule: str, message: str) -> None:
    with pytest.raises(ValueError, match="NCRONTAB") as raised:
        next_fire(schedule, at("2024-05-10T00:00:00"))
    assert message in str(raised.value)
