"""Domain events: a small publish/subscribe in the kernel, so a lower app can announce what it did
without knowing who listens (integrations sends webhooks, the audit trail writes history).

A service calls ``emit(LEAD_CREATED, lead=lead, actor=actor)`` inside its transaction, after the
write. Handlers run at once, synchronously, in that transaction: a row a handler writes (an audit
entry, a pending webhook delivery) commits or rolls back with the business write. Anything that
leaves the database (an HTTP call, an e-mail) must wait for the commit: queue it with
``crm.queue.enqueue_on_commit``, never send it from the handler.

A handler takes one argument, the ``Event``. An exception in a handler propagates to the caller
and so undoes the transaction: a listener that must never block a write catches its own errors.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

# Event types: "<object>.<what happened>". The payload keys each one carries are listed beside it;
# ``actor`` (the user, or None for the public forms and tasks) comes with every event.
# The bulk import sends lead_id instead of lead for its lead events (its leads are plain rows).
LEAD_CREATED = "lead.created"  # lead; source (Touchpoint.Kind: "form", "api", "import", "manual")
LEAD_STATUS_CHANGED = "lead.status_changed"  # lead, from_status, to_status, note
LEAD_WON = "lead.won"  # lead, deal_value (sent with lead.status_changed)
LEAD_LOST = "lead.lost"  # lead, lost_reason, deal_value (sent with lead.status_changed)
HANDOFF_CREATED = "handoff.created"  # handoff
HANDOFF_ACCEPTED = "handoff.accepted"  # handoff
HANDOFF_REJECTED = "handoff.rejected"  # handoff (reason and feedback on it)
CAMPAIGN_CREATED = "campaign.created"  # campaign
CAMPAIGN_CHANGED = "campaign.changed"  # campaign, changed (list of field names)
REPORT_STORED = "report.weekly_stored"  # report (the stored week), week_start

ALL = "*"  # subscribe to every event type

_subscribers = defaultdict(list)


@dataclass(frozen=True)
class Event:
    type: str
    payload: dict[str, Any]
    at: Any = field(default_factory=timezone.now)

    @property
    def actor(self):
        return self.payload.get("actor")


def subscribe(event_type, handler):
    """Call ``handler(event)`` for every event of ``event_type`` (``ALL``: every type).

    Subscribing the same handler twice is a no-op, so an ``AppConfig.ready`` may run again.
    """
    if handler not in _subscribers[event_type]:
        _subscribers[event_type].append(handler)


def unsubscribe(event_type, handler):
    """Stop calling ``handler`` for ``event_type``; unknown handlers are ignored."""
    if handler in _subscribers[event_type]:
        _subscribers[event_type].remove(handler)


def listened(event_type):
    """Return whether emitting ``event_type`` now may reach a handler that acts on it.

    Every handler counts unless it carries a ``wants(event_type)`` saying no. A service that
    would open a transaction only so that the handlers' writes commit with its own asks first:
    the capture's one-statement insert of a new lead runs in autocommit when nobody listens.
    """
    for handler in (*_subscribers[event_type], *_subscribers[ALL]):
        wants = getattr(handler, "wants", None)
        if wants is None or wants(event_type):
            return True
    return False


def emit(event_type, **payload):
    """Announce ``event_type`` with ``payload`` to its subscribers, in the caller's transaction."""
    event = Event(type=event_type, payload=payload)
    for handler in (*_subscribers[event_type], *_subscribers[ALL]):
        handler(event)
    return event
