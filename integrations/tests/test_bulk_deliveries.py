"""The bulk import's deliveries: one read and one insert per batch, the same deliveries and bodies as one per row."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import events
from integrations import payloads
from integrations.models import WebhookDelivery
from integrations.tests.factories import WebhookEndpointFactory
from leads import scoring
from leads.bulk_capture import leads_capture_batch
from leads.models import IdealCustomerProfile, Lead
from leads.tests.factories import ScoringRuleFactory

pytestmark = pytest.mark.django_db


def rows(count, start):
    # Every other row is a head of IT: it scores past the threshold, so it makes an MQL and a status change.
    return [
        (n, {"email": f"row{n}@example.com", "first_name": f"Row{n}", "title": "Head of IT" if n % 2 else "Analyst"})
        for n in range(start, start + count)
    ]


@pytest.fixture
def world():

    profile = IdealCustomerProfile.current()
    profile.mql_threshold = 10
    profile.save()
    ScoringRuleFactory(field="title", operator="contains", value="head", points=15)
    endpoints = [
        WebhookEndpointFactory(events=[events.LEAD_CREATED, events.LEAD_STATUS_CHANGED]),
        WebhookEndpointFactory(events=[events.LEAD_CREATED], format="slack"),
    ]
    return scoring.ScoringConfig.load(), endpoints


def test_a_batch_records_its_deliveries_in_the_same_queries_for_5_rows_as_for_200(world):
    config, _ = world
    leads_capture_batch(rows=rows(1, start=9000), config=config)  # warm-up: which events endpoints want
    counts = []
    for count, start in [(5, 0), (200, 100)]:
        before = WebhookDelivery.objects.count()
        with CaptureQueriesContext(connection) as queries:
            result = leads_capture_batch(rows=rows(count, start=start), config=config)
        assert result.created == count and result.mql_lead_ids
        # Two endpoints want lead.created, one wants lead.status_changed (every other row became an MQL).
        assert WebhookDelivery.objects.count() - before == 2 * count + len(result.mql_lead_ids)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_batch_bodies_are_those_one_event_at_a_time_would_send(world):
    config, (both, created_only) = world
    result = leads_capture_batch(rows=rows(6, start=0), config=config)
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert len(deliveries) == 2 * 6 + len(result.mql_lead_ids)
    for delivery in deliveries:
        body = json.loads(delivery.body)
        lead = Lead.objects.get(pk=delivery.lead_id)
        one = events.Event(type=delivery.event_type, payload={"lead_id": lead.pk, "actor": None})
        assert body["data"] == json.loads(payloads.encode(payloads.object_data(one)))
        assert body["data"]["email"] == lead.email and body["type"] == delivery.event_type
    by_event = {}
    for delivery in deliveries:
        by_event.setdefault(delivery.event_id, set()).add(delivery.endpoint_id)
    created = [d for d in deliveries if d.event_type == events.LEAD_CREATED]
    assert len({d.event_id for d in created}) == 6  # one event per lead, sent to both endpoints
    assert all(by_event[d.event_id] == {both.pk, created_only.pk} for d in created)
