"""In Chromium: a salesperson answers hand-offs from the inbox."""

import pytest

from handoffs.models import Handoff
from handoffs.services import handoff_create
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pending_for(users, first_name):
    lead = LeadFactory(status=Lead.Status.MQL, first_name=first_name, last_name="Tester", company="Globex")
    return handoff_create(lead=lead, actor=users["marketing"], context_note="Wants a demo.", assignee=users["sales"])


def test_a_salesperson_accepts_a_hand_off_in_place(page, sign_in, users):
    accepted = pending_for(users, "Alice")
    other = pending_for(users, "Bob")
    sign_in(page, users["sales"].username)
    page.get_by_test_id("main-nav").get_by_role("link", name="Hand-offs").click()
    card = page.locator(f"#handoff-{accepted.pk}")
    assert "Wants a demo." in card.inner_text()
    assert page.locator("#pending-count").inner_text() == "2"

    card.get_by_test_id("accept").click()
    page.locator(f'#handoff-{accepted.pk}[data-testid="answered-handoff"]').wait_for()

    assert page.locator('[data-testid="pending-handoff"]').count() == 1
    assert page.locator(f"#handoff-{other.pk}").get_attribute("data-testid") == "pending-handoff"
    assert page.locator("#pending-count").inner_text() == "1"
    assert "is now SAL" in page.get_by_test_id("messages").inner_text()
    lead = Lead.objects.get(pk=accepted.lead_id)
    assert (lead.status, lead.owner_id) == (Lead.Status.SAL, users["sales"].pk)
    # A fresh load lists it as answered, no longer pending.
    page.reload()
    assert page.locator(f"#handoff-{accepted.pk}").count() == 0
    assert "Alice Tester" in page.get_by_test_id("answered-table").inner_text()
    assert page.js_errors == []


def test_a_rejection_without_a_reason_is_refused_with_a_message(page, sign_in, users):
    handoff = pending_for(users, "Carol")
    sign_in(page, users["sales"].username)
    page.goto("/handoffs/")
    card = page.locator(f"#handoff-{handoff.pk}")
    card.get_by_test_id("reject-toggle").click()
    card.locator("textarea[name=feedback]").fill("They only wanted the whitepaper.")
    card.get_by_test_id("reject-submit").click()

    messages = page.locator(f"#handoff-{handoff.pk} [data-testid=messages]")
    messages.wait_for()
    assert "was not rejected" in messages.inner_text()
    card = page.locator(f"#handoff-{handoff.pk}")
    # htmx settles the new classes a moment after the swap.
    card.locator("select[name=reason].is-invalid").wait_for()
    assert "Choose why the lead is rejected." in card.inner_text()
    # The feedback typed is kept, the form stays open for the reason.
    assert card.locator("textarea[name=feedback]").input_value() == "They only wanted the whitepaper."
    assert Handoff.objects.get(pk=handoff.pk).outcome == Handoff.Outcome.PENDING

    card.locator("select[name=reason]").select_option("not_ready")
    card.get_by_test_id("reject-submit").click()
    page.locator(f'#handoff-{handoff.pk}[data-testid="answered-handoff"]').wait_for()
    fresh = Handoff.objects.get(pk=handoff.pk)
    assert (fresh.outcome, fresh.reject_reason) == (Handoff.Outcome.REJECTED, "not_ready")
    assert Lead.objects.get(pk=handoff.lead_id).status == Lead.Status.RECYCLED
    assert page.js_errors == []
