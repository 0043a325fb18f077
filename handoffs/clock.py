"""The service-level clock of a pending hand-off, as words: "5 h 12 min left" or "overdue by 3 h".

The clock counts the team's working time (``working_clock``); static/js/handoffs.js formats the same
way when it ticks the clock down in the browser, and only while the clock runs.
"""

import datetime
import json
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    overdue: bool
    seconds: int  # to the deadline, or past it when overdue
    text: str
    running: bool = True  # False outside working hours: the clock stands still
    paused_text: str = ""  # "paused until Mon 09:00": now when paused, when the current stretch ends when running
    # The working stretches of the week ahead as seconds from now: (starts, ends or None: runs on, pause label).
    schedule: tuple = ()

    @property
    def changes_in(self):
        """Return the seconds until the clock stops (running) or starts again (paused), None beyond a week."""
        if not self.schedule:
            return None
        return self.schedule[0][1] if self.running else self.schedule[0][0]

    @property
    def schedule_json(self):
        return json.dumps(self.schedule)

    @property
    def signed_seconds(self):
        """Return the seconds left, negative when overdue: what the browser counts down from."""
        return -self.seconds if self.overdue else self.seconds


def duration_text(seconds):
    """Return a whole-minute duration as "2 d 3 h", "30 h", "3 h 12 min", "12 min" or "under a minute"."""
    minutes = int(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    # Days only from two on: a 24 h service level reads "24 h left", not "1 d".
    days = hours // 24 if hours >= 48 else 0
    hours -= days * 24
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return "under a minute"


def sla_clock(deadline, now):
    """Return the clock of a deadline seen at ``now``."""
    delta = int((deadline - now).total_seconds())
    if delta < 0:
        return Clock(overdue=True, seconds=-delta, text=f"overdue by {duration_text(-delta)}")
    # Time left rounds up, like any countdown: a fresh 24 h hand-off shows "24 h left", not "23 h 59 min".
    return Clock(overdue=False, seconds=delta, text=f"{duration_text(-(-delta // 60) * 60)} left")


# --- Working hours -------------------------------------------------------------------------------
# The service-level clocks run on the team's working time: a lead handed off on Friday evening
# is not overdue on Saturday. Windows are built in local time and measured in real (UTC) time,
# so a working day that spans a DST change is as long as it really was.

MIDNIGHT = datetime.time(0)
ISO_WEEKDAYS = range(1, 8)
_MAX_DAYS = 3 * 366  # a calendar with no working day in three years is broken, not slow


@dataclass(frozen=True)
class WorkingCalendar:
    """When the team works: a time zone, ISO weekdays (1 = Monday), daily hours and holidays.

    ``end`` 00:00 means midnight at the end of the day, so 00:00–00:00 is round the clock.
    """

    tz: datetime.tzinfo
    weekdays: frozenset = frozenset({1, 2, 3, 4, 5})
    start: datetime.time = datetime.time(9)
    end: datetime.time = datetime.time(17)
    holidays: frozenset = frozenset()

    def __post_init__(self):
        if isinstance(self.tz, str):
            object.__setattr__(self, "tz", ZoneInfo(self.tz))
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.weekdays or not self.weekdays <= set(ISO_WEEKDAYS):
            raise ValueError("A working calendar needs at least one weekday from 1 (Monday) to 7 (Sunday).")
        if self.end != MIDNIGHT and self.end <= self.start:
            raise ValueError("The working day must end after it starts.")

    @classmethod
    def round_the_clock(cls, tz):
        """Return the calendar of a team that never stops: every day, all day."""
        return cls(tz=tz, weekdays=ISO_WEEKDAYS, start=MIDNIGHT, end=MIDNIGHT)

    def is_working_day(self, day):
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def window(self, day):
        """Return the working window of a local date as two aware UTC datetimes, or None."""
        if not self.is_working_day(day):
            return None
        opens = datetime.datetime.combine(day, self.start, tzinfo=self.tz)
        closes_on = day + datetime.timedelta(days=1) if self.end == MIDNIGHT else day
        closes = datetime.datetime.combine(closes_on, self.end, tzinfo=self.tz)
        return opens.astimezone(datetime.UTC), closes.astimezone(datetime.UTC)

    def is_working(self, moment):
        """Return whether ``moment`` falls within working hours."""
        window = self.window(self._local_date(moment))
        return window is not None and window[0] <= moment < window[1]

    def _local_date(self, moment):
        return moment.astimezone(self.tz).date()

    def add_working(self, start, seconds):
        """Return the moment ``seconds`` of working time after ``start``."""
        remaining = datetime.timedelta(seconds=seconds)
        if remaining <= datetime.timedelta(0):
            return start
        start = start.astimezone(datetime.UTC)
        day = self._local_date(start)
        for _ in range(_MAX_DAYS):
            window = self.window(day)
            if window is not None:
                begin = max(start, window[0])
                if begin < window[1]:
                    if remaining <= window[1] - begin:
                        return (begin + remaining).astimezone(self.tz)
                    remaining -= window[1] - begin
            day += datetime.timedelta(days=1)
        raise ValueError("No working time in three years: check the weekdays and holidays.")

    def working_seconds_between(self, a, b):
        """Return the working seconds from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
        if b < a:
            return -self.working_seconds_between(b, a)
        a, b = a.astimezone(datetime.UTC), b.astimezone(datetime.UTC)
        total = datetime.timedelta(0)
        day, last = self._local_date(a), self._local_date(b)
        while day <= last:
            window = self.window(day)
            if window is not None:
                overlap = min(b, window[1]) - max(a, window[0])
                if overlap > datetime.timedelta(0):
                    total += overlap
            day += datetime.timedelta(days=1)
        return int(total.total_seconds())

    def next_start(self, moment):
        """Return the first moment at or after ``moment`` when a working window opens."""
        day = self._local_date(moment) - datetime.timedelta(days=1)
        for _ in range(_MAX_DAYS):
            window = self.window(day)
            if window is not None and window[0] >= moment:
                return window[0]
            day += datetime.timedelta(days=1)
        raise ValueError("No working time in three years: check the weekdays and holidays.")

    def stretches(self, start, end):
        """Return the working time from ``start`` to ``end`` as (from, to) pairs; windows that touch are one."""
        start, end = start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)
        found = []
        day, last = self._local_date(start) - datetime.timedelta(days=1), self._local_date(end)
        while day <= last:
            window = self.window(day)
            if window is not None and window[1] > start and window[0] < end:
                begin, stop = max(window[0], start), min(window[1], end)
                if found and found[-1][1] >= begin:
                    found[-1] = (found[-1][0], max(found[-1][1], stop))
                else:
                    found.append((begin, stop))
            day += datetime.timedelta(days=1)
        return found


SCHEDULE_AHEAD = datetime.timedelta(days=8)  # longer than any page stays open without a reload


def _paused_text(calendar, resumes, now):
    local = resumes.astimezone(calendar.tz)
    when = (
        local.strftime("%a %H:%M") if resumes - now < datetime.timedelta(days=6) else local.strftime("%a %-d %b %H:%M")
    )
    return f"paused until {when}"


def working_clock(deadline, now, calendar):
    """Return the clock of a deadline in ``calendar``'s working time, and when it runs in the week ahead.

    A hand-off made Friday 16:00 with 4 working hours to answer reads "3 h left", paused until
    Monday 09:00, all Friday evening and weekend (team hours Monday to Friday 09:00–17:00).
    """
    left = calendar.working_seconds_between(now, deadline)
    clock = sla_clock(now + datetime.timedelta(seconds=left), now)
    horizon = now + SCHEDULE_AHEAD
    stretches = calendar.stretches(now, horizon)
    schedule = tuple(
        (
            int((begin - now).total_seconds()),
            None if stop >= horizon else int((stop - now).total_seconds()),
            _paused_text(calendar, begin, now),
        )
        for begin, stop in stretches
    )
    running = calendar.is_working(now)
    if running:
        paused_text = schedule[1][2] if len(schedule) > 1 else ""
    else:
        paused_text = schedule[0][2] if schedule else _paused_text(calendar, calendar.next_start(now), now)
    return replace(clock, running=running, paused_text=paused_text, schedule=schedule)
