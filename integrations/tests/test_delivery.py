"""Deliveries: after the commit only, signed as the README says, retried with backoff, and disabled after a day."""

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from crm import events
from handoffs import services as handoff_services
from handoffs.models import Handoff
from integrations import services
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.tests.factories import WebhookEndpointFactory
from leads.models import Lead
from leads.services import lead_capture, lead_transition
from leads.tests.factories import LeadFactory

README = Path(__file__).resolve().parents[2] / "README.md"
pytestmark = pytest.mark.django_db


def readme_verifier():
    """Return the verify_tandem_signature function exactly as the README documents it."""
    code = re.search(r"```python\n(.*?def verify_tandem_signature.*?)```", README.read_text(), re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace["verify_tandem_signature"]


def capture(email="ada@example.com", **extra):
    return lead_capture(data={"email": email, "first_name": "Ada", "company": "Initech", **extra}).lead


def test_a_captured_lead_is_posted_after_the_commit_signed_as_the_readme_verifies(
    receiver, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lead = capture()
    assert receiver.requests == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    body = receiver.json()
    assert body["type"] == "lead.created" and body["data"]["id"] == lead.pk and body["data"]["email"] == lead.email
    assert body["data"]["company"] == "Initech" and body["details"]["source"] == "form"
    assert set(body) == {"id", "type", "time", "data", "details"}
    assert request["headers"]["X-Tandem-Delivery"] == body["id"]
    verify = readme_verifier()
    header = request["headers"]["X-Tandem-Signature"]
    assert verify(endpoint.secret, header, request["body"])
    assert not verify(endpoint.secret, header, request["body"] + b" ")
    assert not verify("whsec_wrong", header, request["body"])
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.DELIVERED
    attempt = delivery.attempt_log.get()
    assert attempt.ok and attempt.status_code == 200 and attempt.response_excerpt == '{"ok": true}'


def test_a_rolled_back_change_sends_nothing(receiver, django_capture_on_commit_callbacks):
    WebhookEndpointFactory(url=receiver.url)
    rolled_back = pytest.raises(RuntimeError)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, rolled_back, transaction.atomic():
        capture()
        assert WebhookDelivery.objects.count() == 1  # written with the lead...
        raise RuntimeError("the request fails after the capture")
    assert callbacks == []
    assert WebhookDelivery.objects.count() == 0 and Lead.objects.count() == 0  # ...and undone with it
    assert receiver.requests == []


def test_only_active_endpoints_that_chose_the_event_get_it(receiver, django_capture_on_commit_callbacks):
    wants = WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED])
    WebhookEndpointFactory(url=receiver.url, events=[events.CAMPAIGN_CREATED])
    WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED], active=False)
    with django_capture_on_commit_callbacks(execute=True):
        capture()
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [wants.pk]


def test_a_won_lead_carries_its_deal_value_and_a_rejected_handoff_its_reason_and_feedback(
    receiver, users, django_capture_on_commit_callbacks
):
    WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_WON, events.HANDOFF_REJECTED])
    won = LeadFactory(status=Lead.Status.SQL, owner=users["sales"])
    handoff = Handoff.objects.create(
        lead=LeadFactory(status=Lead.Status.MQL),
        assigned_to=users["sales"],
        accept_deadline=timezone.now() + datetime.timedelta(hours=24),
    )
    with django_capture_on_commit_callbacks(execute=True):
        lead_transition(lead=won, to_status=Lead.Status.WON, actor=users["sales"], deal_value=Decimal("12000.00"))
        handoff_services.handoff_reject(
            handoff=handoff, actor=users["sales"], reason="not_ready", feedback="Call back in March."
        )
    bodies = {body["type"]: body for body in (receiver.json(i) for i in range(len(receiver.requests)))}
    assert set(bodies) == {"lead.won", "handoff.rejected"}
    assert bodies["lead.won"]["data"]["deal_value"] == "12000.00"
    assert bodies["lead.won"]["details"] == {"deal_value": "12000.00", "actor": "sid"}
    rejected = bodies["handoff.rejected"]
    assert rejected["data"]["reject_reason"] == "not_ready" and rejected["data"]["feedback"] == "Call back in March."
    assert rejected["details"]["reason"] == "not_ready" and rejected["details"]["feedback"] == "Call back in March."


def test_the_slack_format_posts_a_readable_message(receiver, django_capture_on_commit_callbacks):
    WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED], format=WebhookEndpoint.Format.SLACK)
    with django_capture_on_commit_callbacks(execute=True):
        lead = capture(email="grace@example.com")
    body = receiver.json()
    assert list(body) == ["text"]
    assert "New lead:" in body["text"] and "Ada (Initech)" in body["text"] and f"/leads/{lead.pk}/" in body["text"]


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED])
    receiver.status, receiver.answer = 503, b"down for maintenance"
    start = timezone.now()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        capture()  # sent after the commit, and fails
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.FAILED
    assert delivery.next_attempt_at == start + datetime.timedelta(seconds=60)
    assert services.delivery_attempt(delivery_id=delivery.pk, now=start + datetime.timedelta(seconds=59)) == "skipped"
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        services.delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + datetime.timedelta(seconds=61 + 120)  # doubled
    receiver.status, receiver.answer = 200, b"ok"
    later = start + datetime.timedelta(seconds=200)
    assert services.delivery_attempt(delivery_id=delivery.pk, now=later) == WebhookDelivery.State.DELIVERED
    log = list(delivery.attempt_log.order_by("at").values_list("status_code", "response_excerpt"))
    assert log == [(503, "down for maintenance"), (503, "down for maintenance"), (200, "ok")]
    assert len(receiver.requests) == 3
    assert {receiver.json(i)["id"] for i in range(3)} == {str(delivery.event_id)}  # the same event each time
    assert WebhookEndpoint.objects.get().failing_since is None


def test_an_endpoint_failing_for_a_day_gives_up_is_disabled_and_its_owner_told(
    receiver, make_user, django_capture_on_commit_callbacks
):
    owner = make_user("morgan", "managers")
    endpoint = WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED], owner=owner)
    receiver.status = 500
    start = timezone.now()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        capture()
    delivery = WebhookDelivery.objects.get()
    now = start
    while delivery.state == WebhookDelivery.State.FAILED:
        now = delivery.next_attempt_at
        services.delivery_attempt(delivery_id=delivery.pk, now=now)
        delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.GAVE_UP
    assert now - start <= datetime.timedelta(days=1)
    endpoint.refresh_from_db()
    assert endpoint.active  # not a full day of failures yet
    assert services.endpoints_disable_failing(now=start + datetime.timedelta(hours=23, minutes=59)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.endpoints_disable_failing(now=start + datetime.timedelta(days=1)) == 1
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_reason
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]
    assert endpoint.url in mail.outbox[0].subject and f"/settings/webhooks/{endpoint.pk}/" in mail.outbox[0].body
    # Disabled: new events make no delivery, and the sweep sends nothing more.
    attempts = delivery.attempts
    capture(email="later@example.com")
    assert WebhookDelivery.objects.count() == 1
    assert services.endpoints_disable_failing(now=start + datetime.timedelta(days=2)) == 0
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == attempts


def test_a_failure_a_day_after_the_first_disables_the_endpoint_at_once(receiver, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED])
    receiver.status = 500
    start = timezone.now()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        capture()
    later = start + datetime.timedelta(days=1, minutes=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        capture(email="next-day@example.com")
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.failing_since == start


def test_resend_sends_the_same_event_again(receiver, django_capture_on_commit_callbacks):
    WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED])
    with django_capture_on_commit_callbacks(execute=True):
        capture()
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_resend(delivery=delivery, actor=None)
    assert len(receiver.requests) == 2 and receiver.json(0) == receiver.json(1)
    assert delivery.attempt_log.count() == 2


def test_the_bulk_import_announces_each_new_lead(receiver, django_capture_on_commit_callbacks):
    from leads.bulk_capture import leads_capture_batch

    WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED])
    LeadFactory(email="known@example.com")
    rows = [(2, {"email": "new1@example.com"}), (3, {"email": "known@example.com"}), (4, {"email": "new2@example.com"})]
    with django_capture_on_commit_callbacks(execute=True):
        leads_capture_batch(rows=rows)
    emails = sorted(receiver.json(i)["data"]["email"] for i in range(len(receiver.requests)))
    assert emails == ["new1@example.com", "new2@example.com"]
    assert {receiver.json(i)["details"]["source"] for i in range(2)} == {"import"}


def test_campaign_and_weekly_report_events_carry_the_api_objects(receiver, users, django_capture_on_commit_callbacks):
    from alignment.digests import weekly_digests_prepare
    from campaigns.services import campaign_create, campaign_update

    WebhookEndpointFactory(url=receiver.url, events=[events.CAMPAIGN_CREATED, events.CAMPAIGN_CHANGED])
    WebhookEndpointFactory(url=receiver.url, events=[events.REPORT_STORED])
    with django_capture_on_commit_callbacks(execute=True):
        campaign = campaign_create(
            actor=users["marketing"],
            name="Spring",
            slug="spring",
            utm_campaign="spring",
            channel="webinar",
            start_date=datetime.date.today(),
        )
        campaign_update(campaign=campaign, actor=users["marketing"], name="Spring webinar")
        weekly_digests_prepare()
        weekly_digests_prepare()  # already stored: no second event
    bodies = [receiver.json(i) for i in range(len(receiver.requests))]
    assert [body["type"] for body in bodies] == ["campaign.created", "campaign.changed", "report.weekly_stored"]
    assert bodies[1]["data"]["name"] == "Spring webinar" and bodies[1]["details"]["changed"] == ["name"]
    assert bodies[2]["data"]["week"] == bodies[2]["details"]["week"] and "new_leads" in json.dumps(bodies[2]["data"])
