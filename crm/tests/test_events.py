"""The kernel's publish/subscribe: handlers run in the caller's transaction, in subscription order."""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from crm import events


@pytest.fixture
def received():
    seen = []

    def handler(event):
        seen.append(event)

    yield seen, handler
    for event_type in (events.LEAD_CREATED, events.ALL):
        events.unsubscribe(event_type, handler)


def test_a_subscriber_receives_the_type_and_payload(received):
    seen, handler = received
    events.subscribe(events.LEAD_CREATED, handler)
    events.emit(events.LEAD_CREATED, lead="the lead", actor=None)
    events.emit(events.CAMPAIGN_CREATED, campaign="not listened to")
    assert [(e.type, e.payload) for e in seen] == [("lead.created", {"lead": "the lead", "actor": None})]
    assert seen[0].at is not None


def test_subscribing_twice_calls_the_handler_once(received):
    seen, handler = received
    events.subscribe(events.LEAD_CREATED, handler)
    events.subscribe(events.LEAD_CREATED, handler)
    events.emit(events.LEAD_CREATED)
    assert len(seen) == 1


def test_a_wildcard_subscriber_hears_every_type(received):
    seen, handler = received
    events.subscribe(events.ALL, handler)
    events.emit(events.CAMPAIGN_CHANGED, changed=["name"])
    events.emit(events.REPORT_STORED)
    assert [e.type for e in seen] == ["campaign.changed", "report.weekly_stored"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_undoes_the_write_that_emitted():
    def boom(event):
        raise RuntimeError("listener broke")

    events.subscribe(events.LEAD_CREATED, boom)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            Group.objects.create(name="written-then-undone")
            events.emit(events.LEAD_CREATED)
    finally:
        events.unsubscribe(events.LEAD_CREATED, boom)
    assert not Group.objects.filter(name="written-then-undone").exists()
