"""In Chromium: a manager sets the team's working hours and holidays on the team settings page."""

import datetime

import pytest

from handoffs.models import Holiday, ServiceLevel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sets_working_days_hours_and_holidays(page, sign_in, users, tmp_path):
    sign_in(page, users["managers"].username)
    page.goto("/team/")
    form = page.get_by_test_id("service-level-form")
    form.get_by_label("Fri").uncheck()
    form.get_by_label("Sun").check()
    form.get_by_label("Time zone").fill("Europe/Berlin")
    form.get_by_label("Day starts at").fill("08:30")
    form.get_by_label("Day ends at").fill("16:30")
    form.get_by_label("Holidays").fill("2026-12-25 Christmas Day")
    page.screenshot(path=tmp_path / "team-settings.png", full_page=True)
    with page.expect_navigation():
        form.get_by_role("button", name="Save service level").click()
    level = ServiceLevel.current()
    assert (level.working_days, level.time_zone) == ("12347", "Europe/Berlin")
    assert (level.day_starts_at, level.day_ends_at) == (datetime.time(8, 30), datetime.time(16, 30))
    assert list(Holiday.objects.values_list("name", flat=True)) == ["Christmas Day"]
    assert page.js_errors == []
