"""Erasure reaches the rows other apps keep about the person: webhook deliveries and hand-off alerts."""

import json

import pytest
from django.core.exceptions import ValidationError

from crm import events
from crm.models import AuditEntry
from handoffs.models import Notification
from handoffs.services import handoff_create
from integrations import services as webhooks
from integrations.models import WebhookAttempt, WebhookDelivery
from integrations.tests.conftest import Receiver
from integrations.tests.factories import WebhookEndpointFactory
from leads.services import lead_capture
from privacy.services import person_erase, person_export

pytestmark = pytest.mark.django_db

PERSONAL = ("ada@example.com", "Lovelace", "Analytical Engines")


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    webhooks.subscriptions.forget()
    found = Receiver()
    yield found
    found.close()
    webhooks.subscriptions.forget()


@pytest.fixture
def ada(receiver, users):
    """Ada's lead.created delivery was delivered (its answer quotes her), her hand-off's is still pending."""
    receiver.answer = b'{"received": "ada@example.com"}'
    WebhookEndpointFactory(url=receiver.url, events=[events.LEAD_CREATED, events.HANDOFF_CREATED])
    data = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "company": "Analytical Engines"}
    lead = lead_capture(data=data).lead
    delivered = WebhookDelivery.objects.get(event_type=events.LEAD_CREATED, lead_id=lead.pk)
    assert webhooks.delivery_attempt(delivery_id=delivered.pk) == WebhookDelivery.State.DELIVERED
    handoff = handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"])
    Notification.objects.create(
        handoff=handoff,
        kind=Notification.Kind.ASSIGNED,
        recipient=users["sales"],
        channel=Notification.Channel.WEBHOOK,
        state=Notification.State.FAILED,
        last_error="WebhookRefused: 400 unknown user for Ada Lovelace <ada@example.com>",
    )
    return lead


def stored_rows():
    found = {}
    for model in (WebhookDelivery, WebhookAttempt, Notification):
        found[model._meta.label] = list(model.objects.values())
    return json.dumps(found, default=str)


def test_the_export_holds_the_deliveries_their_answers_and_the_alerts(ada):
    related = json.loads(json.dumps(person_export(lead=ada)))["related"]
    bodies = [json.loads(row["body"]) for row in related["integrations.webhookdelivery"]]
    assert sorted(body["type"] for body in bodies) == [events.HANDOFF_CREATED, events.LEAD_CREATED]
    assert all("ada@example.com" in json.dumps(body["data"]) for body in bodies)
    assert [row["response_excerpt"] for row in related["integrations.webhookattempt"]] == [
        '{"received": "ada@example.com"}'
    ]
    assert "Ada Lovelace" in related["handoffs.notification"][0]["last_error"]


def test_erasure_leaves_no_stored_row_naming_the_person_and_stops_the_pending_delivery(ada, receiver, users):
    assert all(value in stored_rows() for value in PERSONAL)  # the test is real: they were stored
    pending = WebhookDelivery.objects.get(event_type=events.HANDOFF_CREATED)
    assert pending.state == WebhookDelivery.State.PENDING and len(receiver.requests) == 1

    person_erase(lead=ada, actor=users["managers"])

    stored = stored_rows()
    for value in PERSONAL:
        assert value not in stored, value
    assert WebhookDelivery.objects.count() == 2  # the log still shows that something was sent, and when
    assert webhooks.delivery_attempt(delivery_id=pending.pk) == "skipped"
    assert webhooks.deliveries_due() == []
    assert len(receiver.requests) == 1
    pending.refresh_from_db()
    assert pending.state == WebhookDelivery.State.ERASED
    with pytest.raises(ValidationError):
        webhooks.delivery_resend(delivery=pending, actor=users["managers"])
    entry = AuditEntry.objects.get(object_type="lead", object_id=str(ada.pk), action="erased")
    erased = entry.changes["records_erased"]["new"]
    assert erased == {"webhook_bodies": 2, "webhook_deliveries_stopped": 1, "webhook_answers": 1}
    assert entry.changes["texts_replaced"]["new"]["notification.last_error"] == 1
    assert not any(value in json.dumps(entry.changes) for value in PERSONAL)


def test_an_attempt_in_flight_during_erasure_keeps_no_answer(ada, receiver, users, monkeypatch):
    pending = WebhookDelivery.objects.get(event_type=events.HANDOFF_CREATED)
    post = webhooks.transport.post

    def erase_while_sending(*args, **kwargs):
        answer = post(*args, **kwargs)
        person_erase(lead=ada, actor=users["managers"])
        return answer

    monkeypatch.setattr(webhooks.transport, "post", erase_while_sending)
    assert webhooks.delivery_attempt(delivery_id=pending.pk) == WebhookDelivery.State.ERASED
    assert "ada@example.com" not in stored_rows()
    assert WebhookDelivery.objects.get(pk=pending.pk).state == WebhookDelivery.State.ERASED
