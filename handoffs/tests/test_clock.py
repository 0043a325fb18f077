"""The service-level clock's words, shared by the inbox and the e-mails."""

import datetime

import pytest

from handoffs.clock import sla_clock

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("delta", "text", "overdue"),
    [
        (datetime.timedelta(hours=24), "24 h left", False),
        (datetime.timedelta(hours=23, minutes=59, seconds=59), "24 h left", False),
        (datetime.timedelta(hours=5, minutes=12), "5 h 12 min left", False),
        (datetime.timedelta(days=2, hours=3), "2 d 3 h left", False),
        (datetime.timedelta(minutes=12), "12 min left", False),
        (datetime.timedelta(seconds=0), "under a minute left", False),
        (-datetime.timedelta(hours=3), "overdue by 3 h", True),
        (-datetime.timedelta(hours=3, minutes=59), "overdue by 3 h 59 min", True),
        (-datetime.timedelta(seconds=20), "overdue by under a minute", True),
        (-datetime.timedelta(days=1), "overdue by 24 h", True),
        (-datetime.timedelta(days=3, minutes=5), "overdue by 3 d", True),
    ],
)
def test_the_clock_says_how_long_is_left_or_how_late_it_is(delta, text, overdue):
    clock = sla_clock(NOW + delta, NOW)
    assert (clock.text, clock.overdue) == (text, overdue)
