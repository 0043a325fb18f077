"""In Chromium: a new hand-off appears in the rep's open inbox, and the title counts it, without a reload."""

import pytest
from playwright.sync_api import expect

from handoffs.services import handoff_create
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def hand_off(users, first_name, rep="sales"):
    lead = LeadFactory(status=Lead.Status.MQL, first_name=first_name, last_name="Tester", company="Globex")
    return handoff_create(lead=lead, actor=users["marketing"], context_note="Wants a demo.", assignee=users[rep])


def test_a_new_hand_off_shows_up_in_the_open_inbox_and_the_title_counts_it(page, sign_in, users):
    sign_in(page, users["sales"].username)
    page.goto("/handoffs/")
    assert page.title() == "Hand-offs · Tandem"
    assert page.get_by_test_id("no-pending").is_visible()
    page.evaluate("window.__notReloaded = true")

    first = hand_off(users, "Ada")
    hand_off(users, "Someone", rep="sales2")  # another rep's: never shown here
    card = page.locator(f"#handoff-{first.pk}")
    card.wait_for()  # the poll runs every few seconds
    expect(page).to_have_title("(1) Hand-offs · Tandem", timeout=15_000)
    assert "Ada Tester" in card.inner_text() and "Wants a demo." in card.inner_text()
    assert card.get_by_test_id("new-badge").is_visible()
    assert page.get_by_test_id("no-pending").count() == 0
    assert page.locator("#pending-count").inner_text() == "1"

    second = hand_off(users, "Bea")
    page.locator(f"#handoff-{second.pk}").wait_for()
    expect(page).to_have_title("(2) Hand-offs · Tandem", timeout=15_000)
    assert page.locator('[data-testid="pending-handoff"]').count() == 2
    assert "Someone" not in page.content()
    # The same page all along, and the new card's buttons work like any other's.
    assert page.evaluate("window.__notReloaded") is True
    page.locator(f"#handoff-{second.pk}").get_by_test_id("accept").click()
    page.locator(f'#handoff-{second.pk}[data-testid="answered-handoff"]').wait_for()
    expect(page).to_have_title("(1) Hand-offs · Tandem", timeout=15_000)
    assert Lead.objects.get(pk=second.lead_id).status == Lead.Status.SAL
    assert page.js_errors == []


def test_the_managers_team_view_polls_too_and_keeps_its_filter(page, sign_in, users):
    waiting = hand_off(users, "Old")
    sign_in(page, users["managers"].username)
    page.goto(f"/handoffs/?scope=team&rep={users['sales'].pk}")
    expect(page).to_have_title("(1) Hand-offs · Tandem")
    page.evaluate("window.__notReloaded = true")

    fresh = hand_off(users, "Ada")
    hand_off(users, "Someone", rep="sales2")  # outside the rep filter: counted nowhere on this page
    card = page.locator(f"#handoff-{fresh.pk}")
    card.wait_for()
    expect(page).to_have_title("(2) Hand-offs · Tandem", timeout=15_000)
    assert card.get_by_test_id("new-badge").is_visible()
    assert page.locator("#pending-total").inner_text() == "2"
    assert page.locator(f"#handoff-{waiting.pk}").count() == 1 and "Someone" not in page.content()
    # The manager's new card offers reassignment, like the cards the page was drawn with.
    assert card.get_by_role("button", name="Reassign").is_visible()
    assert page.evaluate("window.__notReloaded") is True
    assert page.js_errors == []
