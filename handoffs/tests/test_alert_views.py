"""The alerts page (a personal webhook) and the inbox's poll for new hand-offs."""

import pytest
from django.urls import reverse

from handoffs.models import AlertPreference
from handoffs.services import handoff_create
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def pending_for(rep, marketer, **lead_fields):
    return handoff_create(lead=LeadFactory(status=Lead.Status.MQL, **lead_fields), actor=marketer, assignee=rep)


def test_a_user_sets_their_own_webhook(client, users, settings):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(users["sales"])
    page = client.get(reverse("alert-settings"))
    assert page.status_code == 200 and b'name="webhook_url"' in page.content
    response = client.post(
        reverse("alert-settings"), {"webhook_url": "https://93.184.216.34/services/T1/B2/c3", "enabled": "on"}
    )
    assert response.status_code == 302
    preference = AlertPreference.objects.get(user=users["sales"])
    assert (preference.webhook_url, preference.enabled) == ("https://93.184.216.34/services/T1/B2/c3", True)
    assert not AlertPreference.objects.exclude(user=users["sales"]).exists()


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://127.0.0.1:6379/", "private network"),
        ("http://169.254.169.254/latest/meta-data", "private network"),
        ("ftp://93.184.216.34/x", "Use an http:// or https:// address."),
        ("", "Give the webhook address"),
    ],
)
def test_an_address_tandem_must_not_call_is_refused_on_the_page(client, users, settings, url, error):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(users["sales"])
    response = client.post(reverse("alert-settings"), {"webhook_url": url, "enabled": "on"})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not AlertPreference.objects.exists()


def test_the_inbox_poll_brings_new_hand_offs_the_count_and_the_title(client, users):
    shown = pending_for(users["sales"], users["marketing"], first_name="Old")
    client.force_login(users["sales"])
    inbox = client.get(reverse("handoffs:inbox"))
    assert "<title>(1) Hand-offs · Tandem</title>" in inbox.content.decode()
    assert f'seen={shown.pk}"' in inbox.content.decode()

    new = pending_for(users["sales"], users["marketing"], first_name="Fresh")
    pending_for(users["sales2"], users["marketing"], first_name="Other")
    response = client.get(reverse("handoffs:inbox_updates"), {"seen": str(shown.pk)}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>(2) Hand-offs · Tandem</title>" in html
    assert f'id="handoff-{new.pk}"' in html and "Fresh Lead" in html and 'data-testid="new-badge"' in html
    assert f'id="handoff-{shown.pk}"' not in html and "Other Lead" not in html
    assert '<span id="pending-count" hx-swap-oob="true" class="badge text-bg-primary">2</span>' in html
    assert f"seen={shown.pk},{new.pk}" in html or f"seen={new.pk},{shown.pk}" in html

    again = client.get(reverse("handoffs:inbox_updates"), {"seen": f"{shown.pk},{new.pk}"}).content.decode()
    assert "handoff-" not in again and "(2) Hand-offs" in again


def test_the_poll_shows_a_user_only_their_own_hand_offs(client, users):
    pending_for(users["sales"], users["marketing"], first_name="Sids")
    client.force_login(users["sales2"])
    html = client.get(reverse("handoffs:inbox_updates")).content.decode()
    assert "Sids" not in html and "<title>Hand-offs · Tandem</title>" in html
