"""The working-hours clock: deadlines computed by hand across weekends, holidays and DST changes."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from handoffs.clock import WorkingCalendar

BERLIN = ZoneInfo("Europe/Berlin")
UTC = datetime.UTC
HOUR = 3600
OFFICE = WorkingCalendar(tz=BERLIN)  # Monday–Friday 09:00–17:00


def berlin(*args):
    return datetime.datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("start", "hours", "deadline"),
    [
        # Friday 15:30: 1.5 h left on Friday, 6.5 h on Monday from 09:00.
        (berlin(2026, 3, 6, 15, 30), 8, berlin(2026, 3, 9, 15, 30)),
        # Friday 16:30: half an hour on Friday, 7.5 h on Monday.
        (berlin(2026, 3, 6, 16, 30), 8, berlin(2026, 3, 9, 16, 30)),
        # Handed off on Saturday: the clock starts on Monday at nine.
        (berlin(2026, 3, 7, 10, 0), 1, berlin(2026, 3, 9, 10, 0)),
        # Before the office opens: counted from 09:00 the same day.
        (berlin(2026, 3, 9, 7, 0), 1, berlin(2026, 3, 9, 10, 0)),
        # A full day fits the day exactly: 17:00, not the next morning.
        (berlin(2026, 3, 9, 9, 0), 8, berlin(2026, 3, 9, 17, 0)),
        # 24 working hours from Wednesday 12:00: Wed 5 + Thu 8 + Fri 8 = 21, then 3 on Monday.
        (berlin(2026, 3, 11, 12, 0), 24, berlin(2026, 3, 16, 12, 0)),
    ],
)
def test_working_time_skips_nights_and_weekends(start, hours, deadline):
    assert OFFICE.add_working(start, hours * HOUR) == deadline
    assert OFFICE.working_seconds_between(start, deadline) == hours * HOUR


def test_a_lead_handed_off_on_friday_evening_is_not_overdue_on_saturday():
    handed_off = berlin(2026, 3, 6, 18, 0)
    deadline = OFFICE.add_working(handed_off, 4 * HOUR)
    assert deadline == berlin(2026, 3, 9, 13, 0)
    assert OFFICE.working_seconds_between(handed_off, berlin(2026, 3, 7, 12, 0)) == 0


def test_a_holiday_monday_is_skipped():
    easter = WorkingCalendar(tz=BERLIN, holidays={datetime.date(2026, 4, 6)})
    # Friday 16:00: one hour on Friday, Easter Monday off, one hour on Tuesday.
    assert easter.add_working(berlin(2026, 4, 3, 16, 0), 2 * HOUR) == berlin(2026, 4, 7, 10, 0)
    assert easter.working_seconds_between(berlin(2026, 4, 3, 16, 0), berlin(2026, 4, 7, 10, 0)) == 2 * HOUR
    # Without the holiday the same two hours end on Monday.
    assert OFFICE.add_working(berlin(2026, 4, 3, 16, 0), 2 * HOUR) == berlin(2026, 4, 6, 10, 0)


def test_spring_dst_change_keeps_office_hours_local():
    # Friday 27 March 16:00 CET is 15:00 UTC; Monday 30 March 10:00 CEST is 08:00 UTC.
    deadline = OFFICE.add_working(berlin(2026, 3, 27, 16, 0), 2 * HOUR)
    assert deadline.astimezone(UTC) == datetime.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert deadline == berlin(2026, 3, 30, 10, 0)


def test_autumn_dst_change_keeps_office_hours_local():
    # Friday 23 October 16:00 CEST is 14:00 UTC; Monday 26 October 10:00 CET is 09:00 UTC.
    deadline = OFFICE.add_working(berlin(2026, 10, 23, 16, 0), 2 * HOUR)
    assert deadline.astimezone(UTC) == datetime.datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_round_the_clock_days_are_as_long_as_they_really_are_across_dst():
    always = WorkingCalendar.round_the_clock(BERLIN)
    # 29 March 2026 has 23 hours in Berlin, 25 October 2026 has 25.
    assert always.working_seconds_between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30, 0, 0)) == 23 * HOUR
    assert always.working_seconds_between(berlin(2026, 10, 25, 0, 0), berlin(2026, 10, 26, 0, 0)) == 25 * HOUR
    # Saturday 23:00 CET (22:00 UTC) + 4 h = 02:00 UTC, which is 04:00 CEST.
    assert always.add_working(berlin(2026, 3, 28, 23, 0), 4 * HOUR) == berlin(2026, 3, 29, 4, 0)


def test_a_working_window_across_the_skipped_hour_is_two_real_hours():
    night = WorkingCalendar(tz=BERLIN, weekdays=range(1, 8), start=datetime.time(1), end=datetime.time(4))
    # 01:00 CET (00:00 UTC) to 04:00 CEST (02:00 UTC).
    assert night.working_seconds_between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30, 0, 0)) == 2 * HOUR
    assert night.add_working(berlin(2026, 3, 29, 0, 0), 2 * HOUR) == berlin(2026, 3, 29, 4, 0)


def test_round_the_clock_equals_wall_time():
    always = WorkingCalendar.round_the_clock(BERLIN)
    start = datetime.datetime(2026, 3, 6, 17, 45, tzinfo=UTC)
    assert always.add_working(start, 24 * HOUR) == start + datetime.timedelta(hours=24)


def test_working_seconds_between_is_signed_and_zero_outside_working_time():
    a, b = berlin(2026, 3, 6, 16, 0), berlin(2026, 3, 9, 10, 0)
    assert OFFICE.working_seconds_between(a, b) == 2 * HOUR
    assert OFFICE.working_seconds_between(b, a) == -2 * HOUR
    assert OFFICE.working_seconds_between(berlin(2026, 3, 7, 9, 0), berlin(2026, 3, 8, 17, 0)) == 0


def test_other_weekdays_and_hours():
    # A Sunday-to-Thursday team working 08:00–12:00.
    team = WorkingCalendar(
        tz=ZoneInfo("Asia/Dubai"), weekdays={7, 1, 2, 3, 4}, start=datetime.time(8), end=datetime.time(12)
    )
    thursday = datetime.datetime(2026, 3, 5, 11, 0, tzinfo=ZoneInfo("Asia/Dubai"))
    assert team.add_working(thursday, 2 * HOUR) == datetime.datetime(2026, 3, 8, 9, 0, tzinfo=ZoneInfo("Asia/Dubai"))


@pytest.mark.parametrize(
    "kwargs",
    [{"weekdays": set()}, {"weekdays": {0}}, {"start": datetime.time(17), "end": datetime.time(9)}],
)
def test_a_calendar_without_working_time_is_refused(kwargs):
    with pytest.raises(ValueError):
        WorkingCalendar(tz=BERLIN, **kwargs)
