"""In Chromium: the API docs run under the CSP from local assets, and call the API with the session."""

import pytest

from leads.tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_render_and_try_a_call_with_the_session(page, sign_in, users):
    lead = LeadFactory(first_name="Ada", email="ada@example.com")
    sign_in(page, users["sales"].username)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/docs/")
    block = page.locator("#operations-leads-leads_list")
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table .response .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert lead.email in block.locator(".live-responses-table .response .response-col_description").inner_text()
    assert page.js_errors == []
    base = page.url.split("/api/docs/")[0]
    assert all(url.startswith(base) for url in requests), "every asset comes from this server"


def test_the_token_page_creates_a_token_that_is_shown_once(page, sign_in, users):
    sign_in(page, users["marketing"].username)
    page.get_by_role("link", name="API token").click()
    page.get_by_role("button", name="Create a token").click()
    key = page.get_by_test_id("token-key").input_value()
    assert len(key) == 40
    page.goto("/account/api-token/")
    assert page.get_by_test_id("token-key").count() == 0
    assert "You have a token" in page.get_by_test_id("token-state").inner_text()
    assert page.js_errors == []
