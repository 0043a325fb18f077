"""Team settings: whether hand-off alerts wait for working hours (handoffs.notifications.alerts_allowed), and
the alerts not delivered (handoffs.selectors.undelivered_alerts), managers only."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment.tests.test_dashboard import service_level_post
from handoffs.models import Handoff, Notification, ServiceLevel
from handoffs.notifications import MAX_ATTEMPTS
from handoffs.selectors import UNDELIVERED_ALERT_DAYS, undelivered_alerts
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_a_manager_chooses_alerts_at_any_hour_on_team_settings(client, users):
    client.force_login(users["managers"])
    assert 'name="sl-alerts_outside_working_hours"' in client.get(reverse("team-settings")).content.decode()
    response = client.post(reverse("team-settings"), service_level_post(alerts_outside_working_hours="on"))
    assert response.status_code == 302
    assert ServiceLevel.objects.get().alerts_outside_working_hours is True
    client.post(reverse("team-settings"), service_level_post())
    assert ServiceLevel.objects.get().alerts_outside_working_hours is False


@pytest.fixture
def undelivered(users):
    """A failed webhook alert still retried and an e-mail alert of unknown outcome, of a lead named with markup."""
    lead = LeadFactory(status=Lead.Status.MQL, first_name="<b>Eve</b>", last_name="O'Hara")
    handoff = Handoff.objects.create(
        lead=lead,
        created_by=users["marketing"],
        assigned_to=users["sales"],
        accept_deadline=timezone.now() + datetime.timedelta(days=1),
    )
    failed = Notification.objects.create(
        handoff=handoff,
        kind="assigned",
        recipient=users["sales"],
        channel="webhook",
        state="failed",
        attempts=2,
        last_error="WebhookFailed: the webhook answered 500 <script>alert(1)</script>",
    )
    unknown = Notification.objects.create(
        handoff=handoff,
        kind="breach",
        recipient=users["managers"],
        state="unknown",
        attempts=1,
        last_error="The sender stopped after claiming it: it may or may not have arrived.",
    )
    Notification.objects.create(handoff=handoff, kind="reminder", recipient=users["sales"], state="sent", attempts=1)
    return failed, unknown


def test_managers_see_the_alerts_not_delivered_on_team_settings(client, users, undelivered):
    client.force_login(users["managers"])
    page = client.get(reverse("team-settings")).content.decode()
    card = page[page.index('data-testid="undelivered-alerts"') :]
    assert card.count('data-testid="undelivered-alert"') == 2  # the sent one is not listed
    assert "1 failed" in card and "1 outcome unknown" in card and "retrying" in card
    assert "Personal webhook" in card and "Accept deadline missed" in card
    assert "<b>Eve</b>" not in card and "&lt;b&gt;Eve&lt;/b&gt;" in card
    assert "<script>alert(1)" not in card and "&lt;script&gt;alert(1)" in card


def test_a_failed_alert_out_of_tries_or_whose_hand_off_was_answered_is_not_marked_retrying(client, users, undelivered):
    failed, _ = undelivered
    Notification.objects.filter(pk=failed.pk).update(attempts=MAX_ATTEMPTS)
    client.force_login(users["managers"])
    assert "retrying" not in client.get(reverse("team-settings")).content.decode()


def test_team_settings_say_so_when_every_alert_arrived(client, users):
    client.force_login(users["managers"])
    assert 'data-testid="undelivered-none"' in client.get(reverse("team-settings")).content.decode()


def test_alerts_older_than_the_window_are_left_out(users, undelivered):
    later = timezone.now() + datetime.timedelta(days=UNDELIVERED_ALERT_DAYS, minutes=1)
    assert undelivered_alerts(now=later).total == 0
    assert undelivered_alerts().total == 2


@pytest.mark.parametrize(("role", "status"), [("marketing", 403), ("sales", 403), ("norole", 403)])
def test_only_managers_see_the_alerts_not_delivered(client, users, undelivered, role, status):
    client.force_login(users[role])
    response = client.get(reverse("team-settings"))
    assert response.status_code == status
    assert b"undelivered-alert" not in response.content


def test_a_visitor_is_sent_to_sign_in(client, undelivered):
    response = client.get(reverse("team-settings"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_list_costs_the_same_queries_for_one_alert_as_for_many(client, users, undelivered):
    failed, _ = undelivered
    client.force_login(users["managers"])
    client.get(reverse("team-settings"))  # the session and the cached rows are read once
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("team-settings"))
    for _ in range(6):
        lead = LeadFactory(status=Lead.Status.MQL)
        handoff = Handoff.objects.create(
            lead=lead, created_by=users["marketing"], assigned_to=users["sales2"], accept_deadline=timezone.now()
        )
        Notification.objects.create(handoff=handoff, kind="assigned", recipient=users["sales2"], state="failed")
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("team-settings")).content.decode()
    assert page.count('data-testid="undelivered-alert"') == 8
    assert len(many) == len(few)
