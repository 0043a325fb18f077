"""The lead a delivery is about: recorded with it, and read back from the bodies sent before the column."""

import importlib
import json

import pytest
from django.apps import apps

from crm import events
from handoffs.services import handoff_create
from integrations.models import WebhookDelivery
from integrations.services import subscriptions
from integrations.tests.factories import WebhookEndpointFactory
from leads.services import lead_capture

pytestmark = pytest.mark.django_db
migration = importlib.import_module("integrations.migrations.0002_delivery_lead_for_erasure")


def test_the_migration_finds_the_lead_of_every_lead_and_handoff_delivery_already_sent(users):
    WebhookEndpointFactory()
    subscriptions.forget()
    lead = lead_capture(data={"email": "ada@example.com"}).lead
    handoff_create(lead=lead, actor=users["marketing"], assignee=users["sales"])
    deliveries = WebhookDelivery.objects.filter(lead_id=lead.pk)
    assert {events.LEAD_CREATED, events.HANDOFF_CREATED} <= set(deliveries.values_list("event_type", flat=True))
    deliveries.update(lead_id=None)  # as written before the column
    migration.backfill_lead(apps, None)
    assert set(WebhookDelivery.objects.values_list("lead_id", flat=True)) == {lead.pk}
    body = json.dumps({"data": {"name": "Spring"}})
    assert migration.lead_of_body(events.CAMPAIGN_CREATED, body) is None
