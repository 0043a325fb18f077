"""Team settings: whether hand-off alerts wait for working hours (handoffs.notifications.alerts_allowed)."""

import pytest
from django.urls import reverse

from alignment.tests.test_dashboard import service_level_post
from handoffs.models import ServiceLevel

pytestmark = pytest.mark.django_db


def test_a_manager_chooses_alerts_at_any_hour_on_team_settings(client, users):
    client.force_login(users["managers"])
    assert 'name="sl-alerts_outside_working_hours"' in client.get(reverse("team-settings")).content.decode()
    response = client.post(reverse("team-settings"), service_level_post(alerts_outside_working_hours="on"))
    assert response.status_code == 302
    assert ServiceLevel.objects.get().alerts_outside_working_hours is True
    client.post(reverse("team-settings"), service_level_post())
    assert ServiceLevel.objects.get().alerts_outside_working_hours is False
