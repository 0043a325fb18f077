"""The kernel's publish/subscribe: handlers run in the caller's transaction, in subscription order.

Test-only event types: the real ones have subscribers (integrations) that read the database.
"""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from crm import events

THING = "test.thing_happened"
OTHER = "test.other_thing"


@pytest.fixture
def received():
    seen = []

    def handler(event):
        seen.append(event)

    yield seen, handler
    for event_type in (THING, events.ALL):
        events.unsubscribe(event_type, handler)


def test_a_subscriber_receives_the_type_and_payload(received):
    seen, handler = received
    events.subscribe(THING, handler)
    events.emit(THING, lead="the lead", actor=None)
    events.emit(OTHER, campaign="not listened to")
    assert [(e.type, e.payload) for e in seen] == [(THING, {"lead": "the lead", "actor": None})]
    assert seen[0].at is not None


def test_subscribing_twice_calls_the_handler_once(received):
    seen, handler = received
    events.subscribe(THING, handler)
    events.subscribe(THING, handler)
    events.emit(THING)
    assert len(seen) == 1


def test_a_wildcard_subscriber_hears_every_type(received):
    seen, handler = received
    events.subscribe(events.ALL, handler)
    events.emit(THING, changed=["name"])
    events.emit(OTHER)
    assert [e.type for e in seen] == [THING, OTHER]


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_undoes_the_write_that_emitted():
    def boom(event):
        raise RuntimeError("listener broke")

    events.subscribe(THING, boom)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            Group.objects.create(name="written-then-undone")
            events.emit(THING)
    finally:
        events.unsubscribe(THING, boom)
    assert not Group.objects.filter(name="written-then-undone").exists()


def test_emit_many_hands_a_batch_to_a_batch_handler_and_one_event_at_a_time_to_the_others(received):
    seen, handler = received
    batches = []

    def batch_handler(event):
        raise AssertionError("a handler with many() gets the batch, never single events")

    batch_handler.many = batches.append
    events.subscribe(THING, handler)
    events.subscribe(THING, batch_handler)
    try:
        sent = events.emit_many(THING, [{"n": 1}, {"n": 2}, {"n": 3}])
    finally:
        events.unsubscribe(THING, batch_handler)
    assert [event.payload["n"] for event in seen] == [1, 2, 3]
    assert batches == [sent] and all(event.type == THING for event in sent)
    assert events.emit_many(THING, []) == [] and len(seen) == 3


# --- listened: whether an emit may reach a handler that acts (bench branch, issue 19) ------------


def test_listened_counts_handlers_unless_they_say_they_want_nothing():
    from crm import events

    kind = "test.listened"

    def plain(event):
        pass

    def idle(event):
        pass

    idle.wants = lambda event_type: False
    assert not events.listened(kind) or events._subscribers[events.ALL]
    events.subscribe(kind, idle)
    try:
        assert events.listened(kind) is bool(events._subscribers[events.ALL])
        events.subscribe(kind, plain)
        assert events.listened(kind) is True
    finally:
        events.unsubscribe(kind, idle)
        events.unsubscribe(kind, plain)
