"""In Chromium: a manager rotates an endpoint's secret, confirms, and copies the new one from the answer."""

import pytest

from integrations.models import WebhookEndpoint
from integrations.tests.factories import WebhookEndpointFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_rotates_a_secret_and_sees_it_once_with_its_grace(page, sign_in, users):
    endpoint = WebhookEndpointFactory(owner=users["managers"], description="CRM sync")
    old = endpoint.secret
    sign_in(page, users["managers"].username)
    page.goto(f"/settings/webhooks/{endpoint.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("rotate-secret").click()
    notice = page.get_by_test_id("new-secret")
    notice.wait_for()
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert notice.get_by_role("textbox").input_value() == endpoint.secret
    assert "two v1 signatures" in notice.inner_text()
    assert "secret rotated" in page.get_by_test_id("audit-card").inner_text()
    page.goto(f"/settings/webhooks/{endpoint.pk}/")
    assert page.get_by_test_id("new-secret").count() == 0
    assert "previous secret also signs until" in page.get_by_test_id("secret-grace").inner_text()
    assert WebhookEndpoint.objects.get().secret == endpoint.secret
    assert page.js_errors == []
