"""The ISO week: the one definition of a reporting week's window.

A week runs from ISO Monday 00:00 to the next Monday 00:00 in ``TIME_ZONE``; it is
written ``YYYY-Www`` (``2026-W47``). Every weekly figure, chart, digest and API answer
takes its window from here.
"""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

from crm.validators import EARLIEST_DATE, LATEST_DATE

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
# A report names a week that holds a date Tandem stores (crm.validators: EARLIEST_DATE to
# LATEST_DATE), and a quarter of those years: outside them there is nothing to count. The
# figures of a week also reach weeks and quarters around it (trends, the quarter's goals), and
# the calendar ends at year 1 and 9999, where a label once made the dashboard, its CSV and the
# report API fail. FIRST_WEEK and LAST_WEEK follow the class.
FIRST_YEAR, LAST_YEAR = EARLIEST_DATE.year, LATEST_DATE.year


class InvalidWeek(ValueError):
    """A week label that is malformed or names a week that does not exist."""


@dataclass(frozen=True, order=True)
class Week:
    year: int
    number: int

    def __post_init__(self):
        try:
            datetime.date.fromisocalendar(self.year, self.number, 1)
        except ValueError:
            raise InvalidWeek(f"{self.year} has no ISO week {self.number}.") from None

    @classmethod
    def parse(cls, label):
        """Return the week a ``YYYY-Www`` label names, or raise InvalidWeek."""
        match = WEEK_RE.match((label or "").strip())
        if not match:
            raise InvalidWeek(f"{label!r} is not an ISO week; write it as YYYY-Www, e.g. 2026-W07.")
        week = cls(int(match.group(1)), int(match.group(2)))
        if not FIRST_WEEK <= week <= LAST_WEEK:
            raise InvalidWeek(
                f"{label!r} is out of range: reports cover {FIRST_WEEK} to {LAST_WEEK}, "
                f"the weeks of {EARLIEST_DATE:%Y-%m-%d} to {LATEST_DATE:%Y-%m-%d}."
            )
        return week

    @classmethod
    def of_date(cls, day):
        """Return the ISO week that contains the calendar date."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def containing(cls, moment):
        """Return the week that contains the (aware) moment, read in TIME_ZONE."""
        return cls.of_date(timezone.localtime(moment, timezone.get_default_timezone()).date())

    @classmethod
    def current(cls, now=None):
        """Return the week in progress."""
        return cls.containing(now or timezone.now())

    @classmethod
    def last_complete(cls, now=None):
        """Return the most recent week that has ended."""
        return cls.current(now).shift(-1)

    @property
    def label(self):
        return f"{self.year}-W{self.number:02d}"

    def __str__(self):
        return self.label

    @property
    def first_day(self):
        return datetime.date.fromisocalendar(self.year, self.number, 1)

    @property
    def last_day(self):
        return self.first_day + datetime.timedelta(days=6)

    @property
    def start(self):
        """Monday 00:00 in TIME_ZONE, as an aware datetime."""
        return _local_midnight(self.first_day)

    @property
    def end(self):
        """The next Monday 00:00 in TIME_ZONE (exclusive)."""
        return _local_midnight(self.first_day + datetime.timedelta(days=7))

    def shift(self, weeks):
        """Return the week that many weeks later (earlier when negative)."""
        return Week.of_date(self.first_day + datetime.timedelta(weeks=weeks))

    def previous(self):
        return self.shift(-1)

    def next(self):
        return self.shift(1)

    def contains(self, moment):
        return self.start <= moment < self.end


FIRST_WEEK, LAST_WEEK = Week.of_date(EARLIEST_DATE), Week.of_date(LATEST_DATE)


def _local_midnight(day):
    # zoneinfo resolves DST per date, so a week spanning a clock change is 167 or 169 hours long.
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of_week(cls, week):
        """Return the calendar quarter a week belongs to (the one holding its Thursday, as ISO does)."""
        thursday = week.first_day + datetime.timedelta(days=3)
        return cls(thursday.year, (thursday.month - 1) // 3 + 1)

    @property
    def label(self):
        return f"{self.year}-Q{self.number}"

    @property
    def first_day(self):
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end_day(self):
        """The first day of the next quarter (exclusive)."""
        return (
            datetime.date(self.year + 1, 1, 1) if self.number == 4 else datetime.date(self.year, 3 * self.number + 1, 1)
        )

    @property
    def start(self):
        return _local_midnight(self.first_day)

    @property
    def end(self):
        return _local_midnight(self.end_day)
