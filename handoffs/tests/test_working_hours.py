"""Hand-off deadlines run on the team's working hours (the default: Monday–Friday 09:00–17:00)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from handoffs.models import Holiday, ServiceLevel
from handoffs.services import handoff_accept, handoff_create
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args):
    return datetime.datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def level():
    level = ServiceLevel.current()
    level.time_zone = "Europe/Berlin"
    level.hours_to_accept, level.hours_to_first_contact = 4, 8
    level.save()
    return level


def test_the_default_service_level_works_office_hours_in_time_zone(settings):
    level = ServiceLevel.current()
    calendar = level.calendar()
    assert (calendar.weekdays, calendar.start, calendar.end) == (
        frozenset({1, 2, 3, 4, 5}),
        datetime.time(9),
        datetime.time(17),
    )
    assert str(calendar.tz) == settings.TIME_ZONE


def test_a_lead_handed_off_on_friday_evening_is_not_overdue_on_saturday(level, users):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], at=berlin(2026, 3, 6, 18, 0))
    handoff.refresh_from_db()
    # 4 working hours from Friday 18:00: Monday 09:00–13:00.
    assert handoff.accept_deadline == berlin(2026, 3, 9, 13, 0)
    assert not handoff.is_overdue(now=berlin(2026, 3, 7, 12, 0))
    assert handoff.is_overdue(now=berlin(2026, 3, 9, 13, 1))


def test_holidays_stop_the_clock_for_accepting_and_first_contact(level, users):
    Holiday.objects.create(date=datetime.date(2026, 4, 6), name="Easter Monday")
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], at=berlin(2026, 4, 3, 15, 0))
    # Friday 15:00–17:00 is 2 h, Easter Monday is off, Tuesday 09:00–11:00 the other 2 h.
    assert handoff.accept_deadline == berlin(2026, 4, 7, 11, 0)
    accepted = handoff_accept(
        handoff=handoff, actor=handoff.assigned_to or users["sales"], at=berlin(2026, 4, 3, 16, 0)
    )
    accepted.refresh_from_db()
    # 8 working hours from Friday 16:00: 1 h on Friday, 7 h on Tuesday.
    assert accepted.first_contact_deadline == berlin(2026, 4, 7, 16, 0)


def test_deadlines_cross_the_spring_dst_change_in_local_office_hours(level, users):
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], at=berlin(2026, 3, 27, 15, 0))
    # Friday 15:00 CET (14:00 UTC): 2 h on Friday, 2 h from Monday 09:00 CEST: 11:00 CEST is 09:00 UTC.
    assert handoff.accept_deadline == datetime.datetime(2026, 3, 30, 9, 0, tzinfo=datetime.UTC)


def test_round_the_clock_keeps_wall_time(round_the_clock, users):
    at = datetime.datetime(2026, 3, 6, 18, 0, tzinfo=datetime.UTC)
    handoff = handoff_create(lead=LeadFactory(), actor=users["marketing"], at=at)
    assert handoff.accept_deadline == at + datetime.timedelta(hours=round_the_clock.hours_to_accept)
