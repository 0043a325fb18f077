"""The clock shown in the inbox counts the team's working time, like the deadlines (issue 17.2).

Team hours: Monday to Friday 09:00–17:00 UTC. A hand-off made Friday 6 March 2026 at 16:00 with
4 working hours to answer is due Monday 9 March at 12:00 (1 h on Friday, 3 h on Monday).
"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from handoffs.clock import WorkingCalendar, working_clock
from handoffs.models import Holiday, ServiceLevel
from handoffs.notifications import notification_send
from handoffs.services import handoff_create
from leads.tests.factories import LeadFactory

OFFICE = WorkingCalendar(tz="UTC")


def utc(day, hour, minute=0):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=datetime.UTC)


MADE = utc(6, 16)  # Friday
DUE = OFFICE.add_working(MADE, 4 * 3600)
HOUR = 3600


def test_the_hand_off_of_friday_afternoon_is_due_on_monday_at_noon():
    assert utc(9, 12) == DUE


@pytest.mark.parametrize(
    ("seen", "text", "running", "changes_in", "paused_text"),
    [
        # Friday 16:00: the clock runs for an hour more, then waits for Monday.
        (utc(6, 16), "4 h left", True, HOUR, "paused until Mon 09:00"),
        # Friday 16:30: 30 min on Friday and 3 h on Monday.
        (utc(6, 16, 30), "3 h 30 min left", True, HOUR // 2, "paused until Mon 09:00"),
        # Friday 20:00 (wall time to Monday 12:00 would read "2 d 16 h"): 3 h, and it stands still.
        (utc(6, 20), "3 h left", False, 2 * 24 * HOUR + 13 * HOUR, "paused until Mon 09:00"),
        (utc(7, 12), "3 h left", False, 45 * HOUR, "paused until Mon 09:00"),  # Saturday noon
        (utc(9, 8, 59), "3 h left", False, 60, "paused until Mon 09:00"),
        # Monday 10:30: 1 h 30 min to noon, and the day runs to 17:00.
        (utc(9, 10, 30), "1 h 30 min left", True, 6 * HOUR + 30 * 60, "paused until Tue 09:00"),
        # Overdue in working time: Monday 13:00 is 1 h late, 18:00 is 5 h (12:00–17:00), not 6.
        (utc(9, 13), "overdue by 1 h", True, 4 * HOUR, "paused until Tue 09:00"),
        (utc(9, 18), "overdue by 5 h", False, 15 * HOUR, "paused until Tue 09:00"),
        (utc(10, 9, 45), "overdue by 5 h 45 min", True, 7 * HOUR + 15 * 60, "paused until Wed 09:00"),
    ],
)
def test_time_left_and_overdue_count_working_time(seen, text, running, changes_in, paused_text):
    clock = working_clock(DUE, seen, OFFICE)
    assert (clock.text, clock.running, clock.changes_in, clock.paused_text) == (
        text,
        running,
        changes_in,
        paused_text,
    )
    assert clock.overdue is text.startswith("overdue")


def test_a_holiday_stops_the_clock_for_the_whole_day():
    calendar = WorkingCalendar(tz="UTC", holidays={datetime.date(2026, 3, 9)})  # Monday off
    due = calendar.add_working(MADE, 4 * 3600)
    assert due == utc(10, 12)
    clock = working_clock(due, utc(9, 10, 30), calendar)
    assert (clock.text, clock.running, clock.paused_text) == ("3 h left", False, "paused until Tue 09:00")
    assert clock.changes_in == 22 * HOUR + 30 * 60
    # Late on the day after the holiday: 12:00–16:00 on Tuesday only.
    assert working_clock(due, utc(10, 16), calendar).text == "overdue by 4 h"


def test_a_long_break_names_the_date_it_ends():
    calendar = WorkingCalendar(tz="UTC", holidays={datetime.date(2026, 3, d) for d in range(9, 21)})
    clock = working_clock(calendar.add_working(MADE, 4 * 3600), utc(6, 20), calendar)
    assert (clock.text, clock.paused_text) == ("3 h left", "paused until Mon 23 Mar 09:00")


def test_the_paused_label_is_in_the_team_time_zone():
    berlin = WorkingCalendar(tz="Europe/Berlin")
    # Friday 20:00 UTC is 21:00 in Berlin; the team starts again Monday 09:00 Berlin (08:00 UTC).
    clock = working_clock(utc(9, 10), utc(6, 20), berlin)
    assert (clock.running, clock.paused_text, clock.changes_in) == (False, "paused until Mon 09:00", 60 * HOUR)
    assert clock.text == "2 h left"  # due Monday 10:00 UTC, 11:00 in Berlin: 09:00–11:00 Berlin time


def test_a_team_that_never_stops_runs_the_clock_on_wall_time():
    calendar = WorkingCalendar.round_the_clock("UTC")
    clock = working_clock(DUE, utc(6, 20), calendar)
    assert (clock.text, clock.running, clock.changes_in) == ("2 d 16 h left", True, None)


def test_windows_that_touch_are_one_stretch():
    # Working Saturday and Sunday round the clock: one stretch from Saturday noon to Monday 00:00.
    weekend = WorkingCalendar(tz="UTC", weekdays={6, 7}, start=datetime.time(0), end=datetime.time(0))
    assert weekend.stretches(utc(7, 12), utc(15, 0)) == [(utc(7, 12), utc(9, 0)), (utc(14, 0), utc(15, 0))]
    assert weekend.next_start(utc(9, 0)) == utc(14, 0)


def test_the_schedule_tells_the_browser_when_the_clock_runs_in_the_week_ahead():
    clock = working_clock(DUE, utc(6, 16, 30), OFFICE)
    # Monday to Friday 09:00–17:00, from Friday 16:30; a week on, the label names the date.
    days = [(24 * d + 9 - 16.5) * HOUR for d in (3, 4, 5, 6, 7)]
    assert clock.schedule == (
        (0, HOUR // 2, "paused until Fri 16:30"),
        *(
            (int(start), int(start + 8 * HOUR), f"paused until {day} 09:00")
            for start, day in zip(days, ["Mon", "Tue", "Wed", "Thu", "Fri 13 Mar"], strict=True)
        ),
    )
    # Friday 16:30 + 8 days is Saturday 16:30, past the last working stretch.
    assert WorkingCalendar.round_the_clock("UTC").stretches(utc(6, 20), utc(14, 20)) == [(utc(6, 20), utc(14, 20))]
    assert working_clock(DUE, utc(6, 20), WorkingCalendar.round_the_clock("UTC")).schedule == (
        (0, None, "paused until Fri 20:00"),
    )


@pytest.fixture
def office_level(db):
    level = ServiceLevel.current()
    level.time_zone, level.hours_to_accept = "UTC", 4
    level.save()
    return level


@pytest.mark.django_db
def test_the_inbox_and_reject_page_show_working_time_left_and_the_pause(office_level, client, users):
    lead = LeadFactory(first_name="Ada", last_name="Friday")
    handoff = handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"], at=MADE)
    assert handoff.accept_deadline == DUE
    client.force_login(users["sales"])
    with time_machine.travel(utc(6, 20), tick=False):
        inbox = client.get(reverse("handoffs:inbox")).content.decode()
        reject = client.get(reverse("handoffs:reject", args=[handoff.pk])).content.decode()
    for html in (inbox, reject):
        assert "3 h left" in html and "paused until Mon 09:00" in html
        assert 'data-working-seconds="10800" data-running="0"' in html
        assert 'data-schedule="[[219600, 248400, &quot;paused until Mon 09:00&quot;], [306000' in html
    with time_machine.travel(utc(9, 10, 30), tick=False):
        inbox = client.get(reverse("handoffs:inbox")).content.decode()
    assert "1 h 30 min left" in inbox
    assert 'data-working-seconds="5400" data-running="1"' in inbox
    assert (
        'data-schedule="[[0, 23400, &quot;paused until Mon 10:30&quot;], [81000, 109800, &quot;paused until Tue 09:00'
        in inbox
    )


@pytest.mark.django_db
def test_the_team_inbox_queue_is_overdue_in_working_time(office_level, client, users):
    Holiday.objects.create(date=datetime.date(2026, 3, 10), name="Founders' Day")
    handoff_create(lead=LeadFactory(first_name="Nobody's"), actor=users["marketing"], at=MADE)
    client.force_login(users["managers"])
    with time_machine.travel(utc(11, 10), tick=False):  # Wednesday, after Tuesday's holiday
        html = client.get(reverse("handoffs:inbox"), {"scope": "team"}).content.decode()
    # Monday 12:00–17:00 and Wednesday 09:00–10:00: 6 working hours late, not 46 wall hours.
    assert "overdue by 6 h" in html and "overdue by 46 h" not in html
    assert 'data-working-seconds="-21600" data-running="1"' in html


@pytest.mark.django_db
def test_an_alert_sent_on_friday_evening_says_the_clock_is_paused(office_level, users, mailoutbox):
    office_level.alerts_outside_working_hours = True
    office_level.save()
    with time_machine.travel(utc(6, 20), tick=False):
        handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], assignee=users["sales"], at=MADE)
        assert notification_send(handoff_id=handoff.pk, kind="assigned", recipient_id=users["sales"].pk)
    (message,) = [m for m in mailoutbox if m.to == [users["sales"].email]]
    assert message.subject.endswith("answer within 3 h")
    assert "(3 h left, paused until Mon 09:00)" in message.body
    assert "(3 h left, paused until Mon 09:00)" in message.alternatives[0][0]
