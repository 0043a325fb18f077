"""In Chromium: a manager finds a person by e-mail, reads the lead's trail, and erases the person."""

import pytest

from leads.models import Lead
from leads.services import lead_update
from leads.tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_the_trail_then_erases_a_person(page, sign_in, users):
    lead = LeadFactory(email="ada@example.com", first_name="Ada", industry="retail")
    lead_update(lead=lead, actor=users["marketing"], industry="software")
    sign_in(page, users["managers"].username)

    page.goto(f"/leads/{lead.pk}/")
    card = page.get_by_test_id("audit-card")
    assert "retail" in card.inner_text() and "mia" in card.inner_text()

    page.get_by_test_id("main-nav").get_by_role("link", name="Personal data").click()
    page.fill("#id_email", "ADA@example.com")
    page.get_by_role("button", name="Find").click()
    assert "ada@example.com" in page.get_by_test_id("privacy-lead").inner_text()
    page.get_by_test_id("privacy-erase").click()
    page.fill("#id_email", "ada@example.com")
    page.get_by_test_id("privacy-erase-confirm").click()
    page.wait_for_url("**/privacy/")
    assert "erased" in page.get_by_test_id("messages").inner_text()
    assert Lead.objects.get(pk=lead.pk).first_name == ""

    page.goto(f"/audit/?object_type=lead&object_id={lead.pk}")
    table = page.get_by_test_id("audit-table").inner_text()
    assert "erased" in table and "retail" in table and "max" in table
    assert page.js_errors == []
