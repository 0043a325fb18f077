"""In Chromium: a salesperson accepts a hand-off in the inbox and works the lead from call to won, seeing each step."""

import re

import pytest
from django.db.models import F
from playwright.sync_api import expect

from handoffs.services import handoff_create
from leads.models import Activity, Lead
from leads.tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_salesperson_accepts_a_hand_off_logs_a_call_and_moves_the_lead_to_won(page, sign_in, users):
    lead = LeadFactory(first_name="Grace", last_name="Hopper", company="Cobol Inc", status=Lead.Status.NEW)
    handoff = handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"])

    sign_in(page, users["sales"].username)
    page.get_by_test_id("main-nav").get_by_role("link", name="Hand-offs").click()
    page.locator(f"#handoff-{handoff.pk}").get_by_test_id("accept").click()
    page.locator(f'#handoff-{handoff.pk}[data-testid="answered-handoff"]').wait_for()
    assert "is now SAL" in page.get_by_test_id("messages").inner_text()

    page.get_by_test_id("main-nav").get_by_role("link", name="Leads").click()
    # A rep lands on their own open leads.
    page.get_by_test_id("lead-table").get_by_role("link", name="Grace Hopper").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("SAL (accepted)")
    timeline = page.get_by_test_id("lead-timeline")
    expect(timeline).to_contain_text("Hand-off accepted")

    log = page.get_by_test_id("lead-log")
    log.get_by_label("Subject").fill("Discovery call")
    log.get_by_label("What happened").fill("Needs 40 seats by March.")
    log.get_by_role("button", name="Log").click()
    expect(timeline).to_contain_text("Call: Discovery call")
    expect(timeline).to_contain_text("Needs 40 seats by March.")
    expect(log).to_contain_text("Call logged.")

    move = page.get_by_test_id("lead-move")
    # The deal value only shows for Won (static/js/leads.js).
    expect(move.get_by_label("Deal value")).to_be_hidden()
    move.get_by_label("Move to").select_option("sql")
    move.get_by_role("button", name="Move").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("SQL")
    expect(timeline).to_contain_text("SAL (accepted) → SQL")

    # Someone else changes the lead meanwhile: the stale move saves nothing and shows the fresh state.
    Lead.objects.filter(pk=lead.pk).update(version=F("version") + 1)
    move.get_by_label("Move to").select_option("lost")
    move.get_by_label("Lost reason").select_option("price")
    move.get_by_role("button", name="Move").click()
    expect(move).to_contain_text("Someone else changed this lead")
    expect(page.get_by_test_id("lead-status")).to_have_text("SQL")
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.SQL

    move.get_by_label("Move to").select_option("won")
    expect(move.get_by_label("Deal value")).to_be_visible()
    move.get_by_role("button", name="Move").click()
    expect(move).to_contain_text("A won lead needs a deal value above zero.")
    move.get_by_label("Deal value").fill("48000")
    move.get_by_role("button", name="Move").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("Won")
    expect(page.get_by_test_id("deal-value")).to_have_text(re.compile(r"48,000"))
    expect(timeline).to_contain_text("SQL → Won")
    expect(move).to_contain_text("final")

    # Each step is in the database, and survives a reload in the same order.
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.status, str(fresh.deal_value)) == (Lead.Status.WON, "48000.00")
    assert Activity.objects.filter(lead=lead, kind="call", user=users["sales"]).exists()
    page.reload()
    titles = page.get_by_test_id("lead-timeline").locator("li .fw-semibold").all_inner_texts()
    assert titles[:3] == ["SQL → Won", "SAL (accepted) → SQL", "Call: Discovery call"]
    # Chromium logs every 4xx response on the console; the stale move's 409 is the expected one.
    assert [error for error in page.js_errors if "409 (Conflict)" not in error] == []
