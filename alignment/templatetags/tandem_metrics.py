"""Filters that format the weekly numbers the same way on the dashboard and in the digests."""

from decimal import Decimal

from django import template

from campaigns.models import Channel
from handoffs.clock import duration_text
from handoffs.models import Handoff
from leads.models import Lead

register = template.Library()
DASH = "—"


@register.filter
def pct(rate):
    """Render a rate (0..1, or a ratio such as ROI) as a whole percentage, or a dash when there is none."""
    if rate is None or rate == "":
        return DASH
    return f"{round(float(rate) * 100):,}%"


@register.filter
def minutes(value):
    """Render working minutes as "25 min" or "9 h", or a dash when there are none."""
    if value is None or value == "":
        return DASH
    return duration_text(round(float(value) * 60))


@register.filter
def money(amount):
    """Render money with thousands separators and two places, or a dash."""
    if amount is None or amount == "":
        return DASH
    return f"{Decimal(amount):,.2f}"


@register.filter
def channel_label(value):
    """Return the display name of a channel."""
    try:
        return Channel(value).label
    except ValueError:
        return value


@register.filter
def status_label(value):
    """Return the display name of a lead status."""
    try:
        return Lead.Status(value).label
    except ValueError:
        return value


@register.filter
def reject_reason_label(value):
    """Return the display name of a hand-off rejection reason."""
    try:
        return Handoff.RejectReason(value).label
    except ValueError:
        return value


@register.filter
def lost_reason_label(value):
    """Return the display name of a lost reason."""
    try:
        return Lead.LostReason(value).label
    except ValueError:
        return value
