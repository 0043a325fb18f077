"""Hand-built history for the weekly numbers: leads with StatusChange rows as lead_transition writes them."""

import datetime
from decimal import Decimal

from django.utils import timezone

from campaigns.models import Channel
from handoffs.models import Handoff
from leads.models import Lead, StatusChange, Touchpoint
from leads.tests.factories import LeadFactory


def at(day, hour=0, minute=0, tz=None):
    """Return an aware datetime on the date at the hour, in TIME_ZONE (or tz)."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz or timezone.get_default_timezone())


def lead_with_history(*, created_at, path=(), source=Channel.PAID_SEARCH, campaign=None, owner=None, **fields):
    """Create a lead created at `created_at` that moved along `path` [(status, when), ...]; keep status consistent."""
    lead = LeadFactory(
        created_at=created_at,
        status_changed_at=created_at,
        source=source,
        first_touch_campaign=campaign,
        last_touch_campaign=campaign,
        owner=owner,
    )
    status = Lead.Status.NEW
    for to_status, when in path:
        StatusChange.objects.create(lead=lead, from_status=status, to_status=to_status, changed_at=when)
        status = to_status
        lead.status_changed_at = when
    lead.status = status
    for name, value in fields.items():
        setattr(lead, name, value)
    if status == Lead.Status.WON and not lead.deal_value:
        lead.deal_value = Decimal("1000.00")
    if status == Lead.Status.LOST and not lead.lost_reason:
        lead.lost_reason = Lead.LostReason.OTHER
    lead.save()
    return lead


def touch(lead, when, channel, campaign=None):
    """Record a touchpoint of the lead."""
    return Touchpoint.objects.create(lead=lead, occurred_at=when, channel=channel, campaign=campaign)


def handoff(lead, created_at, *, outcome=Handoff.Outcome.PENDING, responded_at=None, assigned_to=None, **fields):
    """Create a hand-off row as handoff_create/accept/reject leave it."""
    return Handoff.objects.create(
        lead=lead,
        created_at=created_at,
        accept_deadline=fields.pop("accept_deadline", created_at + datetime.timedelta(hours=24)),
        outcome=outcome,
        responded_at=responded_at,
        assigned_to=assigned_to,
        **fields,
    )
