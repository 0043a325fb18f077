"""In Chromium: a marketer creates a campaign with a variant and spend, and reads its figures."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from leads.tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_marketer_creates_a_campaign_with_a_variant_and_spend_and_reads_its_figures(page, sign_in, users):
    sign_in(page, users["marketing"].username)
    page.get_by_test_id("main-nav").get_by_role("link", name="Campaigns").click()
    page.get_by_test_id("new-campaign").click()
    page.wait_for_url("**/campaigns/new/")
    # The slug follows the name once campaigns.js has wired the fields, on DOMContentLoaded.
    page.wait_for_load_state("load")

    # The slug and utm key follow the name as it is typed.
    page.fill("#id_name", "Spring Launch 2026")
    assert page.input_value("#id_slug") == "spring-launch-2026"
    assert page.input_value("#id_utm_campaign") == "spring-launch-2026"
    page.select_option("#id_channel", "paid_social")
    page.fill("#id_budget", "2000")
    page.click("text=Save campaign")
    page.wait_for_url("**/campaigns/spring-launch-2026/")
    assert "created" in page.get_by_test_id("messages").inner_text()

    # A variant, by a plain form post.
    page.fill("#id_variant-name", "Hero A")
    page.fill("#id_variant-utm_content", "hero-a")
    page.get_by_test_id("variant-add").click()
    page.get_by_test_id("variant-row").wait_for()
    assert page.get_by_test_id("variant-row").count() == 1
    page.wait_for_load_state("load")

    # Spend, in place with htmx: a negative amount is refused inline, then a real one is added.
    today = timezone.localdate().isoformat()
    spend = page.get_by_test_id("spend-section")
    spend.locator("#id_spend-date").fill(today)
    spend.locator("#id_spend-amount").fill("-5")
    page.get_by_test_id("spend-add").click()
    assert page.get_by_test_id("error-amount").inner_text() == "Spend cannot be negative."
    page.get_by_test_id("spend-section").locator("#id_spend-amount").fill("400")
    page.get_by_test_id("spend-add").click()
    page.get_by_test_id("spend-row").wait_for()
    assert page.get_by_test_id("spend-total").inner_text() == "€400.00"

    # Edited in its row.
    page.get_by_test_id("spend-edit").click()
    row = page.get_by_test_id("spend-edit-row")
    row.locator("#id_edit-amount").fill("500")
    page.get_by_test_id("spend-save").click()
    page.get_by_test_id("spend-row").wait_for()
    assert page.get_by_test_id("spend-total").inner_text() == "€500.00"

    # Leads arrive; the figures and the chart show them.
    campaign = Campaign.objects.get(slug="spring-launch-2026")
    now = timezone.now()
    LeadFactory.create_batch(3, first_touch_campaign=campaign, created_at=now)
    LeadFactory(first_touch_campaign=campaign, created_at=now - datetime.timedelta(weeks=1))
    won = LeadFactory(first_touch_campaign=campaign, created_at=now, status="won", deal_value=Decimal("1500.00"))
    assert won.pk
    page.reload()
    assert page.get_by_test_id("figure-leads").inner_text() == "5"
    assert page.get_by_test_id("figure-wins").inner_text() == "1"
    assert page.get_by_test_id("figure-spend").inner_text() == "€500.00"
    assert page.get_by_test_id("figure-cpl").inner_text() == "€100.00"
    assert page.get_by_test_id("figure-roi").inner_text() == "200%"
    chart = page.get_by_test_id("leads-chart")
    assert chart.get_attribute("data-drawn") == "true"
    assert page.evaluate("Chart.getChart('leads-chart').data.datasets[0].data.slice(-2)") == [1, 4]
    assert page.js_errors == []
