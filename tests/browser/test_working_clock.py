"""In Chromium: the inbox's clock counts working time, stands still outside working hours and says until when.

Team hours Monday to Friday 09:00–17:00 UTC, 4 working hours to answer. The server's time is moved
with time_machine (the live server runs in this process); the browser's with Playwright's clock.
"""

import datetime
import re

import pytest
import time_machine
from playwright.sync_api import expect

from handoffs.models import ServiceLevel
from handoffs.services import handoff_create
from leads.tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Friday in the future of the real date, so that the session cookie set at the moved time is still valid.
FRIDAY = datetime.datetime(2027, 1, 8, tzinfo=datetime.UTC)


@pytest.fixture
def friday_hand_off(users):
    level = ServiceLevel.current()
    level.time_zone, level.hours_to_accept = "UTC", 4
    level.save()
    lead = LeadFactory(first_name="Ada", last_name="Friday", company="Globex")
    made = FRIDAY.replace(hour=16)
    handoff = handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"], at=made)
    assert handoff.accept_deadline == datetime.datetime(2027, 1, 11, 12, tzinfo=datetime.UTC)  # Monday noon
    return handoff


def open_inbox(page, sign_in, users):
    sign_in(page, users["sales"].username)
    page.clock.install()
    page.goto("/handoffs/")
    return page.get_by_test_id("sla-clock")


def test_on_friday_evening_the_clock_reads_working_time_left_and_waits_for_monday(
    page, sign_in, users, friday_hand_off, tmp_path
):
    with time_machine.travel(FRIDAY.replace(hour=20)):
        clock = open_inbox(page, sign_in, users)
        expect(clock.locator(".sla-text")).to_have_text("3 h left")
        expect(clock.get_by_test_id("sla-paused")).to_be_visible()
        expect(clock.get_by_test_id("sla-paused")).to_have_text("· paused until Mon 09:00")
        page.screenshot(path=tmp_path / "inbox-paused.png", full_page=True)
        page.clock.fast_forward("02:00:00")
        expect(clock.locator(".sla-text")).to_have_text("3 h left")
        expect(clock.get_by_test_id("sla-paused")).to_be_visible()
        # Left open over the weekend: Monday 11:30 has used 2 h 30 min, 12:30 is 30 min late.
        page.clock.fast_forward((61 * 60 + 30) * 60_000)
        expect(clock.locator(".sla-text")).to_have_text("30 min left")
        expect(clock.get_by_test_id("sla-paused")).to_be_hidden()
        page.clock.fast_forward("01:00:00")
        expect(clock.locator(".sla-text")).to_have_text("overdue by 30 min")
        expect(clock).to_have_class(re.compile("text-bg-danger"))
    assert page.js_errors == []


def test_on_friday_afternoon_the_clock_ticks_until_five_then_stops(page, sign_in, users, friday_hand_off):
    with time_machine.travel(FRIDAY.replace(hour=16, minute=30)):
        clock = open_inbox(page, sign_in, users)
        expect(clock.locator(".sla-text")).to_have_text("3 h 30 min left")
        expect(clock.get_by_test_id("sla-paused")).to_be_hidden()
        page.clock.fast_forward("00:20:00")
        expect(clock.locator(".sla-text")).to_have_text("3 h 10 min left")
        expect(clock.get_by_test_id("sla-paused")).to_be_hidden()
        # 17:00 and after: the working day is over, the clock stops at 3 h and says until when.
        page.clock.fast_forward("00:40:00")
        expect(clock.locator(".sla-text")).to_have_text("3 h left")
        expect(clock.get_by_test_id("sla-paused")).to_have_text("· paused until Mon 09:00")
    assert page.js_errors == []
